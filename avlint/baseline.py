"""Baselines: record today's findings, then report only new ones.

A baseline file is `{"tool": "avlint", "version": 1, "findings": [...]}`; each finding is
known by its path (relative to the baseline file's folder, so any working directory works),
its rule and its content fingerprint (avlint.fingerprint), never its line, so edits elsewhere
in a file keep it valid. Identical findings are counted, not merged: a third copy of a
baselined problem is new.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from avlint.engine import FileResult, RunResult

TOOL = "avlint"
VERSION = 1

Key = tuple[str, str, str]  # (path, rule, fingerprint)
Entry = dict[str, str]  # path, rule, name, fingerprint, message


class BaselineError(Exception):
    """The baseline file is missing, unreadable, malformed or not avlint's, or cannot be written."""


@dataclass(frozen=True)
class Baseline:
    root: str  # the folder baseline paths are relative to
    entries: tuple[Entry, ...]

    @cached_property
    def counts(self) -> Counter[Key]:
        return Counter((entry["path"], entry["rule"], entry["fingerprint"]) for entry in self.entries)

    def key_path(self, path: str) -> str:
        return Path(os.path.relpath(os.path.abspath(path), self.root)).as_posix()

    def exists(self, key_path: str) -> bool:
        return os.path.exists(os.path.join(self.root, key_path))


def from_result(result: RunResult, baseline_path: str) -> Baseline:
    empty = Baseline(_root(baseline_path), ())
    rows = sorted((empty.key_path(f.path), f.line, f.column, f) for f in result.findings)
    return Baseline(
        empty.root,
        tuple(
            {"path": path, "rule": f.rule, "name": f.name, "fingerprint": f.fingerprint, "message": f.message}
            for path, _, _, f in rows
        ),
    )


def write(result: RunResult, path: str) -> tuple[Baseline, int]:
    """Record the run's findings in `path`, keeping the entries an existing baseline holds for
    files this run did not lint (a run on part of the tree updates that part). Returns the
    baseline and how many entries were kept. An existing file that is not an avlint baseline
    is an error, not overwritten."""
    current = from_result(result, path)
    kept: tuple[Entry, ...] = ()
    if os.path.exists(path):
        linted = {current.key_path(file.path) for file in result.files}
        kept = tuple(
            entry for entry in load(path).entries if entry["path"] not in linted and current.exists(entry["path"])
        )
    baseline = Baseline(current.root, tuple(sorted(kept, key=lambda entry: entry["path"])) + current.entries)
    document = {"tool": TOOL, "version": VERSION, "findings": list(baseline.entries)}
    from avlint.atomic_write import write_file

    try:
        write_file(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    except OSError as error:
        raise BaselineError(f"cannot write the baseline {path}: {error.strerror or error}") from None
    return baseline, len(kept)


def load(path: str) -> Baseline:
    from avlint.loader.side import SideInputError, parse_json, read_text

    if not os.path.lexists(path):
        raise BaselineError(f"baseline file {path} does not exist (create it with --write-baseline {path})")
    try:
        text = read_text(path)  # a regular file, within the size limit, UTF-8
    except SideInputError as error:
        raise BaselineError(f"cannot read baseline file {path}: {error.detail}") from None
    try:
        document = parse_json(text, path)
    except SideInputError as error:
        where = f"{path}:{error.line}:{error.column}" if error.line is not None else path
        reason = error.reason.removeprefix("not valid JSON: ")
        kind = "is not valid JSON" if reason != error.reason else "cannot be read"
        raise BaselineError(f"{where}: the baseline {kind}: {reason}") from None
    return Baseline(_root(path), tuple(_entries(path, document)))


def _entries(path: str, document: object) -> list[Entry]:
    if not isinstance(document, dict) or document.get("tool") != TOOL:
        tool = document.get("tool") if isinstance(document, dict) else None
        found = f"its tool is {tool!r}" if tool is not None else 'it has no "tool": "avlint"'
        raise BaselineError(f"{path} is not an avlint baseline ({found}); write one with --write-baseline")
    if document.get("version") != VERSION:
        raise BaselineError(
            f"{path}: baseline version {document.get('version')!r} is not supported (this avlint reads version {VERSION})"
        )
    findings = document.get("findings")
    if not isinstance(findings, list):
        raise BaselineError(f'{path}: "findings" must be a list')
    for index, entry in enumerate(findings):
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(key), str) and entry[key] for key in ("path", "rule", "fingerprint")
        ):
            raise BaselineError(
                f'{path}: finding {index + 1} must be an object with string "path", "rule" and "fingerprint"'
            )
    return findings


def apply(result: RunResult, baseline: Baseline) -> RunResult:
    """The result without its baselined findings, counting them and the baselined ones gone."""
    remaining = Counter(baseline.counts)
    files, hidden = [], 0
    for file in result.files:
        kept = []
        for finding in file.findings:
            key = (baseline.key_path(file.path), finding.rule, finding.fingerprint)
            if remaining[key] > 0:
                remaining[key] -= 1
                hidden += 1
            else:
                kept.append(finding)
        files.append(FileResult(file.path, kept, file.skipped, file.suppressed, file.skipped_values))
    return RunResult(files, result.path_errors, baselined=hidden, baseline_gone=_gone(remaining, baseline, result))


def _gone(remaining: Counter[Key], baseline: Baseline, result: RunResult) -> int:
    """Unmatched entries of files linted in this run, or of files that no longer exist. Files
    left out of this run (--changed-since, other paths) may still hold theirs."""
    linted = {baseline.key_path(file.path) for file in result.files}
    return sum(
        count
        for (path, _, _), count in remaining.items()
        if count > 0 and (path in linted or not baseline.exists(path))
    )


def _root(baseline_path: str) -> str:
    return os.path.dirname(os.path.abspath(baseline_path))
