"""How much YAML avlint builds: the nesting and alias-expansion limits (AV006). A module of its
own so that the composer and authentik's-loader check both use them without importing each other."""

from __future__ import annotations

MAX_DEPTH = 500
MAX_EXPANDED_NODES = 100_000
