"""How much YAML avlint builds: the nesting and alias-expansion limits (AV006). A module of its
own so that the composer and authentik's-loader check both use them without importing each other."""

from __future__ import annotations

MAX_DEPTH = 500
MAX_EXPANDED_NODES = 100_000

# The deepest nesting authentik's loader is sure to load. PyYAML's pure-Python composer recurses
# two frames per level, so under Python's default recursion limit (1,000) it overflows at about
# 490 levels when called from an empty stack (block or flow, mapping or sequence: measured with
# PyYAML 6.0, and checked by tests/test_authentik_depth.py). authentik calls it from a worker
# task or an API view some hundred-odd frames deep, so the real limit is lower and varies; 400
# leaves it 200 frames. Real blueprints nest about ten levels, so nothing real is refused.
AUTHENTIK_SAFE_DEPTH = 400
