"""Access to the data shipped in `rules/` (installed as `avlint/_rules/`).

The YAML files there are the source of truth, written and reviewed by people. Parsing them
with PyYAML's Python constructor costs tens of milliseconds, paid by every pre-commit run,
so `rules/compiled.json` carries the same data pre-parsed, with a CRC-32 of each source.
`load_data` takes the compiled copy only while its CRC matches the YAML beside it: an edited
rule file is parsed afresh (slower, never stale) until `python -m avlint.resources`
regenerates the JSON, which a test insists on.
"""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path
from typing import Any

_PACKAGE_DIR = Path(__file__).resolve().parent
COMPILED = "compiled.json"


@lru_cache(maxsize=1)
def rules_dir() -> Path:
    """The folder holding the rule catalogue and field specs.

    A wheel carries it as `avlint/_rules`; a source checkout (or an editable install, which
    hatchling does not force-include into) has it beside the package as `rules/`.
    """
    installed = _PACKAGE_DIR / "_rules"
    if installed.is_dir():
        return installed
    return _PACKAGE_DIR.parent / "rules"


@cache
def load_data(relative: str) -> Any:
    """The parsed content of one YAML data file from the rules folder (cached: it never changes)."""
    import zlib  # here, like json below: `avlint --version` imports this module for rules_dir only

    source = (rules_dir() / relative).read_bytes()
    compiled = _compiled().get(relative)
    if isinstance(compiled, dict) and "data" in compiled and compiled.get("crc32") == zlib.crc32(source):
        return compiled["data"]
    return _parse_yaml(source)


@lru_cache(maxsize=1)
def _compiled() -> dict[str, Any]:
    import json

    try:
        files = json.loads((rules_dir() / COMPILED).read_bytes()).get("files")
    except (OSError, ValueError, AttributeError):
        files = None
    return files if isinstance(files, dict) else {}  # missing or damaged: every file is parsed from its YAML


def _parse_yaml(source: bytes) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(source.decode("utf-8"), Loader=loader)


def compiled_text(folder: Path) -> str:
    """`compiled.json` for the YAML files under `folder`, as `python -m avlint.resources` writes it."""
    import json
    import zlib

    files = {}
    for path in sorted(folder.rglob("*.yaml")):
        source = path.read_bytes()
        data = _parse_yaml(source)
        try:
            survives = json.loads(json.dumps(data)) == data  # an integer key would come back a string
        except TypeError:  # a date, say
            survives = False
        if not survives:
            raise ValueError(f"{path}: its data does not survive a JSON round trip")
        files[path.relative_to(folder).as_posix()] = {"crc32": zlib.crc32(source), "data": data}
    note = "Generated from the YAML files beside it by `python -m avlint.resources`; do not edit."
    return json.dumps({"note": note, "files": files}, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n"


if __name__ == "__main__":
    target = rules_dir() / COMPILED
    target.write_text(compiled_text(rules_dir()), encoding="utf-8")
    print(f"wrote {target}")
