"""Read a file as text without hanging, tracebacks or surprises.

Only regular files are read (a FIFO or a device would block or never end), the size is checked
before reading, and the bytes must be UTF-8 (a byte-order mark is noted and removed).
"""

from __future__ import annotations

import codecs
import os
import stat
from typing import NamedTuple

from avlint.loader.problems import ContentProblem, PathError

DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024


class SourceText(NamedTuple):
    text: str
    had_bom: bool


def read_source(path: str, max_size: int = DEFAULT_MAX_FILE_SIZE) -> SourceText:
    data = _read_bytes(path, max_size)
    return decode(data)


def _read_bytes(path: str, max_size: int) -> bytes:
    try:
        info = os.stat(path)
    except OSError as error:
        raise PathError(path, _describe(error)) from None
    if stat.S_ISDIR(info.st_mode):
        raise PathError(path, "is a directory")
    if not stat.S_ISREG(info.st_mode):
        raise PathError(path, "not a regular file (a FIFO, socket or device is never read)")
    if info.st_size > max_size:
        raise ContentProblem(
            "AV006",
            f"file is {_megabytes(info.st_size)}, over the {_megabytes(max_size)} limit (raise it with --max-file-size)",
        )
    try:
        with open(path, "rb") as handle:
            data = handle.read(max_size + 1)
    except OSError as error:
        raise PathError(path, _describe(error)) from None
    if len(data) > max_size:  # the file grew between stat and read
        raise ContentProblem("AV006", f"file is over the {_megabytes(max_size)} limit (raise it with --max-file-size)")
    return data


def decode(data: bytes) -> SourceText:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise ContentProblem("AV004", "file is UTF-16 or UTF-32 encoded; authentik reads blueprints as UTF-8")
    had_bom = data.startswith(codecs.BOM_UTF8)
    if had_bom:
        data = data[len(codecs.BOM_UTF8) :]
    nul = data.find(b"\x00")
    if nul >= 0:
        line, column = _position(data, nul)
        raise ContentProblem("AV004", "file contains NUL bytes: binary content, not a text blueprint", line, column)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = _position(data, error.start)
        raise ContentProblem(
            "AV004", f"byte 0x{data[error.start]:02x} is not valid UTF-8; save the file as UTF-8", line, column
        ) from None
    return SourceText(text, had_bom)


def _position(data: bytes, offset: int) -> tuple[int, int]:
    line_start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", errors="replace")) + 1
    return data.count(b"\n", 0, offset) + 1, column


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _describe(error: OSError) -> str:
    import errno

    reasons = {
        errno.ENOENT: "no such file or directory",
        errno.EACCES: "permission denied",
        errno.ELOOP: "too many levels of symbolic links (a symlink loop?)",
        errno.EISDIR: "is a directory",
        errno.ENOTDIR: "a part of the path is not a directory",
    }
    if error.errno == errno.ENOENT and isinstance(error.filename, str) and os.path.islink(error.filename):
        # The name is there (`ls` shows it): say that what is missing is the link's target.
        return f"no such file or directory (a symbolic link to {os.readlink(error.filename)}, which does not exist)"
    return reasons.get(error.errno or 0, error.strerror or str(error))
