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

import re
from collections.abc import Callable

from yaml.nodes import MappingNode, ScalarNode

from avlint.blueprint import classify
from avlint.embedded.carriers import EmbeddedValue, embedded_values
from avlint.embedded.positions import PositionMap, line_starts
from avlint.engine import FileResult, Located, _stamp, lint_text
from avlint.findings import Finding
from avlint.fingerprint import fingerprint
from avlint.loader.problems import ContentProblem
from avlint.loader.yaml_nodes import compose
from avlint.settings import Settings
from avlint.suppressions import parse_suppressions

_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
# An embedded text that does not parse still counts as a blueprint when it has a top-level
# blueprint key: then the syntax error is the user's problem (AV001), not a reason to skip.
_BLUEPRINT_LINE = re.compile(r"^(?:version|entries|metadata|context)\s*:", re.MULTILINE)
_UNDISCOVERED = (
    "the key holds a blueprint, but mounted as a blueprints folder (the Helm chart's `blueprints:`) it becomes "
    "a file authentik's discovery never reads: only `*.yaml` names not starting with a dot are; rename the key"
)
SKIPPED = "a Kubernetes ConfigMap or Secret with no blueprint among its values"


def lint_embedded(path: str, text: str, settings: Settings, hits: list[Located]) -> FileResult | None:
    """The file's result when it holds ConfigMaps or Secrets (None when it holds none).
    `hits` are problems of the outer file already found (a byte-order mark)."""
    values = embedded_values(text)
    if values is None:
        return None
    hits = list(hits)
    mapped: list[Finding] = []
    suppressed = skipped = blueprints = 0
    outer_starts = line_starts(text)
    for value in values:
        if value.problem is not None:
            (line, column), (end_line, end_column) = _span(value.node)
            hits.append(Located("AV010", line, column, end_line, end_column, f"{value.label}: {value.problem}"))
            continue
        if value.text is None or not is_blueprint(value.text):
            skipped += 1
            continue
        blueprints += 1
        if not discoverable(value.key):
            (line, column), (end_line, end_column) = _span(value.key_node)
            hits.append(Located("AV011", line, column, end_line, end_column, f"{value.label}: {_UNDISCOVERED}"))
        inner = lint_text(path, value.text, settings)
        suppressed += inner.suppressed
        positions = PositionMap(outer_starts, value.text, value.offsets(text), value.node.start_mark.index)
        lines = _LINE_BREAK.split(value.text)
        mapped.extend(_outer(finding, value, positions, lines) for finding in inner.findings)
    if not blueprints and not hits:
        return FileResult(path, skipped=SKIPPED, skipped_values=skipped)
    result = _stamp(path, text, hits, settings, settings.enabled_codes())
    suppressions = parse_suppressions(text, _inside_scalar(text)) if "avlint:" in text else None
    for finding in mapped:
        if suppressions is not None and suppressions.covers(finding.rule, finding.line):
            suppressed += 1
        else:
            result.findings.append(finding)
    result.findings.sort()
    result.suppressed += suppressed
    result.skipped_values = skipped
    return result


def is_blueprint(text: str) -> bool:
    """The test a file passes to be linted: a top-level mapping with blueprint keys."""
    try:
        root = compose(text)
    except ContentProblem:
        return _BLUEPRINT_LINE.search(text) is not None
    return isinstance(root, MappingNode) and classify(root) == "blueprint"


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
        fix=None,  # a fix's nodes belong to the embedded text: `avlint fix` edits it (avlint.embedded.fix)
        fingerprint=fingerprint(lines, finding.replace(yaml_path=path)),
    )


def discoverable(key: str) -> bool:
    """Whether authentik's discovery reads the file this key becomes when the Helm chart mounts
    the object as a blueprints folder: `*.yaml` only, never a name starting with a dot."""
    return key.endswith(".yaml") and not key.startswith(".")


def _span(node: ScalarNode) -> tuple[tuple[int, int], tuple[int, int]]:
    start, end = node.start_mark, node.end_mark
    return (start.line + 1, start.column + 1), (end.line + 1, end.column + 1)


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
