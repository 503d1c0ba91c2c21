"""Where solomo keeps its files, and the settings read from the config file and the environment.

`SOLOMO_HOME` puts everything under one directory; otherwise the platform's user directories
(platformdirs). Directories are created lazily, by whoever writes first.
"""

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from solomo_cli import __version__
from solomo_cli.errors import UsageError

APP_NAME = "solomo"
DEFAULT_OVERPASS_URLS = (
    "https://overpass-api.de/api/interpreter",
    "https://overpass.private.coffee/api/interpreter",
)
DEFAULT_NOMINATIM_URL = "https://nominatim.openstreetmap.org"
DEFAULT_CONTACT = "https://github.com/solomo-cli/solomo"
DEFAULT_FRESH_DAYS = 7.0


class Paths(NamedTuple):
    config_dir: Path
    data_dir: Path
    cache_dir: Path

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"

    @property
    def user_db(self) -> Path:
        """The user's own data (visits, notes, contacts): precious, private."""
        return self.data_dir / "solomo.db"

    @property
    def cache_db(self) -> Path:
        """Places fetched from OSM and geocodes: disposable."""
        return self.cache_dir / "cache.db"

    @property
    def nominatim_lock(self) -> Path:
        """Time of the last Nominatim request, shared by processes (in a private folder)."""
        return self.cache_dir / "locks" / "nominatim.lock"


def get_paths() -> Paths:
    home = os.environ.get("SOLOMO_HOME")
    if home:
        root = Path(home).expanduser()
        return Paths(root, root / "data", root / "cache")
    import platformdirs  # only needed without SOLOMO_HOME

    dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
    return Paths(Path(dirs.user_config_dir), Path(dirs.user_data_dir), Path(dirs.user_cache_dir))


def _read_toml(path: Path) -> dict:
    try:
        raw = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):  # no config (the store reports a bad home)
        return {}
    except OSError as exc:
        raise UsageError(f"cannot read the config file {path}: {exc.strerror}") from exc
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError(
            f"the config file {path} is not valid TOML: {exc}", hint="fix or delete it"
        ) from exc


def _split_urls(value: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value
    return tuple(str(u).strip().rstrip("/") for u in items if str(u).strip())


class Settings(NamedTuple):
    paths: Paths
    overpass_urls: tuple[str, ...] = DEFAULT_OVERPASS_URLS
    nominatim_url: str = DEFAULT_NOMINATIM_URL
    contact: str = DEFAULT_CONTACT
    fresh_days: float = DEFAULT_FRESH_DAYS
    timeout: float = 30.0  # seconds without a byte from a server
    deadline: float | None = None  # seconds for one whole request, if shorter than the service's
    extra: Mapping[str, Any] = {}  # the config file as read (e.g. currency)

    @property
    def user_agent(self) -> str:
        return f"solomo-cli/{__version__} (+{self.contact})"


def load_settings() -> Settings:
    """Defaults < config file < environment."""
    paths = get_paths()
    conf = _read_toml(paths.config_file)
    env = os.environ
    overpass = env.get("SOLOMO_OVERPASS_URL") or conf.get("overpass_url") or DEFAULT_OVERPASS_URLS
    nominatim = (
        env.get("SOLOMO_NOMINATIM_URL") or conf.get("nominatim_url") or DEFAULT_NOMINATIM_URL
    )
    try:
        fresh_days = float(conf.get("fresh_days", DEFAULT_FRESH_DAYS))
        timeout = max(10.0, float(conf.get("timeout", 30.0)))
        deadline = conf.get("deadline")
        deadline = None if deadline is None else float(deadline)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"bad number in {paths.config_file}: {exc}") from exc
    if deadline is not None and not 1.0 <= deadline <= 3600.0:  # nan fails too
        raise UsageError(
            f"bad deadline in {paths.config_file}: {deadline:g}", hint="give 1 to 3600 seconds"
        )
    urls = _split_urls(overpass)
    if not urls:
        raise UsageError("no Overpass URL configured", hint="set SOLOMO_OVERPASS_URL")
    return Settings(
        paths=paths,
        overpass_urls=urls,
        nominatim_url=str(nominatim).strip().rstrip("/"),
        contact=str(env.get("SOLOMO_CONTACT") or conf.get("contact") or DEFAULT_CONTACT),
        fresh_days=fresh_days,
        timeout=timeout,
        deadline=deadline,
        extra=conf,
    )
