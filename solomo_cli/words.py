"""How solomo words a count: '1 visit', '3 visits', '0 places'. One rule for every message,
listing and report (core and CLI alike), so that no line says '1 contacts'."""

from __future__ import annotations


def count(n: int, things: str) -> str:
    """`n` and the noun `things` (given in the plural, e.g. "visits" or "other places"),
    singular when `n` is 1."""
    return f"{n} {things[:-1] if n == 1 and things.endswith('s') else things}"
