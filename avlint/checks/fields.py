"""Fields against the target release's spec: names, types, choices, lengths, patterns, ranges."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from avlint.blueprint import Entry
from avlint.checks.base import CheckContext, Hit, reports
from avlint.checks.document import rename_fix
from avlint.checks.formats import FORMAT_CHECKS, pattern_text
from avlint.checks.model_refs import holds, reference_text
from avlint.checks.tags import tag_table
from avlint.checks.values import scalar_text
from avlint.findings import YamlPath
from avlint.fix.model import Fix, Step, delete_item, delete_pair, replace
from avlint.modelinfo import normalise_model
from avlint.nodes import (
    BOOL,
    FLOAT,
    INT,
    STR,
    Pair,
    a_or_an,
    is_custom_tag,
    is_null,
    kind_name,
    mapping_pairs,
    scalar_value,
)
from avlint.spec import FieldSpec, ModelSpec
from avlint.suggest import did_you_mean
from avlint.versions import Release

# What DRF's BooleanField accepts besides real booleans.
_DECIMAL_ZEROS = re.compile(r"\.0*\s*$")
_BOOLEAN_TEXT = {"t", "y", "yes", "true", "on", "1", "f", "n", "no", "false", "off", "0"}


@reports(
    "AV119",
    "AV120",
    "AV201",
    "AV202",
    "AV203",
    "AV204",
    "AV205",
    "AV206",
    "AV207",
    "AV208",
    "AV209",
    "AV210",
    "AV211",
    "AV212",
    "AV213",
    "AV214",
    "AV215",
    "AV501",
    "AV502",
)
def check_fields(ctx: CheckContext) -> Iterator[Hit]:
    for entry in ctx.document.entries:
        spec = ctx.spec(entry.model)
        if spec is None or entry.state is None:
            continue
        yield from _unknown_and_read_only(entry, spec)
        yield from _required(entry, spec)
        if entry.state == "absent":
            continue
        own_urls = _serializer_urls().get(str(entry.model), {})
        for key, pair in entry.data().items():
            field = spec.fields.get(key)
            if field is not None and not field.read_only:
                if field.format == "uri" and key in own_urls:
                    field = field._replace(format=None)  # AV607 knows this field's own schemes
                yield from _value(ctx, field, pair.value, pair.path)
        pk = entry.identifiers.get("pk")
        if pk is not None:
            yield from _value(ctx, FieldSpec(name="pk", type="uuid"), pk.value, pk.path)


def _serializer_urls() -> dict[str, dict[str, object]]:
    """URL fields whose serializer takes its own schemes (an LDAP source's ldap://): the
    serializer rules (AV607) check those, not the schema's generic `uri` format (AV501)."""
    from avlint.checks.serializer_rules import rule_data

    fields: dict[str, dict[str, object]] = rule_data()["urls"]["fields"]
    return fields


def _unknown_and_read_only(entry: Entry, spec: ModelSpec) -> Iterator[Hit]:
    for source, pairs in (("attrs", entry.attrs), ("identifiers", entry.identifiers)):
        for key, pair in pairs.items():
            if key == "pk" and source == "identifiers":
                continue
            field = spec.fields.get(key)
            if field is not None:
                if field.read_only:
                    fix = (
                        delete_pair(pair.parent, pair.key_node, f"remove read-only '{key}'")
                        if pair.parent is not None
                        else None
                    )
                    yield Hit(
                        "AV210",
                        pair.key_node,
                        f"'{key}' is read-only in authentik {spec.release}; it is dropped without a word",
                        pair.path,
                        fix,
                    )
                continue
            if key in spec.history:
                yield Hit(
                    "AV212",
                    pair.key_node,
                    _unavailable_field(key, spec),
                    pair.path,
                    _unavailable_fix(pair, spec, pairs),
                )
                continue
            names = [name for name, f in spec.fields.items() if not f.read_only]
            if source == "identifiers":
                if key != spec.pk_name:  # the primary key's own name is a valid lookup field
                    yield Hit(
                        "AV120",
                        pair.key_node,
                        f"{spec.title} has no field '{key}' to look objects up by; the importer fails (Invalid identifier field){did_you_mean(key, names)}",
                        pair.path,
                    )
                continue
            yield Hit(
                "AV211",
                pair.key_node,
                f"{spec.title} has no field '{key}'; authentik drops it without a word{did_you_mean(key, names)}",
                pair.path,
                rename_fix(pair, names, entry.data()),
            )


def _unavailable_fix(pair: Pair, spec: ModelSpec, pairs: dict[str, Pair]) -> Fix | None:
    """Move a replaced field to its successor (`configuration_stage: X` becomes
    `configuration_stages: [X]`), or drop a field the target does not know."""
    if pair.parent is None:
        return None
    successor = spec.history[pair.key][-1].replaced_by
    if successor and successor in spec.fields and successor not in pairs:
        steps = (Step("rename_key", pair.key_node, text=successor), Step("wrap_list", pair.value))
        return Fix(f"rename '{pair.key}' to '{successor}' and make the value a list", steps)
    return delete_pair(pair.parent, pair.key_node, f"remove '{pair.key}', which authentik {spec.release} ignores")


def _unavailable_field(key: str, spec: ModelSpec) -> str:
    rows = spec.history[key]
    later = [row for row in rows if row.since and Release.parse(row.since) > spec.release]
    if later:
        return f"'{key}' needs authentik {later[0].since} or newer (target {spec.release}); older servers drop it without a word"
    row = rows[-1]
    hint = f"; use '{row.replaced_by}'" if row.replaced_by else ""
    return f"'{key}' was removed in authentik {row.until} (target {spec.release}) and is dropped without a word{hint}"


def _required(entry: Entry, spec: ModelSpec) -> Iterator[Hit]:
    state = entry.state
    if state == "absent":
        return
    data = entry.data()
    missing = [name for name in spec.required if name not in data]
    if not missing:
        return
    names = ", ".join(f"'{name}'" for name in missing)
    anchor = entry.pairs["model"].key_node if "model" in entry.pairs else entry.node
    if entry.api_body or state == "must_created":
        what = "the API body" if entry.api_body else "the entry (state must_created)"
        yield Hit(
            "AV205",
            anchor,
            f"{spec.title} needs {names} on create; {what} lacks {'it' if len(missing) == 1 else 'them'}",
            entry.path,
        )
    else:
        yield Hit(
            "AV206",
            anchor,
            f"{spec.title} needs {names} when it is created; if no object matches the identifiers, authentik rejects the entry",
            entry.path,
        )


def _value(
    ctx: CheckContext, field: FieldSpec, node: Node, path: YamlPath, parent: Node | None = None
) -> Iterator[Hit]:
    if is_null(node):
        if not field.nullable:
            yield Hit("AV214", node, f"'{field.name}' may not be null", path)
        return
    if is_custom_tag(node):
        yield from _tagged_value(ctx, field, node, path)
        return
    checker = _CHECKERS.get(field.type or "")
    if checker is not None:
        yield from checker(ctx, field, node, path, parent)


def _tagged_value(ctx: CheckContext, field: FieldSpec, node: Node, path: YamlPath) -> Iterator[Hit]:
    spec = tag_table().get(node.tag)
    yields = spec["yields"] if spec else "any"
    fits = {
        "pk": ("uuid", "integer"),  # users, roles' ids... are integers
        "string": ("string", "enum", "uuid", "boolean", "integer", "number"),
        "bool": ("boolean",),
        "mapping": ("object",),
    }
    if yields != "any" and field.type not in fits.get(yields, ()):
        hint = (
            f"; write [{node.tag} {node.value}]"
            if field.type == "list" and yields == "pk" and isinstance(node, ScalarNode)
            else ""
        )
        yield Hit(
            "AV201",
            node,
            f"'{field.name}' expects {_expected(field)}, but {node.tag} gives {_yield_text(yields)}{hint}",
            path,
        )
        return
    if field.references and node.tag in ("!KeyOf", "!Find"):
        yield from _reference_kind(field, node, path, *_tag_target(ctx, node))


def _tag_target(ctx: CheckContext, node: Node) -> tuple[str | None, str]:
    """The model a `!KeyOf` or `!Find` yields a pk of, and how to name it in a message."""
    if node.tag == "!KeyOf":
        if not isinstance(node, ScalarNode):
            return None, ""  # a malformed !KeyOf; the tag checks report it
        target = ctx.entries_by_id.get(node.value)
        return (target.model if target is not None else None), f"'{node.value}' is"
    if isinstance(node, SequenceNode) and node.value and isinstance(node.value[0], ScalarNode):
        model = node.value[0].value
        if node.value[0].tag == STR and "." in model:
            return normalise_model(model), "the !Find looks up"
    return None, ""  # a model given by a tag is known only when the blueprint is applied


def _reference_kind(field: FieldSpec, node: Node, path: YamlPath, model: str | None, named: str) -> Iterator[Hit]:
    wanted = field.references
    if model is None or wanted is None or holds(wanted, model):
        return
    yield Hit(
        "AV119",
        node,
        f"'{field.name}' must point at {reference_text(wanted)}, but {named} {a_or_an(model)}",
        path,
    )


def _expected(field: FieldSpec) -> str:
    return {
        "uuid": "a UUID",
        "list": "a list",
        "object": "a mapping",
        "boolean": "a boolean",
        "integer": "an integer",
        "number": "a number",
    }.get(field.type or "", "a string")


def _yield_text(yields: str) -> str:
    return {"pk": "a primary key", "string": "a string", "bool": "a boolean", "mapping": "a mapping"}[yields]


def _check_string(
    ctx: CheckContext, field: FieldSpec, node: Node, path: YamlPath, parent: Node | None = None
) -> Iterator[Hit]:
    if not isinstance(node, ScalarNode) or node.tag == BOOL:
        yield Hit("AV201", node, f"'{field.name}' expects a string, not {a_or_an(kind_name(node))}", path)
        return
    text = (scalar_text(node) or "").strip()  # DRF trims whitespace before checking
    if field.min_length and not text:
        yield Hit("AV203", node, f"'{field.name}' may not be blank", path)
        return
    if field.max_length is not None and len(text) > field.max_length:
        yield Hit(
            "AV207",
            node,
            f"'{field.name}' is {len(text)} characters; authentik {ctx.release} allows at most {field.max_length}",
            path,
        )
    if field.pattern and not _compiled(field.pattern).match(text):
        yield Hit("AV208", node, f"'{text}' is not a valid {field.name}: {pattern_text(field.pattern)}", path)
    if text and field.format in FORMAT_CHECKS:
        wanted, valid = FORMAT_CHECKS[field.format]
        if not valid(text):
            yield Hit("AV501", node, f"'{text}' is not a valid {field.name}: authentik expects {wanted}", path)


def _check_enum(
    ctx: CheckContext, field: FieldSpec, node: Node, path: YamlPath, parent: Node | None = None
) -> Iterator[Hit]:
    text = scalar_text(node)
    if text is None:
        yield Hit(
            "AV201",
            node,
            f"'{field.name}' expects one of {', '.join(field.choices)}, not {a_or_an(kind_name(node))}",
            path,
        )
        return
    if text in field.choices or (text == "" and field.blank):
        return
    if text == "" and field.nullable:
        yield Hit(
            "AV202",
            node,
            f"'' is not a valid {field.name}; write null (or leave the key out) for no value, or choose one of"
            f" {', '.join(field.choices)}",
            path,
        )
        return
    other = next((c for c in field.all_choices if c.value == text), None)
    if other is not None:
        fix = (
            delete_item(parent, node, f"remove '{text}', which authentik {ctx.release} does not accept", safe=False)
            if isinstance(parent, SequenceNode)
            else None
        )
        if other.since and Release.parse(other.since) > ctx.release:
            yield Hit(
                "AV213",
                node,
                f"'{text}' for {field.name} needs authentik {other.since} or newer (target {ctx.release})",
                path,
                fix,
            )
        else:
            yield Hit(
                "AV213",
                node,
                f"'{text}' for {field.name} was removed in authentik {other.until} (target {ctx.release})",
                path,
                fix,
            )
        return
    same_case = next((choice for choice in field.choices if choice.lower() == text.lower()), None)
    fix = None
    if same_case is not None and isinstance(node, ScalarNode) and node.tag == STR:
        quote = node.style if node.style in ('"', "'") else ""
        fix = replace(node, f"{quote}{same_case}{quote}", f"write '{same_case}' (choices are case-sensitive)")
    yield Hit(
        "AV202",
        node,
        f"'{text}' is not a valid {field.name}; choose one of {', '.join(field.choices)}{did_you_mean(text, field.choices)}",
        path,
        fix,
    )


def _check_list(
    ctx: CheckContext, field: FieldSpec, node: Node, path: YamlPath, parent: Node | None = None
) -> Iterator[Hit]:
    if not isinstance(node, SequenceNode):
        plain = isinstance(node, ScalarNode) and not node.value.lstrip().startswith("[")
        hint = f"; write [{node.value}]" if plain else ("; remove the quotes" if isinstance(node, ScalarNode) else "")
        yield Hit("AV201", node, f"'{field.name}' expects a list, not {a_or_an(kind_name(node))}{hint}", path)
        return
    if not node.value and not field.allow_empty:
        yield Hit("AV215", node, f"'{field.name}' may not be empty; leave the key out to allow every choice", path)
    if field.items is None:
        return
    item_field = field.items._replace(name=f"{field.name} item")
    for index, item in enumerate(node.value):
        yield from _value(ctx, item_field, item, (*path, index), node)


def _check_uuid(
    ctx: CheckContext, field: FieldSpec, node: Node, path: YamlPath, parent: Node | None = None
) -> Iterator[Hit]:
    text = scalar_text(node) if isinstance(node, ScalarNode) and node.tag == STR else None
    if text is None:
        yield Hit("AV204", node, f"'{field.name}' expects a UUID, not {a_or_an(kind_name(node))}", path)
        return
    if not _is_uuid(text.strip()):
        hint = (
            "; refer to objects by name with !Find or to entries of this file with !KeyOf" if field.references else ""
        )
        yield Hit("AV204", node, f"'{text}' is not a valid UUID{hint}", path)
        return
    if field.references:
        yield from _raw_reference(ctx, field, node, path, text.strip().lower())


def _raw_reference(ctx: CheckContext, field: FieldSpec, node: Node, path: YamlPath, pk: str) -> Iterator[Hit]:
    """A pk written out: fine when an entry of this file creates the object with that pk (as
    authentik's exports do), else it names an object of one server only."""
    target = ctx.entries_by_pk.get(pk)
    if target is not None:
        if target.model is not None and field.references and not holds(field.references, target.model):
            yield Hit(
                "AV119",
                node,
                f"'{field.name}' must point at {reference_text(field.references)}, but {pk} is the pk of"
                f" {a_or_an(target.model)} (line {target.node.start_mark.line + 1})",
                path,
            )
        return
    if ctx.document.api_body:
        return  # an API body names objects by pk: that is what the API takes
    yield Hit(
        "AV502",
        node,
        f"'{field.name}' names {reference_text(field.references or '')} by its primary key {pk}, which no entry of"
        " this file creates; another server has no such object (the import fails: object does not exist)."
        " Use !Find to look it up by name",
        path,
    )


def _is_uuid(text: str) -> bool:
    """What `uuid.UUID(text)` accepts, as authentik's UUID fields parse with it. Not that call
    itself: importing `uuid` (and `platform` with it) costs every pre-commit run start-up time."""
    digits = text.replace("urn:", "").replace("uuid:", "").strip("{}").replace("-", "")
    if len(digits) != 32:
        return False
    try:
        int(digits, 16)
    except ValueError:
        return False
    return True


def _check_boolean(
    ctx: CheckContext, field: FieldSpec, node: Node, path: YamlPath, parent: Node | None = None
) -> Iterator[Hit]:
    if isinstance(node, ScalarNode) and (
        node.tag == BOOL or (node.tag in (STR, INT) and node.value.lower() in _BOOLEAN_TEXT)
    ):
        return
    yield Hit("AV201", node, f"'{field.name}' expects true or false, not {_shown(node)}", path)


def _check_integer(
    ctx: CheckContext, field: FieldSpec, node: Node, path: YamlPath, parent: Node | None = None
) -> Iterator[Hit]:
    number = _drf_integer(node)
    if number is None:
        yield Hit("AV201", node, f"'{field.name}' expects an integer, not {_shown(node)}", path)
        return
    if (field.minimum is not None and number < field.minimum) or (field.maximum is not None and number > field.maximum):
        yield Hit(
            "AV209", node, f"'{field.name}' must be between {field.minimum} and {field.maximum}, not {number}", path
        )
    elif field.references:
        yield from _raw_reference(ctx, field, node, path, str(number))


def _drf_integer(node: Node) -> int | None:
    """The integer DRF's IntegerField reads: int() of the text with a trailing `.0` removed
    (so `30`, `"30"` and `30.0` pass, `1e3` and `30.5` do not)."""
    if not isinstance(node, ScalarNode) or node.tag == BOOL:
        return None
    text = str(scalar_value(node)) if node.tag in (INT, FLOAT) else node.value
    try:
        return int(_DECIMAL_ZEROS.sub("", text))
    except ValueError:
        return None


def _check_number(
    ctx: CheckContext, field: FieldSpec, node: Node, path: YamlPath, parent: Node | None = None
) -> Iterator[Hit]:
    if _as_number(node) is None:
        yield Hit("AV201", node, f"'{field.name}' expects a number, not {_shown(node)}", path)


def _check_object(
    ctx: CheckContext, field: FieldSpec, node: Node, path: YamlPath, parent: Node | None = None
) -> Iterator[Hit]:
    if not isinstance(node, MappingNode):
        yield Hit("AV201", node, f"'{field.name}' expects a mapping, not {a_or_an(kind_name(node))}", path)
        return
    if field.object_fields is None:
        return  # a free-form mapping (a JSONField such as `attributes`): any key is kept
    fields = field.object_fields
    pairs = {pair.key: pair for pair in mapping_pairs(node, path)}
    for key, pair in pairs.items():
        sub = fields.get(key)
        if sub is None:
            yield Hit(
                "AV211",
                pair.key_node,
                f"'{field.name}' has no field '{key}'; authentik drops it{did_you_mean(key, fields)}",
                pair.path,
            )
        else:
            yield from _value(ctx, sub, pair.value, pair.path)
    missing = [name for name, sub in fields.items() if sub.required and name not in pairs]
    if missing:
        yield Hit("AV205", node, f"each '{field.name}' needs {', '.join(repr(m) for m in missing)}", path)


def _as_number(node: Node) -> float | int | None:
    if not isinstance(node, ScalarNode) or node.tag == BOOL:
        return None
    if node.tag in (INT, FLOAT):
        value = scalar_value(node)
        return value if isinstance(value, (int, float)) else None
    try:
        return float(node.value.strip())
    except ValueError:
        return None


def _shown(node: Node) -> str:
    return repr(node.value) if isinstance(node, ScalarNode) else a_or_an(kind_name(node))


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    # Django's validators use \Z; the OpenAPI text says $, which would accept a trailing newline.
    return re.compile(pattern.removesuffix("$") + r"\Z")


_CHECKERS = {
    "string": _check_string,
    "enum": _check_enum,
    "list": _check_list,
    "uuid": _check_uuid,
    "boolean": _check_boolean,
    "integer": _check_integer,
    "number": _check_number,
    "object": _check_object,
}
