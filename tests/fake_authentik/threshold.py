"""authentik's ``timedelta_string_validator`` (authentik/lib/utils/time.py), run with Python's own
``timedelta`` so that NaN gives ValueError (400) and ``inf`` / ``days=1e10`` give OverflowError,
which authentik does not catch (405 with an empty body, recordings 057-059)."""

from __future__ import annotations

from datetime import timedelta

from .fields import fail
from .http import Unhandled

ALLOWED_KEYS = ("microseconds", "milliseconds", "seconds", "minutes", "hours", "days", "weeks")


def parse(expr: str) -> timedelta:
    kwargs: dict[str, float] = {}
    for pair in expr.split(";"):
        key, value = pair.split("=")  # ValueError unless exactly one "="
        key = key.lower()
        if key not in ALLOWED_KEYS:  # unknown keys (" minutes" included) are dropped silently
            continue
        kwargs[key] = float(value.strip())
    if len(kwargs) < 1:
        raise ValueError("No valid keys to pass to timedelta")
    return timedelta(**kwargs)


def validate(value: str) -> None:
    try:
        parse(value)
    except ValueError:
        raise fail(f"{value} is not in the correct format of 'hours=3;minutes=1'.", "invalid") from None
    except OverflowError as exc:
        raise Unhandled(f"OverflowError in timedelta_string_validator: {exc}") from exc
