"""Generates `rules/default_objects.json` (read by `avlint.default_objects`) from the release
archives of authentik's `blueprints/` folder:

    python -m avlint.default_objects_generate blueprints-2025.12.4.tar.gz ...

A test checks the committed file against a fresh generation from the copies in tests/data.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from avlint.default_objects import DATA
from avlint.generated_rows import release_runs, render_rows
from avlint.resources import rules_dir
from avlint.versions import Release

_ARCHIVE = re.compile(r"blueprints-(\d+)\.(\d+)\.\d+\.tar\.gz$")
# The folders applied on every install.
_MEMBER = re.compile(r"(?:^|/)(blueprints/(?:default|system)/.+\.yaml)$")
_STATES = ("present", "created", "must_created")
_LONG = 160


def _tag_loader() -> type:
    """A safe loader that keeps authentik's tags as text (`!KeyOf flow`): the data records what
    the blueprint says, not what the server resolves it to."""
    import yaml

    class TagLoader(yaml.SafeLoader):
        pass

    def tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> str:
        return f"!{suffix} {json.dumps(_plain(loader, node), separators=(',', ':'))}"

    TagLoader.add_multi_constructor("!", tagged)
    return TagLoader


def _plain(loader: Any, node: Any) -> Any:
    import yaml

    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node) if node.tag.startswith("!") else loader.construct_object(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return [_plain(loader, item) for item in node.value]
    return {str(_plain(loader, key)): _plain(loader, value) for key, value in node.value}


def objects_of_archive(archive: Path) -> list[dict[str, Any]]:
    """The default objects one release archive creates: model, identifiers, attrs and the file."""
    import tarfile

    import yaml

    loader = _tag_loader()
    found: list[dict[str, Any]] = []
    with tarfile.open(archive) as tar:
        members = sorted((m for m in tar.getmembers() if m.isfile()), key=lambda m: m.name)
        for member in members:
            # authentik's folder as released (blueprints-X.Y.Z/blueprints/default/...) or
            # repacked without the release folder (blueprints/default/...).
            place = _MEMBER.search(member.name)
            if place is None:
                continue
            relative = place[1]
            handle = tar.extractfile(member)
            if handle is None:
                continue
            document = yaml.load(handle.read().decode("utf-8"), Loader=loader)
            entries = document.get("entries") if isinstance(document, dict) else None
            for entry in entries if isinstance(entries, list) else []:
                row = _object(entry, relative.removeprefix("blueprints/"))
                if row is not None:
                    found.append(row)
    return found


def _object(entry: Any, blueprint: str) -> dict[str, Any] | None:
    if not isinstance(entry, dict) or entry.get("conditions") or entry.get("state", "present") not in _STATES:
        return None
    model, identifiers = entry.get("model"), entry.get("identifiers")
    if not isinstance(model, str) or not isinstance(identifiers, dict) or not identifiers:
        return None  # meta models and entries without identifiers create nothing to patch
    app, _, name = model.partition(".")
    given = entry.get("attrs")
    attrs = {key: _compact(value) for key, value in given.items()} if isinstance(given, dict) else {}
    return {"model": f"{app}.{name.lower()}", "identifiers": identifiers, "attrs": attrs, "blueprint": blueprint}


def _compact(value: Any) -> Any:
    """Long texts (expressions, templates) become their length: no rule restates them, and
    they would make up most of the file."""
    if isinstance(value, str) and len(value) > _LONG:
        return f"<{len(value)} characters>"
    return value


def generate(archives: list[Path]) -> dict[str, Any]:
    """One row per distinct object, with the release lines that create it as it is."""
    by_release: dict[str, list[dict[str, Any]]] = {}
    for archive in archives:
        match = _ARCHIVE.search(archive.name)
        if match is None:
            raise ValueError(f"{archive}: not named blueprints-YEAR.MINOR.PATCH.tar.gz")
        by_release[f"{int(match[1])}.{int(match[2])}"] = objects_of_archive(archive)
    releases = sorted(by_release, key=Release.parse)
    rows: dict[str, dict[str, Any]] = {}
    for release in releases:
        for row in by_release[release]:
            key = json.dumps(row, sort_keys=True)
            rows.setdefault(key, {**row, "releases": []})["releases"].append(release)
    ordered = sorted(
        rows.values(), key=lambda r: (r["model"], json.dumps(r["identifiers"], sort_keys=True), r["releases"][0])
    )
    for row in ordered:
        row["releases"] = release_runs(row["releases"], releases)
    return {"releases": releases, "objects": ordered}


def render(data: dict[str, Any]) -> str:
    """The JSON text as committed: one object per line, so a diff shows what a release changed."""
    return render_rows(
        "Generated by python -m avlint.default_objects_generate from authentik's blueprints/ archives; do not edit.",
        data["releases"],
        "objects",
        data["objects"],
        sort_keys=True,
    )


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m avlint.default_objects blueprints-X.Y.Z.tar.gz...", file=sys.stderr)
        return 2
    from avlint.atomic_write import write_file

    target = rules_dir() / DATA
    write_file(str(target), render(generate([Path(arg) for arg in argv])))
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
