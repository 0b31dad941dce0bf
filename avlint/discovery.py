"""Turn the paths a user gives into the files to lint."""

from __future__ import annotations

import fnmatch
import os
from pathlib import PurePath

from avlint.loader.problems import PathError
from avlint.loader.source import describe_os_error

SUFFIXES = (".yaml", ".yml", ".json")


def discover(paths: list[str], exclude: tuple[str, ...] = ()) -> tuple[list[str], list[PathError]]:
    """Files named directly are kept whatever their suffix; folders are searched recursively
    for *.yaml, *.yml and *.json, skipping hidden files and folders (.git, .avlint.yaml...)
    and symlink loops."""
    files: list[str] = []
    errors: list[PathError] = []
    seen: set[str] = set()
    for raw in paths:
        path = os.path.normpath(raw)
        try:
            is_dir = os.path.isdir(path)
            os.stat(path)
        except OSError as error:
            errors.append(PathError(path, describe_os_error(error)))
            continue
        found = _walk(path, exclude, errors) if is_dir else ([] if _excluded(path, exclude) else [path])
        for file in found:
            key = os.path.realpath(file)  # `a.yaml` and `./dir/../a.yaml` are one file
            if key not in seen:
                seen.add(key)
                files.append(file)
    return files, errors


def _walk(root: str, exclude: tuple[str, ...], errors: list[PathError]) -> list[str]:
    found: list[str] = []
    visited: set[tuple[int, int]] = set()

    def on_error(error: OSError) -> None:
        errors.append(PathError(error.filename or root, describe_os_error(error)))

    for folder, subfolders, names in os.walk(root, followlinks=True, onerror=on_error):
        info = os.stat(folder)
        if (info.st_dev, info.st_ino) in visited:  # reached again through a symlink
            subfolders[:] = []
            continue
        visited.add((info.st_dev, info.st_ino))
        subfolders[:] = sorted(
            d for d in subfolders if not d.startswith(".") and not _excluded(os.path.join(folder, d), exclude)
        )
        for name in sorted(names):
            path = os.path.normpath(os.path.join(folder, name))
            if name.endswith(SUFFIXES) and not name.startswith(".") and not _excluded(path, exclude):
                found.append(path)
    return found


def _excluded(path: str, patterns: tuple[str, ...]) -> bool:
    if not patterns:
        return False
    # A pattern matches the path or any trailing part of it, so `vendor/*` also excludes
    # `blueprints/vendor/x.yaml`, whatever folder the run started from.
    parts = PurePath(path).parts
    tails = ["/".join(parts[i:]) for i in range(len(parts))]
    return any(
        fnmatch.fnmatch(tail, p) or fnmatch.fnmatch(tail, p.rstrip("/") + "/*") for tail in tails for p in patterns
    )
