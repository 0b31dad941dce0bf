"""The options that shape a run's Settings, shared by every command that lints or reads
blueprints (--target-version, --config, --isolated, --select, ...), and building Settings
from them and the config file (the command line wins)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from avlint.settings import Settings
from avlint.usage import UsageError
from avlint.versions import Release, UnknownVersionError, resolve_release

if TYPE_CHECKING:
    from avlint.config import Config
    from avlint.spec.model import SpecSource


class SettingsOptions(NamedTuple):
    """What the command line said; None or empty means "not given" (the config file decides)."""

    target_version: str | None = None
    config: str | None = None  # a config file given with --config
    isolated: bool = False  # --isolated: no config file at all
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    strict: bool | None = None
    max_file_size: str | None = None
    jobs: int = 0
    spec: str | None = None  # a spec snapshot (`avlint spec import`) used instead of the bundled spec


def build_settings(options: SettingsOptions, cwd: Path) -> tuple[Settings, bool]:
    """Settings and strictness from the config file and the command line; UsageError when bad."""
    return merge_settings(options, read_config(options, cwd))


def read_config(options: SettingsOptions, cwd: Path) -> Config:
    """The config file the options name (--config), else the one found from `cwd` up; none with --isolated."""
    from avlint.config import Config, ConfigError, find_config, load_config

    if options.isolated:
        return Config()
    path = Path(options.config) if options.config else find_config(cwd)
    if path is None:
        return Config()
    if options.config and not path.exists():  # a FIFO or a folder: load_config says what it is
        raise UsageError(f"config file {path} does not exist")
    try:
        return load_config(path)
    except ConfigError as error:
        raise UsageError(f"{error.path}:{error.line}: invalid config: {error.message}") from None


def merge_settings(options: SettingsOptions, config: Config) -> tuple[Settings, bool]:
    from avlint.catalogue import UnknownRuleError, lookup
    from avlint.config import parse_size

    try:
        release, spec = _release_and_spec(options, config)
        select = {lookup(k).code for k in _split(options.select)} or (set(config.select) if config.select else None)
        ignore = {lookup(k).code for k in _split(options.ignore)} | set(config.ignore)
    except (UnknownVersionError, UnknownRuleError) as error:
        raise UsageError(str(error)) from None
    size = config.max_file_size
    if options.max_file_size is not None:
        size = parse_size(options.max_file_size)
        if size is None:
            raise UsageError(f"--max-file-size must be a positive size such as 50MB, not {options.max_file_size!r}")
    settings = Settings(
        release=release,
        select=frozenset(select) if select is not None else None,
        ignore=frozenset(ignore),
        severities=config.severity,
        exclude=tuple(options.exclude) + config.exclude,
        jobs=options.jobs,
        spec=spec,
        **({"max_file_size": size} if size else {}),
    )
    strict = options.strict if options.strict is not None else bool(config.strict)
    return settings, strict


def _release_and_spec(options: SettingsOptions, config: Config) -> tuple[Release, SpecSource | None]:
    """The target release, and the `--spec` snapshot that sets it (the command line beats the config file)."""
    if options.spec is None:
        return resolve_release(options.target_version or config.target_version), None
    from avlint.spec.errors import SnapshotError
    from avlint.spec.snapshot import load_snapshot, release_for

    try:
        snapshot = load_snapshot(options.spec)
        return release_for(snapshot, options.target_version), snapshot
    except SnapshotError as error:
        raise UsageError(str(error)) from None


def _split(values: tuple[str, ...]) -> list[str]:
    return [item.strip() for value in values for item in value.split(",") if item.strip()]
