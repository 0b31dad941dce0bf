"""The ConfigMaps and Secrets of a (multi-document) YAML file and their string values.

ConfigMap `data` and Secret `stringData` values are text; Secret `data` values are base64.
ConfigMap `binaryData` is binary and never read. Documents of any other kind are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import NamedTuple

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from avlint.embedded.scalar import value_offsets
from avlint.loader.limits import MAX_DEPTH
from avlint.loader.problems import ContentProblem

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
CARRIER_KINDS = ("ConfigMap", "Secret")
_CARRIER_LINE = re.compile(r"^kind:[ \t]*[\"']?(?:ConfigMap|Secret)\b", re.MULTILINE)


class EmbeddedValue(NamedTuple):
    """One `data`/`stringData` value of a ConfigMap or Secret."""

    owner: str  # `ConfigMap authentik/blueprints`: what messages name
    key: str
    key_node: ScalarNode
    node: ScalarNode
    parent_indent: int  # the column of the mapping holding the value
    base64: bool  # a Secret's `data`: the text is the decoded value
    text: str | None  # None when it cannot be decoded
    problem: str | None = None  # why it cannot be decoded

    @property
    def label(self) -> str:
        return f"{self.owner}, key {self.key}"

    def offsets(self, outer: str) -> list[int] | None:
        """Outer offsets of each character of the embedded text (None: only the value's start is known)."""
        if self.base64:
            return None
        return value_offsets(outer, self.node, self.parent_indent)


def carrier_kind(root: Node) -> str | None:
    """'ConfigMap' or 'Secret' for a Kubernetes v1 object of that kind, else None.

    The one place that says what a carrier is (the file classifier may take this over)."""
    if not isinstance(root, MappingNode):
        return None
    top = {key.value: value for key, value in root.value if isinstance(key, ScalarNode)}
    api, kind = top.get("apiVersion"), top.get("kind")
    if isinstance(api, ScalarNode) and isinstance(kind, ScalarNode) and api.value == "v1":
        return kind.value if kind.value in CARRIER_KINDS else None
    return None


def embedded_values(text: str) -> list[EmbeddedValue] | None:
    """Every string value of every ConfigMap and Secret in `text`; None when the file holds none.
    ContentProblem (AV001) when a stream with a ConfigMap or Secret does not parse; None when
    another file does not (the ordinary lint path reports it)."""
    if "{{" in text:
        return None  # a Helm or other template: not YAML until rendered
    if max(map(len, text.splitlines()), default=0) + text.count("[") + text.count("{") > MAX_DEPTH:
        return None  # possibly too deep for the composer: the ordinary path's guards decide
    try:
        documents = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as error:
        if _CARRIER_LINE.search(text) is None:
            return None  # not ours: the ordinary lint path reports it
        # A stream of Kubernetes objects with a syntax error: say where, not that the file holds
        # several documents (which is all the one-document blueprint loader would see).
        mark = error.problem_mark or error.context_mark
        message = "; ".join(part for part in (error.context, error.problem) if part) or "invalid YAML"
        raise ContentProblem("AV001", message, *((mark.line + 1, mark.column + 1) if mark else (1, 1))) from None
    except (yaml.YAMLError, RecursionError):
        return None
    found: list[EmbeddedValue] = []
    carriers = 0
    for number, kind, root in _objects(documents):
        carriers += 1
        owner = _owner(kind, root, number, len(documents))
        sections = ("data", "stringData") if kind == "Secret" else ("data",)
        for key, value in root.value:
            if isinstance(key, ScalarNode) and key.value in sections and isinstance(value, MappingNode):
                found.extend(_values(owner, value, base64=kind == "Secret" and key.value == "data"))
    return found if carriers else None


def _objects(documents: Sequence[Node | None]) -> Iterator[tuple[int, str, MappingNode]]:
    """(document number, kind, object) of every ConfigMap and Secret, also those in the `items`
    of a `v1` List (what `kubectl get -o yaml` prints for several objects)."""
    for number, root in enumerate(documents, start=1):
        if not isinstance(root, MappingNode):
            continue
        kind = carrier_kind(root)
        if kind is not None:
            yield number, kind, root
            continue
        top = {key.value: value for key, value in root.value if isinstance(key, ScalarNode)}
        api, items = top.get("apiVersion"), top.get("items")
        if getattr(api, "value", None) == "v1" and getattr(top.get("kind"), "value", None) == "List":
            for item in items.value if isinstance(items, SequenceNode) else []:
                kind = carrier_kind(item)
                if kind is not None and isinstance(item, MappingNode):
                    yield number, kind, item


def _owner(kind: str, root: MappingNode, number: int, count: int) -> str:
    metadata = next(
        (
            v
            for k, v in root.value
            if isinstance(k, ScalarNode) and k.value == "metadata" and isinstance(v, MappingNode)
        ),
        None,
    )
    fields = (
        {k.value: v.value for k, v in metadata.value if isinstance(k, ScalarNode) and isinstance(v, ScalarNode)}
        if metadata is not None
        else {}
    )
    name = fields.get("name")
    if not name:
        return f"{kind} (document {number})" if count > 1 else f"{kind} (unnamed)"
    namespace = fields.get("namespace")
    return f"{kind} {namespace}/{name}" if namespace else f"{kind} {name}"


def _values(owner: str, mapping: MappingNode, base64: bool) -> list[EmbeddedValue]:
    values = []
    for key, value in mapping.value:
        if not isinstance(key, ScalarNode) or not isinstance(value, ScalarNode) or value.tag.endswith(":null"):
            continue
        indent = mapping.start_mark.column
        if not base64:
            values.append(EmbeddedValue(owner, key.value, key, value, indent, False, value.value))
            continue
        text, problem = _decode_base64(value.value)
        values.append(EmbeddedValue(owner, key.value, key, value, indent, True, text, problem))
    return values


def _decode_base64(value: str) -> tuple[str | None, str | None]:
    import base64
    import binascii

    try:
        data = base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        return None, (
            "the value is not valid base64 (a character outside A-Z, a-z, 0-9, +, / and = padding, or a wrong "
            "length); Kubernetes refuses this Secret: encode the file with `base64 -w0` or put it under stringData"
        )
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        return None, None  # binary content (a certificate, a keystore): not a blueprint, no problem
