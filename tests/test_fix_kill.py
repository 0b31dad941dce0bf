"""`avlint fix` killed or stopped half-way (issue 12 #8), in a real subprocess on a corpus:

- SIGKILL of the main process: its workers exit (bounded wait) instead of writing on and then
  blocking forever under init; every file is either as it was or completely fixed; the temporary
  files a killed process leaves are removed by the next run, which finishes the job.
- SIGTERM or SIGINT (Ctrl-C, sent to the whole process group): the run stops after the files in
  progress, says what it wrote, exits 143 or 130, and leaves no worker behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from avlint import atomic_write
from tests.test_fix import MFA, MFA_FIXED

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc (Linux)")

FILES = 400
ROOT = Path(__file__).resolve().parent.parent


def make_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for number in range(FILES):
        (corpus / f"{number:03}.yaml").write_text(MFA)
    return corpus


def start(corpus: Path, jobs: int, out: Path) -> subprocess.Popen[bytes]:
    with open(out, "wb") as stream:
        return subprocess.Popen(
            [sys.executable, "-m", "avlint", "fix", "--isolated", "--jobs", str(jobs), str(corpus)],
            cwd=ROOT,
            stdout=stream,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a process group of its own, as a shell gives a command
        )


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def running(pid: int) -> bool:
    """Alive and not a zombie (a zombie has exited; only its exit status waits to be read)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def wait_until(condition, timeout: float, step: float = 0.02) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


def states(corpus: Path) -> dict[str, str]:
    """Each file: 'original' or 'fixed'; anything else is a half-written or broken file."""
    result = {}
    for path in sorted(corpus.glob("*.yaml")):
        text = path.read_text()
        result[path.name] = "original" if text == MFA else "fixed" if text == MFA_FIXED else f"BROKEN: {text!r}"
    return result


def temp_files(corpus: Path) -> list[str]:
    return sorted(p.name for p in corpus.iterdir() if p.name.startswith(".avlint-") and p.name.endswith(".tmp"))


def started_fixing(corpus: Path, process: subprocess.Popen[bytes], jobs: int) -> None:
    """Wait until the run is under way: its workers started and a file written."""
    assert wait_until(lambda: (corpus / "000.yaml").read_text() != MFA or process.poll() is not None, 60)
    assert process.poll() is None, "the run finished before it could be interrupted"
    if jobs > 1:
        assert wait_until(lambda: len(children(process.pid)) >= jobs, 10), "no worker processes"


def finish_with_a_second_run(corpus: Path) -> None:
    again = subprocess.run(
        [sys.executable, "-m", "avlint", "fix", "--isolated", "--jobs", "2", str(corpus)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert set(states(corpus).values()) == {"fixed"}
    assert temp_files(corpus) == []  # including what the killed run left


@pytest.mark.parametrize("jobs", [2, 1])
def test_sigkill_leaves_no_orphan_worker_no_half_written_file_and_the_next_run_cleans_up(
    tmp_path: Path, jobs: int
) -> None:
    corpus = make_corpus(tmp_path)
    process = start(corpus, jobs, tmp_path / "out.txt")
    try:
        started_fixing(corpus, process, jobs)
        workers = children(process.pid)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
        assert wait_until(lambda: not any(running(pid) for pid in workers), 5), "a worker outlived its parent"
        snapshot = states(corpus)
        assert not [name for name, state in snapshot.items() if state.startswith("BROKEN")]
        assert "original" in snapshot.values() and "fixed" in snapshot.values()
        time.sleep(0.5)
        assert states(corpus) == snapshot  # nobody writes any more
    finally:
        with_group_killed(process)
    # What a process killed between creating and renaming its temporary file leaves behind.
    dead = (workers or [process.pid])[0]
    host = atomic_write.temp_prefix().split("-")[1]
    (corpus / f".avlint-{host}-{dead}-k1ll3d_x.tmp").write_text("half a blueprint")
    finish_with_a_second_run(corpus)


@pytest.mark.parametrize(
    ("jobs", "signum", "to_group"),
    [(2, signal.SIGTERM, False), (2, signal.SIGINT, True), (1, signal.SIGTERM, False), (1, signal.SIGINT, True)],
)
def test_sigterm_and_sigint_stop_cleanly_with_an_account_of_what_was_written(
    tmp_path: Path, jobs: int, signum: int, to_group: bool
) -> None:
    corpus = make_corpus(tmp_path)
    out = tmp_path / "out.txt"
    process = start(corpus, jobs, out)
    try:
        started_fixing(corpus, process, jobs)
        workers = children(process.pid)
        if to_group:  # Ctrl-C in a terminal signals the whole foreground process group
            os.killpg(process.pid, signum)
        else:  # `kill PID`, a CI runner's timeout: the main process only
            os.kill(process.pid, signum)
        returncode = process.wait(30)
    finally:
        with_group_killed(process)
    assert returncode == 128 + signum  # 143 for SIGTERM, 130 for SIGINT
    assert not any(running(pid) for pid in workers)
    snapshot = states(corpus)
    fixed = sorted(name for name, state in snapshot.items() if state == "fixed")
    assert not [name for name, state in snapshot.items() if state.startswith("BROKEN")]
    assert temp_files(corpus) == []
    lines = out.read_text().splitlines()
    assert "Traceback" not in out.read_text()
    reported = sorted(Path(line.split(": applied")[0]).name for line in lines if ": applied " in line)
    assert reported == fixed  # every file written is reported, and only those
    name = signal.Signals(signum).name
    assert lines[-1] == f"Stopped by {name}: fixed {len(fixed)} file{'s' if len(fixed) != 1 else ''}; " + (
        f"{FILES - len(fixed)} files not processed."
    )
    assert 0 < len(fixed) < FILES
    time.sleep(0.3)
    assert states(corpus) == snapshot
    finish_with_a_second_run(corpus)


def with_group_killed(process: subprocess.Popen[bytes]) -> None:
    """Whatever a test asserted, leave no process of its run behind."""
    if process.poll() is None:
        process.kill()
        process.wait(10)


def test_a_signal_to_one_worker_stops_the_run_cleanly_instead_of_leaving_a_gap(tmp_path: Path) -> None:
    """A worker signalled on its own (an operator's `kill`, a supervisor) finishes its file; the
    run then stops as if the main process had been told, rather than reporting a partial run as
    complete or dying with a broken pool."""
    corpus = make_corpus(tmp_path)
    out = tmp_path / "out.txt"
    process = start(corpus, 2, out)
    try:
        started_fixing(corpus, process, 2)
        workers = children(process.pid)
        os.kill(workers[0], signal.SIGTERM)
        returncode = process.wait(30)
    finally:
        with_group_killed(process)
    assert returncode == 143
    assert not any(running(pid) for pid in workers)
    snapshot = states(corpus)
    fixed = [name for name, state in snapshot.items() if state == "fixed"]
    assert set(snapshot.values()) <= {"original", "fixed"} and temp_files(corpus) == []
    text = out.read_text()
    assert "Traceback" not in text
    assert text.splitlines()[-1].startswith(f"Stopped by SIGTERM: fixed {len(fixed)} files; ")
    finish_with_a_second_run(corpus)
