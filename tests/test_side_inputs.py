"""The files beside the blueprints (--baseline, --live-file, --env-file, --context, --spec,
--config and `spec import`) are read under the blueprint guards: a FIFO is refused at once
instead of blocking, deep nesting is refused with its place instead of a RecursionError, and
an oversized file is refused with its size."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from avlint.cli import cli
from avlint.loader.side import SideInputError, load_data, load_json, parse_data, read_text
from avlint.loader.yaml_nodes import MAX_DEPTH
from tests.conftest import ROOT, SAMPLES

BLUEPRINT = SAMPLES / "good" / "stage-mfa-login.yaml"
DEEP = 5000  # far past the limit, far below what would take a noticeable time to scan


def commands(side: Path) -> dict[str, list[str]]:
    """Each command line that reads `side` as its side input."""
    return {
        "--baseline": ["lint", "--isolated", "--baseline", str(side), str(BLUEPRINT)],
        "--config": ["lint", "--config", str(side), str(BLUEPRINT)],
        "--spec": ["lint", "--isolated", "--spec", str(side), str(BLUEPRINT)],
        "diff --live-file": ["diff", "--isolated", "--live-file", str(side), str(BLUEPRINT)],
        "migrate --live-file": ["migrate", "--isolated", "--to", "2025.12", "--live-file", str(side), str(BLUEPRINT)],
        "--env-file": ["payload", "--isolated", "--env-file", str(side), str(BLUEPRINT)],
        "diff --env-file": [
            "diff",
            "--isolated",
            "--live-file",
            str(BLUEPRINT),
            "--env-file",
            str(side),
            str(BLUEPRINT),
        ],
        "--context": ["payload", "--isolated", "--context", str(side), str(BLUEPRINT)],
        "spec import": ["spec", "import", str(side)],
    }


def invoke(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(cli, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are a POSIX thing")
def test_a_fifo_is_refused_at_once_by_every_side_input(tmp_path: Path) -> None:
    fifo = tmp_path / "side.fifo"
    os.mkfifo(fifo)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for name, args in commands(fifo).items():
        # A subprocess with a timeout: a reader that blocks on the FIFO fails the test instead of hanging it.
        done = subprocess.run(
            [sys.executable, "-m", "avlint", *args],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        assert done.returncode == 2, (name, done.stderr)
        assert "not a regular file" in done.stderr, (name, done.stderr)
        assert "Traceback" not in done.stderr, name


@pytest.mark.parametrize(
    ("name", "deep"),
    [
        ("--baseline", '{"tool": "avlint", "version": 1, "findings": ' + "[" * DEEP + "]" * DEEP + "}"),
        ("--spec", "authentik: '2025.12'\nmodels: " + "[" * DEEP + "]" * DEEP + "\n"),
        ("--config", "select: " + "[" * DEEP + "]" * DEEP + "\n"),
        ("diff --live-file", "[" * DEEP + "]" * DEEP),
        ("migrate --live-file", '{"results": ' + "[" * DEEP + "]" * DEEP + "}"),
        ("--context", '{"a": ' + "[" * DEEP + "]" * DEEP + "}"),
        ("spec import", "openapi: 3.0.3\ncomponents: " + "{a: " * DEEP + "1" + "}" * DEEP + "\n"),
    ],
)
def test_deep_nesting_is_refused_with_its_place(tmp_path: Path, name: str, deep: str) -> None:
    side = tmp_path / "side.json"
    side.write_text(deep, encoding="utf-8")
    code, err = invoke(commands(side)[name])
    assert code == 2, err
    assert f"nesting deeper than {MAX_DEPTH} levels" in err, err
    assert "Traceback" not in err and "RecursionError" not in err


def test_the_reader_refuses_directories_missing_files_and_oversized_files(tmp_path: Path) -> None:
    with pytest.raises(SideInputError, match="is a directory"):
        read_text(str(tmp_path))
    with pytest.raises(SideInputError, match="no such file"):
        read_text(str(tmp_path / "nope.json"))
    big = tmp_path / "big.json"
    big.write_text("[" + "1," * 600 + "1]", encoding="utf-8")
    with pytest.raises(SideInputError, match=r"file is 1\.2 KB, over the 1\.0 KB limit$") as caught:
        read_text(str(big), max_size=1024)
    assert caught.value.rule == "AV006"
    assert "--max-file-size" not in str(caught.value)  # the option is the blueprints'
    assert load_json(str(big), max_size=2048)[-1] == 1


def test_json_depth_is_counted_outside_strings_only() -> None:
    inside = '{"a": "' + "[" * 2000 + '"}'
    assert parse_data(inside, "x.json") == {"a": "[" * 2000}
    limit = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert parse_data(limit, "x.json") is not None
    with pytest.raises(SideInputError) as caught:
        parse_data("\n [" + limit + "]", "x.json")
    assert (caught.value.line, caught.value.column, caught.value.rule) == (2, 2 + MAX_DEPTH, "AV006")


def test_yaml_side_inputs_refuse_tags_and_report_bad_values_with_a_position(tmp_path: Path) -> None:
    with pytest.raises(SideInputError) as caught:
        parse_data("a: 1\nb: !Env HOME\n", "c.yaml")
    assert (caught.value.line, caught.value.column, caught.value.rule) == (2, 4, "AV003")
    assert "the tag !Env is not allowed here" in str(caught.value)
    with pytest.raises(SideInputError, match="found unhashable key") as unhashable:
        parse_data("? [a]\n: 1\n", "c.yaml")
    assert unhashable.value.line == 1
    with pytest.raises(SideInputError, match="day is out of range"):
        parse_data("when: 2025-02-30\n", "c.yaml")
    aliases = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 10) + "]\n" for i in range(6)
    )
    with pytest.raises(SideInputError, match="alias bomb"):
        parse_data(aliases, "bomb.yaml")
    ok = tmp_path / "ok.yaml"
    ok.write_text("\ufeffa: [1, 2]\nb: {c: d}\n", encoding="utf-8")
    assert load_data(str(ok)) == {"a": [1, 2], "b": {"c": "d"}}


def test_spec_import_says_what_a_file_is_when_it_is_not_a_schema(tmp_path: Path) -> None:
    code, err = invoke(["spec", "import", str(BLUEPRINT)])
    assert code == 2
    assert "is an authentik blueprint (it has 'entries' and the tag !" in err
    assert "not an OpenAPI schema; expected authentik's OpenAPI schema" in err
    assert "neither YAML nor JSON" not in err
    plain = tmp_path / "plain-blueprint.yaml"
    plain.write_text("version: 1\nentries: []\n", encoding="utf-8")
    code, err = invoke(["spec", "import", str(plain)])
    assert code == 2 and "it is an authentik blueprint (it has 'entries')" in err and "expected authentik's" in err
    listing = tmp_path / "list.json"
    listing.write_text("[1, 2]", encoding="utf-8")
    code, err = invoke(["spec", "import", str(listing)])
    assert code == 2 and "it is a list without a top-level 'openapi' field" in err
    tagged = tmp_path / "tagged.yaml"
    tagged.write_text("openapi: 3.0.3\ninfo: !Env X\n", encoding="utf-8")
    code, err = invoke(["spec", "import", str(tagged)])
    assert code == 2 and "YAML with a tag, which an OpenAPI schema never has" in err and "line 2, column 7" in err
