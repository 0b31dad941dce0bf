"""Read-only access to the recorded ground truth copied into ``tests/data/recordings/``.

Copied from the reference capture of a real authentik 2025.12.4 server: the 160 recordings, its
README.md (recording format, seed state, behaviours), four flow exports and the live OpenAPI schema;
plus two derived files: blueprint-models.json (the model names of the 2025.12.4 blueprint schema)
and schema.json.gz (schema.yml as JSON, see below).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

RECORDINGS = Path(__file__).resolve().parent.parent / "data" / "recordings"


def recording_paths() -> list[Path]:
    return sorted(RECORDINGS.glob("[0-9][0-9][0-9]-*.json"))


@functools.cache
def recording(number: int) -> dict[str, Any]:
    (path,) = RECORDINGS.glob(f"{number:03d}-*.json")
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def response_body(number: int) -> Any:
    return recording(number)["response"]["body"]


@functools.cache
def not_found_page() -> str:
    """Django's 404 HTML page as authentik renders it (recordings 091 and 092 are identical)."""
    return str(response_body(91))


@functools.cache
def export_text(slug: str) -> str | None:
    path = RECORDINGS / "exports" / f"{slug}.yaml"
    return path.read_text(encoding="utf-8") if path.exists() else None


def schema_path() -> Path:
    return RECORDINGS / "schema.yml"


@functools.cache
def schema_yaml() -> bytes:
    return schema_path().read_bytes()


# schema.json.gz is schema.yml converted by convert_schema() (a few seconds with PyYAML), stored
# so that serving JSON is instant. SCHEMA_SHA256 pins the schema.yml it was made from; after
# changing schema.yml, rebuild it with
#     python -c "from tests.fake_authentik.data import rebuild_schema_json; rebuild_schema_json()"
SCHEMA_SHA256 = "473282ed7694a404b47b97260e04dba8174b64e55eebc6fab94e61f274da243c"


def convert_schema() -> bytes:
    """schema.yml as drf-spectacular's JSON renderer writes it: indent 4, DRF's INDENT_SEPARATORS
    (the README's "3.2 MB")."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    document = yaml.load(schema_yaml(), Loader=loader)
    return json.dumps(document, ensure_ascii=False, indent=4, separators=(",", ": "), default=str).encode("utf-8")


def schema_sha256() -> str:
    return hashlib.sha256(schema_yaml()).hexdigest()


@functools.cache
def schema_json() -> bytes:
    stored = RECORDINGS / "schema.json.gz"
    if stored.exists() and schema_sha256() == SCHEMA_SHA256:
        return gzip.decompress(stored.read_bytes())
    return convert_schema()


def rebuild_schema_json() -> None:
    (RECORDINGS / "schema.json.gz").write_bytes(gzip.compress(convert_schema(), compresslevel=9, mtime=0))
    print(f"schema.json.gz rebuilt; set SCHEMA_SHA256 = {schema_sha256()!r}")


@functools.cache
def blueprint_models() -> frozenset[str]:
    data = json.loads((RECORDINGS / "blueprint-models.json").read_text(encoding="utf-8"))
    return frozenset(data["models"])


@functools.cache
def validate_stage_actions() -> dict[str, Any]:
    """DRF metadata ``actions`` body for the validation stage serializer (recording 158)."""
    actions: dict[str, Any] = response_body(158)["actions"]["POST"]
    return actions
