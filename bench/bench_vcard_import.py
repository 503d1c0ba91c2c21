#!/usr/bin/env python3
"""Benchmark `solomo import FILE.vcf`: a phone's address book, imported then imported again.

Run from the repository root, with the project's venv active:  python bench/bench_vcard_import.py
It writes --cards vCards (3.0, each with an e-mail, two phones and a note; every tenth with a
base64 PHOTO, as phones export them), then times, median of --runs rounds each, the installed
`solomo import` into a fresh SOLOMO_HOME and the same import again (every card then merges, by
e-mail, with the contact the first import added: nothing changes). Each card is matched through
one index of the contacts read once per file, so both stay linear in the number of cards.
Standard library only; no internet.
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PHOTO = base64.b64encode(bytes(range(256)) * 40).decode()  # 10 kB, as a small contact photo


def card(i: int) -> str:
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        f"N:Person{i:05d};Ana;;;",
        f"FN:Ana Person{i:05d}",
        f"EMAIL;type=INTERNET;type=pref:ana{i}@example.org",
        f"TEL;type=CELL:+33 6 {i:08d}",
        f"TEL;type=WORK:04 78 {i:06d}",
        "NOTE:Met at a meetup\\, wants a follow-up.",
    ]
    if i % 10 == 0:
        lines.append(
            "PHOTO;ENCODING=b;TYPE=JPEG:"
            + "\r\n ".join(PHOTO[j : j + 74] for j in range(0, len(PHOTO), 74))
        )
    return "\r\n".join([*lines, "END:VCARD", ""])


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    solomo = str(Path(sys.executable).parent / "solomo")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "phone.vcf"
        path.write_text("".join(card(i) for i in range(args.cards)), encoding="utf-8")
        size = path.stat().st_size
        first, again = [], []
        for run in range(args.runs):
            env = {**os.environ, "SOLOMO_HOME": str(Path(tmp) / f"home{run}")}
            first.append(timed([solomo, "import", str(path)], env))
            again.append(timed([solomo, "import", str(path)], env))
    print(f"{args.cards} cards ({size / 1e6:.1f} MB)")
    print(f"first import: {statistics.median(first):.2f} s (median of {args.runs})")
    print(f"again:        {statistics.median(again):.2f} s (every card merges, nothing changes)")


if __name__ == "__main__":
    main()
