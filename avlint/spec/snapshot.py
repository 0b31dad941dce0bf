"""A spec snapshot (`--spec FILE`) as a spec source: read, checked, and put in place of the
bundled rows for its release while a run uses it.

A snapshot describes one release, possibly one avlint does not know yet (that is its point).
Resolved fields keep the bundled history around them, so a field or choice that only a later
or earlier release has is still explained (AV212, AV213) rather than reported as unknown.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from avlint.spec.errors import SnapshotError
from avlint.spec.model import FieldSpec, ModelSpec, _field_from_row, bundled_model_spec, model_header, set_spec_source
from avlint.spec.snapshot_check import check_snapshot
from avlint.versions import Release, in_range


@dataclass(frozen=True)
class Snapshot:
    """A checked snapshot file; it resolves its models as `model_spec` would."""

    path: str
    release: Release
    source: str
    models: dict[str, dict[str, Any]]
    enums: dict[str, list[str]]
    _resolved: dict[str, ModelSpec | None] = field(default_factory=dict, compare=False, repr=False)

    def model_spec(self, model: str) -> ModelSpec | None:
        if model not in self._resolved:
            self._resolved[model] = self._resolve(model)
        return self._resolved[model]

    def _resolve(self, model: str) -> ModelSpec | None:
        entry = self.models.get(model)
        bundled = bundled_model_spec(model, self.release)
        if entry is None or bundled is None:
            return None
        header = model_header(model)
        objects = entry.get("objects", {})
        fields: dict[str, FieldSpec] = {}
        for row in entry["fields"]:
            spec = _field_from_row(row, self.release, self.enums, objects)
            fields[spec.name] = _with_choice_history(spec, bundled.fields.get(spec.name), self.release)
        return ModelSpec(
            model=header["model"],
            kind=header["kind"],
            title=header["title"],
            endpoint=header["endpoint"],
            release=self.release,
            pk_name=header["pk"]["name"],
            fields=fields,
            history={name: rows for name, rows in bundled.history.items() if name not in fields},
            rows={},  # only the bundled rows serve version inference
        )


def _with_choice_history(spec: FieldSpec, bundled: FieldSpec | None, release: Release) -> FieldSpec:
    """Add the bundled choices that belong to other releases, so AV213 can name the release."""
    if bundled is None:
        return spec
    items = spec.items
    if items is not None and bundled.items is not None:
        items = _with_choice_history(items, bundled.items, release)
    elsewhere = tuple(
        c for c in bundled.all_choices if c.value not in spec.choices and not in_range(release, c.since, c.until)
    )
    return spec._replace(all_choices=spec.all_choices + elsewhere, items=items)


def load_snapshot(path: str) -> Snapshot:
    """Read and check a snapshot file; SnapshotError names the file and the reason."""
    try:
        stat = Path(path).stat()
    except OSError as error:
        raise SnapshotError(f"{path}: cannot read the spec snapshot: {error.strerror or error}") from None
    return _load(path, str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _load(path: str, _resolved: str, _mtime: int, _size: int) -> Snapshot:
    from avlint.loader.side import SideInputError, parse_yaml, read_text

    try:
        text = read_text(path)  # guarded like a blueprint: regular file, size, UTF-8
    except SideInputError as error:
        if error.rule == "AV004":
            raise SnapshotError(f"{path}: not a spec snapshot: the file is not UTF-8 text") from None
        raise SnapshotError(f"{path}: cannot read the spec snapshot: {error.detail}") from None
    try:
        data = parse_yaml(text, path)  # without recursion: deep nesting is refused with its place
    except SideInputError as error:
        where = f" (line {error.line})" if error.line is not None else ""
        raise SnapshotError(f"{path}: not a spec snapshot: not YAML: {error.reason}{where}") from None
    problem = check_snapshot(data)
    if problem:
        raise SnapshotError(f"{path}: {problem}")
    snapshot = Snapshot(
        path, Release.parse(data["authentik"]), str(data.get("source", "")), data["models"], data["enums"]
    )
    try:
        for model in snapshot.models:
            snapshot.model_spec(model)  # resolve now: a bad row fails here, not in the middle of a run
    except RecursionError:
        raise SnapshotError(f"{path}: an object's rows refer to the object itself") from None
    return snapshot


def release_for(snapshot: Snapshot, target_version: str | None) -> Release:
    """The release a run with this snapshot checks against; a target version must name the same line."""
    if target_version is None:
        return snapshot.release
    wanted = Release.parse(target_version)
    if wanted != snapshot.release:
        raise SnapshotError(
            f"--target-version {target_version} disagrees with {snapshot.path}, a spec of authentik {snapshot.release}; "
            f"leave --target-version out or import the schema of authentik {wanted}"
        )
    return wanted


@contextmanager
def use_spec_file(path: str | None) -> Iterator[Snapshot | None]:
    """Resolve specs from the snapshot at `path` (None: the bundled rows) inside the block."""
    if path is None:
        yield None
        return
    snapshot = load_snapshot(path)
    previous = set_spec_source(snapshot)
    try:
        yield snapshot
    finally:
        set_spec_source(previous)


def activate_spec_file(path: str) -> None:
    """Use the snapshot for the rest of this process (a worker process of a `--spec` run)."""
    set_spec_source(load_snapshot(path))
