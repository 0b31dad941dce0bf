"""Did-you-mean suggestions for misspelt keys, values and names."""

from __future__ import annotations

from collections.abc import Iterable


def closest(word: str, candidates: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The candidate most like `word`, or None when nothing is close enough.

    A case-insensitive exact match wins first, so `Configure` suggests `configure`.
    """
    pool = list(candidates)
    lowered = word.lower()
    for candidate in pool:
        if candidate.lower() == lowered:
            return candidate
    import difflib

    matches = difflib.get_close_matches(word, pool, n=1, cutoff=cutoff)
    return matches[0] if matches else None


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """A message suffix such as " (did you mean 'configure'?)", or "" when nothing is close."""
    match = closest(word, candidates)
    return f" (did you mean '{match}'?)" if match else ""
