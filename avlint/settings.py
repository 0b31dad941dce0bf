"""The resolved settings of one run: config file and command line merged."""

from __future__ import annotations

from typing import NamedTuple

from avlint.catalogue import all_rules
from avlint.loader.source import DEFAULT_MAX_FILE_SIZE
from avlint.versions import Release, default_release


class _Fields(NamedTuple):
    release: Release
    select: frozenset[str] | None = None  # rule codes; None selects every rule
    ignore: frozenset[str] = frozenset()
    severities: tuple[tuple[str, str], ...] = ()  # (code, error|warning|off)
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    exclude: tuple[str, ...] = ()
    jobs: int = 0  # 0: decide from the number of files and cores
    spec_file: str | None = None  # a snapshot (`--spec`) used instead of the bundled spec; run_lint puts it in use


class Settings(_Fields):
    """Immutable (a named tuple: cheaper to define at start-up than a dataclass); change a copy
    with `_replace`. Without a release it targets the newest one avlint knows."""

    __slots__ = ()

    def __new__(cls, release: Release | None = None, *args: object, **kwargs: object) -> Settings:
        return super().__new__(cls, release or default_release(), *args, **kwargs)

    def severity_of(self, code: str, default: str) -> str:
        return dict(self.severities).get(code, default)

    def enabled_codes(self) -> frozenset[str]:
        codes = {rule.code for rule in all_rules()}
        if self.select is not None:
            codes &= self.select
        codes -= self.ignore
        codes -= {code for code, level in self.severities if level == "off"}
        return frozenset(codes)
