"""Find and read the schema files the spec generator works from (one folder, any release line).

File names carry the authentik tag, as in authentik's own release tags:

- `schema-<tag>.yml[.gz]`: an OpenAPI document as authentik checks it in (`schema.yml`);
- `schema-<tag>.json[.gz]`: the same shape as JSON, as `python -m avlint.spec.generate client`
  writes it from a published `authentik-client` package (releases with no checked-in schema);
- `blueprint-schema-<tag>.json[.gz]`: authentik's blueprint JSON schema (`blueprints/schema.json`).

Only `components.schemas` and the paths' create operations of an OpenAPI document matter here.
The YAML documents are 1-2 MB, most of it `paths:`, so the `components:` block is cut out and
parsed alone (five times faster); the paths are scanned line by line for the create endpoints.
Every error names the file and, where the parser gives one, the line and column.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from avlint.spec.errors import SchemaError
from avlint.versions import Release, UnknownVersionError

_NAME = re.compile(
    r"^(?P<kind>schema|blueprint-schema)-(?P<tag>\d{4}\.\d{1,2}(?:\.\d+)?(?:-?rc\d+)?)\.(?P<ext>yml|yaml|json)(?:\.gz)?$"
)
_PATH_LINE = re.compile(r"^  (/\S*):\s*$")
_METHOD_LINE = re.compile(r"^    (\w+):\s*$")
_REQUEST_REF = re.compile(r"\$ref: '#/components/schemas/(\w+Request)'")


@dataclass
class ReleaseFiles:
    """The schema files of one release line."""

    release: Release
    tag: str = ""
    openapi: Path | None = None
    blueprint: Path | None = None


@dataclass
class OpenApiDocument:
    """What the generator reads from one OpenAPI document."""

    version: str
    schemas: dict[str, Any]
    # Request component name -> the collection path its create (POST) operation is on.
    endpoints: dict[str, str] = field(default_factory=dict)
    # Read from a published client's models rather than the schema itself (fewer attributes).
    from_client: bool = False


def find_release_files(folder: Path) -> list[ReleaseFiles]:
    """The schema files in `folder`, grouped by release line, oldest first."""
    if not folder.is_dir():
        raise SchemaError(f"{folder}: no such folder of schema files")
    by_release: dict[Release, ReleaseFiles] = {}
    for path in sorted(folder.iterdir()):
        match = _NAME.match(path.name)
        if match is None:
            continue
        tag = match.group("tag")
        try:
            release = Release.parse(tag)
        except UnknownVersionError as error:
            raise SchemaError(f"{path}: {error}") from None
        files = by_release.setdefault(release, ReleaseFiles(release))
        slot = "openapi" if match.group("kind") == "schema" else "blueprint"
        if getattr(files, slot) is not None:
            raise SchemaError(f"{path}: a second {slot} schema for release line {release} (one tag per line)")
        setattr(files, slot, path)
        files.tag = files.tag or tag
    return [by_release[release] for release in sorted(by_release)]


def read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
        data = gzip.decompress(raw) if path.name.endswith(".gz") else raw
        return data.decode("utf-8")
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        raise SchemaError(f"{path}: cannot read it: {error}") from None
    except UnicodeDecodeError as error:
        raise SchemaError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None


def read_openapi(path: Path) -> OpenApiDocument:
    text = read_text(path)
    if path.name.removesuffix(".gz").endswith(".json"):
        document = _parse_json(text, path)
        if not isinstance(document, dict):
            raise SchemaError(f"{path}:1:1: not an OpenAPI document (the top level is not a mapping)")
        schemas = _components_schemas(document.get("components"), path)
        endpoints = document.get("x-avlint-endpoints") or {}
        client = bool(document.get("x-avlint-client"))
        return OpenApiDocument(_version(document.get("info"), path), schemas, dict(endpoints), client)
    if not re.match(r"openapi:\s", text):
        raise SchemaError(f"{path}:1:1: not an OpenAPI document (it does not start with `openapi:`)")
    info = _parse_yaml(_block(text, "info"), path, _line_of(text, "info"))
    components = _parse_yaml(_block(text, "components"), path, _line_of(text, "components"))
    version = _version((info or {}).get("info") if isinstance(info, dict) else None, path)
    schemas = _components_schemas((components or {}).get("components") if isinstance(components, dict) else None, path)
    return OpenApiDocument(version, schemas, create_endpoints(_block(text, "paths")))


def read_blueprint_schema(path: Path) -> dict[str, Any]:
    document = _parse_json(read_text(path), path)
    if not isinstance(document, dict) or "properties" not in document:
        raise SchemaError(f"{path}:1:1: not a blueprint JSON schema (no top-level `properties`)")
    return document


def create_endpoints(paths_block: str) -> dict[str, str]:
    """Request component -> collection path, from the `paths:` block of an OpenAPI YAML document.

    drf-spectacular writes every path at two spaces and every operation at four, so a line scan
    finds which request body each POST takes without parsing the megabyte of paths. The first
    POST of a component wins: paths are sorted, and the collection comes before its actions."""
    endpoints: dict[str, str] = {}
    path = method = None
    for line in paths_block.splitlines():
        if match := _PATH_LINE.match(line):
            path, method = match.group(1), None
        elif match := _METHOD_LINE.match(line):
            method = match.group(1)
        elif path and method == "post" and (match := _REQUEST_REF.search(line)):
            endpoints.setdefault(match.group(1), "/api/v3" + path)
    return endpoints


def _block(text: str, key: str) -> str:
    """The top-level `key:` block of a YAML document, as text (empty when absent)."""
    start = _line_start(text, key)
    if start < 0:
        return ""
    newline = text.find("\n", start)
    following = re.compile(r"^\S", re.MULTILINE).search(text, newline + 1 if newline >= 0 else len(text))
    return text[start : following.start() if following else len(text)]


def _line_start(text: str, key: str) -> int:
    match = re.search(rf"^{key}:", text, re.MULTILINE)
    return match.start() if match else -1


def _line_of(text: str, key: str) -> int:
    start = _line_start(text, key)
    return text.count("\n", 0, start) if start >= 0 else 0


def _parse_yaml(text: str, path: Path, first_line: int) -> Any:
    import yaml

    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f":{mark.line + 1 + first_line}:{mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise SchemaError(f"{path}{where}: not valid YAML: {problem}") from None


def _parse_json(text: str, path: Path) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise SchemaError(f"{path}:{error.lineno}:{error.colno}: not valid JSON: {error.msg}") from None
    except RecursionError:
        raise SchemaError(f"{path}: nested too deeply to be a schema") from None


def _version(info: Any, path: Path) -> str:
    version = info.get("version") if isinstance(info, dict) else None
    if not isinstance(version, (str, int, float)) or isinstance(version, bool):
        raise SchemaError(f"{path}: no info.version, so the authentik release is unknown")
    return str(version)


def _components_schemas(components: Any, path: Path) -> dict[str, Any]:
    schemas = components.get("schemas") if isinstance(components, dict) else None
    if not isinstance(schemas, dict) or not all(isinstance(value, dict) for value in schemas.values()):
        raise SchemaError(f"{path}: no components.schemas mapping of schema objects, so it describes no fields")
    return schemas
