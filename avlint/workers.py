"""Per-file work in worker processes: lint, fix and payload runs over many files use both cores.

Files are independent, so they are split into chunks of a few dozen files (little traffic
between processes, yet balanced) and the results come back in input order. Workers are forked where the platform
can, after the rule data is loaded, so they inherit it instead of each reading it again.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from avlint.settings import Settings

PARALLEL_THRESHOLD = 64  # below this many files, starting workers costs more than it saves
Result = TypeVar("Result")


def map_paths(work: Callable[[str], Result], paths: list[str], settings: Settings) -> list[Result]:
    """`work(path)` for every path, in order: in worker processes when there are many files and
    more than one core. `work` must be picklable (a module-level function, or a partial of one)
    and return something light to send back (no parse trees)."""
    jobs = settings.jobs or (os.cpu_count() or 1)
    if jobs <= 1 or len(paths) < PARALLEL_THRESHOLD:
        return [work(path) for path in paths]
    preload_data()
    # Many small chunks rather than one per worker: when one worker is slowed (a shared
    # machine), the other takes more chunks instead of waiting idle at the end.
    size = max(8, -(-len(paths) // (jobs * 16)))
    chunks = [paths[i : i + size] for i in range(0, len(paths), size)]
    results: list[Result] = []
    with worker_pool(settings, jobs) as pool:
        for chunk_results in pool.map(_run_chunk, [work] * len(chunks), chunks):
            results.extend(chunk_results)
    return results


def _run_chunk(work: Callable[[str], Result], paths: list[str]) -> list[Result]:
    return [work(path) for path in paths]


def worker_pool(settings: Settings, jobs: int, method: str | None = None) -> ProcessPoolExecutor:
    """Worker processes for a run with these settings: forked where the platform can (they
    inherit the loaded rule data), else the platform's default."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if method is None:
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    # Nothing to set up per worker: the settings (with any `--spec` snapshot) travel with the work.
    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context(method))


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
