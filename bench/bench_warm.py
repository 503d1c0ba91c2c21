#!/usr/bin/env python3
"""Benchmark of every warm solomo command against the import floor; see bench/README.md.

Run from the repository root, with the project's venv active:  python bench/bench_warm.py
Standard library only (+ bench_near.py's helpers and tests/fakeservers.py); no internet.
"""

from __future__ import annotations

import argparse
import json
import pstats
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_near as bn  # noqa: E402  (the shared helpers: runs, medians, RSS, import trees)

RATIO, RSS_MB = 1.3, 60.0  # targets of every warm command
VISITS, CONTACTS, ENCOUNTERS, NOTES = 36, 30, 18, 3
MONTHS = ("2026-08", "2026-09", "2026-10", "2026-11")


def fill_home(fake, home: Path) -> str:
    """Fill `home` through the installed CLI: one online `near`, then visits, notes, contacts
    and encounters, offline. Returns the REF that `show` is measured on: the best-ranked place
    with opening hours (so that `show` evaluates them), which also gets the notes and most of
    the visits and encounters."""
    places = json.loads(
        bn.solomo_out([*bn.SOLOMO, "near", bn.PLACE, "--format", "json"], bn.base_env(home, fake))
    )
    if not places:
        sys.exit("bench: the online near found no place")
    ranks = [str(i) for i in range(1, min(len(places), 12) + 1)]
    shown = next((str(i) for i, p in enumerate(places, 1) if p["opening_hours"]), "1")
    env = bn.base_env(home)  # the rest needs no network: a stray request fails the setup
    for i in range(VISITS):
        ref = shown if i % 3 == 0 else ranks[i % len(ranks)]
        bn.solomo_out(
            [*bn.SOLOMO, "visit", ref, "--date", f"{MONTHS[i % 4]}-{i % 28 + 1:02d}"]
            + ["--rating", str(i % 5 + 1), "--note", f"day {i}: quiet, fast Wi-Fi"]
            + ["--cost", f"{15 + i % 10} EUR"],
            env,
        )
    for i in range(NOTES):
        bn.solomo_out([*bn.SOLOMO, "note", shown, f"note {i}: ask about the monthly pass"], env)
    for i in range(CONTACTS):
        ref = shown if i % 2 == 0 else ranks[i % len(ranks)]
        bn.solomo_out(
            [*bn.SOLOMO, "contact", "add", f"Person{i:02d} Martin", "--at", ref]
            + ["--date", f"{MONTHS[i % 4]}-{i % 28 + 1:02d}", "--note", "UX freelance"]
            + ["--email", f"person{i}@example.org", "--tag", ("ux", "dev", "ops")[i % 3]],
            env,
        )
    for i in range(ENCOUNTERS):
        bn.solomo_out(
            [*bn.SOLOMO, "contact", "met", f"Person{i:02d}", "--at", ranks[i % len(ranks)]]
            + ["--date", f"2026-11-{i + 1:02d}", "--note", "coffee"],
            env,
        )
    # The offline listing that the timed commands start from is the one `show RANK` reads.
    bn.solomo_out([*bn.SOLOMO, "near", bn.PLACE, "--offline"], env)
    return shown


# Import machinery: -X importtime already splits that time by module.
IMPORTING = ("<frozen importlib", "marshal.loads", "builtins.exec", "builtins.compile", "_imp.")


def hot_spots(args: tuple[str, ...], env: dict[str, str], top: int) -> tuple[list, list]:
    """cProfile of `solomo ARGS`: (solomo_cli functions by cumulative time, any function by own
    time), import machinery and module bodies left out; each row (seconds, name)."""
    with tempfile.TemporaryDirectory(prefix="solomo-bench-prof-") as tmp:
        out = Path(tmp) / "run.prof"
        cmd = [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "solomo_cli", *args]
        subprocess.run(
            cmd, env=env, cwd=bn.AWAY, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        if not out.is_file():
            return [], []
        stats = pstats.Stats(str(out)).stats  # type: ignore[attr-defined]
    mine, own = [], []
    for (path, line, func), (_, _, tottime, cumtime, _) in stats.items():
        name = pstats.func_std_string((path, line, func))
        if func == "<module>" or any(part in name for part in IMPORTING):
            continue
        short = re.sub(r"^.*/(site-packages|python3\.\d+)/", "", name)
        own.append((tottime, short))
        if "solomo_cli" in path and func not in ("main", "wrapper"):
            mine.append((cumtime, short))
    return sorted(mine, reverse=True)[:top], sorted(own, reverse=True)[:top]


def diagnose(name: str, args: tuple[str, ...], env: dict[str, str]) -> None:
    """Why `solomo ARGS` misses: what it imports beyond the floor, and where it runs."""
    # The least loaded of three runs: one run's import times swing with the machine's load.
    extra_ms, top = min((bn.extra_imports(env, 8, args) for _ in range(3)), key=lambda r: r[0])
    print(f"\nsolomo {name}: imports beyond the floor (-X importtime) {extra_ms:.0f} ms")
    bn.print_imports(top)
    mine, own = hot_spots(args, env, 6)
    print("  cProfile (inflates Python-heavy code), solomo_cli functions by cumulative time:")
    for seconds, func in mine:
        print(f"  {seconds * 1000:7.1f} ms  {func}")
    print("  any function by own time (import machinery left out):")
    for seconds, func in own:
        print(f"  {seconds * 1000:7.1f} ms  {func}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs (after 2 warm-ups)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    opts = parser.parse_args()
    bn.header()

    with tempfile.TemporaryDirectory(prefix="solomo-bench-") as tmp, bn.FS.FakeServices() as fake:
        home = Path(tmp) / "home"
        bn.fill_fake(fake)
        shown = fill_home(fake, home)
        print(
            f"home: 1 online near, {VISITS} visits, {NOTES} notes, {CONTACTS} contacts, "
            f"{CONTACTS + ENCOUNTERS} encounters; show measured on rank {shown}"
        )
        env = bn.base_env(home)
        commands = {
            f"near {bn.PLACE} --offline": ("near", bn.PLACE, "--offline"),
            f"near {bn.PLACE} --offline -f json": ("near", bn.PLACE, "--offline", "-f", "json"),
            f"show {shown}": ("show", shown),
            "log": ("log",),
            "contact list": ("contact", "list"),
            "--help": ("--help",),
        }
        times, cpu = bn.walls(
            {"floor": bn.FLOOR} | {name: [*bn.SOLOMO, *args] for name, args in commands.items()},
            env,
            opts.runs,
        )
        walls = {name: statistics.median(values) for name, values in times.items()}
        cpus = {name: statistics.median(values) for name, values in cpu.items()}
        rss = {name: bn.peak_rss_mb([*bn.SOLOMO, *args], env) for name, args in commands.items()}
        floor_rss = bn.peak_rss_mb(bn.FLOOR, env)

        floor = walls["floor"]
        rows: list[bn.Row] = [
            (
                "import floor (typer+rich)",
                f"{floor * 1000:.0f} ms (CPU {cpus['floor'] * 1000:.0f} ms), {floor_rss:.1f} MB",
                "baseline, same rounds",
                None,
            )
        ]
        missed: list[str] = []
        for name in commands:
            ratio = walls[name] / floor
            ok = ratio <= RATIO and rss[name] <= RSS_MB
            rows.append(
                (
                    f"solomo {name}",
                    f"{walls[name] * 1000:.0f} ms = {ratio:.2f}x floor"
                    f" (CPU {cpus[name] / cpus['floor']:.2f}x), {rss[name]:.1f} MB",
                    f"<= {RATIO:.1f}x, <= {RSS_MB:.0f} MB",
                    ok,
                )
            )
            if not ok:
                missed.append(name)
        bn.print_table(rows, miss="MISS")
        for name in missed:
            diagnose(name, commands[name], env)
    print(f"\n{len(missed)} command(s) missed" + (": " + "; ".join(missed) if missed else ""))
    return 1 if opts.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
