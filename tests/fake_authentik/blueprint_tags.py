"""Resolving blueprint tags as authentik 2025.12.4's importer does (``BlueprintEntry.tag_resolver``
and each tag's ``resolve`` in ``authentik/blueprints/v1/common.py``).

* ``resolve`` is ``tag_resolver``: it walks dict values and list items (never dict keys) and
  resolves the tags it meets; a tag's own arguments are resolved only where authentik does it
  (``!Format``/``!Condition`` args, ``!Find`` parts, ``!If``'s condition: only when they are
  themselves tags; ``!If``'s chosen branch and ``!Enumerate``'s body: fully).
* ``!Find`` queries the fake's tables as the importer queries the database, inside the import's
  transaction, so objects saved by earlier entries are found; no match is ``None`` (no error).
* ``!Env`` and ``!File`` read the fake *server's* environment and files (``State.environ``,
  ``State.files``), never the test process's: a fake must not leak the host's variables or read
  its disk. A path that is not there is authentik's OSError: the default.
* Errors authentik turns into ``EntryInvalidError`` raise ``EntryInvalid`` with its text; errors it
  does not catch (a TypeError in a query, a non-string model) raise ``Unhandled``.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from functools import reduce
from operator import ixor
from typing import TYPE_CHECKING, Any

from . import render
from .blueprint_find import FLOW, FieldError, Query, get_model
from .blueprint_yaml import UNSET as UNSET_KEY
from .blueprint_yaml import (
    AtIndex,
    Condition,
    Context,
    Enumerate,
    EnumeratedItem,
    Env,
    File,
    Find,
    FindObject,
    Format,
    If,
    Index,
    KeyOf,
    ParseJSON,
    Value,
    YAMLTag,
)
from .http import Unhandled
from .state import VALIDATE, Binding, BlueprintInstance, Flow, Role, Stage, Token, User

if TYPE_CHECKING:
    from .state import State

POLICY_BINDING = "authentik_policies.policybinding"


class EntryInvalid(Exception):
    """authentik's ``EntryInvalidError``; ``str()`` is the text after ``Entry invalid: ``."""


@dataclass
class Saved:
    """``entry._state.instance``: what an entry created, updated or found (for ``!KeyOf``)."""

    model: str
    pk: Any
    pbm_pk: Any = None  # PolicyBindingModel pk (flows, bindings), which policy bindings target


@dataclass
class Entry:
    raw: dict[str, Any]
    saved: Saved | None = None
    contexts: list[Enumerate] = field(default_factory=list)  # the !Enumerate tags being resolved

    @property
    def id(self) -> Any:
        return self.raw.get("id")


@dataclass
class Import:
    state: State  # the import's transaction (a scratch copy of the server's tables)
    context: dict[str, Any]
    entries: list[Entry]
    logs: list[str] = field(default_factory=list)  # warnings the tags log (captured by validate())


FILE_WARNING = "Failed to read file. Falling back to default value"


def resolve(value: Any, entry: Entry, blueprint: Import) -> Any:
    """``BlueprintEntry.tag_resolver``."""
    resolved = copy.copy(value)
    if isinstance(value, Enumerate):
        entry.contexts.append(value)
    if isinstance(value, YAMLTag):
        resolved = resolve_tag(value, entry, blueprint)
    if isinstance(value, dict):
        for key, inner in value.items():
            resolved[key] = resolve(inner, entry, blueprint)
    if isinstance(value, list):
        for index, inner in enumerate(value):
            resolved[index] = resolve(inner, entry, blueprint)
    if isinstance(value, Enumerate):
        entry.contexts.pop()
    return resolved


def _direct(value: Any, entry: Entry, blueprint: Import) -> Any:
    """An argument resolved only when it is itself a tag (most tags treat their args so)."""
    return resolve_tag(value, entry, blueprint) if isinstance(value, YAMLTag) else value


def resolve_tag(tag: YAMLTag, entry: Entry, blueprint: Import) -> Any:
    try:
        return _RESOLVERS[type(tag)](tag, entry, blueprint)
    except (TypeError, AttributeError, ValueError, KeyError, IndexError, RecursionError) as exc:
        # authentik does not catch these here: the request fails with an unhandled error
        raise Unhandled(f"{type(tag).__name__}: {type(exc).__name__}: {exc}") from exc


def _key_of(tag: KeyOf, entry: Entry, blueprint: Import) -> Any:
    for other in blueprint.entries:
        if other.id == tag.id_from and other.saved is not None:
            model = entry.raw.get("model")
            if other.saved.pbm_pk is not None and isinstance(model, str) and model.lower() == POLICY_BINDING:
                return other.saved.pbm_pk
            return other.saved.pk
    raise EntryInvalid(f"KeyOf: failed to find entry with `id` of `{tag.id_from}` and a model instance")


def _first(tag: Find, entry: Entry, blueprint: Import) -> tuple[str, Any]:
    model_name = _direct(tag.model_name, entry, blueprint)
    try:
        model = get_model(model_name)  # AttributeError for a non-string: unhandled, as in authentik
    except LookupError as exc:
        raise EntryInvalid(str(exc)) from exc
    conditions = []
    for condition in tag.conditions:
        key, value = _direct(condition[0], entry, blueprint), _direct(condition[1], entry, blueprint)
        if not isinstance(key, str):
            raise TypeError("keywords must be strings")
        conditions.append((key, value))
    try:
        found = Query(blueprint.state, model).filter(conditions, match_all=not conditions)
    except FieldError as exc:  # Django raises it from .filter(); !Find does not catch it
        raise Unhandled(f"!Find: {exc}") from exc
    return model, found[0] if found else None


def _find(tag: Find, entry: Entry, blueprint: Import) -> Any:
    _, instance = _first(tag, entry, blueprint)
    return None if instance is None else instance.pk


def _find_object(tag: FindObject, entry: Entry, blueprint: Import) -> Any:
    model, instance = _first(tag, entry, blueprint)
    if instance is None:
        return None
    state = blueprint.state
    if isinstance(instance, Stage):
        if model == "authentik_flows.stage":  # the base Stage has no serializer: NotImplementedError
            raise Unhandled("FindObject on the base stage model")
        return render.stage(state, instance) if instance.model == VALIDATE else render.stage_base(state, instance)
    if isinstance(instance, Flow) and model == FLOW:
        return render.flow(state, instance)
    if isinstance(instance, Binding):
        return render.binding(state, instance)
    if isinstance(instance, User):
        return render.user(state, instance)
    if isinstance(instance, Token):
        return render.token(state, instance)
    if isinstance(instance, Role):
        return render.role(instance)
    if isinstance(instance, BlueprintInstance):
        return render.blueprint(instance)
    raise EntryInvalid(f"Model {tag.model_name} is not resolvable through FindObject")


def _env(tag: Env, entry: Entry, blueprint: Import) -> Any:
    if tag.key is UNSET_KEY:
        raise AttributeError("'Env' object has no attribute 'key'")
    if not isinstance(tag.key, str):
        raise TypeError("str expected")  # os.getenv
    return blueprint.state.environ.get(tag.key) or tag.default


def _file(tag: File, entry: Entry, blueprint: Import) -> Any:
    if tag.path is UNSET_KEY:
        raise AttributeError("'File' object has no attribute 'path'")
    if not isinstance(tag.path, str):
        raise TypeError("expected str, bytes or os.PathLike object")
    text = blueprint.state.files.get(tag.path)
    if text is None:  # an OSError: authentik logs a warning and returns the default
        blueprint.logs.append(FILE_WARNING)
        return tag.default
    return text.strip()


def _context(tag: Context, entry: Entry, blueprint: Import) -> Any:
    if tag.key is UNSET_KEY:
        raise AttributeError("'Context' object has no attribute 'key'")
    value = tag.default
    if tag.key in blueprint.context:
        value = blueprint.context[tag.key]
    return resolve_tag(value, entry, blueprint) if isinstance(value, YAMLTag) else value


def _parse_json(tag: ParseJSON, entry: Entry, blueprint: Import) -> Any:
    try:
        return json.loads(tag.raw)
    except json.JSONDecodeError as exc:
        raise EntryInvalid(str(exc)) from exc


def _format(tag: Format, entry: Entry, blueprint: Import) -> Any:
    args = tuple(_direct(arg, entry, blueprint) for arg in tag.args)
    try:
        return tag.format_string % args
    except TypeError as exc:
        raise EntryInvalid(str(exc)) from exc


_COMPARATORS: dict[str, Any] = {
    "AND": all,
    "NAND": lambda args: not all(args),
    "OR": any,
    "NOR": lambda args: not any(args),
    "XOR": lambda args: reduce(ixor, args) if len(args) > 1 else args[0],
    "XNOR": lambda args: not (reduce(ixor, args) if len(args) > 1 else args[0]),
}


def _condition(tag: Condition, entry: Entry, blueprint: Import) -> Any:
    args = [_direct(arg, entry, blueprint) for arg in tag.args]
    if not args:
        raise EntryInvalid("At least one value is required after mode selection.")
    mode = tag.mode.upper()
    if mode not in _COMPARATORS:
        raise EntryInvalid(str(KeyError(mode)))
    return _COMPARATORS[mode](tuple(bool(arg) for arg in args))


def _if(tag: If, entry: Entry, blueprint: Import) -> Any:
    condition = _direct(tag.condition, entry, blueprint)
    try:
        return resolve(tag.when_true if condition else tag.when_false, entry, blueprint)
    except Unhandled as exc:
        if isinstance(exc.__cause__, TypeError):  # If catches a TypeError of its branch
            raise EntryInvalid(str(exc.__cause__)) from exc
        raise


def _enumerate(tag: Enumerate, entry: Entry, blueprint: Import) -> Any:
    if isinstance(tag.iterable, EnumeratedItem) and tag.iterable.depth == 0:
        raise EntryInvalid(
            "Enumerate tag's iterable references this tag's context. This is a noop. "
            "Check you are setting depth bigger than 0."
        )
    iterable = _direct(tag.iterable, entry, blueprint)
    if not hasattr(iterable, "__iter__"):
        raise EntryInvalid("Enumerate's iterable must be an iterable such as a sequence or a mapping")
    items = tuple(iterable.items()) if isinstance(iterable, dict) else tuple(enumerate(iterable))
    mode = tag.output_body.upper()
    if mode not in ("SEQ", "MAP"):
        raise EntryInvalid(str(KeyError(mode)))
    result: Any = [] if mode == "SEQ" else {}
    try:
        for item in items:
            tag.current = item
            body = resolve(tag.item_body, entry, blueprint)
            if mode == "SEQ":
                result = [*result, body]
            else:
                result = merge(result, {body[0]: body[1]} if isinstance(body, (list, tuple)) else body)
            if not isinstance(result, list if mode == "SEQ" else dict):
                raise EntryInvalid(f"Invalid Enumerate item found: {body}")
    finally:
        tag.current = ()
    return result


def _enumerated(tag: EnumeratedItem, entry: Entry, blueprint: Import) -> Any:
    name = type(tag).__name__
    if tag.depth < 0:
        raise EntryInvalid(f"{name} tag: depth must be a positive number or zero")
    contexts = [c for c in entry.contexts if isinstance(c, Enumerate)]
    if tag.depth >= len(contexts):
        if tag.depth == 0:
            raise EntryInvalid(f"{name} tags are only usable inside an Enumerate tag")
        raise EntryInvalid(f"{name} tag: invalid depth: {tag.depth}. Max depth: {len(contexts) - 1}")
    current = contexts[-(tag.depth + 1)].current
    if len(current) < 2:
        raise EntryInvalid(f"Empty/invalid context: {current}")
    return current[0] if isinstance(tag, Index) else current[1]


def _at_index(tag: AtIndex, entry: Entry, blueprint: Import) -> Any:
    obj = _direct(tag.obj, entry, blueprint)
    attribute = _direct(tag.attribute, entry, blueprint)
    if isinstance(obj, (list, tuple)):
        try:
            return obj[attribute]
        except TypeError as exc:  # even with a default
            raise EntryInvalid(f"Invalid index for list: {attribute}") from exc
        except IndexError as exc:
            if tag.has_default:
                return tag.default
            raise EntryInvalid(f"Index out of range: {attribute}") from exc
    if attribute in obj:
        return obj[attribute]
    if tag.has_default:
        return tag.default
    raise EntryInvalid(f"Key does not exist: {attribute}")


_RESOLVERS: dict[type, Any] = {
    KeyOf: _key_of,
    Find: _find,
    FindObject: _find_object,
    Env: _env,
    File: _file,
    Context: _context,
    ParseJSON: _parse_json,
    Format: _format,
    Condition: _condition,
    If: _if,
    Enumerate: _enumerate,
    Index: _enumerated,
    Value: _enumerated,
    AtIndex: _at_index,
}


def merge(base: Any, other: Any) -> Any:
    """deepmerge's ``always_merger``: dicts merge, lists append, anything else is replaced."""
    if isinstance(base, dict) and isinstance(other, dict):
        for key, value in other.items():
            base[key] = merge(base[key], value) if key in base else value
        return base
    if isinstance(base, list) and isinstance(other, list):
        base.extend(other)
        return base
    return other
