"""The resolved settings of one run: config file and command line merged.

The settings travel with the work: to every check (through CheckContext) and to worker
processes (pickled), so nothing about a run lives in a module global.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from avlint.catalogue import all_rules
from avlint.loader.source import DEFAULT_MAX_FILE_SIZE
from avlint.versions import Release, default_release

if TYPE_CHECKING:
    from avlint.spec.model import SpecSource


class Settings:
    """Immutable; change a copy with `replace`. Without a release it targets the newest one
    avlint knows. A plain class with slots: a dataclass costs start-up time at import."""

    # In the order of __init__'s parameters (pickling passes them positionally).
    FIELDS = ("release", "select", "ignore", "severities", "max_file_size", "exclude", "jobs", "spec")
    __slots__ = FIELDS

    release: Release
    select: frozenset[str] | None  # rule codes; None selects every rule
    ignore: frozenset[str]
    severities: tuple[tuple[str, str], ...]  # (code, error|warning|off)
    max_file_size: int
    exclude: tuple[str, ...]
    jobs: int  # 0: decide from the number of files and cores
    spec: SpecSource | None  # a snapshot (`--spec`) used instead of the bundled spec rows

    def __init__(
        self,
        release: Release | None = None,
        select: frozenset[str] | None = None,
        ignore: frozenset[str] = frozenset(),
        severities: tuple[tuple[str, str], ...] = (),
        max_file_size: int = DEFAULT_MAX_FILE_SIZE,
        exclude: tuple[str, ...] = (),
        jobs: int = 0,
        spec: SpecSource | None = None,
    ) -> None:
        set_field = object.__setattr__
        set_field(self, "release", release or default_release())
        set_field(self, "select", select)
        set_field(self, "ignore", ignore)
        set_field(self, "severities", severities)
        set_field(self, "max_file_size", max_file_size)
        set_field(self, "exclude", exclude)
        set_field(self, "jobs", jobs)
        set_field(self, "spec", spec)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Settings are immutable; use replace({name}=...)")

    def _values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.FIELDS}

    def replace(self, **changes: Any) -> Settings:
        return Settings(**{**self._values(), **changes})

    def __eq__(self, other: object) -> bool:
        return self._values() == other._values() if isinstance(other, Settings) else NotImplemented

    def __hash__(self) -> int:
        # Without the spec: a snapshot holds dicts; equal settings still hash equal.
        return hash(tuple(value for name, value in self._values().items() if name != "spec"))

    def __repr__(self) -> str:
        return "Settings(" + ", ".join(f"{name}={value!r}" for name, value in self._values().items()) + ")"

    def __reduce__(self) -> tuple[type[Settings], tuple[Any, ...]]:
        # Pickled for worker processes; __setattr__ forbids the default slot-by-slot restore.
        return Settings, tuple(self._values().values())

    def severity_of(self, code: str, default: str) -> str:
        return dict(self.severities).get(code, default)

    def enabled_codes(self) -> frozenset[str]:
        codes = {rule.code for rule in all_rules()}
        if self.select is not None:
            codes &= self.select
        codes -= self.ignore
        codes -= {code for code, level in self.severities if level == "off"}
        return frozenset(codes)
