"""The one name matcher, for every REF and NAME: places of the last listing, of the cache and of
the user's data, and contacts. Names are compared folded (case, accents, dashes, quotes and
punctuation that only separates words, runs of spaces); `%` and `_` are ordinary characters.

A name matches a query when its folded form contains the folded query; names equal to it win
over names that merely contain it."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")

# Characters that only separate words in a name: "Bibliothèque du 7e - Guillotière",
# "L'Atelier", "co-working" read the same with spaces. Others (%, _, &, +, #) stay as they are.
_SEPARATORS = frozenset("'\"`´‘’‚‛“”„‟«»‹›.,;:!?/\\()[]{}·•…")


class _FoldTable(dict[int, str | None]):
    """str.translate's table for decomposed text, each character's fate decided once: marks
    dropped, separators made spaces, the rest kept (a sync folds every place's name)."""

    def __missing__(self, code: int) -> str | None:
        char = chr(code)
        if unicodedata.combining(char):
            fate = None
        elif char.isspace() or char in _SEPARATORS or unicodedata.category(char) == "Pd":
            fate = " "
        else:
            fate = char
        self[code] = fate
        return fate


_FOLD_TABLE = _FoldTable()


def _fold_once(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join(decomposed.translate(_FOLD_TABLE).casefold().split())


# What _fold_once makes of each ASCII character (its lower case, or a space for a separator),
# as a bytes.translate table: an ASCII name is folded in one pass of C (most names).
_ASCII_FOLD = bytes(ord(_FOLD_TABLE[ord(chr(b).casefold())] or " ") for b in range(128))
_ASCII_FOLD += bytes(range(128, 256))


@functools.lru_cache(maxsize=1024)  # a place's name is folded for its key, then for its chain
def fold(text: str | None) -> str:
    """The form names are compared in: 'Bibliothèque du 7e – Guillotière' and
    'bibliotheque du 7e guillotiere' fold the same. Folding a folded name changes nothing."""
    if text is None:
        return ""
    if text.isascii():  # ASCII in, ASCII out: nothing left that a second pass would change
        return " ".join(text.encode("ascii").translate(_ASCII_FOLD).decode("ascii").split())
    folded = _fold_once(text)
    # Case folding and decomposition can each produce what the other changes ('ǅ', 'İ'):
    # repeat until nothing moves (twice at most for real names).
    for _ in range(4):
        again = _fold_once(folded)
        if again == folded:
            break
        folded = again
    return folded


def matches(query: str, name: str | None) -> bool:
    """Whether `name` contains `query`, both folded (an empty query matches nothing)."""
    key = fold(query)
    return bool(key) and key in fold(name)


def candidates(
    query: str,
    items: Iterable[T],
    key: Callable[[T], str],
    name: Callable[[T], str | None] | None = None,
) -> list[T]:
    """The items whose folded name (`key(item)`, already folded) equals the folded query, else
    those that contain it, in the order given. Among several equal ones, the one spelt exactly
    as the query (`name(item)`, spaces aside) wins. Several left are the caller's: no guess."""
    wanted = fold(query)
    if not wanted:
        return []
    found = [item for item in items if wanted in key(item)]
    exact = [item for item in found if key(item) == wanted]
    if len(exact) > 1 and name is not None:
        # "Jean-Marc" and "Jean Marc" fold alike; typing one of them exactly says which.
        spelt = " ".join(query.split())
        verbatim = [item for item in exact if " ".join((name(item) or "").split()) == spelt]
        if len(verbatim) == 1:
            return verbatim
    return exact or found
