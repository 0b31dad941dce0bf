"""Choice lists authentik's serializers take from outside the API schema: a GeoIP policy's
countries (django-countries, R-PO-06) and a user's or role's blueprint-only permissions
(R-CORE-08, R-RB-02). The lists are generated data (rules/countries.json,
rules/permissions.json), read only when a file has an entry that uses them. The rules are the
`countries` and `permissions` shapes of rules/serializer_rules.yaml; avlint.checks.serializer_rules
reports what the functions here find (the rule code is its business, not this module's)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any, NamedTuple

from yaml.nodes import Node, SequenceNode

from avlint.checks.values import string_field_text
from avlint.findings import YamlPath
from avlint.nodes import Pair, is_custom_tag
from avlint.resources import rules_dir
from avlint.versions import Release

# What a rule finds: the node, its path and the message.
Problem = tuple[Node, YamlPath, str]
_INVALID_CHOICE = '"{value}" is not a valid choice.'  # DRF's ChoiceField, quoted by authentik
_DEFAULT_VERBS = ("add", "change", "delete", "view")  # the permissions Django gives every model


def _plain_list(node: Node) -> bool:
    """A list written out; an !Enumerate (a sequence node too) is built on the server."""
    return isinstance(node, SequenceNode) and not is_custom_tag(node)


def _json(name: str) -> Any:
    import json

    return json.loads((rules_dir() / name).read_text(encoding="utf-8"))


# --- countries ------------------------------------------------------------------------------------


class Countries(NamedTuple):
    alpha2: frozenset[str]
    alpha3: dict[str, str]
    numeric: dict[int, str]
    names: dict[str, str]  # lower-case name -> alpha-2


@lru_cache(maxsize=1)
def countries() -> Countries:
    rows = _json("countries.json")["countries"]
    names = {name: row[0] for row in rows for name in row[3]}
    return Countries(
        frozenset(row[0] for row in rows), {row[1]: row[0] for row in rows}, {row[2]: row[0] for row in rows}, names
    )


def country_code(value: str) -> str | None:
    """The alpha-2 code django-countries' serializer field makes of `value` (authentik's GeoIP
    policy, R-PO-06), or None when it refuses it; "" stays "" (the field allows blank).

    The order is the field's: a text of digits is a numeric code, three characters an alpha-3
    code, anything else an alpha-2 code (all case-insensitive); what none of them finds is
    looked up as an English name, ignoring case."""
    if value == "":
        return ""
    table = countries()
    code = value.upper()
    found: str | None
    if code.isdigit():
        try:
            found = table.numeric.get(int(code))
        except ValueError:  # digits int() cannot read (a superscript two): refused
            found = None
    elif len(code) == 3:
        found = table.alpha3.get(code)
    else:
        found = code if code in table.alpha2 else None
    return found or table.names.get(value.lower())


def _country_hint(value: str) -> str:
    from avlint.suggest import closest

    table = countries()
    guess = closest(value.lower(), table.names, cutoff=0.65) if len(value) > 3 else None
    if guess is not None:
        return f" (did you mean '{guess}', {table.names[guess]}?)"
    return " (write an ISO 3166-1 country: alpha-2 such as DE, alpha-3 such as DEU, numeric such as 276, or its name)"


def country_problems(rule: dict[str, Any], data: dict[str, Pair]) -> Iterator[Problem]:
    """R-PO-06: each item a country django-countries knows, at most `max_items` of them."""
    pair = data.get(rule["field"])
    if pair is None or not _plain_list(pair.value):
        return  # absent (the field rules report it required), not a list (AV201), or built by a tag
    items = pair.value.value
    if len(items) > rule["max_items"]:
        message = rule["max_items_message"].format(max_items=rule["max_items"])
        yield pair.value, pair.path, f"{rule['field']}: {message} (it has {len(items)})"
    for index, item in enumerate(items):
        text = string_field_text(item)
        if text is None or country_code(text) is not None:
            continue  # a tag, null or a non-string (the field rules' business), or a country
        yield item, (*pair.path, index), _INVALID_CHOICE.format(value=text) + _country_hint(text)


# --- permissions ----------------------------------------------------------------------------------


class PermissionList(NamedTuple):
    release: Release  # the release line the list is of
    choices: frozenset[str]
    by_codename: dict[str, tuple[str, ...]]  # codename -> every permission with it


@lru_cache(maxsize=1)
def _permission_data() -> dict[str, Any]:
    data: dict[str, Any] = _json("permissions.json")
    return data


@lru_cache(maxsize=8)
def permission_list(release: Release) -> PermissionList | None:
    """The choices of the newest release line at or before `release` that has a list; None
    before the first (the schemas show the field from 2024.8 on)."""
    data = _permission_data()
    lines = [line for line in data["releases"] if Release.parse(line) <= release]
    if not lines:
        return None
    line = lines[-1]
    position = data["releases"].index(line)
    chosen = [row[0] for row in data["permissions"] if _covers(row[1], position, data["releases"])]
    by_codename: dict[str, list[str]] = {}
    for permission in chosen:
        by_codename.setdefault(permission.partition(".")[2], []).append(permission)
    return PermissionList(
        Release.parse(line), frozenset(chosen), {name: tuple(perms) for name, perms in by_codename.items()}
    )


def _covers(runs: list[str], position: int, releases: list[str]) -> bool:
    for run in runs:
        first, _, last = run.partition("-")
        if releases.index(first) <= position <= releases.index(last or first):
            return True
    return False


def _new_model_permission(value: str, release: Release) -> bool:
    """For a release newer than the newest list: Django's default permission of a model the
    release has (`app.add_model`) may be new there, so it is not refused."""
    from avlint.spec.model import model_exists

    app, _, codename = value.partition(".")
    verb, _, name = codename.partition("_")
    return verb in _DEFAULT_VERBS and bool(name) and model_exists(f"{app}.{name}", release)


def _permission_items(
    rule: dict[str, Any], data: dict[str, Pair], release: Release
) -> Iterator[tuple[Node, YamlPath, str, PermissionList]]:
    pair = data.get(rule["field"])
    known = permission_list(release) if pair is not None and _plain_list(pair.value) else None
    if pair is None or known is None:
        return  # absent, not a list (AV201), built by a tag (!Enumerate), or before the first list
    for index, item in enumerate(pair.value.value):
        text = string_field_text(item)
        if text is not None:
            yield item, (*pair.path, index), text, known


def permission_problems(rule: dict[str, Any], data: dict[str, Pair], release: Release) -> Iterator[Problem]:
    """R-CORE-08, R-RB-02: each item one of the release's `app_label.codename` choices."""
    for item, path, text, known in _permission_items(rule, data, release):
        if text in known.choices or (known.release < release and _new_model_permission(text, release)):
            continue
        yield item, path, _INVALID_CHOICE.format(value=text) + _permission_hint(text, known, release)


def shared_codename_problems(rule: dict[str, Any], data: dict[str, Pair], release: Release) -> Iterator[Problem]:
    """A valid permission whose codename other apps share: authentik grants all of them."""
    for item, path, text, known in _permission_items(rule, data, release):
        shared = [p for p in known.by_codename.get(text.partition(".")[2], ()) if p != text]
        if text in known.choices and shared:
            yield item, path, rule["shared_message"].format(value=text, also=", ".join(shared))


def _permission_hint(value: str, known: PermissionList, release: Release) -> str:
    from avlint.suggest import closest

    guess = closest(value, known.choices, cutoff=0.75)
    if guess is None and "." not in value:
        named = known.by_codename.get(value)
        guess = named[0] if named else None
    where = (
        f"authentik {known.release}, the newest release whose list avlint has"
        if known.release < release
        else f"authentik {release}"
    )
    hint = f"did you mean '{guess}'? " if guess else ""
    return f" ({hint}not one of the {len(known.choices)} permissions of {where}: app_label.codename)"
