#!/usr/bin/env python3
"""Benchmark `solomo sync --extract` against `osmium tags-filter` (osmium-tool) on the same file.

Run from the repository root, with the project's venv active:  python bench/bench_extract.py
It generates a synthetic region (OPL text turned into PBF by pyosmium: nodes on a grid, ways
of ten nodes, closed buildings, multipolygons, and one place of a kind in ~5,000 nodes), then
times, median of --runs rounds each, the installed `solomo sync --extract FILE` (fresh
SOLOMO_HOME each round) and `osmium tags-filter FILE <the kinds' filters> -o out.osm.pbf`, and
prints the ratio (target: at most 1.5×, plus the centre computation) and each one's peak RSS.
Standard library and osmium only; no internet. Needs osmium-tool (Debian: osmium-tool).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

TARGET = 1.5
WEST, SOUTH = -1.0, 43.0  # the grid's corner: a France-sized square
STEP = 0.0004  # degrees between grid nodes


def kind_filters() -> list[str]:
    """osmium tags-filter expressions for the kinds table's key=value pairs (nwr/k=v,v)."""
    from solomo_cli.sources.extract import kind_tags

    by_key: dict[str, list[str]] = {}
    for key, value in kind_tags():
        by_key.setdefault(key, []).append(value)
    return [f"nwr/{key}={','.join(values)}" for key, values in by_key.items()]


# OPL tags (a space is %20%); each ends with a name, completed by the object's number
KIND_TAGS = (
    "office=coworking,name=Cowork%20%",
    "amenity=coworking_space,name=Space%20%",
    "amenity=cafe,internet_access=wlan,opening_hours=Mo-Fr%20%08:00-18:00,name=Cafe%20%",
    "amenity=library,name=Library%20%",
    "leisure=hackerspace,name=Lab%20%",
)
OTHER_TAGS = ("amenity=bench", "amenity=restaurant,name=Resto", "shop=bakery,name=Bakery")


def generate(path: Path, nodes: int) -> None:
    """Write the region as OPL, then as PBF with pyosmium (sorted: nodes, ways, relations)."""
    import osmium
    import osmium.io
    import osmium.osm

    opl = path.with_suffix(".opl")
    width = 4000  # grid columns
    rnd = random.Random(11)

    def nid(i: int) -> int:  # ids with gaps, as in OSM (an index must not assume density)
        return 3 * i + (i * 2654435761 >> 7) % 3

    ts = "t2026-11-28T00:00:00Z"
    with open(opl, "w", buffering=1 << 20) as out:
        for i in range(1, nodes + 1):
            x = WEST + (i % width + rnd.random()) * STEP  # jitter: real data packs less well
            y = SOUTH + (i // width + rnd.random()) * STEP
            tags = ""
            if i % 5000 == 0:
                tags = " T" + KIND_TAGS[(i // 5000) % len(KIND_TAGS)] + str(i)
            elif i % 200 == 0:
                tags = " T" + OTHER_TAGS[(i // 200) % len(OTHER_TAGS)]
            out.write(f"n{nid(i)} v1 {ts} x{x:.7f} y{y:.7f}{tags}\n")
        ways = nodes // 10
        for w in range(1, ways + 1):
            first = (w - 1) * 10 + 1
            refs = [first + k for k in range(10)]
            if w % 3 == 0:  # a closed building
                refs = [*refs[:4], refs[0]]
                tags = " Tbuilding=yes"
                if w % 20_000 == 0:
                    tags = " Tamenity=library,name=Library%20%w" + str(w)
            else:
                tags = " Thighway=residential"
            out.write(f"w{w} v1 {ts} N{','.join(f'n{nid(r)}' for r in refs)}{tags}\n")
        for r in range(1, ways // 1000 + 1):
            outer = r * 1000 - 1 if (r * 1000 - 1) % 3 == 0 else r * 1000 - 2
            tags = "type=multipolygon,landuse=grass"
            if r % 10 == 0:
                tags = "type=multipolygon,amenity=coworking_space,name=Campus%20%" + str(r)
            out.write(f"r{r} v1 {ts} Mw{outer}@outer T{tags}\n")
    header = osmium.io.Header()
    north = SOUTH + (nodes // width + 1) * STEP
    header.add_box(osmium.osm.Box(WEST, SOUTH, WEST + width * STEP, north))
    header.set("osmosis_replication_timestamp", "2026-11-28T21:21:02Z")
    path.unlink(missing_ok=True)
    writer = osmium.SimpleWriter(str(path), header=header)
    try:
        osmium.apply(osmium.io.Reader(str(opl)), writer)
    finally:
        writer.close()
    opl.unlink()


def _memory(pid: int) -> dict[str, int]:
    """VmHWM, RssAnon and RssFile of a running process, in KiB (Linux)."""
    found = {}
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in ("VmHWM", "RssAnon", "RssFile"):
                    found[key] = int(value.split()[0])
    except (OSError, ValueError):
        pass
    return found


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, int, int]:
    """Wall seconds, peak RSS and peak anonymous RSS (KiB) of one child process, sampled from
    /proc (VmHWM starts afresh at exec; ru_maxrss would count the pages of this process that a
    fork shares). A file-backed index's pages count in RSS but the kernel can drop them:
    RssAnon is what must fit in RAM."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = {"VmHWM": 0, "RssAnon": 0}
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            now = _memory(proc.pid)
            for key in peak:
                peak[key] = max(peak[key], now.get(key, 0))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status = os.waitpid(proc.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    if os.waitstatus_to_exitcode(status) != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"failed: {' '.join(cmd)}\n{err}")
    return wall, peak["VmHWM"], peak["RssAnon"]


def centre_cost(path: Path, work: Path) -> float:
    """Seconds the centres cost: a pass with the node-location index solomo uses for this file
    less the same pass without it, plus the ways-only pass that multipolygons need."""
    import osmium
    import osmium.filter
    import osmium.index
    import osmium.io
    import osmium.osm

    from solomo_cli.sources.extract import IN_MEMORY_MAX_BYTES, kind_tags

    def one_pass(index: Any) -> float:
        start = time.perf_counter()
        tag_filter = osmium.filter.TagFilter(*kind_tags())
        processor = osmium.FileProcessor(str(path))
        if index is not None:
            processor.with_locations(index)
        for _ in processor.with_filter(tag_filter):
            pass
        return time.perf_counter() - start

    plain = one_pass(None)
    name = work / "centres.nodes"
    big = path.stat().st_size > IN_MEMORY_MAX_BYTES
    index = osmium.index.create_map(f"sparse_file_array,{name}" if big else "flex_mem")
    located = one_pass(index)
    start = time.perf_counter()
    id_filter = osmium.filter.IdFilter([1])  # kept referenced: the iterator does not hold it
    with osmium.io.Reader(str(path), osmium.osm.WAY) as reader:
        for _ in osmium.OsmFileIterator(reader, id_filter):
            pass
    ways = time.perf_counter() - start
    del index
    name.unlink(missing_ok=True)
    return max(0.0, located - plain) + ways


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--nodes", type=int, default=20_000_000, help="nodes in the file")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--file", type=Path, help="use (or keep) this generated file")
    parser.add_argument("--check", action="store_true", help="exit 1 when the target is missed")
    args = parser.parse_args()
    if shutil.which("osmium") is None:
        print("osmium-tool is missing (Debian: apt-get install osmium-tool)", file=sys.stderr)
        return 2
    solomo = Path(sys.executable).parent / "solomo"
    work = Path(tempfile.mkdtemp(prefix="bench-extract-"))
    try:
        path = args.file or work / "region.osm.pbf"
        if not path.exists():
            t0 = time.perf_counter()
            generate(path, args.nodes)
            print(
                f"generated {path.name}: {args.nodes:,} nodes in {time.perf_counter() - t0:.0f} s"
            )
        size_mb = path.stat().st_size / 1024**2
        print(f"file: {path} ({size_mb:,.0f} MB)")
        env = {**os.environ, "OSMIUM_POOL_THREADS": os.environ.get("OSMIUM_POOL_THREADS", "0")}
        filters = kind_filters()
        ours, theirs, centres = [], [], []
        for run in range(args.runs):
            home = work / f"home{run}"
            ours.append(
                timed(
                    [str(solomo), "sync", "--extract", str(path)], {**env, "SOLOMO_HOME": str(home)}
                )
            )
            shutil.rmtree(home, ignore_errors=True)
            out = work / "filtered.osm.pbf"
            theirs.append(
                timed(["osmium", "tags-filter", str(path), *filters, "-o", str(out), "-O"], env)
            )
            out.unlink(missing_ok=True)
            centres.append(centre_cost(path, work))
        ours_s = statistics.median(t[0] for t in ours)
        theirs_s = statistics.median(t[0] for t in theirs)
        centre_s = statistics.median(centres)
        ratio = (ours_s - centre_s) / theirs_s
        print(f"filters: {' '.join(filters)}")
        for name, times, seconds in (
            ("osmium tags-filter (baseline)", theirs, theirs_s),
            ("solomo sync --extract", ours, ours_s),
        ):
            rss, anon = max(t[1] for t in times) / 1024, max(t[2] for t in times) / 1024
            print(f"{name}\n  {seconds:8.2f} s   peak RSS {rss:6.0f} MB (anonymous {anon:5.0f} MB)")
        verdict = "ok" if ratio <= TARGET else "MISS"
        print(f"centre computation (node-location index, ways pass): {centre_s:.2f} s")
        print(f"ratio {ours_s / theirs_s:.2f}x in all; {ratio:.2f}x without the centres")
        print(f"target: at most {TARGET}x plus the centre computation: {verdict}")
        return 1 if args.check and ratio > TARGET else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
