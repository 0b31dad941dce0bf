"""Paths as CI services want them: relative to the working folder (the repository root in CI)."""

from __future__ import annotations

from pathlib import Path


def relative_path(path: str) -> Path:
    """`path` relative to the working folder when it lies below it; otherwise unchanged."""
    location = Path(path)
    if location.is_absolute():
        try:
            return location.relative_to(Path.cwd())
        except ValueError:
            return location
    return location
