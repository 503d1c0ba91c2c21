#!/usr/bin/env python3
"""Benchmark: what shell completion costs the warm path, and one completion request; see
bench/README.md.

Run from the repository root, with the project's venv active:  python bench/bench_completion.py
Standard library only (+ bench_near.py's helpers and tests/fakeservers.py); no internet.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_near as bn  # noqa: E402  (the shared helpers: runs, medians, RSS, the table)

RATIO = 1.05  # `near --offline` with completion on, over the same without it
REQUEST_RATIO = 1.5  # one completion request (contact names), over the import floor
CONTACTS = 30

# The same program either way, started the same way: solomo's own main(), with typer's
# completion options on (as installed) or taken off the app before it runs.
LAUNCH = "import sys; from solomo_cli.cli import app as a; {switch}a.main()"
WITH = [sys.executable, "-c", LAUNCH.format(switch="")]
WITHOUT = [sys.executable, "-c", LAUNCH.format(switch="a.app._add_completion = False; ")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs (after 2 warm-ups)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    opts = parser.parse_args()
    bn.header()

    with tempfile.TemporaryDirectory(prefix="solomo-bench-") as tmp, bn.FS.FakeServices() as fake:
        home = Path(tmp) / "home"
        bn.fill_fake(fake)
        bn.solomo_out([*bn.SOLOMO, "near", bn.PLACE], bn.base_env(home, fake))
        env = bn.base_env(home)  # offline from here: a stray request fails the run
        for i in range(CONTACTS):
            bn.solomo_out([*bn.SOLOMO, "contact", "add", f"Person{i:02d} Martin"], env)
        near = ["near", bn.PLACE, "--offline"]
        complete = env | {
            "_SOLOMO_COMPLETE": "complete_bash",
            "COMP_WORDS": "solomo contact show Person1",
            "COMP_CWORD": "3",
        }
        answer = bn.solomo_out(bn.SOLOMO, complete).splitlines()
        print(f"home: 1 online near, {CONTACTS} contacts; completion of 'Person1': {answer[:2]}…")
        commands = {
            "floor": bn.FLOOR,
            "without": [*WITHOUT, *near],
            "with": [*WITH, *near],
        }
        times, cpu = bn.walls(commands, env, opts.runs)
        request, _ = bn.walls({"floor": bn.FLOOR, "request": bn.SOLOMO}, complete, opts.runs)
    walls = {name: statistics.median(values) for name, values in times.items()}
    cpus = {name: statistics.median(values) for name, values in cpu.items()}
    ratio = walls["with"] / walls["without"]
    request_ratio = statistics.median(request["request"]) / statistics.median(request["floor"])
    rows: list[bn.Row] = [
        ("import floor (typer+rich)", f"{walls['floor'] * 1000:.0f} ms", "same rounds", None),
        (
            f"near {bn.PLACE} --offline, completion off",
            f"{walls['without'] * 1000:.0f} ms = {walls['without'] / walls['floor']:.2f}x floor",
            "baseline, same rounds",
            None,
        ),
        (
            f"near {bn.PLACE} --offline, completion on",
            f"{walls['with'] * 1000:.0f} ms = {ratio:.3f}x off (CPU "
            f"{cpus['with'] / cpus['without']:.3f}x)",
            f"<= {RATIO:.2f}x off",
            ratio <= RATIO,
        ),
        (
            "completion request (contact names)",
            f"{statistics.median(request['request']) * 1000:.0f} ms = {request_ratio:.2f}x floor",
            f"<= {REQUEST_RATIO:.1f}x floor",
            request_ratio <= REQUEST_RATIO,
        ),
    ]
    bn.print_table(rows, miss="MISS")
    missed = [row[0] for row in rows if row[3] is False]
    return 1 if opts.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
