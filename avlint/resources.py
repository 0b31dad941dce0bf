"""Access to the data shipped in `rules/` (installed as `avlint/_rules/`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

_PACKAGE_DIR = Path(__file__).resolve().parent


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


@lru_cache(maxsize=None)
def load_data(relative: str) -> Any:
    """Parse one YAML data file from the rules folder (cached: the files never change)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    text = (rules_dir() / relative).read_text(encoding="utf-8")
    return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
