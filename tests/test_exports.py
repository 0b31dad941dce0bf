"""Real authentik 2025.12.4 flow exports lint clean, and the engine agrees with itself in parallel."""

from __future__ import annotations

from pathlib import Path

import pytest

from avlint.engine import lint_file, lint_paths
from avlint.settings import Settings
from avlint.versions import resolve_release
from tests.conftest import DATA, SAMPLES

EXPORTS = sorted((DATA / "exports").glob("*.yaml"))


@pytest.mark.parametrize("export", EXPORTS, ids=[p.stem for p in EXPORTS])
@pytest.mark.parametrize("version", ["2025.12", None])
def test_real_exports_have_no_findings(export: Path, version: str | None) -> None:
    result = lint_file(str(export), Settings(release=resolve_release(version)))
    assert result.skipped is None
    # Only the pk of a flow outside the file (the exporting server's default-password-change),
    # which no other server has (AV502, a warning).
    outside = ["62:21 AV502"] if export.stem == "default-authentication-flow" else []
    assert [f"{f.line}:{f.column} {f.rule}" for f in result.findings] == outside


def test_exports_are_present() -> None:
    assert len(EXPORTS) == 4


def test_parallel_run_matches_serial_run(tmp_path: Path) -> None:
    sources = sorted(SAMPLES.rglob("*.yaml")) + EXPORTS
    files = []
    for index in range(80):  # above the parallel threshold
        source = sources[index % len(sources)]
        target = tmp_path / f"{index:03d}-{source.name}"
        target.write_bytes(source.read_bytes())
        files.append(str(target))
    serial, serial_errors = lint_paths(files, Settings(jobs=1))
    parallel, parallel_errors = lint_paths(files, Settings(jobs=2))
    assert [r.path for r in parallel] == files
    assert [(r.path, r.findings) for r in serial] == [(r.path, r.findings) for r in parallel]
    assert serial_errors == parallel_errors == []
