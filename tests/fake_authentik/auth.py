"""Authentication and permissions as authentik's API answers them (recordings 084-088, 109-126).

* No usable ``Authorization`` header (none, ``Bearer`` alone, another scheme such as ``Token abc``):
  anonymous, so a protected view answers 403 "Authentication credentials were not provided."
  (never 401: the token authentication defines no ``WWW-Authenticate`` challenge).
* ``Bearer <key>`` (scheme case-insensitive) with an unknown or expired key: 403
  "Token invalid/expired", even on views that allow anonymous access.
* A valid key of a user without the model permission: 403 "You do not have permission to perform
  this action."
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .http import ApiError

if TYPE_CHECKING:
    from .state import State, User

NOT_PROVIDED = "Authentication credentials were not provided."
INVALID = "Token invalid/expired"
NO_PERMISSION = "You do not have permission to perform this action."


def bearer_key(header: str | None) -> str | None:
    """authentik's ``validate_auth``: the key of a ``Bearer`` header, or None."""
    if header is None:
        return None
    credentials = header.strip()
    if credentials == "" or " " not in credentials:
        return None
    scheme, _, key = credentials.partition(" ")
    if scheme.lower() != "bearer":
        return None
    if key == "":
        raise ApiError(403, {"detail": "Malformed header"})
    return key


def authenticate(state: State, header: str | None) -> User | None:
    key = bearer_key(header)
    if key is None:
        return None
    user = state.user_for_key(key)
    if user is None:
        raise ApiError(403, {"detail": INVALID})
    return user


def require(state: State, user: User | None, codename: str | None, *, authenticated: bool = True) -> None:
    """IsAuthenticated plus, when ``codename`` is given, the global model permission."""
    if not authenticated:
        return
    if user is None:
        raise ApiError(403, {"detail": NOT_PROVIDED})
    if codename is not None and not state.has_perm(user, codename):
        raise ApiError(403, {"detail": NO_PERMISSION})
