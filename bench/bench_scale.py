#!/usr/bin/env python3
"""Benchmark at scale: a whole region in the store and years of visits; see bench/README.md.

Run from the repository root, with the project's venv active:  python bench/bench_scale.py
It generates its synthetic data itself (a 50 × 50 km box around Paris), serves the Overpass
answers from a loopback server, and prints each figure beside its baseline measured in the same
run. `--small` runs the same steps on small data, one round each, with no verdict (the test
suite runs it so that the bench keeps working). Standard library only; no internet.
"""

from __future__ import annotations

import argparse
import fcntl
import http.server
import json
import os
import pty
import random
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_near as bn  # noqa: E402  (fake services, env, floor, table)

PARIS = (48.8566, 2.3522)
BOX_KM = 50.0  # the synthetic places fill a BOX_KM × BOX_KM square around PARIS
SYNC_RADIUS = "50km"  # the circle synced, as wide as the widest query (it holds the whole box)
POINT = f"{PARIS[0]:.5f},{PARIS[1]:.5f}"
KINDS = ("coworking", "cafe", "library", "hackerspace")
KIND_WEIGHTS = (0.25, 0.55, 0.15, 0.05)
MB = 1024 * 1024


class Sizes:
    def __init__(self, small: bool) -> None:
        self.small = small
        self.places = (2_000, 6_000) if small else (100_000, 500_000)
        self.visits = 3_000 if small else 100_000
        self.visit_places = 300 if small else 5_000
        self.contacts = 300 if small else 5_000
        self.encounters = 1_200 if small else 20_000


# -- synthetic data ---------------------------------------------------------------------------


def element(rng: random.Random, i: int) -> dict:
    """One Overpass element in the box: every kind, the tags the score reads, in OSM's mix."""
    kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
    tags = bn.fake_tags(rng, i, kind)
    if kind == "cafe":
        tags["internet_access"] = rng.choice(("wlan", "yes", "wlan", "terminal"))
    elif rng.random() < 0.4:
        tags["internet_access"] = rng.choice(("wlan", "yes", "no", "wired"))
    if rng.random() < 0.3:
        tags["internet_access:fee"] = rng.choice(("no", "customers", "yes"))
    if rng.random() < 0.3:
        tags["wheelchair"] = rng.choice(("yes", "limited", "no"))
    if rng.random() < 0.1:
        tags["phone"] = f"+33 1 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
    if kind == "coworking" and rng.random() < 0.15:
        tags["operator"] = rng.choice(("Regus", "WeWork", "Morning", "Wojo"))
    if rng.random() < 0.5:
        del tags["website"]
    half = BOX_KM / 2
    lat = PARIS[0] + rng.uniform(-half, half) / 111.2
    lon = PARIS[1] + rng.uniform(-half, half) / (111.2 * 0.658)  # cos(48.86°)
    if rng.random() < 0.8:
        return {"type": "node", "id": 10_000_000 + i, "lat": lat, "lon": lon, "tags": tags}
    return {"type": "way", "id": 20_000_000 + i, "center": {"lat": lat, "lon": lon}, "tags": tags}


def write_answer(path: Path, n: int, seed: int = 10) -> int:
    """An Overpass JSON answer of n places, written element by element; returns its size."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '{\n  "version": 0.6,\n  "generator": "Overpass API 0.7.62 (bench)",\n'
            '  "osm3s": {\n    "timestamp_osm_base": "2026-11-30T12:00:00Z",\n'
            '    "copyright": "The data included in this document is from www.openstreetmap.org. '
            'The data is made available under ODbL."\n  },\n  "elements": [\n'
        )
        for i in range(n):
            out.write(("" if i == 0 else ",\n") + json.dumps(element(rng, i), ensure_ascii=False))
        out.write("\n  ]\n}\n")
    return path.stat().st_size


def user_files(tmp: Path, sizes: Sizes) -> list[Path]:
    """solomo export files (JSON) of visits over `visit_places` places, with a note each, and
    of contacts with their encounters: what `solomo import` reads, so the data goes in through
    the installed command and whatever the user-data layout is."""
    rng = random.Random(11)
    places = []
    for i in range(sizes.visit_places):
        e = element(rng, i)
        point = e.get("center", e)
        places.append(
            {
                "id": f"{e['type']}/{e['id']}",
                "name": e["tags"]["name"],
                "kind": "coworking",
                "lat": point["lat"],
                "lon": point["lon"],
                "tags": e["tags"],
                "notes": [
                    {
                        "uid": f"bench-note-{i}",
                        "created_at": "2026-01-02T10:00:00Z",
                        "text": f"note {i}: ask about the monthly pass",
                    }
                ],
            }
        )

    def day(k: int) -> str:
        return f"20{19 + k % 8}-{k % 12 + 1:02d}-{k % 28 + 1:02d}"

    visits = []
    for k in range(sizes.visits):
        p = places[k % len(places)]
        visits.append(
            {
                "uid": f"bench-visit-{k}",
                "date": day(k),
                "place_id": p["id"],
                "place_name": p["name"],
                "kind": p["kind"],
                "lat": p["lat"],
                "lon": p["lon"],
                "rating": k % 5 + 1 if k % 3 else None,
                "note": f"day {k}: quiet, fast Wi-Fi" if k % 4 == 0 else None,
                "cost": f"{15 + k % 10}" if k % 2 else None,
                "currency": "EUR" if k % 2 else None,
                "created_at": "2026-01-02T10:00:00Z",
            }
        )
    per = sizes.encounters // sizes.contacts
    contacts = []
    for c in range(sizes.contacts):
        encounters = []
        for e in range(per):
            p = places[(c * per + e) % len(places)]
            encounters.append(
                {
                    "uid": f"bench-enc-{c}-{e}",
                    "date": day(c + e),
                    "place_id": p["id"],
                    "place_name": p["name"],
                    "kind": p["kind"],
                    "lat": p["lat"],
                    "lon": p["lon"],
                    "note": "coffee" if e % 2 else None,
                    "created_at": "2026-01-02T10:00:00Z",
                }
            )
        contacts.append(
            {
                "uid": f"bench-contact-{c}",
                "name": f"Person{c:05d} Martin",
                "org": "Freelance",
                "email": f"person{c}@example.org",
                "phone": None,
                "tags": [("ux", "dev", "ops")[c % 3]],
                "note": "UX freelance",
                "created_at": "2026-01-02T10:00:00Z",
                "updated_at": "2026-01-02T10:00:00Z",
                "encounters": encounters,
            }
        )
    files = []
    # Visits in parts: an import file is capped at 50 MB.
    parts = [("places", places)]
    step = 40_000
    parts += [("visits", visits[i : i + step]) for i in range(0, len(visits), step)]
    parts.append(("contacts", contacts))
    for n, (what, items) in enumerate(parts):
        path = tmp / f"user-{n}-{what}.json"
        path.write_text(
            json.dumps({"solomo_export": what, "version": 1, what: items}, ensure_ascii=False),
            encoding="utf-8",
        )
        files.append(path)
    return files


# -- a loopback Overpass that streams a file ----------------------------------------------------


class FileOverpass(http.server.ThreadingHTTPServer):
    """Answers every POST with the current answer file, streamed in 64 kB chunks."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _StreamHandler)
        self.answer: Path | None = None
        self.requests = 0
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/api/interpreter"

    def close(self) -> None:
        self.shutdown()
        self.server_close()


class _StreamHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        server: FileOverpass = self.server  # type: ignore[assignment]
        server.requests += 1
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        assert server.answer is not None
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(server.answer.stat().st_size))
        self.end_headers()
        with server.answer.open("rb") as body:
            shutil.copyfileobj(body, self.wfile, 64 * 1024)


# -- timing ---------------------------------------------------------------------------------------


class Run:
    """One run of a command: wall seconds, CPU seconds (user + system) and peak RSS in MB,
    from os.wait4, so the RSS is this child's own."""

    def __init__(self, wall: float, cpu: float, rss_mb: float) -> None:
        self.wall, self.cpu, self.rss_mb = wall, cpu, rss_mb


# Each piped run goes through a small helper process that times it and reads its rusage: a
# child forked from this (big) process would count this process's pages in its peak RSS.
HELPER = """import resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.perf_counter() - start
if done.returncode:
    sys.stderr.buffer.write(done.stderr)
    sys.exit(done.returncode)
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print(wall, u.ru_utime + u.ru_stime, u.ru_maxrss)"""


def run_pipe(cmd: list[str], env: dict[str, str]) -> Run:
    """The command with stdout to /dev/null: wall, CPU and peak RSS as the helper saw them."""
    done = subprocess.run(
        [sys.executable, "-c", HELPER, *cmd], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit(f"bench: {cmd} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    wall, cpu, rss = done.stdout.split()
    return Run(float(wall), float(cpu), int(rss) * bn.KIB / MB)


def run_tty(cmd: list[str], env: dict[str, str], rows: int = 40, cols: int = 120) -> Run:
    """The command on a real terminal (a pty of rows × cols), its output read and dropped."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    try:
        while True:
            try:
                if not os.read(master, 65536):
                    break
            except OSError:  # EIO: the child closed the terminal
                break
    finally:
        os.close(master)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"bench: {cmd} failed on a terminal ({os.waitstatus_to_exitcode(status)})")
    # The peak RSS of a child forked from here is not its own (see HELPER): not reported.
    return Run(wall, usage.ru_utime + usage.ru_stime, float("nan"))


Runner = Callable[[list[str], dict[str, str]], Run]


def rounds(cmds: dict[str, list[str]], env: dict[str, str], runs: int, run: Runner) -> dict:
    """Median Run of each command over `runs` interleaved rounds (after one warm-up)."""
    got: dict[str, list[Run]] = {name: [] for name in cmds}
    for i in range(runs + 1):
        for name, cmd in cmds.items():
            result = run(cmd, env)
            if i:
                got[name].append(result)
    return {
        name: Run(
            statistics.median(r.wall for r in results),
            statistics.median(r.cpu for r in results),
            statistics.median(r.rss_mb for r in results),
        )
        for name, results in got.items()
    }


# -- the figures ------------------------------------------------------------------------------------


class Report:
    def __init__(self, small: bool) -> None:
        self.rows: list[bn.Row] = []
        self.missed: list[str] = []
        self.small = small

    def baseline(self, name: str, run: Run) -> None:
        rss = "" if run.rss_mb != run.rss_mb else f", {run.rss_mb:.0f} MB"  # nan: not measured
        self.rows.append((name, f"{run.wall * 1000:.0f} ms{rss}", "baseline", None))

    def ratio(self, name: str, run: Run, base: Run, target: float, base_name: str) -> None:
        ratio = run.wall / base.wall
        self.add(
            name,
            f"{run.wall * 1000:.0f} ms = {ratio:.2f}x {base_name} (CPU {run.cpu / base.cpu:.2f}x)"
            + ("" if run.rss_mb != run.rss_mb else f", {run.rss_mb:.0f} MB"),  # nan: not measured
            f"<= {target:g}x",
            ratio <= target,
        )

    def seconds(self, name: str, run: Run, target_s: float, rss_mb: float | None = None) -> None:
        ok = run.wall <= target_s and (rss_mb is None or run.rss_mb <= rss_mb)
        target = f"<= {target_s:g} s" + (f", <= {rss_mb:.0f} MB" if rss_mb else "")
        self.add(name, f"{run.wall:.2f} s, {run.rss_mb:.0f} MB", target, ok)

    def add(self, name: str, figure: str, target: str, ok: bool) -> None:
        self.rows.append((name, figure, target, None if self.small else ok))
        if not ok and not self.small:
            self.missed.append(name)


def synced_home(
    tmp: Path, server: FileOverpass, answer: Path, name: str, env_of: Callable
) -> tuple[Path, Run]:
    """A fresh home filled by one `solomo sync` of `answer`; returns it and the run."""
    home = tmp / name
    server.answer = answer
    env = env_of(home, server.url)
    run = run_pipe([*bn.SOLOMO, "sync", POINT, "-r", SYNC_RADIUS, "-k", "all"], env)
    return home, run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, help="timed rounds (after 1 warm-up)")
    parser.add_argument("--sync-runs", type=int, default=3, help="timed syncs of the big answer")
    parser.add_argument("--small", action="store_true", help="small data, one round, no verdict")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    opts = parser.parse_args()
    sizes = Sizes(opts.small)
    runs = 1 if opts.small else opts.runs
    sync_runs = 1 if opts.small else opts.sync_runs
    bn.header()
    report = Report(opts.small)
    small_n, big_n = sizes.places

    with tempfile.TemporaryDirectory(prefix="solomo-bench-scale-") as tmp_name:
        tmp = Path(tmp_name)
        server = FileOverpass()

        def env_of(home: Path, overpass: str | None = None) -> dict[str, str]:
            env = bn.base_env(home)
            if overpass:
                env["SOLOMO_OVERPASS_URL"] = overpass
            return env

        try:
            started = time.perf_counter()
            answers = {}
            for n in sizes.places:
                answers[n] = tmp / f"overpass-{n}.json"
                size = write_answer(answers[n], n)
                print(
                    f"data: {n:,} synthetic places in {BOX_KM:g} km around Paris, {size / MB:.0f} MB"
                )
            print(f"  generated in {time.perf_counter() - started:.1f} s")

            # sync: the big answer, each time into a fresh home, against json.load of its body.
            load = [
                sys.executable,
                "-c",
                f"import json; json.load(open({str(answers[big_n])!r}, 'rb'))",
            ]
            loads, syncs = [], []
            for i in range(sync_runs):
                loads.append(run_pipe(load, env_of(tmp / "none")))
                home, run = synced_home(tmp, server, answers[big_n], f"sync-{i}", env_of)
                syncs.append(run)
                if i < sync_runs - 1:
                    shutil.rmtree(home)
            big_home = tmp / f"sync-{sync_runs - 1}"
            base = Run(
                *(
                    statistics.median(getattr(r, k) for r in loads)
                    for k in ("wall", "cpu", "rss_mb")
                )
            )
            sync = Run(
                *(
                    statistics.median(getattr(r, k) for r in syncs)
                    for k in ("wall", "cpu", "rss_mb")
                )
            )
            report.baseline(f"json.load of the {big_n:,}-place body", base)
            ratio = sync.wall / base.wall
            report.add(
                f"sync of {big_n:,} places",
                f"{sync.wall:.2f} s = {ratio:.2f}x json.load, {sync.rss_mb:.0f} MB",
                "<= 3x, <= 400 MB",
                ratio <= 3.0 and sync.rss_mb <= 400,
            )
            small_home, small_sync = synced_home(
                tmp, server, answers[small_n], "store-small", env_of
            )
            print(f"  store of {small_n:,} places made by one sync in {small_sync.wall:.2f} s")
            requests = server.requests

            # near over the stores, offline, against the import floor in the same rounds.
            wide = ["near", POINT, "--offline", "-r", "50km", "-k", "all", "--limit", "20"]
            cmds = {
                "floor": bn.FLOOR,
                f"near 50 km, all kinds, --limit 20, {small_n:,} places": [*bn.SOLOMO, *wide],
                f"near 1 km, {small_n:,} places": [
                    *bn.SOLOMO,
                    "near",
                    POINT,
                    "--offline",
                    "-r",
                    "1km",
                ],
            }
            small_runs = rounds(cmds, env_of(small_home), runs, run_pipe)
            big_runs = rounds(
                {"floor": bn.FLOOR, "big": [*bn.SOLOMO, *wide]}, env_of(big_home), runs, run_pipe
            )
            report.baseline("import floor (typer+rich), same rounds", small_runs["floor"])
            names = list(cmds)
            report.ratio(names[1], small_runs[names[1]], small_runs["floor"], 1.5, "floor")
            report.ratio(names[2], small_runs[names[2]], small_runs["floor"], 1.3, "floor")
            report.ratio(
                f"near 50 km, all kinds, --limit 20, {big_n:,} places",
                big_runs["big"],
                big_runs["floor"],
                2.5,
                "floor",
            )
            dump = [*bn.SOLOMO, "near", POINT, "--offline", "-r", "50km", "-k", "all"]
            dump += ["--limit", "0", "--format", "json"]
            report.seconds(
                f"near --limit 0 --format json, {small_n:,} places",
                rounds({"dump": dump}, env_of(small_home), min(runs, 3), run_pipe)["dump"],
                1.5,
                150,
            )

            # The user's data: years of visits, thousands of contacts.
            user_home = tmp / "user"
            shutil.copytree(small_home / "cache", user_home / "cache")
            env = env_of(user_home)
            started = time.perf_counter()
            for path in user_files(tmp, sizes):
                bn.solomo_out([*bn.SOLOMO, "import", str(path)], env)
            print(
                f"  user data: {sizes.visits:,} visits over {sizes.visit_places:,} places, "
                f"{sizes.contacts:,} contacts, {sizes.encounters:,} encounters, "
                f"imported in {time.perf_counter() - started:.1f} s"
            )
            tty = rounds({"floor": bn.FLOOR, "log": [*bn.SOLOMO, "log"]}, env, runs, run_tty)
            report.baseline("import floor on a terminal, same rounds", tty["floor"])
            report.ratio(
                f"log, table on a terminal, {sizes.visits:,} visits (default limit)",
                tty["log"],
                tty["floor"],
                1.3,
                "floor",
            )
            out = tmp / "export.json"
            lists = rounds(
                {
                    "csv": [*bn.SOLOMO, "log", "--limit", "0", "--format", "csv"],
                    "export": [*bn.SOLOMO, "export", "places", str(out), "--force"],
                    "contacts": [*bn.SOLOMO, "contact", "list"],
                },
                env,
                min(runs, 3),
                run_pipe,
            )
            report.seconds(
                f"log --limit 0 --format csv, {sizes.visits:,} visits", lists["csv"], 2.0
            )
            report.seconds(
                f"export places, {sizes.visit_places:,} places and {sizes.visits:,} visits",
                lists["export"],
                5.0,
            )
            report.seconds(f"contact list, {sizes.contacts:,} contacts", lists["contacts"], 0.5)

            # The warm path with a (big) user-data file present, and --help.
            warm = rounds(
                {
                    "floor": bn.FLOOR,
                    "near": [*bn.SOLOMO, "near", POINT, "--offline", "-r", "1km"],
                    "help": [*bn.SOLOMO, "--help"],
                },
                env,
                runs,
                run_pipe,
            )
            report.baseline("import floor, same rounds", warm["floor"])
            report.ratio(
                f"near 1 km with the user-data file ({sizes.visits:,} visits)",
                warm["near"],
                warm["floor"],
                1.15,
                "floor",
            )
            report.ratio("--help", warm["help"], warm["floor"], 1.2, "floor")
            if server.requests != requests:
                sys.exit("bench: an offline command made a request")
        finally:
            server.close()

    bn.print_table(report.rows, miss="MISS")
    if opts.small:
        print("\nsmall data: figures only, no verdict")
        return 0
    missed = report.missed
    print(f"\n{len(missed)} figure(s) missed" + (": " + "; ".join(missed) if missed else ""))
    return 1 if opts.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
