"""Where solomo keeps its files, and the settings read from the config file and the environment.

`SOLOMO_HOME` puts everything under one directory; otherwise the platform's user directories
(platformdirs). Directories are created lazily, by whoever writes first.
"""

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from solomo_cli import __version__, boundary
from solomo_cli.errors import UsageError

APP_NAME = "solomo"
DEFAULT_OVERPASS_URLS: tuple[str, ...] = (
    "https://overpass-api.de/api/interpreter",
    "https://overpass.private.coffee/api/interpreter",
)
DEFAULT_NOMINATIM_URL = "https://nominatim.openstreetmap.org"
DEFAULT_OSM_API_URL = "https://api.openstreetmap.org"  # `solomo report` posts notes here
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


MAX_CONFIG_BYTES = 1024 * 1024  # a config file is a few lines: a huge one is refused unread
MAX_URLS = 10
T = TypeVar("T")


def _read_toml(path: Path) -> dict[str, Any]:
    """The config file's table, read bounded: a FIFO, a device or a huge file is refused."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer (fstat then refuses it).
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except (FileNotFoundError, NotADirectoryError):  # no config (the store reports a bad home)
        return {}
    except OSError as exc:
        raise UsageError(f"cannot read the config file {path}: {exc.strerror}") from exc
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UsageError(f"the config file {path} is not a regular file")
        raw = b""
        while len(raw) <= MAX_CONFIG_BYTES:
            piece = os.read(fd, MAX_CONFIG_BYTES + 1 - len(raw))
            if not piece:
                break
            raw += piece
    except OSError as exc:
        raise UsageError(f"cannot read the config file {path}: {exc.strerror}") from exc
    finally:
        os.close(fd)
    if len(raw) > MAX_CONFIG_BYTES:
        raise UsageError(f"the config file {path} is too large (over {MAX_CONFIG_BYTES} bytes)")
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        detail = "nested too deeply" if isinstance(exc, RecursionError) else exc
        raise UsageError(
            f"the config file {path} is not valid TOML: {detail}", hint="fix or delete it"
        ) from exc


def _urls(value: object, what: str) -> tuple[str, ...]:
    """One URL, several separated by commas, or a TOML list of them: each one checked."""
    if isinstance(value, str):
        items: list[Any] = value.split(",")
    elif isinstance(value, list):
        items = value
    else:
        raise boundary.BadInput(f"{what} should be a URL or a list of URLs")
    if len(items) > MAX_URLS:
        raise boundary.BadInput(f"{what} has too many URLs (over {MAX_URLS})")
    urls = tuple(boundary.url(u, what) for u in items if not isinstance(u, str) or u.strip())
    if not urls:
        raise boundary.BadInput(f"{what} has no URL in it")
    return urls


def _range(low: float, high: float) -> Callable[[object, str], float]:
    return lambda value, what: boundary.number(value, what, low, high, strings=False)


def _contact(value: object, what: str) -> str:
    return boundary.header_text(value, what) or DEFAULT_CONTACT


_SWITCH = {"on": True, "true": True, "yes": True, "1": True}
_SWITCH |= {"off": False, "false": False, "no": False, "0": False}


def _switch(value: object, what: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _SWITCH:
        return _SWITCH[value.strip().lower()]
    raise boundary.BadInput(f"{what} should be on or off")


def _folder(value: object, what: str) -> Path:
    if not isinstance(value, str):
        raise boundary.BadInput(f"{what} should be a folder's path")
    text = boundary.text(value, what, max_len=4096, required=True) or ""
    return Path(text).expanduser()


_URL_HINT = "give an http or https URL, e.g. {}"
MAX_CADENCES = 200  # tags with a cadence in [cadence]


def _cadences(value: object, what: str) -> tuple[tuple[str, int], ...]:
    """[cadence] client = "3w": (folded tag, days) pairs, each duration checked."""
    from solomo_cli.match import fold

    if not isinstance(value, dict):
        raise boundary.BadInput(f'{what} should be a table of tag = duration, e.g. client = "3w"')
    if len(value) > MAX_CADENCES:
        raise boundary.BadInput(f"{what} has too many tags (over {MAX_CADENCES})")
    pairs = []
    for tag, every in value.items():
        key = fold(boundary.text(tag, f"a tag in {what}", required=True, max_len=200))
        pairs.append((key, boundary.age_days(every, f"{what}.{boundary.clean(tag)[:40]} duration")))
    return tuple(sorted(pairs))


def _place(value: object, what: str) -> str:
    """A place name or LAT,LON, as PLACE on the command line."""
    found = boundary.text(value, what, required=True, max_len=boundary.MAX_NAME)
    return boundary.argument(" ".join((found or "").split()), what)


class Settings(NamedTuple):
    paths: Paths
    overpass_urls: tuple[str, ...] = DEFAULT_OVERPASS_URLS
    nominatim_url: str = DEFAULT_NOMINATIM_URL
    contact: str = DEFAULT_CONTACT
    fresh_days: float = DEFAULT_FRESH_DAYS
    timeout: float = 30.0  # seconds without a byte from a server
    deadline: float | None = None  # seconds for one whole request, if shorter than the service's
    currency: str | None = None  # the currency of costs given without one
    gazetteer: bool = True  # plain place names answered by the embedded GeoNames gazetteer
    osm_api_url: str = DEFAULT_OSM_API_URL  # the OSM API's base (solomo calls <base>/api/0.6/…)
    cadence: tuple[tuple[str, int], ...] = ()  # (folded tag, days): keep in touch that often
    home: str | None = None  # where `near` searches when given no place and no trip is on
    mirror_dir: Path | None = None  # the vdir tree of `solomo mirror` without DIR

    @property
    def user_agent(self) -> str:
        return f"solomo-cli/{__version__} (+{self.contact})"


def load_settings() -> Settings:
    """Defaults < config file < environment; every value is checked where it enters, and a bad
    one is a usage error that names its variable, or its key and the file."""
    paths = get_paths()
    conf = _read_toml(paths.config_file)

    def read(
        key: str, check: Callable[[object, str], T], default: T, *, env: str = "", hint: str = ""
    ) -> T:
        value, name = (os.environ[env], env) if os.environ.get(env) else (conf.get(key), key)
        if value is None or (isinstance(value, (str, list)) and not value):
            return default
        try:
            return check(value, name)
        except boundary.BadInput as exc:
            where = "" if name == env else f", in the config file {paths.config_file}"
            raise UsageError(f"{exc}{where}", hint=hint or None) from None

    return Settings(
        paths=paths,
        overpass_urls=read(
            "overpass_url",
            _urls,
            DEFAULT_OVERPASS_URLS,
            env="SOLOMO_OVERPASS_URL",
            hint=_URL_HINT.format(DEFAULT_OVERPASS_URLS[0]),
        ),
        nominatim_url=read(
            "nominatim_url",
            boundary.url,
            DEFAULT_NOMINATIM_URL,
            env="SOLOMO_NOMINATIM_URL",
            hint=_URL_HINT.format(DEFAULT_NOMINATIM_URL),
        ),
        contact=read("contact", _contact, DEFAULT_CONTACT, env="SOLOMO_CONTACT"),
        fresh_days=read(
            "fresh_days", _range(0, 3650), DEFAULT_FRESH_DAYS, hint="give 0 to 3650 days"
        ),
        # Never under 10 s: geopy's default of 1 s fails on any real connection.
        timeout=read("timeout", _range(10, 3600), 30.0, hint="give 10 to 3600 seconds"),
        deadline=read("deadline", _range(1, 3600), None, hint="give 1 to 3600 seconds"),
        currency=read("currency", boundary.currency, None),
        gazetteer=read("gazetteer", _switch, True, env="SOLOMO_GAZETTEER", hint="give on or off"),
        osm_api_url=read(
            "osm_api_url",
            boundary.url,
            DEFAULT_OSM_API_URL,
            env="SOLOMO_OSM_API_URL",
            hint=_URL_HINT.format(DEFAULT_OSM_API_URL),
        ),
        cadence=read("cadence", _cadences, (), hint='e.g. [cadence] client = "3w"'),
        home=read("home", _place, None, hint='give a place name or LAT,LON, e.g. home = "Lyon"'),
        mirror_dir=read("mirror_dir", _folder, None, env="SOLOMO_MIRROR_DIR"),
    )
