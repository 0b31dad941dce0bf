"""last_auth_threshold parsed exactly as authentik's timedelta_from_string does."""

from __future__ import annotations

import pytest

from avlint.checks.threshold import parse_threshold

# (input, valid, seconds, overflow, number of silently dropped pieces)
TABLE = [
    ("seconds=0", True, 0, False, 0),
    ("hours=3;minutes=1", True, 3 * 3600 + 60, False, 0),
    ("HOURS=1", True, 3600, False, 0),
    ("hours=1; minutes=2", True, 3600, False, 1),  # ' minutes' is an unknown key
    ("hours = 1", False, None, False, 1),
    ("hours= 1 ", True, 3600, False, 0),  # values are stripped, keys are not
    ("hours=1;", False, None, False, 0),
    (";seconds=1", False, None, False, 0),
    ("", False, None, False, 0),
    ("seconds", False, None, False, 0),
    ("seconds=1=2", False, None, False, 0),
    ("foo=1;seconds=5", True, 5, False, 1),
    ("minute=3", False, None, False, 1),
    ("hours=1;hours=2", True, 7200, False, 1),
    ("weeks=-1", True, -7 * 86400, False, 0),
    ("seconds=+5", True, 5, False, 0),
    ("days=1.5", True, 1.5 * 86400, False, 0),
    ("seconds=1e3", True, 1000, False, 0),
    ("seconds=1_000", True, 1000, False, 0),
    ("seconds=0x10", False, None, False, 0),
    ("seconds=nan", False, None, False, 0),
    ("seconds=inf", False, None, True, 0),
    ("days=1e10", False, None, True, 0),
    ("milliseconds=500", True, 0.5, False, 0),
    ("foo=bar;seconds=1", True, 1, False, 1),  # unknown keys are skipped before float()
]


@pytest.mark.parametrize(("text", "valid", "seconds", "overflow", "dropped"), TABLE)
def test_grammar(text: str, valid: bool, seconds: float | None, overflow: bool, dropped: int) -> None:
    result = parse_threshold(text)
    assert result.valid is valid
    assert result.overflow is overflow
    assert result.seconds == seconds
    assert len(result.dropped) == dropped


def test_spaced_key_explains_the_space() -> None:
    ((piece, why),) = parse_threshold("hours=1; minutes=2").dropped
    assert piece == " minutes=2"
    assert "spaces" in why


def test_unknown_singular_key_suggests_plural() -> None:
    assert "did you mean 'minutes'" in parse_threshold("minute=3").dropped[0][1]
