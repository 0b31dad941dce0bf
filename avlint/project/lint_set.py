"""`avlint lint` over a set of blueprints: each named file linted and summarised in the
workers, the other files of `--project` summarised (or read back from the cache), then the set
checks, whose findings join the named files' own.

Without `--project` the files of the run are the set, and nothing is cached (every file is
parsed anyway). A run over a single file without `--project` has no set to check.
"""

from __future__ import annotations

import os
from functools import partial
from typing import TYPE_CHECKING, NamedTuple

from avlint.embedded import might_embed
from avlint.engine import FileResult, lint_text, stamp_hits
from avlint.loader.problems import ContentProblem, PathError
from avlint.settings import Settings

if TYPE_CHECKING:
    from avlint.project.summary import FileSummary


class ProjectOptions(NamedTuple):
    root: str | None = None  # --project DIR (or the config's `project:`)
    cache_folder: str | None = None  # None: no cache (--no-cache, or no --project)


def lint_and_summarise(
    path: str, settings: Settings, named: frozenset[str] | None = None
) -> tuple[FileResult | PathError, FileSummary | None]:
    """Lint one file and summarise its blueprint documents (run in a worker: module-level)."""
    from avlint.loader.source import read_source

    walked = named is not None and path not in named  # found in a named folder (AV124), as lint_paths says
    try:
        source = read_source(path, settings.max_file_size)
    except PathError as error:
        return error, None
    except ContentProblem:
        from avlint.engine import lint_file

        return _light(lint_file(path, settings, walked=walked)), None
    documents: list[object] = []
    result = lint_text(path, source.text, settings, source.had_bom, walked, documents)  # type: ignore[arg-type]
    if not documents and might_embed(path, source.text):
        return _light(result), _embedded_summary(path, source.text.removeprefix("\ufeff"))
    summary = None if result.skipped is None and _failed(result) else _summarise(documents, source.text)
    return _light(result), summary


def summarise_only(path: str, settings: Settings) -> FileSummary | None:
    """The summary of a file that is context only (not named): parsed, no rule run."""
    from avlint.loader.source import read_source

    try:
        source = read_source(path, settings.max_file_size)
    except (PathError, ContentProblem):
        return None
    if might_embed(path, source.text):
        embedded = _embedded_summary(path, source.text.removeprefix("\ufeff"))
        if embedded is not None:
            return embedded
    documents: list[object] = []
    result = lint_text(path, source.text, settings.replace(select=frozenset()), source.had_bom, True, documents)  # type: ignore[arg-type]
    if result.skipped is None and not documents:
        return None  # did not parse
    return _summarise(documents, source.text)


def _summarise(documents: list[object], text: str) -> FileSummary:
    from avlint.project.summary import summarise

    return tuple(summarise(document, text) for document in documents)  # type: ignore[arg-type]


def _embedded_summary(path: str, text: str) -> FileSummary | None:
    """The blueprints in a file's ConfigMaps and Secrets (avlint.embedded), one document each,
    at the positions their text has in the file; None when the file holds no ConfigMap or
    Secret. A value that does not parse has no summary (its lint says why)."""
    from yaml.nodes import MappingNode

    from avlint.blueprint import build_document
    from avlint.embedded.blueprints import blueprint_values, positions_of
    from avlint.embedded.carriers import embedded_values
    from avlint.kind import BLUEPRINT, of_root
    from avlint.loader.yaml_nodes import compose
    from avlint.project.summary import at_positions, summarise

    try:
        values = embedded_values(text)
    except ContentProblem:
        return None
    if values is None:
        return None
    documents = []
    for _, value, inner in blueprint_values(values):
        try:
            root = compose(inner)
        except ContentProblem:
            continue
        if isinstance(root, MappingNode) and of_root(root).kind == BLUEPRINT:
            summary = summarise(build_document(path, root, api_body=False), inner)
            documents.append(at_positions(summary, positions_of(text, value, inner).outer))
    return tuple(documents)


def _failed(result: FileResult) -> bool:
    """The file did not parse (a syntax error stops every other rule)."""
    return any(f.rule in ("AV001", "AV004", "AV006") for f in result.findings)


def _light(result: FileResult) -> FileResult:
    result.findings = [f.replace(fix=None) for f in result.findings]
    return result


def lint_set(
    files: list[str],
    settings: Settings,
    project: ProjectOptions,
    notes: list[str],
    named_paths: frozenset[str] | None = None,
) -> tuple[list[FileResult], list[PathError]]:
    """Lint `files` (in order) with the set checks; `notes` receives what the user should know
    about the cache (it could not be written); `named_paths`, as `named` for engine.lint_paths: the files named
    on the command line, None when every file was."""
    from avlint.workers import map_paths

    if project.root is None and len(files) < 2:
        # One file and no folder: no set to check, so nothing to summarise (the pre-commit path).
        from avlint.engine import lint_paths

        return lint_paths(files, settings, named_paths)
    outcomes = map_paths(partial(lint_and_summarise, settings=settings, named=named_paths), files, settings)
    results = [outcome for outcome, _ in outcomes if isinstance(outcome, FileResult)]
    errors = [outcome for outcome, _ in outcomes if isinstance(outcome, PathError)]
    named: dict[str, tuple[str, FileSummary | None]] = {}
    for path, (outcome, summary) in zip(files, outcomes, strict=True):
        if isinstance(outcome, FileResult):
            named.setdefault(_identity(path) or os.path.realpath(path), (path, summary))
    if project.root is None and sum(1 for _, summary in named.values() if summary) < 2:
        return results, errors  # one blueprint, no folder to set it in: no set to check
    context = _context(project, named, settings, notes) if project.root is not None else {}
    _add_set_findings(results, named, context, project, settings)
    return results, errors


def _context(
    project: ProjectOptions, named: dict[str, tuple[str, FileSummary | None]], settings: Settings, notes: list[str]
) -> dict[str, tuple[str, FileSummary | None]]:
    """The summaries of the project's other files, from the cache where it has them."""
    from avlint.discovery import discover
    from avlint.loader.source import read_bytes
    from avlint.workers import map_paths

    found, _ = discover([str(project.root)], settings.exclude)  # an unreadable folder: what can be read
    cache = None
    if project.cache_folder is not None:
        from avlint.project.cache import SummaryCache

        cache = SummaryCache(project.cache_folder)
    context: dict[str, tuple[str, FileSummary | None]] = {}
    missing: list[tuple[str, str, str | None]] = []
    for path in found:
        try:
            info = os.stat(path)
        except OSError:
            continue  # gone since the walk: no context
        real = f"{info.st_dev}:{info.st_ino}"
        if real in context or real in named:
            continue
        key = None
        if cache is not None:
            try:
                key = cache.key_of(path, info, settings.release, partial(read_bytes, path, settings.max_file_size))
            except (PathError, ContentProblem):
                continue  # context that cannot be read is no context; only named files are reported
            cached = cache.get(key)
            if cached is not False:
                context[real] = (path, cached)  # type: ignore[assignment]
                continue
        missing.append((real, path, key))
    summaries = map_paths(partial(summarise_only, settings=settings), [path for _, path, _ in missing], settings)
    for (real, path, key), summary in zip(missing, summaries, strict=True):
        context[real] = (path, summary)
        if cache is not None and key is not None:
            cache.put(key, summary)
    if cache is not None:
        for path, summary in named.values():
            _cache_named(cache, path, summary, settings)
        problem = cache.save()
        if problem:
            notes.append(f"avlint: note: the summary cache was not saved ({problem}); the next run rebuilds it")
    return context


def _identity(path: str) -> str | None:
    """What makes two paths one file (a symlink and its target, two spellings of one path)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return f"{info.st_dev}:{info.st_ino}"


def _cache_named(cache: object, path: str, summary: FileSummary | None, settings: Settings) -> None:
    from avlint.loader.source import read_bytes
    from avlint.project.cache import SummaryCache

    if not isinstance(cache, SummaryCache) or summary is None:
        return
    try:
        key = cache.key_of(path, os.stat(path), settings.release, partial(read_bytes, path, settings.max_file_size))
    except (OSError, PathError, ContentProblem):
        return  # gone or changed since it was linted: the next run summarises it again
    cache.put(key, summary)


def _add_set_findings(
    results: list[FileResult],
    named: dict[str, tuple[str, FileSummary | None]],
    context: dict[str, tuple[str, FileSummary | None]],
    project: ProjectOptions,
    settings: Settings,
) -> None:
    from avlint.project.checks import SetFile, check_set

    root = os.path.abspath(project.root) if project.root is not None else None
    files = [
        SetFile(path, real, _relative(path, root), summary)
        for real, (path, summary) in [*named.items(), *context.items()]
        if summary
    ]
    found = check_set(files, frozenset(named), settings.release, root is not None)
    if not found.found:
        return
    for result in results:
        real = _identity(result.path) or os.path.realpath(result.path)
        hits = found.found.get(real)
        if not hits:
            continue
        replaced = found.replaced.get(real, set())
        kept = [f for f in result.findings if (f.rule, f.line, f.column) not in replaced]
        added = stamp_hits(result.path, hits, settings)
        result.findings = sorted(kept + added.findings)
        result.suppressed += added.suppressed


def _relative(path: str, root: str | None) -> str | None:
    """The path relative to the blueprints root, as authentik names it (a symlink by its own
    name: authentik reads the folder as it is)."""
    if root is None:
        return None
    relative = os.path.relpath(os.path.abspath(path), root)
    if relative.startswith(os.pardir):
        return None
    return relative.replace(os.sep, "/")
