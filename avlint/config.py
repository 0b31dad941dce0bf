"""Configuration: `.avlint.yaml` or `[tool.avlint]` in pyproject.toml, found by walking up.

Every key is checked: an unknown or ill-typed key is an error with its file and line, so a
typo in the config cannot silently switch a rule back on.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, NamedTuple

from avlint.catalogue import UnknownRuleError, lookup
from avlint.suggest import did_you_mean

CONFIG_NAMES = (".avlint.yaml", ".avlint.yml")
LEVELS = ("error", "warning", "info", "off")
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|kb|k|mb|m|gb|g)?\s*$", re.IGNORECASE)
_UNITS = {None: 1, "b": 1, "k": 1024, "kb": 1024, "m": 1024**2, "mb": 1024**2, "g": 1024**3, "gb": 1024**3}


class ConfigError(Exception):
    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message


class Config(NamedTuple):
    path: str | None = None
    target_version: str | None = None
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    severity: tuple[tuple[str, str], ...] = ()
    exclude: tuple[str, ...] = ()
    max_file_size: int | None = None
    strict: bool | None = None
    baseline: str | None = None  # relative to the config file's folder
    project: str | None = None  # the blueprints root (as --project), relative to the config file's folder


def find_config(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        for name in CONFIG_NAMES:
            if (folder / name).is_file():
                return folder / name
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and "[tool.avlint" in pyproject.read_text(encoding="utf-8", errors="replace"):
            return pyproject
    return None


def load_config(path: Path) -> Config:
    from avlint.loader.side import SideInputError, read_text

    try:
        text = read_text(str(path))  # a regular file within the size limit, UTF-8
    except SideInputError as error:
        raise ConfigError(str(path), error.line or 1, f"cannot read the config: {error.reason}") from None
    if path.name == "pyproject.toml":
        raw, lines = _from_pyproject(path, text)
    else:
        raw, lines = _from_yaml(path, text)
    return _validate(str(path), raw, lines)


def parse_size(value: Any) -> int | None:
    """Bytes from 10485760, "10MB" or "512k"; None when the value is not a size."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    match = _SIZE.match(str(value))
    if not match:
        return None
    unit = match.group(2).lower() if match.group(2) else None
    size = int(float(match.group(1)) * _UNITS[unit])
    return size if size > 0 else None


def _from_yaml(path: Path, text: str) -> tuple[dict[str, Any], dict[str, int]]:
    import yaml

    from avlint.loader.problems import ContentProblem
    from avlint.loader.side import SideInputError, construct
    from avlint.loader.yaml_nodes import compose_plain
    from avlint.nodes import mapping_pairs

    try:
        root = compose_plain(text)
    except ContentProblem as problem:
        raise ConfigError(str(path), problem.line, problem.message) from None
    if root is None:
        return {}, {}
    if not isinstance(root, yaml.MappingNode):
        raise ConfigError(str(path), root.start_mark.line + 1, "the config must be a mapping of settings")
    pairs = mapping_pairs(root)
    entries = next((pair for pair in pairs if pair.key == "entries"), None)
    if entries is not None:  # `--config blueprint.yaml`: say so before its tags or keys confuse
        raise ConfigError(
            str(path),
            entries.key_node.start_mark.line + 1,
            "this is an authentik blueprint (it has 'entries'), not an avlint config; a config holds"
            f" settings such as {', '.join(_KEYS[:3])} (see the README's Configuration section)",
        )
    try:
        data = construct(root, str(path))
    except SideInputError as error:  # a tag (`!Env AKV`) or a value YAML cannot construct
        raise ConfigError(str(path), error.line or 1, error.reason) from None
    for pair in pairs:  # an unquoted 2025.10 would load as the float 2025.1: keep its text
        if pair.key == "target_version" and isinstance(pair.value, yaml.ScalarNode):
            data[pair.key] = pair.value.value
    lines = {pair.key: pair.key_node.start_mark.line + 1 for pair in pairs}
    for pair in pairs:  # nested keys (severity entries) get their own line
        if isinstance(pair.value, yaml.MappingNode):
            for inner in mapping_pairs(pair.value):
                lines[f"{pair.key}.{inner.key}"] = inner.key_node.start_mark.line + 1
    return data, lines


def _from_pyproject(path: Path, text: str) -> tuple[dict[str, Any], dict[str, int]]:
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"line (\d+)", str(error))
        raise ConfigError(str(path), int(match.group(1)) if match else 1, f"invalid TOML: {error}") from None
    section = data.get("tool", {}).get("avlint", {})
    if not isinstance(section, dict):
        raise ConfigError(str(path), 1, "[tool.avlint] must be a table")
    # tomllib keeps no positions: find each key's line inside the [tool.avlint] table.
    lines: dict[str, int] = {}
    table: str | None = None  # None outside [tool.avlint], "" in it, "severity" in a sub-table
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            name = stripped.strip("[] ")
            table = None
            if name == "tool.avlint":
                table = ""
            elif name.startswith("tool.avlint."):
                table = name.split(".", 2)[2]
                lines.setdefault(table, number)
            continue
        key = re.match(r"\"?([A-Za-z0-9_.-]+)\"?\s*=", stripped)
        if table is not None and key:
            lines.setdefault(f"{table}.{key.group(1)}" if table else key.group(1), number)
            for inner in re.finditer(r"\"?([A-Za-z0-9_-]+)\"?\s*=\s*\"", stripped.partition("{")[2]):
                lines.setdefault(f"{key.group(1)}.{inner.group(1)}", number)
    return section, lines


_KEYS = ("target_version", "select", "ignore", "severity", "exclude", "max_file_size", "strict", "baseline", "project")


def _validate(path: str, raw: dict[str, Any], lines: dict[str, int]) -> Config:
    values: dict[str, Any] = {}
    for key, value in raw.items():
        line = lines.get(key, 1)
        if key not in _KEYS:
            raise ConfigError(
                path, line, f"unknown setting '{key}'{did_you_mean(key, _KEYS)}; known settings: {', '.join(_KEYS)}"
            )
        if key == "severity":
            values[key] = _severity(path, line, value, lambda rule, line=line: lines.get(f"severity.{rule}", line))
        else:
            values[key] = _VALIDATORS[key](path, line, key, value)
    return Config(path=path, **values)


def _string(path: str, line: int, key: str, value: Any) -> str:
    if isinstance(value, float):
        raise ConfigError(path, line, f"write '{key}' in quotes (\"{value}\"): as a number, 2025.10 reads as 2025.1")
    if not isinstance(value, str):
        raise ConfigError(path, line, f"'{key}' must be a string, not {type(value).__name__}")
    from avlint.versions import UnknownVersionError, resolve_release

    try:
        resolve_release(value)
    except UnknownVersionError as error:
        raise ConfigError(path, line, str(error)) from None
    return value


def _string_list(path: str, line: int, key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(path, line, f"'{key}' must be a list of strings")
    return tuple(value)


def _rules(path: str, line: int, key: str, value: Any) -> tuple[str, ...]:
    return tuple(_rule_code(path, line, item) for item in _string_list(path, line, key, value))


def _rule_code(path: str, line: int, key: str) -> str:
    try:
        return lookup(key).code
    except UnknownRuleError as error:
        raise ConfigError(path, line, str(error)) from None


def _severity(path: str, line: int, value: Any, line_of: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        raise ConfigError(path, line, "'severity' must map rule ids or names to error, warning, info or off")
    result = []
    for rule, level in value.items():
        if level is False:  # YAML 1.1 reads an unquoted `off` as false
            level = "off"
        if level not in LEVELS:
            raise ConfigError(
                path, line_of(rule), f"severity of '{rule}' must be one of {', '.join(LEVELS)}, not {level!r}"
            )
        result.append((_rule_code(path, line_of(rule), str(rule)), level))
    return tuple(result)


def _size(path: str, line: int, key: str, value: Any) -> int:
    size = parse_size(value)
    if size is None:
        raise ConfigError(path, line, f"'{key}' must be a positive size such as 10485760 or \"50MB\", not {value!r}")
    return size


def _boolean(path: str, line: int, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(path, line, f"'{key}' must be true or false, not {value!r}")
    return value


def _path(path: str, line: int, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        kind = "folder" if key == "project" else "file"
        raise ConfigError(path, line, f"'{key}' must be a {kind} path (a non-empty string), not {value!r}")
    return value


_VALIDATORS = {
    "target_version": _string,
    "select": _rules,
    "ignore": _rules,
    "exclude": _string_list,
    "max_file_size": _size,
    "strict": _boolean,
    "baseline": _path,
    "project": _path,
}
