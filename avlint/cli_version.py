"""The version line, kept free of click so `avlint --version` starts fast."""

from __future__ import annotations

from avlint import __version__


def version_text() -> str:
    from avlint.versions import default_release, known_releases

    releases = known_releases()
    return f"avlint {__version__} (authentik {releases[0]} to {releases[-1]}; default target {default_release()})"
