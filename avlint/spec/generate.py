"""Generate avlint's versioned field specs of every blueprint model from authentik's own schemas.

    python -m avlint.spec.generate --schemas tests/data/openapi --out rules/
    python -m avlint.spec.generate client authentik_client-2026.5.8-py3-none-any.whl --out tests/data/openapi/

The first form reads every `schema-<tag>` (OpenAPI) and `blueprint-schema-<tag>` file in the
folder (see `avlint.spec.schema_files`), one release line each, and writes `rules/specs/generated/`:

- `<model>.json` per model: the header (model, kind, title, endpoint, pk) and the field rows
  with `since`/`until`, as `rules/specs/*.yaml` has them, so the lint path can load only the
  models a file uses;
- `enums.json`: the choice sets by name, each value with the releases that have it;
- `models.json`: which models blueprints may hold from which release to which (meta, stage,
  permissions), the data `rules/models.yaml` holds by hand.

The files are JSON, not YAML: they are generated, never edited, `json` parses them in a
fraction of the time, and `rules/compiled.json` (which only pre-parses YAML) stays small.
The second form turns a published `authentik-client` wheel into the OpenAPI-shaped file the
first form reads, for releases whose schema was never checked in (`avlint.spec.client_schema`).
Release lines avlint does not know (`rules/versions.yaml`, e.g. 2021.7) are skipped.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from avlint.spec.errors import SchemaError
from avlint.spec.overrides import GENERATED
from avlint.spec.release_specs import (
    BlueprintModels,
    ModelRelease,
    ReleaseSpecs,
    blueprint_models,
    build_release,
    check_release_models,
    release_model_list,
)
from avlint.spec.schema_files import (
    OpenApiDocument,
    ReleaseFiles,
    find_release_files,
    read_blueprint_schema,
    read_openapi,
)
from avlint.spec.spec_history import model_ranges, versioned_enums, versioned_rows
from avlint.versions import Release, known_releases

# Attributes a published client's pydantic models cannot express; a client-read release keeps
# the previous release's value when the field is otherwise unchanged (see `_inherit_client_gaps`).
CLIENT_BLIND = ("format", "default", "references", "blank")


def generate(folder: Path) -> dict[str, str]:
    """The generated files (path under rules/ -> text) for the schema files in `folder`."""
    sources = _usable(find_release_files(folder))
    if not sources:
        raise SchemaError(f"{folder}: no OpenAPI schema of a release line avlint knows (schema-<tag>.yml.gz)")
    documents = [_read(files) for files in sources]
    blueprints = [_blueprint(files.blueprint) if files.blueprint else None for files in sources]
    known = _every_model(documents, blueprints)
    meta = set().union(*(bp.meta for bp in blueprints if bp is not None))
    specs: list[ReleaseSpecs] = []
    for files, document, blueprint in zip(sources, documents, blueprints, strict=True):
        origin = str(files.openapi)
        with _unexpected_shape(origin):
            models = release_model_list(document, blueprint, known, meta)
            check_release_models(models, origin)
            specs.append(build_release(files.release, document, blueprint, models, meta, origin))
    for index, document in enumerate(documents):
        if index and document.from_client:
            _inherit_client_gaps(specs[index - 1], specs[index])
    return render(tuple(f.release for f in sources), specs, documents)


@contextmanager
def _unexpected_shape(origin: str) -> Iterator[None]:
    """A document that parses but has a shape the readers do not expect (a list where a mapping
    belongs, say) is the file's fault: name the file instead of showing a traceback."""
    try:
        yield
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        raise SchemaError(f"{origin}: unexpected schema shape ({type(error).__name__}: {error})") from None


def _blueprint(path: Path) -> BlueprintModels:
    with _unexpected_shape(str(path)):
        return blueprint_models(read_blueprint_schema(path))


def _usable(found: list[ReleaseFiles]) -> list[ReleaseFiles]:
    known = set(known_releases())
    return [files for files in found if files.openapi is not None and files.release in known]


def _read(files: ReleaseFiles) -> OpenApiDocument:
    assert files.openapi is not None
    document = read_openapi(files.openapi)
    try:
        release = Release.parse(document.version)
    except ValueError:
        release = None
    if release != files.release:
        raise SchemaError(f"{files.openapi}: info.version is {document.version!r}, not release line {files.release}")
    return document


def _every_model(documents: Sequence[OpenApiDocument], blueprints: Sequence[BlueprintModels | None]) -> set[str]:
    """Every model string some release lists: the universe older releases are matched against."""
    known: set[str] = set()
    for document, blueprint in zip(documents, blueprints, strict=True):
        known |= set(blueprint.attrs) if blueprint is not None else set()
        enum = document.schemas.get("ModelEnum", {}).get("enum")
        known |= {str(m) for m in enum} if isinstance(enum, list) else set()
    return known


def _inherit_client_gaps(previous: ReleaseSpecs, current: ReleaseSpecs) -> None:
    """Keep what the client cannot say (formats, defaults, blank choices) from the release before,
    for fields that are otherwise the same; without this every URL field would seem to lose its
    format in 2026.5 only because the client's models do not record formats."""
    for model, spec in current.models.items():
        before = previous.models.get(model)
        if before is None:
            continue
        if not spec.fields:  # no serializer and no blueprint schema to read its fields from
            spec.fields, spec.objects = before.fields, before.objects
        old = {row["name"]: row for row in before.fields}
        spec.fields = [_with_gaps(row, old.get(row["name"])) for row in spec.fields]
        # A client's pk property has no title, so its name would read `id`.
        if spec.header["pk"].get("name") in ("id", "pk"):
            spec.header = {**spec.header, "pk": before.header["pk"]}
        spec.header["endpoint"] = spec.header["endpoint"] or before.header["endpoint"]
        if spec.permissions is None:
            spec.permissions = before.permissions


def _with_gaps(row: dict[str, Any], old: dict[str, Any] | None) -> dict[str, Any]:
    if old is None:
        return row
    strip = {key: value for key, value in old.items() if key not in CLIENT_BLIND}
    if {key: value for key, value in row.items() if key not in CLIENT_BLIND} != strip:
        return row
    merged = dict(row)
    for key in CLIENT_BLIND:
        if key in old and key not in row:
            merged[key] = old[key]
    items, old_items = row.get("items"), old.get("items")
    if isinstance(items, dict) and isinstance(old_items, dict):
        merged["items"] = _with_gaps({"name": "", **items}, {"name": "", **old_items})
        merged["items"].pop("name")
    return {key: merged[key] for key in old if key in merged} | merged


def render(
    releases: tuple[Release, ...], specs: list[ReleaseSpecs], documents: list[OpenApiDocument]
) -> dict[str, str]:
    """The generated files: one per model, the choice sets and the model table."""
    out: dict[str, str] = {}
    table: dict[str, Any] = {}
    for model in sorted({model for spec in specs for model in spec.models}):
        present = [spec.models.get(model) for spec in specs]
        table[model] = _table_entry(releases, specs, model, present)
        out[f"{GENERATED}/{model}.json"] = dump(_model_document(releases, present, table[model]))
    out[f"{GENERATED}/enums.json"] = dump(versioned_enums(releases, specs))
    out[f"{GENERATED}/models.json"] = dump(
        {"releases": [str(r) for r in releases], "sources": [d.version for d in documents], "models": table}
    )
    return out


def _table_entry(
    releases: Sequence[Release], specs: Sequence[ReleaseSpecs], model: str, present: list[ModelRelease | None]
) -> dict[str, Any]:
    """The model's line in models.json: its release range(s), meta and stage flags, permissions."""
    newest = next(m for m in reversed(present) if m is not None)
    ranges = model_ranges(releases, specs, model)
    entry: dict[str, Any] = dict(ranges[0]) if len(ranges) == 1 else {"ranges": ranges}
    entry.update({key: True for key in ("meta", "stage") if getattr(newest, key)})
    permissions = next((m.permissions for m in reversed(present) if m is not None and m.permissions), None)
    if permissions:
        entry["permissions"] = permissions
    return entry


def _model_document(
    releases: Sequence[Release], present: list[ModelRelease | None], entry: dict[str, Any]
) -> dict[str, Any]:
    """The model's own file: the newest header, its range, and the versioned rows."""
    newest = next(m for m in reversed(present) if m is not None)
    document = {key: value for key, value in {**newest.header, **entry}.items() if key != "permissions"}
    document["fields"] = versioned_rows(releases, [m.fields if m else None for m in present])
    objects = sorted({name for m in present if m is not None for name in m.objects})
    if objects:
        document["objects"] = {
            name: versioned_rows(releases, [m.objects.get(name) if m else None for m in present]) for name in objects
        }
    return document


def dump(document: dict[str, Any]) -> str:
    """JSON with one row (or model, or choice set) per line, so a regenerated file diffs by row."""
    lines = ["{"]
    items = list(document.items())
    for index, (key, value) in enumerate(items):
        comma = "," if index < len(items) - 1 else ""
        lines.append(f"  {_compact(key)}: {_block(value, 2)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _block(value: Any, indent: int) -> str:
    pad = " " * indent
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        inner = ",\n".join(f"{pad}  {_compact(v)}" for v in value)
        return f"[\n{inner}\n{pad}]"
    if isinstance(value, dict) and value and all(isinstance(v, (list, dict)) for v in value.values()):
        if all(isinstance(v, dict) for v in value.values()):  # a table: one entry per line
            rows = ",\n".join(f"{pad}  {_compact(k)}: {_compact(v)}" for k, v in value.items())
            return f"{{\n{rows}\n{pad}}}"
        inner = ",\n".join(f"{pad}  {_compact(k)}: {_block(v, indent + 2)}" for k, v in value.items())
        return f"{{\n{inner}\n{pad}}}"
    return _compact(value)


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def write(files: dict[str, str], out: Path) -> None:
    """Replace `out/specs/generated/` with `files`, each written atomically; files of models
    that no longer exist are removed."""
    target = out / GENERATED
    target.mkdir(parents=True, exist_ok=True)
    wanted = {Path(name).name for name in files}
    for stale in target.glob("*.json"):
        if stale.name not in wanted:
            stale.unlink()
    from avlint.atomic_write import write_file

    for name, text in files.items():
        write_file(str(out / name), text)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["client"]:
        from avlint.spec.client_schema import main as client_main

        return client_main(args[1:])
    parser = argparse.ArgumentParser(prog="python -m avlint.spec.generate", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--schemas", required=True, type=Path, help="folder of schema-<tag> and blueprint-schema-<tag> files"
    )
    parser.add_argument("--out", required=True, type=Path, help="the rules folder to write specs/generated/ into")
    options = parser.parse_args(args)
    try:
        files = generate(options.schemas)
    except SchemaError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        write(files, options.out)
    except OSError as error:
        print(f"error: cannot write {options.out / GENERATED}: {error.strerror or error}", file=sys.stderr)
        return 1
    size = sum(len(text.encode("utf-8")) for text in files.values())
    print(f"wrote {len(files)} files ({size // 1024} KiB) to {options.out / GENERATED}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
