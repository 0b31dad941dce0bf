"""What authentik's own discovery of the blueprints folder would miss, or trip over.

authentik finds blueprint files with `Path(blueprints_dir).rglob("**/*.yaml")` (`blueprints_find`
in authentik/blueprints/v1/tasks.py): a `.yml` file is never found (AV123), nor a file with a path
part that starts with a dot (AV124). For each file it finds, parses and whose `version` is 1, it
builds the metadata with dacite outside any error handling: malformed `metadata` raises out of
the discovery, which then stops for every file of the run (AV125, reported by the metadata check
in avlint.checks.document instead of AV103, which is for a file that discovery never reads).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from avlint.blueprint import Document
from avlint.checks.base import CheckContext, Hit, reports
from avlint.nodes import is_custom_tag, scalar_value

DISCOVERY_STOPS = (
    "; authentik reads metadata during discovery without catching errors, "
    "so this file stops the discovery of every blueprint, not only its own"
)


@reports("AV123", "AV124")
def check_discovery(ctx: CheckContext) -> Iterator[Hit]:
    doc = ctx.document
    if doc.api_body or not isinstance(doc.root, MappingNode) or not doc.root.value:
        return
    anchor = doc.root.value[0][0]  # the first key: a finding about the whole file, kept short
    name = os.path.basename(doc.path)
    if wrong_suffix(doc.path):
        yield Hit(
            "AV123",
            anchor,
            f"authentik's discovery only picks up files named *.yaml: rename '{name}' to "
            f"'{os.path.splitext(name)[0]}.yaml', or it is never applied from the blueprints folder",
        )
    hidden = hidden_part(doc)
    if hidden is not None:
        what = f"the file name '{hidden}'" if hidden == name else f"the folder '{hidden}'"
        yield Hit(
            "AV124",
            anchor,
            f"{what} starts with a dot: authentik's discovery skips every path with a hidden part, "
            "so this blueprint is never applied from the blueprints folder",
        )


def wrong_suffix(path: str) -> bool:
    """A YAML file authentik's `*.yaml` pattern (case-sensitive) does not match."""
    lower = path.lower()
    return lower.endswith((".yml", ".yaml")) and not path.endswith(".yaml")


def hidden_part(doc: Document) -> str | None:
    """The first path part starting with a dot. A file found by walking a named folder is not
    judged: the walk never enters hidden folders, and the folders above the named one are not
    part of the blueprints folder."""
    if doc.walked or doc.path in ("", "-"):
        return None
    parts = os.path.normpath(doc.path).replace("\\", "/").split("/")
    return next((part for part in parts if part.startswith(".") and part not in (".", "..")), None)


def stops_discovery(ctx: CheckContext) -> bool:
    """Would authentik's discovery read this file's metadata (and so crash on malformed metadata)?
    Only for a file it finds (*.yaml, no hidden part) whose version is 1 (or absent) and whose
    metadata is truthy: `from_dict(...) if metadata else None`."""
    doc = ctx.document
    if doc.path.lower().endswith(".json") or wrong_suffix(doc.path) or hidden_part(doc) is not None:
        return False
    version = doc.top.get("version")
    if version is not None and (is_custom_tag(version.value) or scalar_value(version.value) != 1):
        return False  # discovery skips the file ("invalid blueprint version") before metadata
    metadata = doc.top.get("metadata")
    return metadata is not None and _truthy(metadata.value)


def _truthy(node: Node) -> bool:
    if isinstance(node, (MappingNode, SequenceNode)):
        return bool(node.value)
    if is_custom_tag(node):
        return True  # a tag object is truthy
    return isinstance(node, ScalarNode) and bool(scalar_value(node))
