"""avlint.atomic_write, the one writer of every file avlint writes, tested directly."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from avlint import atomic_write
from avlint.atomic_write import WriteError, write_file


@pytest.fixture(autouse=True)
def fresh_sweeps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts as a new process would: no folder swept yet."""
    monkeypatch.setattr(atomic_write, "_swept", set())


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("mode", [0o600, 0o644, 0o755, 0o664, 0o640])
def test_an_existing_file_keeps_its_mode(tmp_path: Path, mode: int) -> None:
    target = tmp_path / "bp.yaml"
    target.write_text("old\n")
    os.chmod(target, mode)
    inode = os.stat(target).st_ino
    write_file(str(target), "new\r\nline\n")
    assert target.read_bytes() == b"new\r\nline\n"  # newlines as given, not translated
    assert stat.S_IMODE(os.stat(target).st_mode) == mode
    assert os.stat(target).st_ino != inode  # a new file renamed over the old one
    assert names(tmp_path) == ["bp.yaml"]


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_a_new_file_gets_the_mode_the_umask_allows(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        write_file(str(tmp_path / "report.json"), "{}\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "report.json").st_mode) == 0o666 & ~umask
    assert names(tmp_path) == ["report.json"]


def test_text_is_written_as_utf8(tmp_path: Path) -> None:
    write_file(str(tmp_path / "a.yaml"), "\ufeffname: Zürich ✓\n")
    assert (tmp_path / "a.yaml").read_bytes() == "\ufeffname: Zürich ✓\n".encode()


def test_a_symlink_stays_a_link_and_its_target_changes(tmp_path: Path) -> None:
    real = tmp_path / "real" / "bp.yaml"
    real.parent.mkdir()
    real.write_text("old\n")
    os.chmod(real, 0o600)
    link = tmp_path / "bp.yaml"
    link.symlink_to(Path("real") / "bp.yaml")  # relative, as links in a repository are
    write_file(str(link), "new\n")
    assert link.is_symlink() and os.readlink(link) == str(Path("real") / "bp.yaml")
    assert real.read_text() == "new\n"
    assert stat.S_IMODE(os.stat(real).st_mode) == 0o600
    assert names(tmp_path) == ["bp.yaml", "real"] and names(real.parent) == ["bp.yaml"]


def test_a_chain_of_links_is_followed_to_the_file(tmp_path: Path) -> None:
    real = tmp_path / "real.yaml"
    real.write_text("old\n")
    (tmp_path / "one.yaml").symlink_to(real)  # absolute
    (tmp_path / "two.yaml").symlink_to("one.yaml")
    write_file(str(tmp_path / "two.yaml"), "new\n")
    assert real.read_text() == "new\n"
    assert (tmp_path / "one.yaml").is_symlink() and (tmp_path / "two.yaml").is_symlink()


def test_a_symlink_loop_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").symlink_to("b.yaml")
    (tmp_path / "b.yaml").symlink_to("a.yaml")
    with pytest.raises(WriteError) as caught:
        write_file(str(tmp_path / "a.yaml"), "x\n")
    assert caught.value.path == str(tmp_path / "a.yaml")
    assert "symlink loop" in caught.value.reason
    assert (tmp_path / "a.yaml").is_symlink() and (tmp_path / "b.yaml").is_symlink()
    assert names(tmp_path) == ["a.yaml", "b.yaml"]


def test_a_dangling_symlink_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").symlink_to("gone.yaml")
    with pytest.raises(WriteError) as caught:
        write_file(str(tmp_path / "a.yaml"), "x\n")
    assert "gone.yaml" in caught.value.reason and "does not exist" in caught.value.reason
    assert names(tmp_path) == ["a.yaml"] and (tmp_path / "a.yaml").is_symlink()


def test_a_read_only_file_is_refused_and_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "bp.yaml"
    target.write_text("old\n")
    os.chmod(target, 0o444)
    if os.access(target, os.W_OK):  # root can write anything: make the check see what a user sees
        real_access = os.access
        monkeypatch.setattr(os, "access", lambda p, m, *a, **k: False if m & os.W_OK else real_access(p, m, *a, **k))
    with pytest.raises(WriteError) as caught:
        write_file(str(target), "new\n")
    assert caught.value.reason == "the file is read-only"
    assert target.read_text() == "old\n" and names(tmp_path) == ["bp.yaml"]


def test_a_missing_folder_is_an_error_unless_asked_to_make_it(tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "report.json"
    with pytest.raises(WriteError) as caught:
        write_file(str(target), "{}\n")
    assert caught.value.reason == f"the folder {tmp_path / 'no' / 'such'} does not exist"
    assert isinstance(caught.value, OSError)  # callers that catch OSError keep working
    assert names(tmp_path) == []
    write_file(str(target), "{}\n", make_folder=True)
    assert target.read_text() == "{}\n"
    (tmp_path / "file").write_text("")
    with pytest.raises(WriteError) as caught:
        write_file(str(tmp_path / "file" / "sub" / "x.json"), "{}\n", make_folder=True)
    assert caught.value.reason == f"cannot write in {tmp_path / 'file' / 'sub'}: Not a directory"


def test_a_folder_in_the_way_is_not_replaced(tmp_path: Path) -> None:
    (tmp_path / "out.json").mkdir()
    with pytest.raises(WriteError) as caught:
        write_file(str(tmp_path / "out.json"), "{}\n")
    assert caught.value.reason == "not a regular file"
    assert (tmp_path / "out.json").is_dir()


def test_an_unwritable_folder_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "bp.yaml"
    target.write_text("old\n")

    def refuse(*args: object, **kwargs: object) -> tuple[int, str]:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(WriteError) as caught:
        write_file(str(target), "new\n")
    assert caught.value.reason == f"cannot write in {tmp_path}: Permission denied"
    assert target.read_text() == "old\n"


@pytest.mark.parametrize("step", ["fsync", "chmod", "replace"])
def test_a_failed_write_leaves_the_original_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    target = tmp_path / "bp.yaml"
    target.write_text("old\n")

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, step, fail)
    with pytest.raises(WriteError) as caught:
        write_file(str(target), "new\n")
    assert caught.value.path == str(target) and "No space left on device" in caught.value.reason
    assert target.read_text() == "old\n"
    assert names(tmp_path) == ["bp.yaml"]


@pytest.mark.parametrize("failure", [KeyboardInterrupt, RuntimeError, MemoryError])
def test_a_crash_mid_write_leaves_the_original_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: type[BaseException]
) -> None:
    target = tmp_path / "bp.yaml"
    target.write_text("old\n")

    def crash(*args: object, **kwargs: object) -> None:
        raise failure("crash")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(failure):
        write_file(str(target), "new\n")
    assert target.read_text() == "old\n" and names(tmp_path) == ["bp.yaml"]


def test_the_text_is_complete_and_flushed_before_the_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "bp.yaml"
    target.write_text("old\n")
    seen: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(source: str, destination: str) -> None:
        seen.append((Path(source).read_text(), target.read_text()))
        assert Path(source).parent == tmp_path and Path(source).name.startswith(atomic_write.temp_prefix())
        real_replace(source, destination)

    monkeypatch.setattr(os, "replace", spy)
    write_file(str(target), "new\n" * 1000)
    assert seen == [("new\n" * 1000, "old\n")]


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _temp(folder: Path, name: str, age: float) -> Path:
    path = folder / name
    path.write_text("half")
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))
    return path


def test_stale_temporary_files_of_dead_runs_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    host = atomic_write.temp_prefix().split("-")[1]
    dead = _dead_pid()
    parent = os.getppid()  # alive: the process that started pytest
    removed = [
        _temp(tmp_path, f".avlint-{host}-{dead}-abc12345.tmp", age=0),  # a killed run's, just now
        _temp(tmp_path, f".avlint-{host}-{parent}-old12345.tmp", age=2 * 3600),  # no write takes an hour
        _temp(tmp_path, f".avlint-otherhost-{dead}-old12345.tmp", age=2 * 3600),  # abandoned on another host
        _temp(tmp_path, ".avlint-q8z_x1ab.tmp", age=2 * 3600),  # an older avlint's name, abandoned
    ]
    kept = [
        _temp(tmp_path, f".avlint-{host}-{parent}-live1234.tmp", age=60),  # a concurrent live run's
        _temp(tmp_path, f".avlint-otherhost-{dead}-abc12345.tmp", age=60),  # pids of another host mean nothing
        _temp(tmp_path, ".avlint-q8z_x2ab.tmp", age=60),  # an older avlint's name, recent
        _temp(tmp_path, ".avlint-notes.txt", age=2 * 3600),  # not avlint's temp-file pattern
        _temp(tmp_path, f".avlint-{host}-{dead}-a.tmp", age=2 * 3600),  # not mkstemp's pattern
    ]
    (tmp_path / "other").mkdir()
    elsewhere = _temp(tmp_path / "other", f".avlint-{host}-{dead}-abc12345.tmp", age=60)  # not written to
    write_file(str(tmp_path / "bp.yaml"), "new\n")
    assert not any(path.exists() for path in removed)
    assert names(tmp_path) == sorted([path.name for path in kept] + ["bp.yaml", "other"])
    assert elsewhere.exists()


def test_stop_writing_waits_for_the_write_in_progress_and_blocks_later_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    target = tmp_path / "bp.yaml"
    target.write_text("old\n")
    monkeypatch.setattr(atomic_write, "_writing", threading.Lock())
    in_rename, release = threading.Event(), threading.Event()
    real_replace = os.replace

    def slow(source: str, destination: str) -> None:
        in_rename.set()
        release.wait(5)
        real_replace(source, destination)

    monkeypatch.setattr(os, "replace", slow)
    writer = threading.Thread(target=write_file, args=(str(target), "new\n"))
    writer.start()
    assert in_rename.wait(5)
    stopper = threading.Thread(target=atomic_write.stop_writing, args=(5,))
    stopper.start()
    time.sleep(0.1)
    assert stopper.is_alive()  # waits while the write is in progress
    release.set()
    stopper.join(5)
    writer.join(5)
    assert target.read_text() == "new\n" and names(tmp_path) == ["bp.yaml"]
    late = threading.Thread(target=write_file, args=(str(tmp_path / "late.yaml"), "x\n"), daemon=True)
    late.start()
    late.join(0.3)
    assert late.is_alive() and not (tmp_path / "late.yaml").exists()  # no write starts any more


def test_create_only_makes_a_new_file(tmp_path: Path) -> None:
    target = tmp_path / "new.yaml"
    write_file(str(target), "version: 1\n", create_only=True)
    assert target.read_text(encoding="utf-8") == "version: 1\n"
    assert names(tmp_path) == ["new.yaml"]


def test_create_only_never_replaces_a_file_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "taken.yaml"
    target.write_text("mine\n", encoding="utf-8")
    with pytest.raises(WriteError, match="appeared"):
        write_file(str(target), "theirs\n", create_only=True)
    assert target.read_text(encoding="utf-8") == "mine\n"
    assert names(tmp_path) == ["taken.yaml"]


def test_create_only_without_hard_links_still_refuses_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_links(source: str, destination: str) -> None:
        raise OSError(errno.EPERM, "hard links not supported")

    monkeypatch.setattr(os, "link", no_links)
    fresh = tmp_path / "fresh.yaml"
    write_file(str(fresh), "new\n", create_only=True)
    assert fresh.read_text(encoding="utf-8") == "new\n"
    (tmp_path / "taken.yaml").write_text("mine\n", encoding="utf-8")
    with pytest.raises(WriteError, match="appeared"):
        write_file(str(tmp_path / "taken.yaml"), "theirs\n", create_only=True)
    assert (tmp_path / "taken.yaml").read_text(encoding="utf-8") == "mine\n"
    assert names(tmp_path) == ["fresh.yaml", "taken.yaml"]
