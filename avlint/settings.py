"""The resolved settings of one run: config file and command line merged."""

from __future__ import annotations

from dataclasses import dataclass, field

from avlint.catalogue import all_rules
from avlint.loader.source import DEFAULT_MAX_FILE_SIZE
from avlint.versions import Release, default_release


@dataclass(frozen=True)
class Settings:
    release: Release = field(default_factory=default_release)
    select: frozenset[str] | None = None  # rule codes; None selects every rule
    ignore: frozenset[str] = frozenset()
    severities: tuple[tuple[str, str], ...] = ()  # (code, error|warning|off)
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    exclude: tuple[str, ...] = ()
    jobs: int = 0  # 0: decide from the number of files and cores
    spec_file: str | None = None  # a snapshot (`--spec`) used instead of the bundled spec; run_lint puts it in use

    def __setstate__(self, state: dict[str, object]) -> None:
        # Worker processes get the settings pickled: put the snapshot in use there too (a
        # spawned worker starts without the parent's spec source). Only in a worker: a copy
        # made in the main process must not change which spec it uses.
        self.__dict__.update(state)
        import multiprocessing

        if self.spec_file is not None and multiprocessing.parent_process() is not None:
            from avlint.spec.snapshot import activate_spec_file

            activate_spec_file(self.spec_file)

    def severity_of(self, code: str, default: str) -> str:
        return dict(self.severities).get(code, default)

    def enabled_codes(self) -> frozenset[str]:
        codes = {rule.code for rule in all_rules()}
        if self.select is not None:
            codes &= self.select
        codes -= self.ignore
        codes -= {code for code, level in self.severities if level == "off"}
        return frozenset(codes)
