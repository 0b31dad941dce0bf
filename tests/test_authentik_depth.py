"""Nesting that authentik's loader cannot load (issue 12, item 13's gap).

authentik reads blueprints with PyYAML's pure-Python SafeLoader, whose composer recurses per
level and overflows Python's recursion limit at about 490 levels; avlint's own limit (AV006) is
500. A blueprint nested deeper than AUTHENTIK_SAFE_DEPTH is refused as AV001 at the place where
the nesting passes it. The boundary is measured here, not assumed.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from avlint.engine import lint_bytes
from avlint.loader.authentik_yaml import _AuthentikLoader
from avlint.loader.limits import AUTHENTIK_SAFE_DEPTH, MAX_DEPTH
from avlint.settings import Settings
from tests.conftest import ROOT

HEAD = "version: 1\nentries: []\n"


# Each shape: depth -> (text whose deepest collection is `depth` levels down counting the root
# mapping, (line, column) where the collection at depth+1 would start). The root mapping is level 1.
def _flow_sequences(depth: int) -> str:
    return HEAD + "x: " + "[" * (depth - 1) + "]" * (depth - 1) + "\n"


def _flow_mappings(depth: int) -> str:
    return HEAD + "x: " + "{a: " * (depth - 1) + "1" + "}" * (depth - 1) + "\n"


def _block_mappings(depth: int) -> str:
    lines = [HEAD + "x:\n"] + ["  " * level + "a:\n" for level in range(1, depth - 1)]
    return "".join(lines) + "  " * (depth - 1) + "b: 1\n"


def _block_sequences(depth: int) -> str:
    lines = [HEAD + "x:\n"] + ["  " * level + "-\n" for level in range(1, depth - 1)]
    return "".join(lines) + "  " * (depth - 1) + "- 1\n"


SHAPES: dict[str, Callable[[int], str]] = {
    "flow sequences": _flow_sequences,
    "flow mappings": _flow_mappings,
    "block mappings": _block_mappings,
    "block sequences": _block_sequences,
}


def _depth_of(text: str) -> int:
    depth = deepest = 0
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            deepest = max(deepest, depth)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
    return deepest


@pytest.mark.parametrize("shape", list(SHAPES))
def test_the_shapes_nest_as_many_levels_as_asked(shape: str) -> None:
    assert _depth_of(SHAPES[shape](37)) == 37


def _findings(text: str) -> list[tuple[str, int, int, str]]:
    result = lint_bytes("deep.yaml", text.encode(), Settings())
    return [(f.rule, f.line, f.column, f.message) for f in result.findings]


@pytest.mark.parametrize("shape", list(SHAPES))
def test_at_the_safe_depth_a_file_loads_and_lints(shape: str) -> None:
    text = SHAPES[shape](AUTHENTIK_SAFE_DEPTH)
    assert [f for f in _findings(text) if f[0] in ("AV001", "AV006")] == []


@pytest.mark.parametrize("shape", list(SHAPES))
def test_one_level_deeper_is_refused_where_it_passes_the_depth(shape: str) -> None:
    text = SHAPES[shape](AUTHENTIK_SAFE_DEPTH + 1)
    found = _findings(text)
    assert [f[0] for f in found] == ["AV001"], found
    _, line, column, message = found[0]
    assert "authentik cannot load this file" in message and str(AUTHENTIK_SAFE_DEPTH) in message
    # the place is the start of the collection at level SAFE+1 in the text: the last one opened
    lines = text.splitlines()
    if shape.startswith("flow"):
        last_opened = max(lines[2].rfind("["), lines[2].rfind("{"))
        assert (line, column) == (3, last_opened + 1)
    else:
        assert line == len(lines)
        assert column == len(lines[-1]) - len(lines[-1].lstrip()) + 1


@pytest.mark.parametrize("shape", list(SHAPES))
def test_deeper_than_avlints_own_limit_is_still_av006(shape: str) -> None:
    assert [f[0] for f in _findings(SHAPES[shape](MAX_DEPTH + 1))] == ["AV006"]


def _loads_in_a_fresh_interpreter(shape: str, depth: int) -> bool:
    """Whether PyYAML's pure-Python SafeLoader (with authentik's tags accepted) loads the shape
    under Python's default recursion limit, from the shallowest stack a program can have."""
    code = (
        "import sys, yaml\n"
        "from avlint.loader.authentik_yaml import _AuthentikLoader\n"
        "from tests.test_authentik_depth import SHAPES\n"
        "assert sys.getrecursionlimit() == 1000\n"
        f"text = SHAPES[{shape!r}]({depth})\n"
        "try:\n"
        "    yaml.load(text, Loader=_AuthentikLoader)\n"
        "except RecursionError:\n"
        "    sys.exit(3)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode in (0, 3), done.stderr
    return done.returncode == 0


@pytest.mark.parametrize("shape", list(SHAPES))
def test_the_safe_depth_is_well_below_where_the_pure_loader_overflows(shape: str) -> None:
    # authentik calls the loader from a stack ~100+ frames deep (two frames a level): the limit
    # must leave it room. It still loads at the safe depth plus 50 from an empty stack, and
    # overflows before avlint's own limit, so the gap AV006 left is closed.
    assert _loads_in_a_fresh_interpreter(shape, AUTHENTIK_SAFE_DEPTH + 50)
    assert not _loads_in_a_fresh_interpreter(shape, MAX_DEPTH)


def test_the_loader_used_is_the_pure_python_one() -> None:
    assert not issubclass(_AuthentikLoader, getattr(yaml, "CSafeLoader", ()))  # type: ignore[arg-type]
    assert issubclass(_AuthentikLoader, yaml.SafeLoader)


def test_side_inputs_keep_avlints_own_limit() -> None:
    # a baseline or config is read by avlint, not authentik: only AV006's limit applies there
    from avlint.loader.yaml_nodes import compose_plain

    assert compose_plain(_flow_sequences(AUTHENTIK_SAFE_DEPTH + 50)) is not None


def test_the_cli_reports_it_with_exit_1(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(_block_mappings(AUTHENTIK_SAFE_DEPTH + 10))
    done = subprocess.run(
        [sys.executable, "-m", "avlint", "lint", str(path)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    # two lines of header and `x:`, then one line a level: level SAFE+1 starts on line SAFE+3
    assert f"{path}:{AUTHENTIK_SAFE_DEPTH + 3}:" in done.stdout and "AV001" in done.stdout
