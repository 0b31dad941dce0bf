"""What the data generators (default objects, permissions) share: release lines written as runs,
and the committed JSON layout of one row per line, so that a diff shows what a release changed."""

from __future__ import annotations

import json
from typing import Any


def release_runs(present: list[str], releases: list[str]) -> list[str]:
    """Release lines as runs of consecutive ones: ["2022.8-2023.1", "2024.2"]."""
    runs: list[list[str]] = []
    for line in present:
        if runs and releases.index(line) == releases.index(runs[-1][-1]) + 1:
            runs[-1].append(line)
        else:
            runs.append([line])
    return [run[0] if len(run) == 1 else f"{run[0]}-{run[-1]}" for run in runs]


def render_rows(note: str, releases: list[str], key: str, rows: list[Any], sort_keys: bool = False) -> str:
    """`{"note": ..., "releases": [...], key: [one row per line]}` as committed."""
    lines = ["{", f'"note": {json.dumps(note)},', f'"releases": {json.dumps(releases)},', f'"{key}": [']
    for index, row in enumerate(rows):
        comma = "," if index < len(rows) - 1 else ""
        lines.append(json.dumps(row, sort_keys=sort_keys, ensure_ascii=False) + comma)
    lines += ["]", "}"]
    return "\n".join(lines) + "\n"
