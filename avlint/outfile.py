"""Write a report or a baseline atomically: a temporary file beside the target, then a rename.

A reader (a CI step uploading the report) never sees half a file, and a failed run leaves the
previous file as it was. Unlike avlint.fix.writer this creates files that do not exist yet.
"""

from __future__ import annotations

import contextlib
import os
import tempfile


def write_new(path: str, text: str) -> None:
    """Create or replace `path`; OSError when the folder is missing or not writable."""
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".avlint-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
