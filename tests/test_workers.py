"""avlint.workers in-process: stop requests and signal handling (the subprocess kill tests are in
test_fix_kill.py)."""

from __future__ import annotations

import os
import signal
from functools import partial

import pytest

from avlint import workers
from avlint.settings import Settings
from avlint.workers import Stop, iter_paths, map_paths, stop_on_signals


def _double(path: str, stop: Stop | None = None, at: str = "") -> str:
    if stop is not None and path == at:
        stop.request(signal.SIGTERM)
    return path * 2


def test_in_one_process_a_stop_ends_the_run_after_the_current_file() -> None:
    stop = Stop()
    paths = [f"p{n}" for n in range(10)]
    done = list(iter_paths(partial(_double, stop=stop, at="p3"), paths, Settings(jobs=1), stop))
    assert done == [(f"p{n}", f"p{n}" * 2) for n in range(4)]  # p3 was in progress: finished
    assert stop.exit_code == 143 and stop.name == "SIGTERM"


def _double_once_stopping(path: str) -> str:
    """The first chunk's files (p0-p7) at once; every later file waits in its worker until the
    run is stopping, so that how far the workers got never depends on the machine's load."""
    import time

    if int(path[1:]) >= 8:
        deadline = time.monotonic() + 30  # bounded: a broken stop fails the test, never hangs it
        while not workers._stopping() and time.monotonic() < deadline:
            time.sleep(0.005)
    return path * 2


def test_with_workers_a_stop_ends_the_run_soon_and_says_which_files_were_done() -> None:
    stop = Stop()
    paths = [f"p{n}" for n in range(workers.PARALLEL_THRESHOLD * 4)]
    done = []
    for path, result in iter_paths(_double_once_stopping, paths, Settings(jobs=2), stop):
        done.append((path, result))
        stop.request(signal.SIGINT)  # as the handler does when Ctrl-C comes
    assert 0 < len(done) < len(paths) // 2  # only the chunks already under way
    assert all(result == path * 2 for path, result in done)
    assert [path for path, _ in done] == sorted({path for path, _ in done}, key=paths.index)
    assert stop.exit_code == 130
    assert list(iter_paths(_double, paths, Settings(jobs=2), stop)) == []  # already stopped: nothing starts


def test_with_workers_every_result_comes_back_in_order() -> None:
    paths = [f"p{n}" for n in range(workers.PARALLEL_THRESHOLD * 3)]
    assert map_paths(_double, paths, Settings(jobs=2)) == [path * 2 for path in paths]


def test_a_short_chunk_without_a_stop_is_an_error_not_a_silent_gap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "iter_paths", lambda work, paths, settings: iter([(paths[0], work(paths[0]))]))
    with pytest.raises(workers.WorkerStopped):
        map_paths(_double, ["a", "b"], Settings(jobs=1))


def test_a_signal_inside_asks_to_stop_and_the_handlers_are_restored_after() -> None:
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    with stop_on_signals() as stop:
        os.kill(os.getpid(), signal.SIGTERM)  # would end the test run without the handler
        assert stop.requested and stop.signal == signal.SIGTERM
    assert stop.signal == signal.SIGTERM
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before


def test_a_second_signal_interrupts_at_once() -> None:
    with pytest.raises(KeyboardInterrupt), stop_on_signals() as stop:
        os.kill(os.getpid(), signal.SIGINT)
        assert stop.signal == signal.SIGINT
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(1000):  # the handler runs at the next bytecode boundary
            pass
