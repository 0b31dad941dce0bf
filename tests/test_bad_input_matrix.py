"""Every kind of bad input file x every command that reads blueprints.

lint, fix, migrate, payload, graph and diff (against a saved listing) each get every kind:
binary, NUL bytes, a bad encoding, UTF-16, a byte-order mark, a file over the size limit, deep
nesting, an alias bomb, an empty file, a FIFO, a folder named like a blueprint, a dangling
symlink and an unreadable file. Whatever the kind, each command ends without a traceback and
without hanging (an alarm ends a blocked read), changes no file (`fix` and `migrate` may only
remove the byte-order mark lint reports) and writes nothing new. A kind avlint refuses ends in exit 1 or 2
with a message naming the file, and lint, graph and diff give the line and column where there is
one. The contents are the ones tests/test_bad_input.py checks finding by finding.
"""

from __future__ import annotations

import builtins
import errno
import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType

import pytest
from click.testing import CliRunner

from avlint.cli import cli
from tests.test_bad_input import BILLION_LAUGHS, CASES

DEPTH = 100_000
HANG_SECONDS = 30


def _content(data: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data)


def _huge(path: Path) -> None:
    with open(path, "wb") as handle:  # sparse: 50 MB on paper, nothing on disk
        handle.write(b"version: 1\n")
        handle.truncate(50 * 1024 * 1024)


def _dangling(path: Path) -> None:
    os.symlink(path.with_name("nowhere.yaml"), path)


# kind -> (make it at a path, refused?, (line, column) lint reports or None)
KINDS: dict[str, tuple[Callable[[Path], None], bool, tuple[int, int] | None]] = {
    "binary": (_content(CASES["binary.yaml"][0]), True, (3, 1)),
    "nul-bytes": (_content(CASES["nul.yaml"][0]), True, (2, 12)),
    "latin-1": (_content(CASES["latin1.yaml"][0]), True, (3, 12)),
    "utf-16": (_content(CASES["utf16.yaml"][0]), True, (1, 1)),
    "byte-order-mark": (_content(b"\xef\xbb\xbfversion: 1\nentries: []\n"), False, (1, 1)),
    "huge": (_huge, True, (1, 1)),
    "deep-nesting": (_content(b"version: 1\nentries: []\nx: " + b"[" * DEPTH + b"]" * DEPTH + b"\n"), True, (3, 1003)),
    "alias-bomb": (_content(BILLION_LAUGHS), True, (7, 4)),
    "empty": (_content(b""), False, (1, 1)),  # authentik skips it: a warning (AV007)
    "fifo": (os.mkfifo, True, None),
    "directory": (lambda path: path.mkdir(), False, None),  # a folder named like a blueprint, holding none
    "dangling-symlink": (_dangling, True, None),
    "unreadable": (_content(b"version: 1\nentries: []\n"), True, None),
}

COMMANDS: dict[str, Callable[[Path, Path], list[str]]] = {
    "lint": lambda path, listing: ["lint", "--isolated", str(path)],
    "fix": lambda path, listing: ["fix", "--isolated", "--jobs", "1", str(path)],
    "migrate": lambda path, listing: ["migrate", "--isolated", "--to", "2026.5", str(path)],
    "payload": lambda path, listing: ["payload", "--isolated", "--jobs", "1", str(path)],
    "graph": lambda path, listing: ["graph", str(path)],
    "diff": lambda path, listing: ["diff", "--live-file", str(listing), str(path)],
}
POSITIONED = ("lint", "graph", "diff")  # the commands that report a content problem at line:column
# Where deep nesting is reported depends on which guard trips first: avlint's own event scan (at
# level 501, column 503), or, with PyYAML >= 6.0.4, libyaml's scanner, which reads a run of flow
# openings ahead and stops at its own limit of 1,000 levels (column 1003). Both are AV006 on line 3.
ALSO_AT = {"deep-nesting": (3, 503)}


def _reported_at(said: str, path: Path, kind: str, position: tuple[int, int]) -> bool:
    places = [position] + ([ALSO_AT[kind]] if kind in ALSO_AT else [])
    return any(f"{path}:{line}:{column}:" in said for line, column in places)


def _snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every entry in the folder and, for regular files, its bytes (a FIFO or folder: None)."""
    return {
        path.name: path.read_bytes() if path.is_file() and not path.is_symlink() else None
        for path in sorted(folder.iterdir())
    }


@pytest.fixture
def alarm() -> Iterator[None]:
    """A blocked open() or read() (a FIFO) ends in TimeoutError instead of hanging the suite."""

    def ring(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"the command hung for {HANG_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.alarm(HANG_SECONDS)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def _deny(monkeypatch: pytest.MonkeyPatch, locked: Path) -> None:
    """As root chmod 000 does not stop reads: every open of `locked` fails as it would for a user."""
    real_open, real_os_open = builtins.open, os.open

    def guarded_open(file, *args, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(file, (str, os.PathLike)) and os.path.abspath(os.fspath(file)) == str(locked):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(file))
        return real_open(file, *args, **kwargs)

    def guarded_os_open(file, *args, **kwargs):  # type: ignore[no-untyped-def]
        if os.path.abspath(os.fspath(file)) == str(locked):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(file))
        return real_os_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(os, "open", guarded_os_open)


@pytest.mark.usefixtures("alarm")
@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("kind", list(KINDS))
def test_bad_input_x_command(kind: str, command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make, refused, position = KINDS[kind]
    folder = tmp_path / "in"
    folder.mkdir()
    listing = tmp_path / "listing.json"
    listing.write_text("[]")
    path = folder / f"{kind}.yaml"
    make(path)
    before = _snapshot(folder)
    monkeypatch.chdir(tmp_path)
    if kind == "unreadable":
        _deny(monkeypatch, path)
    result = CliRunner().invoke(cli, COMMANDS[command](path, listing), env={"AUTHENTIK_URL": None})
    said = result.stdout + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in said
    after = _snapshot(folder)
    if kind == "byte-order-mark" and command in ("fix", "migrate"):  # both apply the safe fix AV005 reports
        assert after == {path.name: before[path.name][3:]}  # type: ignore[index]
    else:
        assert after == before, f"{command} changed or added files"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "listing.json"], "written outside the folder"
    if refused:
        assert result.exit_code in (1, 2), said
        assert str(path) in said, said
        if position is not None and command in POSITIONED:
            assert _reported_at(said, path, kind, position), said
    else:
        assert result.exit_code in (0, 1, 2), said
        if kind == "directory":  # every command names a folder in which it found nothing to read
            assert f"{path}: warning: no blueprint in this folder" in result.stderr, said
        elif command == "lint":  # the warning names the file, at its position when it has one
            assert _reported_at(said, path, kind, position) if position else f"{path}:" in said, said


def test_a_folder_with_blueprints_is_not_named(tmp_path: Path) -> None:
    from avlint.discovery import folders_without_files

    (tmp_path / "full").mkdir()
    (tmp_path / "full-not").mkdir()
    named = [str(tmp_path / "full"), str(tmp_path / "full-not") + "/", str(tmp_path / "full" / "a.yaml")]
    files = [str(tmp_path / "full" / "a.yaml")]
    assert folders_without_files(named, files) == [str(tmp_path / "full-not") + "/"]
    assert folders_without_files(["."], ["a.yaml"]) == []
    assert folders_without_files(["."], []) == ["."]


def test_every_kind_in_the_brief_is_covered() -> None:
    assert len(KINDS) == 13 and len(COMMANDS) == 6
