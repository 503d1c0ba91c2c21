"""How solomo words a count: '1 visit', '3 visits', '0 places'. One rule for every message,
listing and report (core and CLI alike), so that no line says '1 contacts'."""

from __future__ import annotations

import time


def count(n: int, things: str) -> str:
    """`n` and the noun `things` (given in the plural, e.g. "visits" or "other places"),
    singular when `n` is 1."""
    return f"{n} {things[:-1] if n == 1 and things.endswith('s') else things}"


def age_phrase(timestamp: float | None, now: float | None = None) -> str:
    """How old data fetched at `timestamp` is: 'just fetched', '12 min old', '11 days old'."""
    if timestamp is None:
        return "age unknown"
    seconds = max(0.0, (now or time.time()) - timestamp)
    if seconds < 90:
        return "just fetched"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min old"
    if seconds < 36 * 3600:
        return f"{seconds / 3600:.0f} h old"
    return f"{count(round(seconds / 86400), 'days')} old"
