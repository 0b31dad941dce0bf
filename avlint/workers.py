"""Per-file work in worker processes: lint, fix and payload runs over many files use both cores.

Files are independent, so they are split into chunks of a few dozen files (little traffic
between processes, yet balanced) and the results come back in input order. Workers are forked where the platform
can, after the rule data is loaded, so they inherit it instead of each reading it again.

Lifecycle: a worker never outlives the run. It watches its parent and exits (after the file write
in progress, if any) as soon as the parent is gone, however it went, SIGKILL included. SIGINT and
SIGTERM ask a run to stop: every process finishes the file it is on and takes no other, and the
caller learns exactly which files were done (`Stop`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor
    from types import FrameType

    from avlint.settings import Settings

PARALLEL_THRESHOLD = 64  # below this many files, starting workers costs more than it saves
PARENT_CHECK_INTERVAL = 0.1  # seconds between a worker's checks that its parent is alive
STOP_CHECK_INTERVAL = 0.05  # seconds between the parent's checks for a stop request while it waits
WRITE_GRACE = 10.0  # seconds an orphaned worker waits for its write in progress before exiting
Result = TypeVar("Result")


class Stop:
    """Whether the run was asked to stop, and by which signal (SIGINT or SIGTERM)."""

    def __init__(self) -> None:
        self.signal: int | None = None

    @property
    def requested(self) -> bool:
        return self.signal is not None

    @property
    def exit_code(self) -> int:
        """The shell's convention for a death by signal: 130 for SIGINT, 143 for SIGTERM."""
        return 128 + (self.signal or 0)

    @property
    def name(self) -> str:
        import signal

        return signal.Signals(self.signal).name if self.signal else ""

    def request(self, signum: int) -> None:
        if self.signal is None:
            self.signal = signum


@contextmanager
def stop_on_signals() -> Iterator[Stop]:
    """While inside, SIGINT and SIGTERM ask the run to stop after the files in progress instead of
    killing it half-way; a second signal interrupts at once (KeyboardInterrupt)."""
    import signal  # not on the plain lint path, which never installs handlers

    stop = Stop()

    def handler(signum: int, frame: FrameType | None) -> None:
        if stop.requested:
            raise KeyboardInterrupt
        stop.request(signum)

    previous: dict[int, Any] = {}
    try:
        for wanted in (signal.SIGINT, signal.SIGTERM):
            previous[wanted] = signal.signal(wanted, handler)
    except ValueError:  # not the main thread (an embedding program's): signals stay as they are
        pass
    try:
        yield stop
    finally:
        for restored, old in previous.items():
            signal.signal(restored, old)


class WorkerStopped(RuntimeError):
    """A worker process was stopped by a signal of its own while the run was not stopping."""


def map_paths(work: Callable[[str], Result], paths: list[str], settings: Settings) -> list[Result]:
    """`work(path)` for every path, in order: in worker processes when there are many files and
    more than one core. `work` must be picklable (a module-level function, or a partial of one)
    and return something light to send back (no parse trees)."""
    results = [result for _, result in iter_paths(work, paths, settings)]
    if len(results) != len(paths):
        raise WorkerStopped("a worker process was stopped by a signal; the run is incomplete")
    return results


def iter_paths(
    work: Callable[[str], Result], paths: list[str], settings: Settings, stop: Stop | None = None
) -> Iterator[tuple[str, Result]]:
    """(path, `work(path)`) in input order, each as soon as it and those before it are done.

    Once `stop` is requested (or a worker is signalled itself) no file is started any more, and
    what comes out is exactly the files that were done: files in progress finish, and with
    workers a file after a gap may have been done too."""
    jobs = settings.jobs or (os.cpu_count() or 1)
    if jobs <= 1 or len(paths) < PARALLEL_THRESHOLD:
        for path in paths:
            if stop is not None and stop.requested:
                return
            yield path, work(path)
        return
    if stop is not None and stop.requested:
        return
    preload_data()
    # Many small chunks rather than one per worker: when one worker is slowed (a shared
    # machine), the other takes more chunks instead of waiting idle at the end.
    size = max(8, -(-len(paths) // (jobs * 16)))
    chunks = [paths[i : i + size] for i in range(0, len(paths), size)]
    import multiprocessing
    import signal
    from concurrent.futures import wait

    method = _start_method()
    # A flag in shared memory, without a lock: a worker killed while reading it cannot leave a
    # lock held that would hang the parent.
    stopping = multiprocessing.get_context(method).RawValue("b", 0)
    with worker_pool(settings, jobs, method, stopping) as pool:
        futures = [pool.submit(_run_chunk, work, chunk) for chunk in chunks]
        try:
            for chunk, future in zip(chunks, futures, strict=True):
                # Wait in short steps: a signal handler only notes the request, and the workers
                # learn of it here (setting shared state from a handler could deadlock).
                while True:
                    if stop is not None and stop.requested and not stopping.value:
                        stopping.value = 1
                        for later in futures:
                            later.cancel()  # those not started yet; the started ones stop at once
                    if wait([future], timeout=STOP_CHECK_INTERVAL).done:
                        break
                if future.cancelled():
                    continue
                done = future.result()
                yield from zip(chunk, done, strict=False)
                if len(done) < len(chunk) and not stopping.value:
                    stopping.value = 1  # a worker got a signal of its own: the run stops too
                    if stop is not None:
                        stop.request(signal.SIGTERM)  # which signal it was is not known here
                if stopping.value:
                    for later in futures:
                        later.cancel()  # those not started yet; the started ones stop at once
        finally:
            stopping.value = 1  # a consumer that stops early (an error, a break) stops the workers too
            for future in futures:
                future.cancel()


def _run_chunk(work: Callable[[str], Result], paths: list[str]) -> list[Result]:
    results = []
    for path in paths:
        if _stopping():
            break  # the run is stopping: the files done so far go back, the rest are not started
        results.append(work(path))
    return results


def _start_method() -> str | None:
    import multiprocessing

    return "fork" if "fork" in multiprocessing.get_all_start_methods() else None


def worker_pool(settings: Settings, jobs: int, method: str | None = None, stopping: Any = None) -> ProcessPoolExecutor:
    """Worker processes for a run with these settings: forked where the platform can (they
    inherit the loaded rule data), else the platform's default. `stopping` (a shared RawValue),
    once non-zero, makes each worker stop after its current file."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if method is None:
        method = _start_method()
    return ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context(method),
        initializer=_start_worker,
        initargs=(os.getpid(), stopping, settings.spec_file),
    )


# The state of this worker process (set once, by _start_worker, in the worker only).
_stop_flag: Any = None  # the run's shared stop flag (a RawValue)
_signalled = False  # this worker got SIGINT or SIGTERM, or lost its parent


def _start_worker(parent: int, stopping: Any, spec_file: str | None) -> None:
    import signal
    import threading

    global _stop_flag
    _stop_flag = stopping
    # A Ctrl-C reaches the whole process group, and a service manager's SIGTERM may too: the
    # worker finishes its file and takes no other (the parent, told too, reports the run).
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _note_signal)
    threading.Thread(target=_watch_parent, args=(parent,), name="avlint-parent-watch", daemon=True).start()
    if spec_file:
        # A spawned worker starts without the parent's spec source: put the `--spec` snapshot in use there.
        _use_spec_file(spec_file)


def _note_signal(signum: int, frame: object) -> None:
    global _signalled
    _signalled = True


def _stopping() -> bool:
    return _signalled or (_stop_flag is not None and bool(_stop_flag.value))


def _watch_parent(parent: int) -> None:
    """Exit when the parent is gone (it then has a new parent, init or a subreaper): whatever
    it was waiting for is lost, and a worker left alone would go on writing files and then block
    forever. A write in progress is let finish, so the exit leaves no temporary file."""
    global _signalled
    import time

    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_INTERVAL)
    _signalled = True
    from avlint.atomic_write import stop_writing

    stop_writing(WRITE_GRACE)
    os._exit(1)


def _use_spec_file(path: str) -> None:
    from avlint.spec.snapshot import activate_spec_file

    activate_spec_file(path)


def preload_data() -> None:
    """Load the rule data the workers need, once, before they fork."""
    from avlint.blueprint import BINDING, FLOW, VALIDATE_STAGE
    from avlint.catalogue import all_rules
    from avlint.checks.tags import tag_table
    from avlint.modelinfo import model_table
    from avlint.spec import model_spec
    from avlint.versions import known_releases

    all_rules(), tag_table(), model_table(), known_releases()
    for release in known_releases()[-1:]:
        for model in (VALIDATE_STAGE, FLOW, BINDING):
            model_spec(model, release)
