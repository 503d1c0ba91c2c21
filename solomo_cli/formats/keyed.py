"""A list the JSON writer may write faster (formats.json), in a module of its own: the records
that make one are imported by warm commands that write no JSON."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


class Keyed(list[Any]):
    """A list whose items are each made from a hashable key, equal keys making items of the
    same text (a score's reasons: the same few hundred pairs among 100,000 places): the writer
    writes each key's text once per run and reuses it. `keys` None: an ordinary list."""

    __slots__ = ("keys",)

    def __init__(self, items: Iterable[Any], keys: Sequence[Any] | None) -> None:
        super().__init__(items)
        self.keys = keys
