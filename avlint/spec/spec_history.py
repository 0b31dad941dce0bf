"""Fold per-release rows into versioned rows: one row per run of releases with identical data.

A run starting at the oldest release with a schema gets no `since` (the releases before it,
which have no schema, are taken to be the same); a run reaching the newest release gets no
`until`. Otherwise `since` is the first release line of the run and `until` the first after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from avlint.spec.release_specs import ReleaseSpecs
from avlint.spec.schema_rows import ordered
from avlint.versions import Release

T = TypeVar("T")


def runs(values: Sequence[T | None]) -> list[tuple[int, int, T]]:
    """(first index, index after the last, value) of each run of equal values that are not None."""
    out: list[tuple[int, int, T]] = []
    for index, value in enumerate(values):
        if value is None:
            continue
        if out and out[-1][1] == index and out[-1][2] == value:
            out[-1] = (out[-1][0], index + 1, value)
        else:
            out.append((index, index + 1, value))
    return out


def dated(releases: Sequence[Release], start: int, end: int, first: int = 0, last: int | None = None) -> dict[str, str]:
    """`since`/`until` of a run, omitted where the run touches `first`/`last` (default: the
    oldest/newest release)."""
    last = len(releases) if last is None else last
    out = {}
    if start > first:
        out["since"] = str(releases[start])
    if end < last:
        out["until"] = str(releases[end])
    return out


def versioned_rows(
    releases: Sequence[Release], per_release: Sequence[list[dict[str, Any]] | None]
) -> list[dict[str, Any]]:
    """The versioned rows of one model (or nested object) from its rows at each release (None
    where it does not exist). Fields keep the order of the newest release that has them."""
    names: list[str] = []
    for rows in reversed(per_release):
        for row in rows or ():
            if row["name"] not in names:
                names.append(row["name"])
    out: list[dict[str, Any]] = []
    for name in names:
        values = [_without_name(rows, name) for rows in per_release]
        for start, end, value in runs(values):
            out.append(ordered({"name": name, **dated(releases, start, end), **value}))
    return out


def _without_name(rows: list[dict[str, Any]] | None, name: str) -> dict[str, Any] | None:
    for row in rows or ():
        if row["name"] == name:
            return {key: value for key, value in row.items() if key != "name"}
    return None


def versioned_enums(releases: Sequence[Release], specs: Sequence[ReleaseSpecs]) -> dict[str, list[Any]]:
    """Every choice set by name; a value that some release of the set lacks carries its range."""
    out: dict[str, list[Any]] = {}
    names = sorted({name for spec in specs for name in spec.enums})
    for name in names:
        present = [index for index, spec in enumerate(specs) if name in spec.enums]
        first, last = present[0], present[-1] + 1
        values: list[str] = []
        for index in present:
            values += [v for v in specs[index].enums[name] if v not in values]
        items: list[Any] = []
        for value in values:
            flags = [True if name in spec.enums and value in spec.enums[name] else None for spec in specs]
            for start, end, _ in runs(flags):
                dates = dated(releases, start, end, first, last)
                items.append({"value": value, **dates} if dates else value)
        out[name] = items
    return out


def model_ranges(releases: Sequence[Release], specs: Sequence[ReleaseSpecs], model: str) -> list[dict[str, str]]:
    """The release ranges in which `model` is allowed in blueprints (usually one)."""
    flags = [True if model in spec.models else None for spec in specs]
    return [dated(releases, start, end) for start, end, _ in runs(flags)]
