"""authentik release lines: parsing, ordering and the list avlint knows."""

from __future__ import annotations

import re
from collections import namedtuple
from functools import lru_cache

_VERSION_RE = re.compile(r"^\s*v?(\d{4})\.(\d{1,2})(?:\.(\d+))?(?:[-.]?(?:rc|post)\d*)?\s*$")


class UnknownVersionError(ValueError):
    """A version string that is malformed or not a release line avlint knows."""


class Release(namedtuple("Release", "year minor")):
    """A release line such as 2025.12; patch numbers do not change the API shape.

    A named tuple rather than a dataclass: `avlint --version` imports this module, and the
    tuple orders by (year, minor) for free."""

    __slots__ = ()

    def __str__(self) -> str:
        return f"{self.year}.{self.minor}"

    @classmethod
    def parse(cls, text: str) -> Release:
        match = _VERSION_RE.match(str(text))
        if not match:
            raise UnknownVersionError(f"'{text}' is not an authentik version (expected YEAR.MINOR, e.g. 2025.12)")
        return cls(int(match.group(1)), int(match.group(2)))


_LIST_ITEM = re.compile(r'^\s*-\s*"(\d{4}\.\d{1,2})"\s*$', re.MULTILINE)
_DEFAULT = re.compile(r'^default:\s*"(\d{4}\.\d{1,2})"\s*$', re.MULTILINE)


@lru_cache(maxsize=1)
def _versions_file() -> tuple[tuple[str, ...], str]:
    """rules/versions.yaml, read with two regular expressions instead of a YAML parser so that
    `avlint --version` does not pay for importing one (tests check both readings agree)."""
    from avlint.resources import rules_dir

    text = (rules_dir() / "versions.yaml").read_text(encoding="utf-8")
    default = _DEFAULT.search(text)
    if default is None:
        raise UnknownVersionError("rules/versions.yaml has no default release")
    return tuple(_LIST_ITEM.findall(text)), default.group(1)


@lru_cache(maxsize=1)
def known_releases() -> tuple[Release, ...]:
    return tuple(Release.parse(v) for v in _versions_file()[0])


def default_release() -> Release:
    return Release.parse(_versions_file()[1])


def resolve_release(text: str | None) -> Release:
    """The release line for a user-given version (None means the newest avlint knows)."""
    if text is None or text in ("", "latest", "newest"):
        return default_release()
    release = Release.parse(text)
    if release not in known_releases():
        known = ", ".join(str(r) for r in known_releases())
        raise UnknownVersionError(f"authentik {text} is not a release avlint knows; known releases: {known}")
    return release


def in_range(release: Release, since: str | None, until: str | None) -> bool:
    """True when `release` is at or after `since` and before `until` (both optional)."""
    if since is not None and release < Release.parse(since):
        return False
    return not (until is not None and release >= Release.parse(until))
