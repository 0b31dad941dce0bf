"""authentik's `last_auth_threshold` grammar, reproduced exactly (authentik/lib/utils/time.py).

The server splits on `;`, splits each piece on `=` into exactly a key and a value, lower-cases
the key without stripping it, skips keys it does not know, converts the stripped value with
Python's float(), and builds a timedelta. Only a ValueError becomes a validation error; an
OverflowError (`seconds=inf`, `days=1e10`) escapes and crashes the request.
"""

from __future__ import annotations

from datetime import timedelta
from typing import NamedTuple

ALLOWED_KEYS = ("microseconds", "milliseconds", "seconds", "minutes", "hours", "days", "weeks")


class Threshold(NamedTuple):
    valid: bool
    overflow: bool = False
    seconds: float | None = None
    error: str | None = None
    # Pieces that parse but are silently dropped: (piece text, why).
    dropped: tuple[tuple[str, str], ...] = ()


def parse_threshold(expression: str) -> Threshold:
    values: dict[str, float] = {}
    dropped: list[tuple[str, str]] = []
    for piece in expression.split(";"):
        parts = piece.split("=")
        if len(parts) != 2:
            return Threshold(False, error=f"'{piece}' is not one key=value pair")
        raw_key, raw_value = parts
        key = raw_key.lower()
        if key not in ALLOWED_KEYS:
            dropped.append((piece, _why_unknown(raw_key)))
            continue
        try:
            number = float(raw_value.strip())
        except ValueError:
            return Threshold(False, error=f"'{raw_value.strip()}' is not a number")
        if key in values:
            dropped.append(
                (f"{raw_key}={_shown(values[key])}", f"'{key}' is given again later, and only the last value counts")
            )
        values[key] = number
    if not values:
        return Threshold(False, error="no known key (use " + ", ".join(ALLOWED_KEYS) + ")", dropped=tuple(dropped))
    try:
        delta = timedelta(**values)
    except OverflowError:
        return Threshold(
            False, overflow=True, error="the value overflows authentik's timedelta", dropped=tuple(dropped)
        )
    except ValueError:  # timedelta refuses NaN ("cannot convert float NaN to integer")
        nan = [key for key, number in values.items() if number != number]  # NaN is the one float unequal to itself
        what = f"the value of '{nan[0]}' is NaN (not a number)" if nan else "a value is not a finite number"
        return Threshold(False, error=f"{what}, which no duration can be", dropped=tuple(dropped))
    return Threshold(True, seconds=delta.total_seconds(), dropped=tuple(dropped))


def _why_unknown(raw_key: str) -> str:
    stripped = raw_key.strip().lower()
    if stripped in ALLOWED_KEYS:
        return f"the key '{raw_key}' has spaces around it, so authentik does not recognise it"
    from avlint.suggest import closest

    match = closest(stripped, ALLOWED_KEYS, cutoff=0.7)
    hint = f" (did you mean '{match}'?)" if match else ""
    return f"'{raw_key.strip()}' is not a key authentik knows{hint}"


def _shown(number: float) -> str:
    return str(int(number)) if number.is_integer() else str(number)
