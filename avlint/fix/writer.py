"""Write a file atomically: a temporary file in the same folder, then a rename over the original.

A crash or a failed rename leaves the original untouched; the file's mode is kept.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile


class WriteError(Exception):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def write_atomic(path: str, text: str) -> None:
    try:
        info = os.stat(path)
    except OSError as error:
        raise WriteError(path, f"cannot stat: {error.strerror}") from None
    if not os.access(path, os.W_OK):
        raise WriteError(path, "the file is read-only")
    folder = os.path.dirname(os.path.abspath(path))
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".avlint-", suffix=".tmp")
    except OSError as error:
        raise WriteError(path, f"cannot write in {folder}: {error.strerror}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, stat.S_IMODE(info.st_mode))
        os.replace(temporary, path)
    except OSError as error:
        _remove(temporary)
        raise WriteError(path, f"could not replace the file: {error.strerror}") from None
    except BaseException:
        _remove(temporary)
        raise


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def write_new(path: str, text: str) -> None:
    """Write a file that may not exist yet (creating its folder), atomically."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".avlint-", suffix=".tmp")
    except OSError as error:
        raise WriteError(path, f"cannot write in {folder}: {error.strerror}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        _remove(temporary)
        raise
