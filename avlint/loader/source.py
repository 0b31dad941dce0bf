"""Read a file as text without hanging, tracebacks or surprises.

Only regular files are read (a FIFO or a device would block or never end), the size is checked
before reading, and the bytes must be UTF-8 (a byte-order mark is noted and removed).
"""

from __future__ import annotations

import codecs
import os
import stat
from typing import BinaryIO, NamedTuple

from avlint.loader.problems import ContentProblem, PathError

DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024


class SourceText(NamedTuple):
    text: str
    had_bom: bool


def read_source(path: str, max_size: int = DEFAULT_MAX_FILE_SIZE) -> SourceText:
    data = read_bytes(path, max_size)
    return decode(data)


_RAISE_IT = " (raise it with --max-file-size)"


def read_bytes(path: str, max_size: int, hint: str = _RAISE_IT) -> bytes:
    # Opened without blocking and checked through the open descriptor: a path swapped for a
    # FIFO between a stat and an open could otherwise block the run forever.
    try:
        with open(path, "rb", opener=_open_without_blocking) as handle:
            info = os.fstat(handle.fileno())
            if stat.S_ISDIR(info.st_mode):
                raise PathError(path, "is a directory")
            if not stat.S_ISREG(info.st_mode):
                raise PathError(path, "not a regular file (a FIFO, socket or device is never read)")
            if info.st_size > max_size:
                raise ContentProblem(
                    "AV006",
                    f"file is {_size(info.st_size, max_size)}, over the {_size(max_size, info.st_size)} limit{hint}",
                )
            data = handle.read(max_size + 1)
    except OSError as error:
        raise PathError(path, describe_os_error(error)) from None
    if len(data) > max_size:  # the file grew between the check and the read
        raise ContentProblem("AV006", f"file is over the {_size(max_size, max_size)} limit{hint}")
    return data


def read_stream(stream: BinaryIO, max_size: int) -> bytes:
    """Standard input, refused past `max_size` like a file (read one byte more to know): a
    pipe has no size to check first."""
    data = stream.read(max_size + 1)
    if len(data) > max_size:
        raise ContentProblem("AV006", f"standard input is over the {_size(max_size, max_size)} limit{_RAISE_IT}")
    return data


def _open_without_blocking(path: str, flags: int) -> int:
    return os.open(path, flags | getattr(os, "O_NONBLOCK", 0))


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


def _size(size: int, other: int) -> str:
    """`size` in the largest unit that still shows how it differs from `other`: 50.0 MB against
    10.0 MB, but 1,048,577 bytes against a 1,048,576-byte limit, and never "0.0 MB"."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        text = f"{size / factor:.1f} {unit}"
        if size >= factor and other >= factor and text != f"{other / factor:.1f} {unit}":
            return text
    return f"{size:,} byte{'' if size == 1 else 's'}"


def describe_os_error(error: OSError) -> str:
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
