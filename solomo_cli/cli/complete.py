"""Shell completion of REFs and contact names (`solomo --install-completion`).

Each completer runs in the shell's completion process, on every Tab: one small read-only
SQLite query, nothing else (no httpx, no geopy, no Rich table, no migration, no write). A
store that is missing, locked or unreadable completes nothing, silently."""

import sqlite3
from pathlib import Path

MAX_ITEMS = 50  # a shell lists them all: more than this is noise


def _rows(path: Path, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    if not path.is_file():
        return []
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=0.2)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return []


def _one_line(value: object) -> str:
    """A name from OSM or the user, fit for the shell's one-item-per-line protocol."""
    from solomo_cli.boundary import clean

    return " ".join(clean(str(value or "")).split())


def complete_ref(incomplete: str) -> list[tuple[str, str]]:
    """Digits (or nothing): the ranks of the last listing, each with its place's name as
    help. Text: the names of the places listed and of those in the user's own data."""
    from solomo_cli.config import get_paths

    paths = get_paths()
    listed = _rows(
        paths.cache_db, "SELECT rank, name FROM listing ORDER BY rank LIMIT ?", (MAX_ITEMS,)
    )
    if not incomplete or incomplete.isdigit():
        return [
            (str(rank), _one_line(name) or "(no name)")
            for rank, name in listed
            if str(rank).startswith(incomplete)
        ]
    mine = _rows(
        paths.user_db,
        "SELECT DISTINCT name FROM places WHERE name IS NOT NULL AND name != '' ORDER BY name",
    )
    items: dict[str, str] = {}
    for names, where in ((listed, "in the last listing"), (mine, "in your data")):
        for row in names:
            label = _one_line(row[-1])
            if label and label not in items and label.startswith(incomplete):
                items[label] = where
    return list(items.items())[:MAX_ITEMS]


def complete_contact(incomplete: str) -> list[str]:
    """The names of the user's contacts that start with `incomplete` (typer keeps only those
    anyway: its completion compares prefixes as they are)."""
    from solomo_cli.config import get_paths

    names = _rows(get_paths().user_db, "SELECT name FROM contacts ORDER BY name")
    found = [_one_line(name) for (name,) in names]
    return [name for name in found if name and name.startswith(incomplete)][:MAX_ITEMS]
