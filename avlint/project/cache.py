"""The summary cache: a file's summary, kept by the hash of its content, so a `--project` run
parses only the files it was given and reads the others' summaries back.

Where: `--cache-dir DIR`, else `$AVLINT_CACHE_DIR`, else `$XDG_CACHE_HOME/avlint`, else
`~/.cache/avlint`. One JSON file there per avlint version (`summaries-<version>.json`), safe to
delete at any time. A key is the hash of the file's bytes, the target release and the summary
format; the avlint version is in the file name, so an upgrade starts afresh. Like git's index,
the file also notes each file's size, modification time and inode with its key, so a file whose
stat is unchanged is not read again to hash it. The file is
written atomically, holds at most MAX_ENTRIES summaries (the least recently used go first),
and a file that cannot be read, does not parse or is not a cache (another process wrote half of
one, a disk error, a hand edit) is ignored: the summaries are rebuilt and the file replaced.
Nothing in it is executed: it is JSON, never pickle.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from typing import Any

from avlint.project.summary import FileSummary, from_data, to_data
from avlint.versions import Release

FORMAT = 1  # bump when the summary's fields change
MAX_ENTRIES = 20_000  # about 200 bytes to a few kB each: a few MB at most
MAX_FILE_SIZE = 64 * 1024 * 1024  # a larger file is not ours: ignored, then replaced


def cache_folder(option: str | None, environ: dict[str, str] | None = None) -> str:
    """The cache folder for a run: the option, the environment, or the user's cache folder."""
    env = os.environ if environ is None else environ
    if option:
        return option
    if env.get("AVLINT_CACHE_DIR"):
        return env["AVLINT_CACHE_DIR"]
    base = env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "avlint")


def content_key(data: bytes, release: Release) -> str:
    import hashlib  # only --project runs hash: the plain lint path never imports it

    digest = hashlib.blake2b(data, digest_size=20)
    digest.update(f"\x00{release}\x00{FORMAT}".encode())
    return digest.hexdigest()


class SummaryCache:
    """The summaries of one cache file, read once, written back once at the end of the run."""

    def __init__(self, folder: str) -> None:
        from avlint import __version__

        self.folder = folder
        self.path = os.path.join(folder, f"summaries-{__version__}.json")
        self.files: dict[str, list[Any]] = {}  # (release, absolute path) -> [size, mtime_ns, inode, key]
        self.entries: dict[str, tuple[float, Any]] = self._read()
        self.changed = False
        self.now = time.time()

    def _read(self) -> dict[str, tuple[float, Any]]:
        try:
            if os.path.getsize(self.path) > MAX_FILE_SIZE:
                return {}
            with open(self.path, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError, UnicodeDecodeError, RecursionError):
            return {}  # missing, unreadable or half-written: start afresh
        if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("entries"), dict):
            return {}
        if isinstance(data.get("files"), dict):
            self.files = {
                path: stamp
                for path, stamp in data["files"].items()
                if isinstance(stamp, list) and len(stamp) == 4 and isinstance(stamp[3], str)
            }
        entries: dict[str, tuple[float, Any]] = {}
        for key, value in data["entries"].items():
            if isinstance(value, list) and len(value) == 2 and isinstance(value[0], (int, float)):
                entries[key] = (float(value[0]), value[1])
        return entries

    def key_of(self, path: str, info: os.stat_result, release: Release, read: Callable[[], bytes]) -> str:
        """The content key of a file: from the noted stat when it has not changed, else read and
        hashed (`read` raises what reading raises)."""
        name = f"{release}\x00{os.path.abspath(path)}"
        stamp = [info.st_size, info.st_mtime_ns, info.st_ino]
        noted = self.files.get(name)
        if noted is not None and noted[:3] == stamp:
            return str(noted[3])
        key = content_key(read(), release)
        self.files[name] = [*stamp, key]
        self.changed = True
        return key

    def get(self, key: str) -> FileSummary | bool | None:
        """The summary stored under `key`; None for a file that had none (it did not parse);
        False when the key is not in the cache (or its entry is damaged)."""
        stored = self.entries.get(key)
        if stored is None:
            return False
        try:
            summary = None if stored[1] is None else from_data(stored[1])
        except (ValueError, TypeError, KeyError, IndexError):
            del self.entries[key]
            self.changed = True
            return False
        if self.now - stored[0] > 3600:  # note the use now and then, not on every run
            self.entries[key] = (self.now, stored[1])
            self.changed = True
        return summary

    def put(self, key: str, summary: FileSummary | None) -> None:
        if key in self.entries:
            return
        self.entries[key] = (self.now, None if summary is None else to_data(summary))
        self.changed = True

    def save(self) -> str | None:
        """Write the cache back (atomically) when it changed; the reason when it could not be
        written (the run goes on: the cache only saves time)."""
        if not self.changed:
            return None
        entries = self.entries
        if len(entries) > MAX_ENTRIES:
            newest = sorted(entries.items(), key=lambda item: item[1][0], reverse=True)[:MAX_ENTRIES]
            entries = dict(newest)
        from avlint.atomic_write import WriteError, write_file

        files = self.files
        if len(files) > MAX_ENTRIES:
            files = dict(list(files.items())[-MAX_ENTRIES:])  # the latest noted last
        text = json.dumps({"format": FORMAT, "entries": entries, "files": files}, separators=(",", ":"))
        try:
            os.makedirs(self.folder, exist_ok=True)
            write_file(self.path, text)
        except (OSError, WriteError) as error:
            return str(getattr(error, "reason", None) or error)
        return None
