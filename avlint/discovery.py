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


def named_files(paths: list[str] | tuple[str, ...], files: list[str]) -> frozenset[str]:
    """The files among `files` that were named on the command line rather than found in a named
    folder: a skipped named file gets a note saying why, and its own folders are judged (AV124)."""
    named = {os.path.normpath(raw) for raw in paths}
    return frozenset(file for file in files if file in named)


def folders_without_files(paths: list[str], files: list[str]) -> list[str]:
    """The named folders in which discovery found nothing: most often a typo in a CI script, so
    the commands name them (lint, which also knows what was a blueprint, has its own check)."""
    empty = []
    for raw in paths:
        root = os.path.normpath(raw)
        if not os.path.isdir(root):
            continue  # a file, or a path that does not exist (already an error)
        inside = root.rstrip(os.sep) + os.sep if root != os.curdir else ""
        if not any(os.path.normpath(file).startswith(inside) for file in files):
            empty.append(raw)
    return empty


def empty_folder_warnings(paths: list[str], files: list[str], verb: str) -> list[str]:
    """One warning line per named folder with no blueprint in it, for the command to print."""
    return [
        f"{folder}: warning: no blueprint in this folder; nothing was {verb} there\n"
        for folder in folders_without_files(paths, files)
    ]


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


def is_excluded(path: str, patterns: tuple[str, ...]) -> bool:
    """Does an --exclude or `exclude:` pattern match the path (also one that names standard
    input, `--stdin-filename`)?"""
    return _excluded(os.path.normpath(path), patterns)


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
