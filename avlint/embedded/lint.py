"""Lint the blueprints embedded in a file's ConfigMaps and Secrets, at the outer file's positions.

Each value is tested like a file (a top-level mapping with blueprint keys) and, when it is a
blueprint, linted as one. Its findings move to the outer file: the line and column the
characters have there, the message prefixed with the object and key, and a fingerprint built
from the embedded text and a path that starts with the object and key, so moving a value within
the file or editing another one leaves baselines intact.

Suppressions: a `# avlint:` comment inside the embedded text acts on that blueprint as in a file.
A comment of the outer file acts by outer line: `disable-file` covers every embedded blueprint,
`disable=` the findings reported on its line (or the next, alone on its line).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple, Protocol

from yaml.nodes import ScalarNode

from avlint.embedded.blueprints import is_blueprint
from avlint.embedded.carriers import EmbeddedValue, embedded_values
from avlint.embedded.positions import LINE_BREAK, PositionMap, line_starts
from avlint.findings import Finding
from avlint.fingerprint import fingerprint
from avlint.loader.problems import ContentProblem
from avlint.suppressions import parse_suppressions

_UNDISCOVERED = (
    "the key holds a blueprint, but mounted as a blueprints folder (the Helm chart's `blueprints:`) it becomes "
    "a file authentik's discovery never reads: only `*.yaml` names not starting with a dot are; rename the key"
)


class Linted(Protocol):
    """What linting one embedded text gives (the engine's FileResult)."""

    findings: list[Finding]
    suppressed: int


Hit = tuple[str, int, int, int, int, str]  # code, line, column, end line, end column, message


class Outcome(NamedTuple):
    hits: list[Hit]  # problems of the outer file itself (AV010, AV011), for the engine to stamp
    findings: list[Finding]  # the embedded blueprints' findings at outer positions, suppressions applied
    suppressed: int
    blueprints: int  # values linted as blueprints
    skipped: int  # values that are not blueprints


def lint_values(text: str, lint: Callable[[str], Linted]) -> Outcome | None:
    """The findings of the blueprints embedded in `text` (None when it holds no ConfigMap or
    Secret); `lint` lints one embedded text as a file."""
    try:
        values = embedded_values(text)
    except ContentProblem as problem:
        at = (problem.line, problem.column) * 2
        return Outcome([(problem.rule, *at, problem.message)], [], 0, 0, 0)
    if values is None:
        return None
    hits: list[Hit] = []
    mapped: list[Finding] = []
    suppressed = skipped = blueprints = 0
    outer_starts = line_starts(text)
    for value in values:
        if value.problem is not None:
            hits.append(("AV010", *_span(value.node), f"{value.label}: {value.problem}"))
            continue
        if value.text is None or not is_blueprint(value.text):
            skipped += 1
            continue
        blueprints += 1
        if not discoverable(value.key):
            hits.append(("AV011", *_span(value.key_node), f"{value.label}: {_UNDISCOVERED}"))
        inner = lint(value.text)
        suppressed += inner.suppressed
        positions = PositionMap(outer_starts, value.text, value.offsets(text), value.node.start_mark.index)
        lines = LINE_BREAK.split(value.text)
        mapped.extend(_outer(finding, value, positions, lines) for finding in inner.findings)
    kept = _outer_suppressions(text, mapped)
    return Outcome(hits, kept, suppressed + len(mapped) - len(kept), blueprints, skipped)


def _outer_suppressions(text: str, findings: list[Finding]) -> list[Finding]:
    """The findings no `# avlint:` comment of the outer file covers."""
    if "avlint:" not in text:
        return findings
    suppressions = parse_suppressions(text, _inside_scalar(text))
    return [finding for finding in findings if not suppressions.covers(finding.rule, finding.line)]


def _outer(finding: Finding, value: EmbeddedValue, positions: PositionMap, lines: list[str]) -> Finding:
    path = (value.owner, value.key, *finding.yaml_path)
    line, column = positions.outer(finding.line, finding.column)
    end_line, end_column = positions.outer(finding.end_line, finding.end_column)
    where = f" (decoded from base64: line {finding.line} of the blueprint)" if value.base64 else ""
    return finding.replace(
        line=line,
        column=column,
        end_line=end_line,
        end_column=end_column,
        message=f"{value.label}{where}: {finding.message}",
        yaml_path=path,
        fix=None,  # a fix's nodes belong to the embedded text: `avlint fix` edits the embedded text
        fingerprint=fingerprint(lines, finding.replace(yaml_path=path)),
    )


def discoverable(key: str) -> bool:
    """Whether authentik's discovery reads the file this key becomes when the Helm chart mounts
    the object as a blueprints folder: `*.yaml` only, never a name starting with a dot."""
    return key.endswith(".yaml") and not key.startswith(".")


def _span(node: ScalarNode) -> tuple[int, int, int, int]:
    start, end = node.start_mark, node.end_mark
    return start.line + 1, start.column + 1, end.line + 1, end.column + 1


def _inside_scalar(text: str) -> Callable[[int, int], bool]:
    """Where quoted and block scalars lie in every document: an `# avlint:` there is text."""
    import yaml

    from avlint.nodes import walk

    spans = [
        ((node.start_mark.line + 1, node.start_mark.column + 1), (node.end_mark.line + 1, node.end_mark.column + 1))
        for root in yaml.compose_all(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        if root is not None
        for node, _ in walk(root)
        if isinstance(node, ScalarNode) and node.style in ('"', "'", "|", ">")
    ]
    return lambda line, column: any(begin <= (line, column) < finish for begin, finish in spans)
