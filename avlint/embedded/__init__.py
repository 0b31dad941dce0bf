"""Blueprints embedded in Kubernetes ConfigMaps and Secrets: find them, lint them at the outer
file's positions, and write fixes back into the embedded text.

- carriers:   the ConfigMaps and Secrets of a file and their `data`/`stringData` values
- scalar:     where each character of a value is written in the file (block, quoted, plain)
- positions:  an embedded (line, column) to the outer file's
- blueprints: which values are blueprints, and their position maps (what every command reads)
- lint:       the embedded blueprints' findings at outer positions, AV010 and AV011
- writeback:  a changed blueprint written back into its value, exactly or not at all

Only this module is imported on the lint path of every file: the text test below is all a plain
blueprint pays for.
"""

from __future__ import annotations


def might_embed(path: str, text: str) -> bool:
    """Whether the file may hold a ConfigMap or Secret (cheap: a text search, no parsing)."""
    return "kind:" in text and ("ConfigMap" in text or "Secret" in text) and not path.lower().endswith(".json")
