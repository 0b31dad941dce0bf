"""authentik's validators that need code rather than a data shape: durations, file names,
URLs, Python expressions, redirect-URI patterns, what a policy binding binds, names shared by
several models' base table, and the enterprise licence. Which fields each applies to is data
(rules/serializer_rules.yaml)."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from functools import cache
from typing import Any

from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from avlint.blueprint import Entry
from avlint.checks.base import CheckContext, Hit, reports
from avlint.checks.serializer_rules import anchor, applies, checked_entries, is_non_empty, is_unknown, rule_data
from avlint.checks.threshold import parse_threshold
from avlint.checks.values import string_field_text
from avlint.nodes import is_null, mapping_pairs, text_of

_RULE = {"since": "2025.12"}  # the release the source was read at (see the data file's header)


def _string_pairs(ctx: CheckContext, table: dict[str, Any]) -> Iterator[tuple[Entry, str, str, Any]]:
    """(entry, field, text, pair) for each plain string value of the fields `table` lists."""
    for entry in checked_entries(ctx, table):
        data = entry.data()
        for field in table[str(entry.model)]:
            pair = data.get(field)
            text = string_field_text(pair.value) if pair is not None else None
            if pair is not None and text is not None:
                yield entry, field, text, pair


@reports("AV605")
def check_durations(ctx: CheckContext) -> Iterator[Hit]:
    """R-V-01: authentik's duration grammar, as the validation stage's threshold uses it."""
    if not ctx.document.entries or not applies(_RULE, ctx):
        return
    table = rule_data()["durations"]
    for _, field, text, pair in _string_pairs(ctx, table["fields"]):
        if not text:
            continue  # blank: refused as blank by the field rules
        result = parse_threshold(text)
        if result.overflow:
            yield Hit(
                "AV605",
                pair.value,
                f"{field} '{text}' overflows authentik's duration parser: the import aborts with an OverflowError",
                pair.path,
            )
        elif not result.valid:
            message = table["message"].format(value=text)
            yield Hit("AV605", pair.value, f"{field}: {message} ({result.error})", pair.path)


_FILE_NAME = re.compile(r"^[a-zA-Z0-9._/-]+$")
_FILE_NAME_PASS = ("fa://", "http:", "https://", "/static")


def file_name_problem(value: str) -> str | None:
    """authentik's file-name validator (R-V-02): the message it gives, or None when valid."""
    if value.startswith(_FILE_NAME_PASS):
        return None
    if not value:
        return "File name cannot be empty"
    if len(value) > 1024:
        return "File name too long (max 1024 characters)"
    if not _FILE_NAME.match(value.replace("%(theme)s", "theme")):
        return (
            "File name can only contain letters (a-z, A-Z), numbers (0-9), dots (.), hyphens (-), underscores (_), "
            "forward slashes (/), and the placeholder %(theme)s for theme-specific files"
        )
    if "//" in value:
        return "File name cannot contain duplicate /"
    if value.startswith("/"):
        return "Absolute paths are not allowed"
    parts = value.split("/")
    if ".." in parts:
        return "Parent directory references ('..') are not allowed"
    if value.startswith("."):
        return "Paths cannot start with '.'"
    if any(len(part) > 255 for part in parts):
        return "Path component too long (max 255 characters)"
    return None


@reports("AV606")
def check_file_names(ctx: CheckContext) -> Iterator[Hit]:
    if not ctx.document.entries or not applies(_RULE, ctx):
        return
    table = rule_data()["file_names"]
    for _, field, text, pair in _string_pairs(ctx, table["fields"]):
        if text == "":
            continue  # blank: skipped, or refused as blank by the field rules
        problem = file_name_problem(text)
        if problem is not None:
            yield Hit("AV606", pair.value, f"{field} '{text}': {problem}", pair.path)


@cache
def _host_label() -> re.Pattern[str]:
    """Compiled on first use: a Unicode range costs milliseconds to compile, and most files have
    no URL field (the lint path pays only for what a file uses)."""
    return re.compile(r"^(?!-)[a-z0-9\u00a1-\uffff-]{1,63}(?<!-)$", re.IGNORECASE)


_IPV6 = re.compile(r"^\[[0-9a-f:.]+\]$", re.IGNORECASE)


def url_problem(value: str, schemes: list[str]) -> str | None:
    """Why Django's URLValidator (authentik's domain-less variant, R-V-03) refuses the value, or
    None. Only the clear cases: avlint must not refuse a URL authentik accepts."""
    if any(char.isspace() for char in value):
        return "it contains whitespace"
    scheme, separator, rest = value.partition("://")
    if not separator:
        return f"it has no scheme (authentik accepts {', '.join(schemes)})"
    if scheme.lower() not in schemes:
        return f"scheme '{scheme}' is not one of {', '.join(schemes)}"
    netloc = re.split(r"[/?#]", rest, maxsplit=1)[0].rpartition("@")[2]
    if netloc.startswith("["):
        host, bracket, port = netloc.partition("]")
        host += bracket
        port = port.removeprefix(":")
    else:
        host, _, port = netloc.partition(":")
    if port and not (port.isdigit() and len(port) <= 5):
        return f"port '{port}' is not a number"
    if not host:
        return "it has no host"
    if _IPV6.match(host):
        return None
    labels = host.rstrip(".").split(".")
    if "_" in host:
        return f"host '{host}' contains an underscore"
    if not all(_host_label().match(label) for label in labels):
        return f"host '{host}' is not a valid host name"
    return None


@reports("AV607")
def check_urls(ctx: CheckContext) -> Iterator[Hit]:
    if not ctx.document.entries or not applies(_RULE, ctx):
        return
    table = rule_data()["urls"]
    fields = table["fields"]
    for entry in checked_entries(ctx, fields):
        data = entry.data()
        for field, spec in fields[str(entry.model)].items():
            pair = data.get(field)
            text = string_field_text(pair.value) if pair is not None else None
            if pair is None or not text:
                continue  # absent, blank (allowed and not validated), or not a plain string
            values = text.split(",") if spec.get("list") else [text]
            for value in values:
                problem = url_problem(value, spec["schemes"])
                if problem is not None:
                    what = f"'{value}' in {field}" if spec.get("list") else f"{field} '{text}'"
                    yield Hit("AV607", pair.value, f"{what}: {table['message']} ({problem})", pair.path)
                    break


def expression_problem(text: str) -> tuple[str, int] | None:
    """The SyntaxError authentik's evaluator would raise compiling the expression (it wraps the
    text in a function, so a top-level `return` is fine), as (message, line in the text)."""
    import textwrap

    source = "def handler():\n" + textwrap.indent(text, "    ")
    try:
        compile(source, "expression", "exec", dont_inherit=True)
    except SyntaxError as error:
        # f-strings parse more freely from Python 3.12 (authentik runs 3.13): an older
        # interpreter's f-string complaint may not be authentik's.
        if sys.version_info < (3, 12) and "f-string" in str(error.msg):
            return None
        return str(error.msg), max((error.lineno or 1) - 1, 1)
    except (ValueError, RecursionError, MemoryError):
        return None
    return None


@reports("AV608")
def check_expressions(ctx: CheckContext) -> Iterator[Hit]:
    if not ctx.document.entries or not applies(_RULE, ctx):
        return
    for entry in checked_entries(ctx, frozenset(rule_data()["expressions"])):
        pair = entry.data().get("expression")
        text = string_field_text(pair.value) if pair is not None else None
        if pair is None or text is None or not text.strip():
            continue  # blank: refused as blank by the field rules (or not compiled, for RAC)
        problem = expression_problem(text)
        if problem is not None:
            message, line = problem
            yield Hit(
                "AV608",
                pair.value,
                f"Expression Syntax Error: {message} (line {line} of the expression; authentik's message says line {line + 1})",
                pair.path,
            )


OAUTH2_PROVIDER = "authentik_providers_oauth2.oauth2provider"


@reports("AV609")
def check_redirect_uris(ctx: CheckContext) -> Iterator[Hit]:
    """R-PR-03: a redirect URI matched as a regular expression must compile with Python's re."""
    if not ctx.document.entries or not applies(_RULE, ctx):
        return
    for entry in checked_entries(ctx, (OAUTH2_PROVIDER,)):
        pair = entry.data().get("redirect_uris")
        if pair is None or not isinstance(pair.value, SequenceNode):
            continue
        for index, item in enumerate(pair.value.value):
            if not isinstance(item, MappingNode):
                continue
            fields = {p.key: p for p in mapping_pairs(item, (*pair.path, index))}
            mode, url = fields.get("matching_mode"), fields.get("url")
            url_text = string_field_text(url.value) if url else None
            if mode is None or url is None or text_of(mode.value) != "regex" or url_text is None:
                continue
            try:
                re.compile(url_text)
            except re.error as error:
                yield Hit("AV609", url.value, f"Invalid Regex Pattern: {url_text} ({error})", url.path)


POLICY_BINDINGS = (
    "authentik_policies.policybinding",
    "authentik_endpoints.deviceuserbinding",
    "authentik_endpoints_connectors_agent.agentdeviceuserbinding",
)
ENTITLEMENT = "authentik_core.applicationentitlement"


@reports("AV610")
def check_policy_binding_kind(ctx: CheckContext) -> Iterator[Hit]:
    """R-PB-01: a policy binding binds exactly one of a policy, a group or a user (an
    application entitlement takes only a group or a user), counted in the entry alone."""
    if not ctx.document.entries or not applies(_RULE, ctx):
        return
    for entry in checked_entries(ctx, POLICY_BINDINGS):
        data = entry.data()
        target = data.get("target")
        kinds = ["group", "policy", "user"]
        if target is not None and target.value.tag == "!KeyOf" and isinstance(target.value, ScalarNode):
            bound = ctx.entries_by_id.get(str(target.value.value))
            if bound is not None and bound.model == ENTITLEMENT:
                kinds = ["group", "user"]
        given = [(kind, data[kind]) for kind in kinds if kind in data and is_non_empty(data[kind].value)]
        names = ", ".join(f"'{kind}'" for kind in kinds)
        if len(given) > 1:
            pair = given[1][1]
            yield Hit(
                "AV610",
                pair.value,
                f"Only one of {names} can be set. (this binding also sets {given[0][0]})",
                pair.path,
            )
        elif not given and not any(kind in data and is_unknown(data[kind].value) for kind in kinds):
            node, path = anchor(entry)
            yield Hit("AV610", node, f"One of {names} must be set. (in this entry, on create and on update)", path)


@reports("AV611")
def check_shared_tables(ctx: CheckContext) -> Iterator[Hit]:
    """R-PR-01, R-PO-01, R-PM-01, R-SO-01: one name (slug) across every type of a base table."""
    if not ctx.document.entries:
        return
    for table, spec in rule_data()["shared_tables"].items():
        first: dict[str, Entry] = {}
        for entry in checked_entries(ctx, frozenset(spec["models"])):
            pair = entry.data().get(spec["field"])
            text = string_field_text(pair.value) if pair is not None else None
            if pair is None or not text:
                continue
            earlier = first.setdefault(text, entry)
            if earlier is not entry and earlier.model != entry.model:
                line = earlier.node.start_mark.line + 1
                yield Hit(
                    "AV611",
                    pair.value,
                    f"{spec['message']} ('{text}' is the {spec['field']} of the {earlier.model} on line {line}; "
                    f"a {table} {spec['field']} is unique across every {table} type)",
                    pair.path,
                )


LICENSED = "goauthentik.io/enterprise/licensed"


@reports("AV612")
def check_runtime_notes(ctx: CheckContext) -> Iterator[Hit]:
    """Failures the file makes likely but cannot decide: an enterprise model or option without
    a licence guard (R-EN-01, R-PR-15), a value refused only when the object is new
    (R-CORE-03) in an entry that may create it."""
    if not ctx.document.entries or not applies(_RULE, ctx):
        return
    yield from _enterprise(ctx)
    yield from _binding_target_found_by_pk(ctx)
    by_model = rule_data()["models"]
    for entry in checked_entries(ctx, by_model):
        if entry.state == "must_created":
            continue  # certain: serializer_rules reports it as AV604
        data = entry.data()
        for rule in by_model[str(entry.model)]:
            if rule["shape"] == "note_unless" and applies(rule, ctx):
                yield from _note_unless(rule, data)
            if rule["shape"] != "on_create" or not applies(rule, ctx):
                continue
            pair = data.get(rule["field"])
            if pair is not None and string_field_text(pair.value) in rule["values"]:
                yield Hit(
                    "AV612",
                    pair.value,
                    f"{rule['message']} (authentik refuses this when no object matches the identifiers yet; "
                    "it is accepted only on an existing object)",
                    pair.path,
                )


def _enterprise(ctx: CheckContext) -> Iterator[Hit]:
    spec = rule_data()["enterprise"]
    models, options = frozenset(spec["models"]), spec["options"]
    for entry in checked_entries(ctx, models | set(options)):
        if "conditions" in entry.pairs:
            continue  # guarded (the usual guard is !Context goauthentik.io/enterprise/licensed)
        if entry.model in models:
            node, path = anchor(entry)
            message = spec["message"]
        else:
            option = options[str(entry.model)]
            pair = entry.data().get(option["field"])
            if pair is None or is_null(pair.value):
                continue
            node, path, message = pair.value, pair.path, option["message"]
        yield Hit(
            "AV612",
            node,
            f"{message} (on a server without an enterprise licence; guard the entry with conditions: [!Context {LICENSED}])",
            path,
        )


_PBM_PK_DIFFERS = ("authentik_flows.flow", "authentik_flows.flowstagebinding")


def _binding_target_found_by_pk(ctx: CheckContext) -> Iterator[Hit]:
    """R-PB-03: a policy binding's identifiers compare `target` with the target's pbm_uuid, but
    `!Find` of a flow or a flow-stage binding gives its own pk, which differs: the lookup never
    finds the existing binding, so every apply after the first creates it again (a duplicate,
    or for a policy the unique (policy, target, order) error)."""
    for entry in checked_entries(ctx, POLICY_BINDINGS):
        pair = entry.identifiers.get("target")
        node = pair.value if pair is not None else None
        if node is None or node.tag != "!Find" or not isinstance(node, SequenceNode) or not node.value:
            continue
        model = (text_of(node.value[0]) or "").lower()
        if model in _PBM_PK_DIFFERS:
            yield Hit(
                "AV612",
                node,
                f"a !Find of {model} in a policy binding's identifiers never matches the existing binding "
                "(the lookup compares the target's pbm_uuid, !Find gives its pk): every later apply "
                "creates it again; use !KeyOf of an entry of this file",
                pair.path if pair is not None else entry.path,
            )


def _note_unless(rule: dict[str, Any], data: dict[str, Any]) -> Iterator[Hit]:
    when = rule["when"]
    trigger = data.get(when["field"])
    if trigger is None or rule["field"] in data or string_field_text(trigger.value) not in when["in"]:
        return
    yield Hit("AV612", trigger.value, rule["message"], trigger.path)
