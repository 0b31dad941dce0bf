"""Turn the paths a user gives into the files to lint."""

from __future__ import annotations

import fnmatch
import os
from pathlib import PurePath

from avlint.loader.problems import PathError
from avlint.loader.source import _describe

SUFFIXES = (".yaml", ".yml", ".json")


def discover(paths: list[str], exclude: tuple[str, ...] = ()) -> tuple[list[str], list[PathError]]:
    """Files named directly are kept whatever their suffix; folders are searched recursively
    for *.yaml, *.yml and *.json, skipping hidden folders (.git, .venv...) and symlink loops."""
    files: list[str] = []
    errors: list[PathError] = []
    seen: set[str] = set()
    for raw in paths:
        path = os.path.normpath(raw)
        try:
            is_dir = os.path.isdir(path)
            os.stat(path)
        except OSError as error:
            errors.append(PathError(path, _describe(error)))
            continue
        found = _walk(path, exclude, errors) if is_dir else ([] if _excluded(path, exclude) else [path])
        for file in found:
            if file not in seen:
                seen.add(file)
                files.append(file)
    return files, errors


def _walk(root: str, exclude: tuple[str, ...], errors: list[PathError]) -> list[str]:
    found: list[str] = []
    visited: set[tuple[int, int]] = set()

    def on_error(error: OSError) -> None:
        errors.append(PathError(error.filename or root, _describe(error)))

    for folder, subfolders, names in os.walk(root, followlinks=True, onerror=on_error):
        info = os.stat(folder)
        if (info.st_dev, info.st_ino) in visited:  # reached again through a symlink
            subfolders[:] = []
            continue
        visited.add((info.st_dev, info.st_ino))
        subfolders[:] = sorted(d for d in subfolders if not d.startswith(".") and not _excluded(os.path.join(folder, d), exclude))
        for name in sorted(names):
            path = os.path.join(folder, name)
            if name.endswith(SUFFIXES) and not _excluded(path, exclude):
                found.append(path)
    return found


def _excluded(path: str, patterns: tuple[str, ...]) -> bool:
    if not patterns:
        return False
    posix = PurePath(path).as_posix()
    name = os.path.basename(path)
    return any(fnmatch.fnmatch(posix, p) or fnmatch.fnmatch(name, p) or fnmatch.fnmatch(posix, p.rstrip("/") + "/*") for p in patterns)
