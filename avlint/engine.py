"""The lint engine: load a file, run the checks, stamp rule data, apply suppressions.

It never prints: it returns results for the reporters and the CLI.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING, Any, BinaryIO, NamedTuple

from yaml.nodes import MappingNode, Node, ScalarNode

from avlint.blueprint import build_document
from avlint.catalogue import by_code
from avlint.checks import REGISTRY, CheckContext, Hit
from avlint.embedded import might_embed
from avlint.findings import Finding, YamlPath
from avlint.fingerprint import stamp_fingerprints
from avlint.fix.model import Fix, Step
from avlint.kind import API_BODY, BLUEPRINT, classify_text
from avlint.loader.problems import ContentProblem, PathError
from avlint.loader.source import SourceText, decode, read_source
from avlint.nodes import a_or_an, end, is_null, kind_name, start
from avlint.settings import Settings
from avlint.suppressions import parse_suppressions
from avlint.versions import Release

if TYPE_CHECKING:
    from avlint.embedded.lint import Outcome

# The blueprint format (version 1, with its tags) arrived in authentik 2022.8.
BLUEPRINTS_SINCE = Release(2022, 8)

# (start, end) positions of quoted and block scalars, where `# avlint:` is text.
Spans = tuple[tuple[tuple[int, int], tuple[int, int]], ...]


class Located(NamedTuple):
    """A hit with its 1-based span, before the engine stamps rule data on it."""

    code: str
    line: int
    column: int
    end_line: int
    end_column: int
    message: str
    path: YamlPath = ()
    fix: Fix | None = None

    @classmethod
    def at(cls, code: str, line: int, column: int, message: str, fix: Fix | None = None) -> Located:
        return cls(code, line, column, line, column, message, (), fix)


class FileResult:
    """One file's findings. A plain class, like the rest of the lint path: dataclasses cost
    start-up time at import."""

    def __init__(
        self,
        path: str,
        findings: list[Finding] | None = None,
        skipped: str | None = None,
        suppressed: int = 0,
        skipped_values: int = 0,
    ) -> None:
        self.path = path
        self.findings: list[Finding] = findings if findings is not None else []
        self.skipped = skipped  # why the file was not linted (not a blueprint)
        self.suppressed = suppressed
        self.skipped_values = skipped_values  # ConfigMap/Secret values that are not blueprints

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FileResult) and vars(self) == vars(other)

    __hash__ = None  # type: ignore[assignment]  # mutable: not hashable

    def __repr__(self) -> str:
        return f"FileResult(path={self.path!r}, findings={self.findings!r}, skipped={self.skipped!r}, suppressed={self.suppressed}, skipped_values={self.skipped_values})"


class RunResult:
    def __init__(
        self, files: list[FileResult], path_errors: list[PathError], baselined: int = 0, baseline_gone: int = 0
    ) -> None:
        self.files = files
        self.path_errors = path_errors
        self.baselined = baselined  # findings hidden by a baseline file (avlint.baseline)
        self.baseline_gone = baseline_gone  # baselined findings that no longer occur

    def __repr__(self) -> str:
        return f"RunResult({len(self.files)} files, {len(self.path_errors)} path errors, baselined={self.baselined}, baseline_gone={self.baseline_gone})"

    @property
    def findings(self) -> list[Finding]:
        return sorted(f for result in self.files for f in result.findings)

    def count(self, severity: str) -> int:
        return sum(1 for result in self.files for f in result.findings if f.severity == severity)

    def exit_code(self, strict: bool = False) -> int:
        if self.path_errors:
            return 2
        if self.count("error") or (strict and self.count("warning")):
            return 1
        return 0


def lint_text(path: str, text: str, settings: Settings, had_bom: bool = False, walked: bool = False) -> FileResult:
    """Lint one file's text. `path` is used for display, to tell JSON from YAML and other kinds of
    file (avlint.kind), and for what authentik's discovery would miss; `walked`: the file was
    found in a named folder, so the folders above that one are not judged (AV124)."""
    enabled = settings.enabled_codes()
    if text.startswith("\ufeff"):  # text read without the utf-8-sig codec keeps the mark
        text, had_bom = text[1:], True
    hits: list[Located] = []
    if had_bom:
        hits.append(
            Located.at(
                "AV005",
                1,
                1,
                "the file starts with a UTF-8 byte-order mark; save it without one",
                Fix("remove the byte-order mark", (Step("strip_bom"),)),
            )
        )
    nul = text.find("\x00")
    if nul >= 0:
        line, column = text.count("\n", 0, nul) + 1, nul - (text.rfind("\n", 0, nul) + 1) + 1
        hits.append(
            Located.at("AV004", line, column, "file contains NUL characters: binary content, not a text blueprint")
        )
        return _stamp(path, "", hits, settings, enabled)
    if might_embed(path, text):  # only files that may hold a ConfigMap or Secret pay for the rest
        from avlint.embedded.lint import lint_values

        embedded = lint_values(text, partial(_lint_embedded, path, settings=settings))
        if embedded is not None:
            return _embedded_result(path, text, hits, settings, embedded)
    root = None
    try:
        verdict, root = classify_text(path, text)
        if not verdict.linted:
            return FileResult(path, skipped=verdict.reason)
        hits.extend(_lint_root(path, text, root, settings, enabled, kind=verdict.kind, walked=walked))
    except ContentProblem as problem:
        hits.append(Located.at(problem.rule, problem.line, problem.column, problem.message))
    return _stamp(
        path, text, hits, settings, enabled, _quoted_spans(root) if root is not None and "avlint:" in text else ()
    )


def _lint_embedded(path: str, text: str, settings: Settings) -> FileResult:
    """An embedded blueprint is mounted under its key's name, not the outer file's: the key is
    judged by AV011, so the outer name's suffix (AV123) and folders (AV124) say nothing here."""
    result = lint_text(path, text, settings, walked=True)
    result.findings = [finding for finding in result.findings if finding.rule != "AV123"]
    return result


def _embedded_result(path: str, text: str, hits: list[Located], settings: Settings, embedded: Outcome) -> FileResult:
    """A file of ConfigMaps and Secrets: its own problems and its embedded blueprints' findings."""
    if not embedded.blueprints and not embedded.hits:
        # Skipped like any other Kubernetes file, for the reason avlint.kind gives every command.
        from avlint.kind import skipped_reason

        reason = skipped_reason(path, text) or "Kubernetes objects with no blueprint among their values"
        return FileResult(path, skipped=reason, skipped_values=embedded.skipped)
    hits = [*hits, *(Located(*hit) for hit in embedded.hits)]
    result = _stamp(path, text, hits, settings, settings.enabled_codes())
    result.findings = sorted([*result.findings, *embedded.findings])
    result.suppressed += embedded.suppressed
    result.skipped_values = embedded.skipped
    return result


def _unreadable(path: str, problem: ContentProblem, settings: Settings) -> FileResult:
    """The one finding of a file whose bytes cannot be read as text (encoding, size)."""
    hit = Located.at(problem.rule, problem.line, problem.column, problem.message)
    return _stamp(path, "", [hit], settings, settings.enabled_codes())


def lint_file(path: str, settings: Settings, walked: bool = False) -> FileResult:
    """Read and lint one file; PathError when it cannot be read at all."""
    try:
        source = read_source(path, settings.max_file_size)
    except ContentProblem as problem:
        return _unreadable(path, problem, settings)
    return lint_text(path, source.text, settings, source.had_bom, walked)


def lint_stream(path: str, stream: BinaryIO, settings: Settings, keep: dict[str, str] | None = None) -> FileResult:
    """Lint what a stream (standard input) holds as the file `path`: the same findings as a file
    with those bytes, and AV006 past --max-file-size. `keep` receives the text read, for the
    passes after linting (the server's findings), since the file on disk may differ."""
    from avlint.loader.source import read_stream

    try:
        data = read_stream(stream, settings.max_file_size)
    except ContentProblem as problem:
        return _unreadable(path, problem, settings)
    if keep is not None:
        keep[path] = data.decode("utf-8", errors="replace")
    return lint_bytes(path, data, settings)


def lint_bytes(path: str, data: bytes, settings: Settings) -> FileResult:
    """Lint raw bytes (for callers that already hold the content, and for tests)."""
    try:
        source: SourceText = decode(data)
    except ContentProblem as problem:
        return _unreadable(path, problem, settings)
    return lint_text(path, source.text, settings, source.had_bom)


def lint_body(path: str, model: str, text: str, settings: Settings) -> FileResult:
    """Lint a JSON API create body for `model` (a stage, flow or binding)."""
    enabled = settings.enabled_codes()
    hits: list[Located] = []
    try:
        root = compose_json_text(text)
        hits.extend(_lint_root(path, text, root, settings, enabled, api_model=model))
    except ContentProblem as problem:
        hits.append(Located.at(problem.rule, problem.line, problem.column, problem.message))
    return _stamp(path, text, hits, settings, enabled)


def lint_data(
    path: str, model: str, data: dict[str, Any], settings: Settings, only: frozenset[str] | None = None
) -> FileResult:
    """Lint an API body given as data (no text: positions are meaningless and left at 1:1).
    `only` narrows the rules run to these codes (checks with none of them are skipped)."""
    from avlint.nodes import node_of

    enabled = settings.enabled_codes() if only is None else settings.enabled_codes() & only
    hits = list(_lint_root(path, "", node_of(data), settings, enabled, api_model=model))
    return _stamp(path, "", hits, settings, enabled)


def compose_json_text(text: str) -> Node | None:
    from avlint.loader.json_nodes import compose_json

    return compose_json(text)


def _lint_root(
    path: str,
    text: str,
    root: Node | None,
    settings: Settings,
    enabled: frozenset[str],
    api_model: str | None = None,
    kind: str = BLUEPRINT,
    walked: bool = False,
) -> Iterator[Located]:
    if root is None or is_null(root):
        yield Located.at("AV007", 1, 1, "the file holds no YAML document (or only null); authentik skips it")
        return
    if not isinstance(root, MappingNode):
        (line, column), (end_line, end_column) = start(root), end(root)
        yield Located(
            "AV008",
            line,
            column,
            end_line,
            end_column,
            f"the top level is {a_or_an(kind_name(root))}; a blueprint must be a mapping with version and entries",
        )
        return
    kind = API_BODY if api_model else kind
    if kind == BLUEPRINT and settings.release < BLUEPRINTS_SINCE:
        # One problem, one finding: every field and tag would otherwise be reported as unknown.
        yield _blueprints_unavailable(root, settings.release)
        return
    document = build_document(
        path, root, api_body=(kind == API_BODY), **({"api_model": api_model} if api_model else {})
    )
    document.walked = walked
    context = CheckContext(document, settings.release, text, settings.spec)
    for check in REGISTRY:
        if check.codes & enabled:
            for hit in check(context):
                yield _position(hit)


def _blueprints_unavailable(root: MappingNode, release: Release) -> Located:
    anchor = next((key for key, _ in root.value if isinstance(key, ScalarNode) and key.value == "version"), root)
    (line, column), (end_line, end_column) = start(anchor), end(anchor)
    return Located(
        "AV122",
        line,
        column,
        end_line,
        end_column,
        f"authentik {release} cannot import blueprints: they arrived in authentik {BLUEPRINTS_SINCE}; "
        f"target {BLUEPRINTS_SINCE} or later",
    )


def _quoted_spans(root: Node) -> Spans:
    """Where quoted and block scalars lie: a `# avlint:` inside one is text, not a comment."""
    from avlint.nodes import walk

    return tuple(
        (start(node), end(node))
        for node, _ in walk(root)
        if isinstance(node, ScalarNode) and node.style in ('"', "'", "|", ">")
    )


def _position(hit: Hit) -> Located:
    (line, column), (end_line, end_column) = start(hit.node), end(hit.node)
    return Located(hit.code, line, column, end_line, end_column, hit.message, hit.path, hit.fix)


def _stamp(
    path: str, text: str, hits: list[Located], settings: Settings, enabled: frozenset[str], quoted: Spans = ()
) -> FileResult:
    def inside_scalar(line: int, column: int) -> bool:
        return any(begin <= (line, column) < finish for begin, finish in quoted)

    suppressions = parse_suppressions(text, inside_scalar)
    for problem in suppressions.problems:
        hits.append(Located.at("AV009", problem.line, problem.column, problem.message))
    result = FileResult(path)
    seen: set[tuple[str, int, int, str]] = set()
    for hit in hits:
        if hit.code not in enabled or (hit.code, hit.line, hit.column, hit.message) in seen:
            continue
        seen.add((hit.code, hit.line, hit.column, hit.message))
        if hit.code != "AV009" and suppressions.covers(hit.code, hit.line):
            result.suppressed += 1
            continue
        rule = by_code(hit.code)
        severity = settings.severity_of(hit.code, rule.severity)
        result.findings.append(
            Finding(
                path,
                hit.line,
                hit.column,
                hit.end_line,
                hit.end_column,
                rule.code,
                rule.name,
                severity,
                rule.effect,
                hit.message,
                hit.fix is not None,
                hit.path,
                hit.fix,
            )
        )
    result.findings = stamp_fingerprints(text, result.findings)
    result.findings.sort()
    return result


def stamp_pass(path: str, text: str, root: Node | None, hits: list[Located], settings: Settings) -> FileResult:
    """Stamp the hits of a pass outside the checks (avlint.live's server-only findings) as the
    checks' hits are: suppression comments, configured severities, fingerprints."""
    quoted = _quoted_spans(root) if root is not None and "avlint:" in text else ()
    return _stamp(path, text, hits, settings, settings.enabled_codes(), quoted)


def lint_paths(
    files: list[str], settings: Settings, named: frozenset[str] | None = None
) -> tuple[list[FileResult], list[PathError]]:
    """Lint files, in parallel worker processes when there are many and more than one core.
    The findings carry no fixes (they hold parse trees; `avlint fix` works file by file).
    `named`: the files named on the command line (the others were found in named folders);
    None when every file was named."""
    from avlint.workers import map_paths

    outcomes = map_paths(partial(_lint_one, settings=settings, named=named), files, settings)
    results = [outcome for outcome in outcomes if isinstance(outcome, FileResult)]
    errors = [outcome for outcome in outcomes if isinstance(outcome, PathError)]
    return results, errors


def _lint_one(path: str, settings: Settings, named: frozenset[str] | None = None) -> FileResult | PathError:
    try:
        result = lint_file(path, settings, walked=named is not None and path not in named)
    except PathError as error:
        return error
    result.findings = [f.replace(fix=None) for f in result.findings]
    return result
