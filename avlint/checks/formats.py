"""The string formats authentik's serializers check beyond type and length (OpenAPI `format`).

Each is what the Django/DRF field accepts, no stricter: URLField (Django's URLValidator,
schemes http, https, ftp, ftps), EmailField (Django's EmailValidator), DateTimeField and
DateField (ISO 8601). Regular expressions, not the validators themselves: importing Django is
out of the question, and `urllib`/`email` cost the pre-commit path start-up time.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_URL = re.compile(
    r"(?:https?|ftps?)://"  # URLValidator.schemes
    r"(?:[^\s:@/]+(?::[^\s@/]*)?@)?"  # user:password@
    r"(?:\[[0-9a-fA-F:.]+\]|[^\s/?#:]+)"  # [IPv6], IPv4 or host name
    r"(?::\d{1,5})?"
    r"(?:[/?#]\S*)?\Z",
    re.IGNORECASE,
)
_HOST_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)\Z", re.IGNORECASE)
_EMAIL_LOCAL = re.compile(r"[-!#$%&'*+/=?^_`{}|~0-9a-z]+(?:\.[-!#$%&'*+/=?^_`{}|~0-9a-z]+)*\Z|\"[^\"]*\"\Z", re.I)
_DATE = r"\d{4}-\d{2}-\d{2}"
_DATETIME = re.compile(_DATE + r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,6})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?\Z", re.I)
_DATE_ONLY = re.compile(_DATE + r"\Z")
SLUG_PATTERN = "^[-a-zA-Z0-9_]+$"


def _is_url(text: str) -> bool:
    match = _URL.match(text)
    if match is None:
        return False
    host = re.sub(r"^[a-z]+://(?:[^@/]*@)?", "", text, flags=re.I).split("/", 1)[0].split("?", 1)[0]
    host = host.rsplit(":", 1)[0] if not host.startswith("[") else host
    if host.startswith("[") or host.lower() == "localhost":
        return True
    labels = host.rstrip(".").split(".")
    return len(labels) > 1 and all(_HOST_LABEL.match(label) for label in labels)


def _is_email(text: str) -> bool:
    local, at, domain = text.rpartition("@")
    if not at or not local or not _EMAIL_LOCAL.match(local):
        return False
    if domain.lower() == "localhost" or (domain.startswith("[") and domain.endswith("]")):
        return True
    labels = domain.split(".")
    return len(labels) > 1 and all(_HOST_LABEL.match(label) for label in labels) and not labels[-1].isdigit()


# format -> (what a message says authentik expects, the check)
FORMAT_CHECKS: dict[str, tuple[str, Callable[[str], bool]]] = {
    "uri": ("a URL with a host (http, https, ftp or ftps)", _is_url),
    "email": ("an e-mail address", _is_email),
    "date-time": ("an ISO 8601 date and time (2025-01-31T12:00:00Z)", lambda text: bool(_DATETIME.match(text))),
    "date": ("an ISO 8601 date (2025-01-31)", lambda text: bool(_DATE_ONLY.match(text))),
}


def pattern_text(pattern: str) -> str:
    """What a pattern allows, in words where avlint knows it (slugs), else the pattern itself."""
    if pattern == SLUG_PATTERN:
        return "only letters, digits, underscores and hyphens are allowed"
    return f"it must match {pattern}"
