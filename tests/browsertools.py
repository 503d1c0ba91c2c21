"""A stand-in browser for `solomo open` and `--open`: a script, named by BROWSER, that writes
down the URL it was given."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest


def record_browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """BROWSER set to a script that appends its argument to the returned file."""
    log = tmp_path / "browser.log"
    script = tmp_path / "record-browser"
    script.write_text(
        f"#!{sys.executable}\nimport sys\n"
        f"with open({str(log)!r}, 'a') as f:\n    f.write(' '.join(sys.argv[1:]) + '\\n')\n"
    )
    script.chmod(0o755)
    monkeypatch.setenv("BROWSER", str(script))
    return log
