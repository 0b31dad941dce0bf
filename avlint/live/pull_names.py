"""File names for pulled objects: `flow-<slug>.yaml` and `stage-<name>.yaml`, as authentik names
its own blueprints (`flow-default-authentication-flow.yaml`).

A name comes from the server and may hold anything: slashes, dots, `..`, control characters,
300 characters, or differ from another only in case. The file name must stay inside the output
folder, be visible (a name starting with a dot is skipped by `avlint lint` of the folder and by
authentik's blueprint discovery), fit the 255-byte limit of common file systems, and be unique
even where the file system ignores case or Unicode normalisation (macOS, Windows), since
one file silently replacing another is what this module exists to prevent.

So a name that is already safe and unambiguous is used as it is; any other name is made readable
(unsafe runs become `_`, cut to fit) and gets `~` and a short hash of the exact original, which
keeps it unique. `~` never occurs in a name used as it is, so the two kinds cannot meet; the
`flow-`/`stage-` prefix keeps flows and stages apart and means no name starts with a dot.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

MAX_NAME_BYTES = 255  # ext4, XFS, btrfs, APFS and NTFS all cap a file name near here
EXTENSION = ".yaml"
_HASH_CHARS = 10  # 40 bits: two names of one run sharing a hash is not a practical concern

# Characters kept as they are: letters and digits of any script, `-`, `_` and `.`.
_UNSAFE_RUN = re.compile(r"[^\w.-]+")
# Windows refuses these device names with any extension.
_RESERVED = {"con", "prn", "aux", "nul"} | {f"{device}{n}" for device in ("com", "lpt") for n in range(1, 10)}


def file_name(kind: str, label: str) -> str:
    """The file name for the object of *kind* (`flow` or `stage`) called *label*."""
    prefix = f"{kind}-"
    readable = _readable(label)
    budget = MAX_NAME_BYTES - len(prefix) - len(EXTENSION)
    if readable == label and _is_unambiguous(label) and len(label.encode("utf-8")) <= budget:
        return f"{prefix}{label}{EXTENSION}"
    digest = hashlib.sha256(label.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH_CHARS]
    tail = f"~{digest}{EXTENSION}"
    stem = _cut(readable, MAX_NAME_BYTES - len(prefix) - len(tail)) or "unnamed"
    return f"{prefix}{stem}{tail}"


def caseless(name: str) -> str:
    """The form under which two names are one file on a file system that ignores case and
    Unicode normalisation."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())


def _readable(label: str) -> str:
    """*label* with every run of unsafe characters as one `_`, without leading or trailing dots,
    dashes and underscores."""
    text = _UNSAFE_RUN.sub("_", unicodedata.normalize("NFC", label))
    return text.strip("._-")


def _is_unambiguous(label: str) -> bool:
    """True when *label* is its own caseless form (so no other label can share it), and is not
    a Windows device name."""
    return caseless(label) == label and label.split(".")[0] not in _RESERVED


def _cut(text: str, limit: int) -> str:
    """*text* cut to at most *limit* UTF-8 bytes, on a character boundary."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", "ignore").rstrip("._-")
