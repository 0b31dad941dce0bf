"""Blueprint validation as ``POST /managed/blueprints/`` runs it (recordings 098-102).

A small stand-in for authentik's ``Importer.validate()``: parse the YAML (custom tags accepted),
check the version, then each entry's model, and run the fake's own serializers on the entries of the
models it knows (authenticator validation stages and flows) with the importer's semantics: data is
attrs deep-merged with identifiers (identifiers win), an existing object is updated partially.
Values that are YAML tags (``!KeyOf`` ...) are not resolved; such fields are left out of validation.

The answer is the list of log events, ``[]`` when the blueprint is valid. Content that is not YAML
raises ``Unhandled``: the real server fails with an unhandled error there (405, empty body).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .data import blueprint_models
from .http import Unhandled
from .serializer import Invalid
from .state import VALIDATE
from .validate import validate_flow, validate_stage

if TYPE_CHECKING:
    from .state import State

TAGS = (
    "!KeyOf",
    "!Find",
    "!FindObject",
    "!Context",
    "!Format",
    "!Env",
    "!File",
    "!ParseJSON",
    "!Condition",
    "!If",
    "!Enumerate",
    "!Index",
    "!Value",
    "!AtIndex",
)


class Tag:
    """An unresolved YAML tag value."""

    def __init__(self, tag: str, value: Any):
        self.tag = tag
        self.value = value


def _loader() -> Any:
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class BlueprintLoader(base):  # type: ignore[misc, valid-type]
        pass

    def construct(loader: Any, node: Any) -> Tag:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return Tag(node.tag, value)

    for tag in TAGS:
        BlueprintLoader.add_constructor(tag, construct)
    return BlueprintLoader


def _merge(attrs: dict[str, Any], identifiers: dict[str, Any]) -> dict[str, Any]:
    merged = dict(attrs)
    for key, value in identifiers.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _has_tag(value: Any) -> bool:
    if isinstance(value, Tag):
        return True
    if isinstance(value, dict):
        return any(_has_tag(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_tag(v) for v in value)
    return False


def validate(state: State, content: str) -> list[str]:
    import yaml

    try:
        document = yaml.load(content, Loader=_loader())
    except yaml.YAMLError as exc:
        raise Unhandled(f"blueprint content is not YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise Unhandled("blueprint content is not a mapping")
    if document.get("version", 1) != 1:
        return ["Invalid blueprint version"]
    entries = document.get("entries") or []
    if isinstance(entries, dict):
        entries = [entry for section in entries.values() for entry in (section or [])]
    for entry in entries:
        if not isinstance(entry, dict):
            raise Unhandled("blueprint entry is not a mapping")
        error = _validate_entry(state, entry)
        if error is not None:
            return [error, "Blueprint validation failed"]
    return []


def _validate_entry(state: State, entry: dict[str, Any]) -> str | None:
    conditions = entry.get("conditions") or []
    if not all(c for c in conditions if not isinstance(c, Tag)):
        return None
    model = entry.get("model")
    if isinstance(model, Tag):
        return None
    if not isinstance(model, str) or model.lower() not in blueprint_models():
        return "App or Model does not exist"
    if entry.get("state", "present") == "absent":
        return None
    identifiers = entry.get("identifiers") or {}
    attrs = entry.get("attrs") or {}
    if not isinstance(identifiers, dict) or not isinstance(attrs, dict):
        return None
    data = {key: value for key, value in _merge(attrs, identifiers).items() if not _has_tag(value)}
    try:
        if model.lower() == VALIDATE:
            existing = _find((s for s in state.stages.values() if s.model == VALIDATE), identifiers, "name")
            validate_stage(state, data, partial=existing is not None, instance_pk=existing)
        elif model.lower() == "authentik_flows.flow":
            existing = _find(state.flows.values(), identifiers, "slug")
            validate_flow(state, data, partial=existing is not None, instance_pk=existing)
    except Invalid as exc:
        return f"Entry invalid: Serializer errors {exc.errors!r}"
    return None


def _find(objects: Any, identifiers: dict[str, Any], key: str) -> str | None:
    """The importer's lookup: ``pk`` OR the other identifiers (only ``key`` is modelled)."""
    for obj in objects:
        if identifiers.get("pk") == obj.pk or (key in identifiers and identifiers[key] == getattr(obj, key)):
            return obj.pk
    return None
