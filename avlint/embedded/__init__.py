"""Blueprints embedded in Kubernetes ConfigMaps and Secrets: find them, lint them at the outer
file's positions, and write fixes back into the embedded text.

Only this module is imported on the lint path of every file: the text test below is all a plain
blueprint pays for.
"""

from __future__ import annotations


def might_embed(path: str, text: str) -> bool:
    """Whether the file may hold a ConfigMap or Secret (cheap: a text search, no parsing)."""
    return "kind:" in text and ("ConfigMap" in text or "Secret" in text) and not path.lower().endswith(".json")
