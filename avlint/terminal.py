"""Whether output goes to a terminal that wants colour. Outside avlint.cli so that the
`avlint lint FILE` fast path (avlint.__main__) shares it without importing click."""

from __future__ import annotations

import os
import sys


def colour_wanted() -> bool:
    """Colour on a terminal, unless NO_COLOR is set (https://no-color.org)."""
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ
