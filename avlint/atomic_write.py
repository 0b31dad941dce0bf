"""The one way avlint writes a file: fixed blueprints, migrated ones, reports, baselines, payloads.

The text goes to a temporary file in the target's own folder (so the rename cannot cross file
systems), is flushed to disk, and is renamed over the target. A reader never sees half a file, and a
failed or interrupted write leaves the previous file as it was, with no temporary file behind.

- An existing file keeps its permission bits; a new file gets 0666 minus the umask, like any
  program that creates a file.
- A symbolic link is written through: its target gets the new text and the link stays a link
  (renaming over the link itself would turn it into a regular file and leave the target stale).
- A process killed between creating and renaming its temporary file leaves it behind. Its name
  carries the writer's host and process id, so the next write into that folder removes those of
  this host whose process is gone (and any older than an hour: no write takes that long), and
  never one that a live run, here or on another host sharing the folder, is still writing.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
import threading
import time

TEMP_PREFIX = ".avlint-"
TEMP_SUFFIX = ".tmp"
# `.avlint-<host>-<pid>-<random>.tmp`; the older `.avlint-<random>.tmp` (no host, no pid) too.
_TEMP_NAME = re.compile(r"\.avlint-(?:(?P<host>[A-Za-z0-9_]+)-(?P<pid>\d+)-)?[A-Za-z0-9_]{6,}\.tmp")
ABANDONED_AGE = 3600.0  # seconds: no write takes this long; whoever made it is gone
_MAX_LINKS = 40  # as the kernel's limit on links followed in one lookup

_swept: set[str] = set()  # folders already cleaned by this process
# Held while a write is in progress, so a worker that must stop (its parent is gone) can wait for
# the write to finish instead of dying half-way (see avlint.workers).
_writing = threading.Lock()


class WriteError(OSError):
    """A file could not be written; the previous file (if any) is unchanged."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
        self.strerror = reason


def write_file(path: str, text: str, make_folder: bool = False, create_only: bool = False) -> None:
    """Create or replace `path` with `text` (UTF-8, newlines as given), atomically.

    `make_folder` creates a missing folder (an output folder the user named); otherwise a missing
    folder is an error. `create_only` never replaces: a file that appeared at `path` since the
    caller looked (another program, a second run) makes it a WriteError and stays as it was.
    Raises WriteError with a reason fit to show the user."""
    target = _resolve_links(path)
    folder = os.path.dirname(os.path.abspath(target))
    if make_folder:
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as error:
            raise WriteError(path, f"cannot write in {folder}: {error.strerror}") from None
    elif not os.path.isdir(folder):
        raise WriteError(path, f"the folder {folder} does not exist")
    mode = _mode_for(path, target)
    with _writing:
        _sweep_stale(folder)
        try:
            handle, temporary = tempfile.mkstemp(dir=folder, prefix=temp_prefix(), suffix=TEMP_SUFFIX)
        except OSError as error:
            raise WriteError(path, f"cannot write in {folder}: {error.strerror}") from None
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temporary, mode)
            if create_only:
                _link_new(path, temporary, target)
            else:
                os.replace(temporary, target)
        except WriteError:
            _remove(temporary)
            raise
        except OSError as error:
            _remove(temporary)
            raise WriteError(path, f"could not replace the file: {error.strerror}") from None
        except BaseException:
            _remove(temporary)
            raise


def _link_new(path: str, temporary: str, target: str) -> None:
    """Give the finished temporary file the target's name only if that name is free: a hard link
    fails when the name exists, in one step, where checking first and renaming after would race."""
    try:
        os.link(temporary, target)
    except FileExistsError:
        raise WriteError(path, "a file of that name appeared while avlint was working; it was left as it is") from None
    except OSError:  # a file system without hard links: check, then rename (a window, but a small one)
        if os.path.lexists(target):
            raise WriteError(
                path, "a file of that name appeared while avlint was working; it was left as it is"
            ) from None
        os.replace(temporary, target)
        return
    _remove(temporary)


def stop_writing(timeout: float) -> None:
    """Wait (at most `timeout` seconds) for a write in progress to finish, and block every later
    one: for a process about to exit, so that it leaves neither a half-done rename nor a temporary file."""
    _writing.acquire(timeout=timeout)


def temp_prefix() -> str:
    """The start of this process's temporary file names: `.avlint-<host>-<pid>-`."""
    return f"{TEMP_PREFIX}{_host()}-{os.getpid()}-"


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9]", "_", os.uname().nodename if hasattr(os, "uname") else "")[:32] or "host"


def _resolve_links(path: str) -> str:
    """The file a write to `path` must replace: `path`, or the end of its chain of links."""
    current = path
    for _ in range(_MAX_LINKS):
        try:
            link = os.readlink(current)
        except FileNotFoundError:
            return current  # a new file
        except OSError:  # not a link (EINVAL), or an unreadable folder: the write reports it
            return current
        current = os.path.join(os.path.dirname(current), link)
        if not os.path.lexists(current):
            raise WriteError(path, f"the symbolic link points to {link}, which does not exist")
    raise WriteError(path, "too many levels of symbolic links (a symlink loop?)")


def _mode_for(path: str, target: str) -> int:
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return 0o666 & ~_umask()
    except OSError as error:
        raise WriteError(path, f"cannot stat: {error.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise WriteError(path, "not a regular file")
    if not os.access(target, os.W_OK):
        raise WriteError(path, "the file is read-only")
    return stat.S_IMODE(info.st_mode)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _sweep_stale(folder: str) -> None:
    """Remove the temporary files killed runs left in `folder` (once per folder per process)."""
    if folder in _swept:
        return
    _swept.add(folder)
    try:
        names = [name for name in os.listdir(folder) if name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX)]
    except OSError:
        return
    now = time.time()
    for name in names:
        match = _TEMP_NAME.fullmatch(name)
        if match is None:
            continue
        path = os.path.join(folder, name)
        try:
            info = os.lstat(path)
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode):
            continue
        # Another host's process ids mean nothing here: its files go only when abandoned.
        dead = match["host"] == _host() and not _alive(int(match["pid"]))
        if dead or now - info.st_mtime >= ABANDONED_AGE:
            _remove(path)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: a live process of another user
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """A process that has exited but was not reaped (an orphan under an init that does not reap)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stream:
            return stream.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except (OSError, IndexError):  # no /proc (not Linux): what kill() said
        return False


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
