"""`avlint pull --update PATH`: write the server's values back into existing blueprint files,
the reverse of `apply`, keeping every comment and every byte the update does not touch.

Entries find their live objects exactly as `avlint diff` finds them (avlint.live.drift, with the
importer's matching rules of avlint.live.identity), so what `diff` reports as drift is what this
changes. Each differing field gets the live value through the text edits of `avlint fix`
(avlint.fix.edits: one span replaced, comments inside it moved, not lost); a value written as a
tag (`!Find`, `!KeyOf`, `!Env`...) is never replaced by a literal, since the tag is what makes the
file portable: it is reported as "kept: tagged".

Fields the server has and the file leaves out stay out by default (the file's set of keys is
its author's choice; the importer keeps the server's value for them); `--add-missing` adds them.
Entries without a live object, and entries of the models `diff` does not compare, are reported
and left as they are.

Everything that can refuse the run is checked before the first write: a file that does not parse,
a file that cannot be written (read-only, or in a read-only folder). An updated text must parse
and compare in sync for every field it changed, and add no lint error; and a file changed on disk
since it was read is not overwritten. Each file is written atomically (avlint.atomic_write).
"""

from __future__ import annotations

import itertools
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from avlint.blueprint import Document, Entry, build_document
from avlint.fix.edits import CannotEdit, Edit, apply_edits, edits_for, flow_scalar
from avlint.fix.model import Step
from avlint.live.command import RunDeadline, ServerOptions, connection_from, guarded_streams, within
from avlint.live.drift import MODELS, ObjectDrift, compute_drift
from avlint.nodes import Pair
from avlint.usage import EXIT_USAGE

if TYPE_CHECKING:
    from avlint.live.connection import Connection
    from avlint.live.state import LiveState
    from avlint.versions import Release

EXIT_NOT_WRITTEN = 1


@dataclass(frozen=True)
class UpdateRequest:
    paths: tuple[str, ...]
    server: ServerOptions
    target_version: str | None = None
    diff: bool = False  # print a unified diff and write nothing
    add_missing: bool = False  # also add the fields the server has and the file leaves out


class _Refused(Exception):
    """The run stops before writing anything; the message is printed as is."""


@dataclass
class _File:
    path: str
    text: str  # as read, without a byte-order mark
    had_bom: bool
    raw: bytes  # the bytes read, to tell whether the file changed during the run
    document: Document


@dataclass
class _Plan:
    """What the update does to one file."""

    path: str
    edits: list[Edit] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # the report, one line per field or entry
    changed_fields: list[tuple[int, str]] = field(default_factory=list)  # (entry index, field)


def run_update(request: UpdateRequest, out: TextIO, err: TextIO) -> int:
    _, out, err = guarded_streams(request.server, out, err)
    try:
        return _run_update(request, out, err)
    finally:  # the redacting streams pass on what they still hold, however the run ends
        out.flush()
        err.flush()


def _run_update(request: UpdateRequest, out: TextIO, err: TextIO) -> int:
    from avlint.live.client import ApiError
    from avlint.live.connection import ConnectionError_
    from avlint.versions import UnknownVersionError, resolve_release

    try:
        files = _read_files(list(request.paths))
        connection = connection_from(request.server)
        fixed = None if request.target_version in (None, "auto") else resolve_release(request.target_version)
        live, release = within(connection.run_timeout, _fetch(connection, fixed))
        report = compute_drift([(f.path, f.document) for f in files], live, release)
        plans = [_plan_file(f, report.objects, live, request.add_missing) for f in files]
        texts = {plan.path: _updated_text(file, plan, live, release) for file, plan in zip(files, plans, strict=True)}
        if not request.diff:
            _check_writable([f for f in files if texts[f.path] != f.text])
    except _Refused as refusal:
        err.write(f"{refusal}\n")
        return EXIT_USAGE
    except (ConnectionError_, ApiError, UnknownVersionError, RunDeadline) as error:
        err.write(f"avlint: error: {error}\n")
        return EXIT_USAGE
    return _finish(request, files, plans, texts, out, err)


def _read_files(paths: list[str]) -> list[_File]:
    """Every blueprint of *paths*, parsed; one that cannot be read or parsed refuses the run."""
    from avlint.discovery import discover
    from avlint.kind import BLUEPRINT, classify_text
    from avlint.loader.problems import ContentProblem, PathError
    from avlint.loader.source import DEFAULT_MAX_FILE_SIZE, decode, read_bytes

    found, errors = discover(paths, ())
    problems = [f"{error.path}: error: {error.reason}" for error in errors]
    files = []
    for path in found:
        try:
            raw = read_bytes(path, DEFAULT_MAX_FILE_SIZE)
            source = decode(raw)
            # The rule every command follows (avlint.kind): other YAML is left alone, a broken
            # blueprint is reported. JSON bodies are never updated.
            verdict, root = (
                (None, None) if path.endswith(".json") else classify_text(path, source.text.removeprefix("\ufeff"))
            )
        except PathError as error:
            problems.append(f"{error.path}: error: {error.reason}")
            continue
        except ContentProblem as problem:
            problems.append(f"{path}:{problem.line}:{problem.column}: error: {problem.message}")
            continue
        if verdict is not None and verdict.kind == BLUEPRINT and isinstance(root, MappingNode):
            files.append(_File(path, source.text, source.had_bom, raw, build_document(path, root, api_body=False)))
    if problems:
        raise _Refused("\n".join([*problems, "avlint: error: nothing written"]))
    if not files:
        raise _Refused(f"avlint: error: no blueprint in {', '.join(paths)}; nothing to update")
    return files


async def _fetch(connection: Connection, fixed: Release | None) -> tuple[LiveState, Release]:
    from avlint.live.client import Client
    from avlint.live.state import fetch_state
    from avlint.versions import resolve_release

    async with Client(connection) as client:
        release = fixed or resolve_release(await client.version())
        return await fetch_state(client, set(MODELS)), release


def _plan_file(file: _File, drifts: list[ObjectDrift], live: LiveState, add_missing: bool) -> _Plan:
    plan = _Plan(file.path)
    compared = {id(d.entry) for d in drifts if d.path == file.path}
    others = [e for e in file.document.entries if id(e) not in compared]
    for drift in (d for d in drifts if d.path == file.path):
        assert drift.entry is not None
        where = f"line {drift.line}, {drift.model.rsplit('.', 1)[-1]} '{drift.name}'"
        if drift.action in ("create", "conflict", "unknown", "delete"):
            plan.lines.append(f"  {where}: {_untouched(drift)}: left as it is")
            continue
        obj = live.by_pk(drift.model, drift.live_pk or "")
        if obj is None or (drift.action != "change" and not drift.defaults):
            continue
        data = drift.entry.data()
        for change in drift.changes:
            node = data[change.field].value
            tag = _tag_in(node)
            if tag is not None:
                plan.lines.append(f"  {where}: {change.field}: kept: tagged ({tag}); the server has {change.live!r}")
                continue
            try:
                _own_value(data[change.field], file.text)
                plan.edits.extend(_replace(node, obj.get(change.field), file.text))
            except CannotEdit as error:
                plan.lines.append(f"  {where}: {change.field}: not updated: {error}")
                continue
            plan.changed_fields.append((drift.entry.index, change.field))
            plan.lines.append(f"  {where}: {change.field}: {change.file!r} -> {change.live!r}")
        # As in a pulled file, empty lists and nulls are the server's defaults: never added.
        missing = [
            d.field for d in drift.defaults if d.field not in ("name", "slug") and obj.get(d.field) not in ([], None)
        ]
        if missing and add_missing:
            _add_fields(plan, drift.entry, obj, missing, live, where, file.text)
        elif missing:
            plan.lines.append(f"  {where}: not in the file, left out: {', '.join(missing)} (--add-missing adds them)")
    skipped = Counter(e.model or "?" for e in others)
    for model, count in sorted(skipped.items()):
        plan.lines.append(f"  {count} {model} entr{'y' if count == 1 else 'ies'}: not compared (as in `avlint diff`)")
    return plan


def _untouched(drift: ObjectDrift) -> str:
    return {
        "create": "no live object",
        "conflict": f"conflict ({drift.note})",
        "unknown": f"cannot be compared ({drift.note})",
        "delete": "state absent, but the server has the object",
    }[drift.action]


def _tag_in(node: Node) -> str | None:
    """The first tag the value is or holds, if any: a literal must never replace what it computes."""
    if node.tag.startswith("!"):
        return str(node.tag)
    children: list[Node] = []
    if isinstance(node, SequenceNode):
        children = list(node.value)
    elif isinstance(node, MappingNode):
        children = [part for pair in node.value for part in pair]
    return next((tag for child in children if (tag := _tag_in(child)) is not None), None)


def _own_value(pair: Pair, text: str) -> None:
    """Refuse a value that is not this field's alone: an alias (`*name`), an anchored value
    (`&name`) or a key merged in by `<<` is text other places use too, and rewriting it would
    change them as well."""
    value = pair.value
    if pair.parent is None:
        raise CannotEdit("the field is merged in with `<<`; its text belongs to another mapping")
    if value.start_mark.index < pair.key_node.end_mark.index:
        raise CannotEdit("the value is an alias (*); its text belongs to the anchor")
    if text.startswith("&", value.start_mark.index):
        raise CannotEdit("the value carries an anchor (&) that other places may use")


def _replace(node: Node, value: Any, text: str) -> list[Edit]:
    """The edits that write *value* in place of *node*, in the node's own style: a block list
    stays a block list at its indentation, anything else is written in flow style."""
    if isinstance(node, SequenceNode) and not node.flow_style and node.value and isinstance(value, list) and value:
        first = node.value[0].start_mark.index
        line_start = text.rfind("\n", 0, first) + 1
        indent = " " * (text.rfind("-", line_start, first) - line_start)  # the dash's column
        newline = "\r\n" if "\r\n" in text else "\n"
        replacement = f"{newline}{indent}".join(f"- {_flow(item)}" for item in value)
    elif isinstance(node, ScalarNode) and node.style in ("|", ">") and isinstance(value, str) and "\n" in value:
        raise CannotEdit("a multi-line block scalar is not rewritten; the server's value is shown instead")
    elif isinstance(node, ScalarNode) and node.style in ('"', "'") and isinstance(value, str) and "\n" not in value:
        replacement = _quoted(value, node.style)  # the file's quoting kept
    else:
        replacement = _flow(value)
    return edits_for(Step("replace", node, text=replacement), text)


def _quoted(value: str, style: str) -> str:
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    import json

    return json.dumps(value)  # JSON's escapes are YAML's double-quoted escapes


def _flow(value: Any) -> str:
    """*value* as YAML text on one line (flow style), as the importer will read it back."""
    if isinstance(value, str):
        return flow_scalar(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_flow(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_flow(str(k))}: {_flow(v)}" for k, v in value.items()) + "}"
    return flow_scalar(str(value))


def _add_fields(
    plan: _Plan, entry: Entry, obj: dict[str, Any], names: list[str], live: LiveState, where: str, text: str
) -> None:
    """Add `name: value` lines for *names* to the entry's attrs (--add-missing); references are
    written as pull writes them (!Find by name), never as this server's pks."""
    pair = entry.pairs.get("attrs")
    attrs = pair.value if pair is not None and isinstance(pair.value, MappingNode) else None
    if attrs is None or not attrs.value:
        plan.lines.append(f"  {where}: not added ({', '.join(names)}): the entry has no attrs mapping to add to")
        return
    for name in names:
        line = f"{name}: {_as_reference(obj.get(name), live)}"
        try:
            plan.edits.extend(edits_for(Step("insert_pair", attrs, text=line), text))
        except CannotEdit as error:
            plan.lines.append(f"  {where}: {name}: not added: {error}")
            continue
        plan.changed_fields.append((entry.index, name))
        plan.lines.append(f"  {where}: {name}: added {obj.get(name)!r}")


def _as_reference(value: Any, live: LiveState) -> str:
    """A live value as text; a pk of a known stage or flow as the tag that finds it by name."""
    if isinstance(value, list) and value and all(_known(v, live) for v in value):
        return "[" + ", ".join(_find(str(v), live) for v in value) + "]"
    if _known(value, live):
        return _find(str(value), live)
    return _flow(value)


def _known(value: Any, live: LiveState) -> bool:
    """Whether *value* is the pk of a stage or a flow of the server."""
    text = str(value)
    return isinstance(value, str) and (text in live.stage_names or live.by_pk("authentik_flows.flow", text) is not None)


def _find(pk: str, live: LiveState) -> str:
    if pk in live.stage_names:
        name, model = live.stage_names[pk]
        return f"!Find [{model}, [name, {flow_scalar(name)}]]"
    flow = live.by_pk("authentik_flows.flow", pk) or {}
    return f"!Find [authentik_flows.flow, [slug, {flow_scalar(str(flow.get('slug')))}]]"


def _updated_text(file: _File, plan: _Plan, live: LiveState, release: Release) -> str:
    """The file's text with the plan's edits, once proven sound: it parses, every changed field
    now compares in sync with the server, and it adds no lint error. Otherwise the run stops."""
    if not plan.edits:
        return file.text
    edits = sorted(plan.edits)
    if any(a.end > b.start for a, b in itertools.pairwise(edits)):
        raise _Refused(f"{file.path}: error: two updates overlap; nothing written")
    text = apply_edits(file.text, edits)
    from avlint.engine import lint_text
    from avlint.loader.problems import ContentProblem
    from avlint.loader.yaml_nodes import compose
    from avlint.settings import Settings

    try:
        root = compose(text)
    except ContentProblem as problem:
        raise _Refused(
            f"{file.path}: error: the updated text would not parse ({problem.message}); nothing written"
        ) from None
    assert isinstance(root, MappingNode)
    document = build_document(file.path, root, api_body=False)
    report = compute_drift([(file.path, document)], live, release)
    still = {(d.entry.index, c.field) for d in report.objects if d.entry is not None for c in d.changes} & set(
        plan.changed_fields
    )
    if still:
        index, name = sorted(still)[0]
        raise _Refused(
            f"{file.path}: error: entry {index + 1}, {name}: the update did not take the server's value; nothing written"
        )
    settings = Settings(release=release)
    before = Counter(f.rule for f in lint_text(file.path, file.text, settings).findings if f.severity == "error")
    after = Counter(f.rule for f in lint_text(file.path, text, settings).findings if f.severity == "error")
    added = after - before
    if added:
        raise _Refused(f"{file.path}: error: the update would add a lint error ({sorted(added)[0]}); nothing written")
    return text


def _check_writable(files: list[_File]) -> None:
    problems = []
    for file in files:
        folder = os.path.dirname(os.path.abspath(file.path))
        if not os.access(file.path, os.W_OK):
            problems.append(f"{file.path}: error: read-only: cannot be updated")
        elif not os.access(folder, os.W_OK | os.X_OK):
            problems.append(f"{file.path}: error: its folder {folder} is read-only: cannot be updated")
    if problems:
        raise _Refused("\n".join([*problems, "avlint: error: nothing written"]))


def _finish(
    request: UpdateRequest, files: list[_File], plans: list[_Plan], texts: dict[str, str], out: TextIO, err: TextIO
) -> int:
    from avlint.atomic_write import WriteError, write_file

    failed = updated = 0
    for file, plan in zip(files, plans, strict=True):
        text = texts[file.path]
        changed = text != file.text
        if request.diff:  # the patch on the output, the plan beside it
            if changed:
                out.writelines(diff_lines(file.path, file.text, text))
            err.write(f"{file.path}: {'would update' if changed else 'in sync'}\n")
            err.writelines(line + "\n" for line in plan.lines)
            continue
        if changed and _changed_on_disk(file):
            err.write(f"{file.path}: error: changed on disk during the run; not written\n")
            failed += 1
            continue
        if changed:
            try:
                write_file(file.path, ("\ufeff" if file.had_bom else "") + text)
            except WriteError as error:
                err.write(f"{error.path}: error: {error.reason}\n")
                failed += 1
                continue
            updated += 1
        verb = "updated" if changed else "in sync"
        out.write(f"{file.path}: {verb}\n")
        out.writelines(line + "\n" for line in plan.lines)
    if request.diff:
        would = sum(texts[f.path] != f.text for f in files)
        out.write(f"Would update {would} file{'s' if would != 1 else ''}; nothing written (--diff).\n")
        return 1 if would else 0
    out.write(f"Updated {updated} file{'s' if updated != 1 else ''}.\n")
    return EXIT_NOT_WRITTEN if failed else 0


def diff_lines(path: str, before: str, after: str) -> list[str]:
    import difflib

    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), fromfile=path, tofile=f"{path} (updated)"
    )
    return [line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines]


def _changed_on_disk(file: _File) -> bool:
    try:
        with open(file.path, "rb") as handle:
            return handle.read() != file.raw
    except OSError:
        return True
