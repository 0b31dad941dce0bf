"""Rebuild the OpenAPI components of a release from its published `authentik-client` wheel.

authentik checked no `schema.yml` in at some release tags (2026.5, 2026.8), but the client of
each release is generated from that release's schema with OpenAPI Generator: one pydantic model
module per component. This reads those modules as text (`ast`; the package is never imported,
it takes seconds to) and writes `schema-<version>.json.gz`, the OpenAPI shape the generator
reads, marked `x-avlint-client` so the generator knows which attributes a client cannot carry:

- a field is `Optional[...]` unless the schema required it; `Annotated[..., Field(min_length,
  max_length, ge, le)]` carries the limits; a `field_validator` with `re.match` the pattern;
- `to_dict` sets None only for nullable fields, and leaves out the read-only ones;
- `UUID`, `datetime`, `StrictStr`... give types; `*Enum` classes give the choice sets.

Formats other than uuid and date-time, defaults, and `""` as a choice are not in the models;
`avlint.spec.generate` keeps those from the release before. Create endpoints come from the API
modules (`method='POST', resource_path=...` of each `*_create` operation).
"""

from __future__ import annotations

import argparse
import ast
import gzip
import json
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from avlint.spec.errors import SchemaError

_SCALARS: dict[str, dict[str, Any]] = {
    "str": {"type": "string"},
    "StrictStr": {"type": "string"},
    "bool": {"type": "boolean"},
    "StrictBool": {"type": "boolean"},
    "int": {"type": "integer"},
    "StrictInt": {"type": "integer"},
    "float": {"type": "number"},
    "StrictFloat": {"type": "number"},
    "UUID": {"type": "string", "format": "uuid"},
    "datetime": {"type": "string", "format": "date-time"},
    "date": {"type": "string", "format": "date"},
    "bytearray": {"type": "string", "format": "binary"},
    "StrictBytes": {"type": "string", "format": "binary"},
    "Any": {},
    "object": {},
}
_LIMITS = {"min_length": "minLength", "max_length": "maxLength", "ge": "minimum", "le": "maximum"}
_NULLABLE = re.compile(r'if self\.(\w+) is None and "(\w+)" in self\.model_fields_set')
_CREATE = re.compile(r"def (\w+_create)\(\s*self,\s*\w+: (\w+Request),")
_POST = re.compile(r"def _(\w+)_serialize\((?:(?!\n    def ).)*?method='POST',\s*resource_path='([^']+)'", re.DOTALL)


def client_document(wheel: Path) -> dict[str, Any]:
    """The OpenAPI-shaped document for the client wheel at `wheel`."""
    try:
        archive = zipfile.ZipFile(wheel)
    except (OSError, zipfile.BadZipFile) as error:
        raise SchemaError(f"{wheel}: not a readable wheel: {error}") from None
    with archive:
        names = archive.namelist()
        version = _version(names, wheel)
        schemas: dict[str, Any] = {}
        endpoints: dict[str, str] = {}
        for name in names:
            if name.startswith("authentik_client/models/") and name.endswith(".py"):
                origin = f"{wheel}!{name}"
                try:
                    schemas.update(module_schemas(archive.read(name).decode("utf-8"), origin))
                except (ValueError, TypeError) as error:  # undecodable text, an odd literal
                    raise SchemaError(f"{origin}: not a generated model module ({error})") from None
            elif name.startswith("authentik_client/api/") and name.endswith("_api.py"):
                endpoints.update(create_endpoints(archive.read(name).decode("utf-8")))
    if not schemas:
        raise SchemaError(f"{wheel}: no authentik_client/models modules, so not an authentik-client wheel")
    return {
        "openapi": "3.0.3",
        "info": {"title": "authentik", "version": version},
        "x-avlint-client": f"authentik-client {version}",
        "x-avlint-endpoints": dict(sorted(endpoints.items())),
        "components": {"schemas": dict(sorted(schemas.items()))},
    }


def _version(names: list[str], wheel: Path) -> str:
    for name in names:
        match = re.match(r"authentik_client-([\w.]+)\.dist-info/", name)
        if match:
            return match.group(1)
    raise SchemaError(f"{wheel}: no authentik_client-<version>.dist-info, so the release is unknown")


def create_endpoints(source: str) -> dict[str, str]:
    """Request component -> collection path of its create operation, from one API module."""
    paths = dict(_POST.findall(source))
    return {
        request: "/api/v3" + paths[operation] for operation, request in _CREATE.findall(source) if operation in paths
    }


def module_schemas(source: str, origin: str) -> dict[str, Any]:
    """The components one generated model module defines (an enum or a model class)."""
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        raise SchemaError(f"{origin}:{error.lineno}:{error.offset}: not valid Python: {error.msg}") from None
    out: dict[str, Any] = {}
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        bases = {ast.unparse(base) for base in node.bases}
        if "Enum" in bases:
            values = [
                item.value.value
                for item in node.body
                if isinstance(item, ast.Assign)
                and isinstance(item.value, ast.Constant)
                and isinstance(item.value.value, str)
            ]
            out[node.name] = {"type": "string", "enum": values}
        elif "BaseModel" in bases:
            out[node.name] = _model(node, source)
    return out


def _model(node: ast.ClassDef, source: str) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    patterns = _patterns(node)
    nullable = {name for name, _ in _NULLABLE.findall(ast.get_source_segment(source, node) or "")}
    read_only = _excluded(node)
    for item in node.body:
        if not (isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)):
            continue
        if item.target.id.startswith("_") or ast.unparse(item.annotation).startswith("ClassVar"):
            continue
        name = _alias(item) or item.target.id
        prop, optional = annotation_schema(item.annotation)
        if item.target.id in patterns:
            prop["pattern"] = patterns[item.target.id]
        if name in nullable:
            prop["nullable"] = True
        if name in read_only:
            prop["readOnly"] = True
        properties[name] = prop
        if not optional and not _has_default(item):
            required.append(name)
    return {"type": "object", "properties": properties, **({"required": sorted(required)} if required else {})}


def annotation_schema(node: ast.expr) -> tuple[dict[str, Any], bool]:
    """(OpenAPI property, whether it is Optional) for one pydantic annotation."""
    if isinstance(node, ast.Subscript):
        outer = ast.unparse(node.value)
        args = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
        if outer == "Optional":
            return annotation_schema(args[0])[0], True
        if outer == "List":
            return {"type": "array", "items": annotation_schema(args[0])[0]}, False
        if outer == "Dict":
            return {"type": "object", "additionalProperties": {}}, False
        if outer == "Union":
            names = {ast.unparse(arg) for arg in args}
            if names <= {"StrictFloat", "StrictInt", "float", "int"}:
                return {"type": "number"}, False
            return {}, False
        if outer == "Annotated":
            prop, _ = annotation_schema(args[0])
            prop.update(_field_limits(args[1:], prop.get("type") == "array"))
            return prop, False
    name = ast.unparse(node)
    if name in _SCALARS:
        return dict(_SCALARS[name]), False
    if name == "None":
        return {}, True
    return {"$ref": f"#/components/schemas/{name}"}, False


def _field_limits(metadata: list[ast.expr], is_list: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for call in metadata:
        if not (isinstance(call, ast.Call) and ast.unparse(call.func) == "Field"):
            continue
        for keyword in call.keywords:
            if keyword.arg in _LIMITS and isinstance(keyword.value, (ast.Constant, ast.UnaryOp)):
                value = ast.literal_eval(keyword.value)
                key = _LIMITS[keyword.arg]
                if is_list and key in ("minLength", "maxLength"):
                    key = key.replace("Length", "Items")
                out[key] = value
    return out


def _alias(item: ast.AnnAssign) -> str | None:
    for call in ast.walk(item):
        if isinstance(call, ast.Call) and ast.unparse(call.func) == "Field":
            for keyword in call.keywords:
                if keyword.arg == "alias" and isinstance(keyword.value, ast.Constant):
                    return str(keyword.value.value)
    return None


def _has_default(item: ast.AnnAssign) -> bool:
    value = item.value
    if value is None:
        return False
    if isinstance(value, ast.Call) and ast.unparse(value.func) == "Field":
        return any(keyword.arg in ("default", "default_factory") for keyword in value.keywords)
    return True


def _patterns(node: ast.ClassDef) -> dict[str, str]:
    """Field -> the regular expression its `field_validator` matches values against."""
    out: dict[str, str] = {}
    for item in node.body:
        if not isinstance(item, ast.FunctionDef):
            continue
        fields = [
            arg.value
            for decorator in item.decorator_list
            if isinstance(decorator, ast.Call) and ast.unparse(decorator.func) == "field_validator"
            for arg in decorator.args
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
        ]
        for call in ast.walk(item):
            if isinstance(call, ast.Call) and ast.unparse(call.func) == "re.match" and call.args:
                first = call.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    out.update(dict.fromkeys(fields, first.value))
    return out


def _excluded(node: ast.ClassDef) -> set[str]:
    """The read-only fields: `to_dict` leaves them out (`excluded_fields = set([...])`)."""
    for item in node.body:
        if isinstance(item, ast.FunctionDef) and item.name == "to_dict":
            for sub in ast.walk(item):
                if isinstance(sub, ast.AnnAssign) and ast.unparse(sub.target) == "excluded_fields" and sub.value:
                    return {
                        c.value for c in ast.walk(sub.value) if isinstance(c, ast.Constant) and isinstance(c.value, str)
                    }
    return set()


def write_document(document: dict[str, Any], folder: Path) -> Path:
    """Write `schema-<version>.json.gz` into `folder` (reproducible bytes: no timestamp)."""
    path = folder / f"schema-{document['info']['version']}.json.gz"
    text = json.dumps(document, ensure_ascii=False, indent=1, sort_keys=False) + "\n"
    path.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    return path


def main(argv: Sequence[str]) -> int:
    import sys

    parser = argparse.ArgumentParser(
        prog="python -m avlint.spec.generate client",
        description="Write the OpenAPI components of an authentik-client wheel as schema-<version>.json.gz.",
    )
    parser.add_argument("wheels", nargs="+", type=Path, help="authentik_client-<version>-py3-none-any.whl")
    parser.add_argument("--out", required=True, type=Path, help="the folder of schema files")
    options = parser.parse_args(list(argv))
    try:
        for wheel in options.wheels:
            print(f"wrote {write_document(client_document(wheel), options.out)}")
    except SchemaError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"error: cannot write into {options.out}: {error.strerror or error}", file=sys.stderr)
        return 1
    return 0
