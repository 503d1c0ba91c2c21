"""The scale bench keeps working: its small configuration runs every step against the installed
command and prints every figure (no timing is judged here: speed is the bench's own business)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent / "solomo"


@pytest.mark.skipif(not BIN.exists(), reason="needs the installed solomo script")
def test_bench_scale_small_prints_every_figure(tmp_path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_scale.py"), "--small"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    for figure in (
        "json.load of the 6,000-place body",
        "sync of 6,000 places",
        "near 50 km, all kinds, --limit 20, 2,000 places",
        "near 50 km, all kinds, --limit 20, 6,000 places",
        "near 1 km, 2,000 places",
        "near --limit 0 --format json, 2,000 places",
        "log, table on a terminal, 3,000 visits (default limit)",
        "log --limit 0 --format csv, 3,000 visits",
        "export places, 300 places and 3,000 visits",
        "contact list, 300 contacts",
        "near 1 km with the user-data file (3,000 visits)",
        "--help",
    ):
        assert figure in out, figure
    assert "small data: figures only, no verdict" in out
    assert "MISS" not in out and " ok" not in out  # no verdict on small data
