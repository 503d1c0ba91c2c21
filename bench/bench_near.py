#!/usr/bin/env python3
"""Benchmark of `solomo near`'s warm path against its targets; see bench/README.md.

Run from the repository root, with the project's venv active:  python bench/bench_near.py
Standard library only (+ solomo_cli and tests/fakeservers.py); never touches the internet.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

sys.dont_write_bytecode = True  # this process leaves no __pycache__ in the repo
ROOT = Path(__file__).resolve().parents[1]
SHARED_FILE = ROOT.parent / "shared" / "data" / "overpass" / "lyon_coworking.json"
_BIN = Path(sys.executable).parent / ("solomo.exe" if os.name == "nt" else "solomo")
SOLOMO = [str(_BIN)] if _BIN.exists() else [sys.executable, "-m", "solomo_cli"]
FLOOR = [sys.executable, "-c", "import typer, rich.console, rich.table"]
# For comparison only: the floor ending as solomo ends (gc.freeze(), no final collections).
FLOOR_FROZEN = [sys.executable, "-c", "import typer, rich.console, rich.table, gc; gc.freeze()"]
PLACE = "Lyon"
FS = None  # tests/fakeservers.py, loaded by main()
FRANCE = (42.3, 51.1, -4.8, 8.2)  # min_lat, max_lat, min_lon, max_lon
CITIES = [  # (lat, lon, weight, spread in km): the dense clusters
    (48.8566, 2.3522, 5, 10),
    (45.7640, 4.8357, 2, 6),
    (43.2965, 5.3698, 2, 6),
    (43.6047, 1.4442, 1, 6),
    (43.7102, 7.2620, 1, 6),
    (47.2184, -1.5536, 1, 6),
    (48.5734, 7.7521, 1, 6),
    (43.6108, 3.8767, 1, 6),
    (44.8378, -0.5792, 1, 6),
    (50.6292, 3.0573, 1, 6),
    (48.1173, -1.6778, 1, 6),
    (45.1885, 5.7245, 1, 6),
    (47.3220, 5.0415, 1, 6),
    (47.3941, 0.6848, 1, 6),
    (45.7772, 3.0870, 1, 6),
    (49.4432, 1.0999, 1, 6),
    (43.1242, 5.9280, 1, 6),
    (49.2583, 4.0317, 1, 6),
]
KIND_MIX = (("coworking", 0.40), ("cafe", 0.35), ("library", 0.15), ("hackerspace", 0.10))
KIND_TAGS = {
    "coworking": {"office": "coworking"},
    "cafe": {"amenity": "cafe", "internet_access": "wlan"},
    "library": {"amenity": "library"},
    "hackerspace": {"leisure": "hackerspace"},
}
HOURS = ["Mo-Fr 08:30-19:00", "24/7", "Mo-Fr 09:00-18:00; Sa 10:00-13:00; PH off", "Mo 14:00-18:00"]
KIB = 1024 * 1024 if sys.platform == "darwin" else 1024  # ru_maxrss unit: bytes on macOS


# -- helpers ------------------------------------------------------------------------------


def load_fakeservers():
    spec = importlib.util.spec_from_file_location("fakeservers", ROOT / "tests/fakeservers.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["fakeservers"] = module  # dataclasses need the module registered
    spec.loader.exec_module(module)
    return module


def fake_tags(rng: random.Random, i: int, kind: str) -> dict[str, str]:
    tags = {
        **KIND_TAGS[kind],
        "name": f"Synthetic {kind} {i}",
        "addr:city": "Ville",
        "addr:street": "Rue de la Paix",
        "addr:housenumber": str(rng.randint(1, 120)),
        "addr:postcode": f"{rng.randint(1000, 95999):05d}",
        "website": f"https://example.org/{i}",
    }
    if rng.random() < 0.7:
        tags["opening_hours"] = rng.choice(HOURS)
    if rng.random() < 0.5:
        tags["check_date"] = f"20{rng.randint(18, 25)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
    return tags


def jitter(rng: random.Random, lat: float, lon: float, km: float) -> tuple[float, float]:
    dlat, dlon = rng.gauss(0, km) / 111.2, rng.gauss(0, km) / 111.2
    return lat + dlat, lon + dlon / math.cos(math.radians(lat))


def synthetic_elements(lat: float, lon: float, n: int = 60) -> list[dict]:
    """Coworking nodes scattered around (lat, lon), for when the real Lyon data is absent."""
    rng = random.Random(7)
    return [
        {
            "type": "node",
            "id": 9_000_000 + i,
            "tags": fake_tags(rng, i, "coworking"),
            **dict(zip(("lat", "lon"), jitter(rng, lat, lon, 1.5), strict=True)),
        }
        for i in range(n)
    ]


def fill_fake(fake) -> None:
    """The fake serves the real Lyon answer (read in place) when present, else synthetic nodes,
    and geocodes PLACE to Lyon."""
    if SHARED_FILE.is_file():
        fake.load_overpass_file(SHARED_FILE)
        print(f"data: real Overpass answer {SHARED_FILE} (read in place)")
    else:
        fake.add_elements(synthetic_elements(FS.LYON_LAT, FS.LYON_LON))
        print(f"data: {SHARED_FILE} is absent: using 60 SYNTHETIC coworking nodes")
    fake.set_geocode(
        PLACE,
        [FS.nominatim_result(PLACE, FS.LYON_LAT, FS.LYON_LON, display_name=FS.LYON_DISPLAY_NAME)],
    )


def header() -> None:
    """Load tests/fakeservers.py into FS and print the versions measured."""
    global FS
    FS = load_fakeservers()
    print(
        f"solomo bench: Python {sys.version.split()[0]}, typer {version('typer')}, "
        f"rich {version('rich')}, opening_hours_py {version('opening_hours_py')}; "
        f"running {' '.join(SOLOMO)}"
    )


def base_env(home: Path, fake=None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOLOMO_")}
    # Cached bytecode as in any real install, but kept out of the repo.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(home.parent / "pycache")
    no_proxy = ",".join(filter(None, [env.get("NO_PROXY", ""), "127.0.0.1", "localhost"]))
    dead = "http://127.0.0.1:9"  # offline runs: an accidental request fails fast
    env.update(
        SOLOMO_HOME=str(home),
        SOLOMO_NOMINATIM_MIN_INTERVAL="0",
        NO_PROXY=no_proxy,
        no_proxy=no_proxy,
        SOLOMO_OVERPASS_URL=fake.overpass_url if fake else dead + "/api/interpreter",
        SOLOMO_NOMINATIM_URL=fake.nominatim_url if fake else dead,
    )
    return env


def solomo_out(cmd: list[str], env: dict[str, str]) -> str:
    """stdout of `cmd`; the bench stops, with the command's stderr, when it fails."""
    done = subprocess.run(cmd, env=env, capture_output=True)
    if done.returncode != 0:
        sys.exit(f"bench: {cmd} failed ({done.returncode}):\n{done.stderr.decode()[-2000:]}")
    return done.stdout.decode()


def run(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"bench: {cmd} failed ({done.returncode}):\n{done.stderr.decode()[-2000:]}")
    return elapsed


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def walls(cmds: dict, env: dict[str, str], runs: int, warmups: int = 2) -> tuple[dict, dict]:
    """(wall times, CPU times) of each command; rounds interleave the commands, so drift hits
    all. CPU time (user + system) is less sensitive than wall time to other processes' load."""
    times: dict[str, list[float]] = {name: [] for name in cmds}
    cpu: dict[str, list[float]] = {name: [] for name in cmds}
    for i in range(warmups + runs):
        for name, cmd in cmds.items():
            before = children_cpu()
            elapsed = run(cmd, env)
            if i >= warmups:
                times[name].append(elapsed)
                cpu[name].append(children_cpu() - before)
    return times, cpu


def median_walls(cmds: dict, env: dict[str, str], runs: int, warmups: int = 2) -> dict:
    """Median wall time of each command, timed in interleaved rounds."""
    times, _ = walls(cmds, env, runs, warmups)
    return {name: statistics.median(values) for name, values in times.items()}


RSS_HELPER = """import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"""


def peak_rss_mb(cmd: list[str], env: dict[str, str], samples: int = 3) -> float:
    """Median peak RSS of `cmd`, each sample taken by a fresh helper process."""
    outs = [
        subprocess.run(
            [sys.executable, "-c", RSS_HELPER, *cmd],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        for _ in range(samples)
    ]
    return statistics.median(int(out.split()[-1]) / KIB for out in outs)


# -- the figures ----------------------------------------------------------------------------


def network_counts(fake, home: Path) -> list[tuple[str, int, int]]:
    """(case, geocode requests, Overpass requests): new area, same again, a circle inside."""
    env = base_env(home, fake)
    lat, lon = jitter(random.Random(3), FS.LYON_LAT, FS.LYON_LON, 0.4)
    cases = [
        ("new area", [PLACE]),
        ("same query again", [PLACE]),
        ("smaller circle inside", [f"{lat:.5f},{lon:.5f}", "--radius", "1km"]),
    ]
    counts = []
    for label, args in cases:
        fake.reset_log()
        run([*SOLOMO, "near", *args], env)
        counts.append((label, fake.count("/search"), fake.count("/api/interpreter")))
    return counts


def store_bench(n: int, queries: int) -> tuple[float, float, float, float]:
    """(build s, median ms, p95 ms, mean found) of Cache.places_within over n places."""
    from solomo_cli.cache.store import Cache
    from solomo_cli.kinds import KINDS
    from solomo_cli.model import Place

    rng = random.Random(42)
    kinds, weights = zip(*KIND_MIX, strict=True)
    city_weights = [c[2] for c in CITIES]

    def point() -> tuple[float, float]:  # 75 % in city clusters, 25 % anywhere in the bbox
        if rng.random() < 0.25:
            return rng.uniform(*FRANCE[:2]), rng.uniform(*FRANCE[2:])
        lat, lon, _, km = rng.choices(CITIES, weights=city_weights)[0]
        return jitter(rng, lat, lon, km)

    places = []
    for i, kind in enumerate(rng.choices(kinds, weights, k=n)):
        places.append(
            Place(f"node/{i + 1}", f"Synthetic {kind} {i}", kind, *point(), fake_tags(rng, i, kind))
        )
    with tempfile.TemporaryDirectory(prefix="solomo-bench-store-") as tmp:
        cache = Cache(Path(tmp) / "cache.db")
        start = time.perf_counter()
        cache.save_fetch(places, 46.6, 2.2, 50_000, tuple(KINDS), None, "synthetic")
        build = time.perf_counter() - start
        cache.places_within(45.764, 4.8357, 2000, ("coworking",))  # warm up
        times, found = [], []
        for _ in range(queries):
            lat, lon = point()
            start = time.perf_counter()
            hits = cache.places_within(lat, lon, 2000, ("coworking",))
            times.append((time.perf_counter() - start) * 1000)
            found.append(len(hits))
        cache.close()
    p95 = sorted(times)[int(0.95 * (len(times) - 1))]
    return build, statistics.median(times), p95, statistics.mean(found)


# -- import-time diagnosis --------------------------------------------------------------------

IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


# `python -m solomo_cli` run from the repository root would import its source tree, not the
# installed package that the timings measure.
AWAY = tempfile.gettempdir()


def import_tree(args: list[str], env: dict[str, str]) -> list[dict]:
    err = subprocess.run(
        [sys.executable, "-X", "importtime", *args],
        env=env,
        cwd=AWAY,
        text=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    ).stderr
    rows = [
        {"name": m[4], "self": int(m[1]), "depth": len(m[3]) // 2, "parent": None}
        for m in map(IMPORT_LINE.match, err.splitlines())
        if m
    ]
    pending: list[dict] = []  # importtime prints children before their parent
    for row in rows:
        while pending and pending[-1]["depth"] > row["depth"]:
            pending.pop()["parent"] = row["name"]
        pending.append(row)
    return rows


def extra_imports(
    env: dict[str, str], top: int, args: tuple[str, ...] = ("near", PLACE, "--offline")
) -> tuple[float, list[dict]]:
    """Modules `solomo ARGS` (the warm `near` by default) imports beyond the floor's, with the
    self time of each subtree counted over non-floor modules only."""
    floor = {row["name"] for row in import_tree(FLOOR[1:], env)}
    rows = import_tree(["-m", "solomo_cli", *args], env)
    by_name = {row["name"]: row for row in rows}
    for row in rows:
        row["extra"] = row["self"] * (row["name"] not in floor)
    for row in rows:  # post-order: a child's subtree is complete before its parent's line
        if row["parent"] in by_name:
            by_name[row["parent"]]["extra"] += row["extra"]
    extra = [r for r in rows if r["name"] not in floor]
    return sum(r["self"] for r in extra) / 1000, sorted(extra, key=lambda r: -r["extra"])[:top]


HOURS_PROBE = """import resource, time; from solomo_cli.search import hours
before, start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.perf_counter()
hours.evaluate("Mo-Fr 09:00-18:00", 45.764, 4.8357)  # no stored zone: inferred from coordinates
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)"""


# -- report ---------------------------------------------------------------------------------

Row = tuple[str, str, str, bool | None]  # figure, measured, target, verdict (None: baseline)


def print_table(rows: list[Row], miss: str) -> None:
    """Figure, measured, target and a verdict: ok, MISS (`miss`) or '-' for a baseline."""
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    print()
    for figure, measured, target, ok in [("figure", "measured", "baseline/target", None), *rows]:
        verdict = "verdict" if figure == "figure" else "-" if ok is None else "ok" if ok else miss
        print(f"{figure:<{widths[0]}}  {measured:<{widths[1]}}  {target:<{widths[2]}}  {verdict}")


def print_imports(top: list[dict]) -> None:
    print(
        "  top subtrees (module: non-floor self time of its subtree / own self time,"
        " imported by; '-' = by running code)"
    )
    for r in top:
        print(
            f"  {r['name']:<34} {r['extra'] / 1000:6.1f} ms / {r['self'] / 1000:5.1f} ms"
            f"  <- {r['parent'] or '-'}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs (after 2 warm-ups)")
    parser.add_argument("--places", type=int, default=100_000, help="places in the store")
    parser.add_argument("--queries", type=int, default=500, help="centres for places_within")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    opts = parser.parse_args()
    header()

    with tempfile.TemporaryDirectory(prefix="solomo-bench-") as tmp, FS.FakeServices() as fake:
        home = Path(tmp) / "home"
        fill_fake(fake)
        net = network_counts(fake, home)  # its first run is the online `near` filling `home`
        env = base_env(home)
        near = [*SOLOMO, "near", PLACE, "--offline"]
        walls = median_walls(
            {
                "floor": FLOOR,
                "frozen": FLOOR_FROZEN,
                "table": near,
                "json": [*near, "--format", "json"],
            },
            env,
            opts.runs,
        )
        rss, rss_floor = peak_rss_mb(near, env), peak_rss_mb(FLOOR, env)
        extra_ms, top = extra_imports(env, 12)
        probe = subprocess.run(
            [sys.executable, "-c", HOURS_PROBE], env=env, text=True, capture_output=True
        )
    build, med, p95, found = store_bench(opts.places, opts.queries)

    floor = walls["floor"]
    rows: list[Row] = [
        ("import floor (typer+rich) median", f"{floor * 1000:.0f} ms", "baseline", None)
    ]
    frozen = walls["frozen"]
    rows.append(
        ("floor ending with gc.freeze()", f"{frozen * 1000:.0f} ms", "comparison only", None)
    )
    for fmt in ("table", "json"):
        ratio = walls[fmt] / floor
        rows.append(
            (
                f"near --offline ({fmt}) median",
                f"{walls[fmt] * 1000:.0f} ms = {ratio:.2f}x floor"
                f" ({walls[fmt] / frozen:.2f}x the frozen one)",
                "<= 1.20x floor",
                ratio <= 1.2,
            )
        )
    rows.append((f"store build, {opts.places:,} places", f"{build:.1f} s", "one save_fetch", None))
    rows.append(
        (
            "places_within 2 km median",
            f"{med:.2f} ms (p95 {p95:.1f}, avg {found:.0f} found)",
            "<= 10 ms",
            med <= 10,
        )
    )
    rows.append(
        (
            "peak RSS near --offline",
            f"{rss:.1f} MB",
            f"<= 60 MB (floor {rss_floor:.1f} MB)",
            rss <= 60,
        )
    )
    for (label, geo, ovp), limit in zip(net, (1, 0, 0), strict=True):
        rows.append(
            (
                f"requests: {label}",
                f"{geo} geocode + {ovp} Overpass",
                f"<= {limit} + {limit}",
                geo <= limit and ovp <= limit,
            )
        )

    print_table(rows, miss="over")
    print(f"\nwarm-path imports beyond the floor (-X importtime): {extra_ms:.0f} ms self time;")
    print_imports(top)
    if probe.returncode == 0:
        seconds, grown = map(float, probe.stdout.split())
        print(
            f"first hours.evaluate() in a process without a stored zone (inferred from "
            f"coordinates): {seconds * 1000:.0f} ms, peak RSS +{grown / KIB:.0f} MB"
        )
    else:
        print(f"(hours.evaluate probe failed: {probe.stderr.strip().splitlines()[-1:]})")
    missed = [r[0] for r in rows if r[3] is False]
    print(f"\n{len(missed)} target(s) missed" + (": " + "; ".join(missed) if missed else ""))
    return 1 if opts.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
