"""The core of `solomo near` and `solomo sync`: where is PLACE, is the area known locally and
fresh, fetch it if not (once, with a margin), then filter and rank. No side effect beyond the
cache: the CLI, not this module, records the last listing (`remember_listing`)."""

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from solomo_cli.boundary import BadInput, argument, quoted
from solomo_cli.cache.store import LAST_LISTING, Cache
from solomo_cli.cache.store import last_listing as last_listing  # this module's API too
from solomo_cli.config import Settings, load_settings
from solomo_cli.errors import NoLocalData, PlaceNotFound, Remedy, UsageError
from solomo_cli.geo import MAX_RADIUS_M, check_radius, format_distance, parse_latlon
from solomo_cli.kinds import DEFAULT_KINDS, WIFI_YES
from solomo_cli.model import Origin, Place
from solomo_cli.search.hours import When, add_zones, annotate_hours
from solomo_cli.search.ranking import is_stale, rank

if TYPE_CHECKING:
    import httpx

    from solomo_cli.notify import Notify
    from solomo_cli.sources.base import PlaceSource


class NearQuery(NamedTuple):
    place: str
    radius_m: float = 2000.0
    kinds: tuple[str, ...] = DEFAULT_KINDS
    limit: int = 20
    sort: str = "score"
    offline: bool = False
    refresh: bool = False
    country: str | None = None
    open_at: "When | None" = None  # --open-now / --open-at
    strict_hours: bool = False
    wifi: bool = False
    free_wifi: bool = False
    wheelchair: bool = False


class NearResult(NamedTuple):
    origin: Origin
    query: NearQuery
    places: list[Place]
    total: int  # matches before --limit
    fetched_at: float | None  # when the data used was fetched
    osm_base: str | None  # Overpass' own data timestamp, when it gave one
    network_requests: int = 0

    @property
    def data_time(self) -> str | None:
        """ISO time of the data: Overpass' timestamp_osm_base if known, else the fetch time."""
        if self.osm_base:
            return self.osm_base
        if self.fetched_at is None:
            return None
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.fetched_at))


def validate_country(country: str | None) -> str | None:
    """'FR' or 'de,at' → lower-case ISO 3166-1 alpha-2 codes for Nominatim's countrycodes."""
    if country is None:
        return None
    codes = [c.strip().lower() for c in country.split(",") if c.strip()]
    if not codes or not all(len(c) == 2 and c.isascii() and c.isalpha() for c in codes):
        raise UsageError(
            f"bad country code {quoted(country)}",
            hint="use ISO 3166-1 alpha-2 codes, e.g. fr or de,at",
        )
    return ",".join(codes)


class Session:
    """What one command needs, opened lazily: settings, the cache, and (only when the network
    is really used) the shared httpx client."""

    def __init__(self, settings: Settings, notify: "Notify | None" = None) -> None:
        self.settings = settings
        self.notify = notify
        self.cache = Cache(settings.paths.cache_db)
        self._client: httpx.Client | None = None
        self.requests = 0

    @property
    def client(self) -> "httpx.Client":
        if self._client is None:
            from solomo_cli.net import make_client

            self._client = make_client(self.settings)
            self._client.event_hooks["request"].append(self._count)
        return self._client

    def _count(self, request: Any) -> None:
        self.requests += 1

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        self.cache.close()

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- steps ----------------------------------------------------------------------------

    def locate(self, text: str, country: str | None, offline: bool, refresh: bool) -> Origin:
        """PLACE → the search point: coordinates as given, else the geocoder chain's answer."""
        try:
            argument(text, "the place")
        except BadInput as exc:
            raise UsageError(str(exc), hint="give a place name or LAT,LON") from None
        coords = parse_latlon(text)
        if coords is not None:
            return Origin(text, f"{coords[0]:.5f},{coords[1]:.5f}", coords[0], coords[1])
        country = validate_country(country)
        from solomo_cli.geocoding.chain import default_chain

        chain = default_chain(
            self.settings,
            self.cache,
            lambda: self.client,
            self.notify,
            offline=offline,
            refresh=refresh,
        )
        found = chain.lookup(text, country)
        if found is not None:
            return Origin(text, found.display_name, found.lat, found.lon, found.alternatives, True)
        if offline:
            raise NoLocalData(
                f"{quoted(text)} has never been looked up, and this search may not use the network",
                hint="with a connection, fetch the area first (or give coordinates as LAT,LON)",
                place=text,
            )
        where = f" in {country.upper()}" if country else ""
        raise PlaceNotFound(
            f"no place called {quoted(text)} found{where}",
            hint="check the spelling, add a city or country, or give LAT,LON",
            remedies=[Remedy.COUNTRY],
        )

    def place_source(self) -> "PlaceSource":
        """Where missing areas are fetched from (Overpass; an extract file is next)."""
        from solomo_cli.sources.overpass import OverpassSource

        return OverpassSource(self.client, self.settings)

    def ensure_area(
        self,
        origin: Origin,
        radius_m: float,
        kinds: Sequence[str],
        *,
        offline: bool,
        refresh: bool,
        margin: bool = True,
    ) -> tuple[float | None, str | None]:
        """Make sure the store covers the circle for these kinds; returns (fetched_at, osm_base)."""
        max_age = float("inf") if offline else self.settings.fresh_days * 86400.0
        have = self.cache.coverage(origin.lat, origin.lon, radius_m, kinds, max_age)
        missing = tuple(kinds) if refresh and not offline else have.missing
        if not missing:
            return have.fetched_at, have.osm_base
        if offline:
            partial = self.cache.partial_coverage(origin.lat, origin.lon, radius_m, missing)
            if partial is not None:  # an extract holds part of it: answer, and say which part
                from solomo_cli.search.extract import partial_notice

                if self.notify:
                    self.notify(partial_notice(partial, radius_m, origin.label), waiting=True)
                return partial.fetched_at, partial.osm_base
            names = ", ".join(missing)
            raise NoLocalData(
                f"no local data for {names} within {format_distance(radius_m)} of {origin.label}",
                hint="with a connection, fetch the area first",
                place=origin.query,
                radius_m=max(radius_m, 5000.0),
                kinds=tuple(kinds),
            )
        # Fetch a wider circle so that nearby follow-up questions are answered locally.
        fetch_radius = min(MAX_RADIUS_M, max(radius_m * 2, radius_m + 2000)) if margin else radius_m
        if self.notify:
            self.notify(
                f"Fetching {', '.join(missing)} within {format_distance(fetch_radius)} "
                "from OpenStreetMap…"
            )
        answer = self.place_source().fetch(
            origin.lat, origin.lon, fetch_radius, missing, self.notify
        )
        add_zones(answer.places)
        now = time.time()
        self.cache.save_fetch(
            answer.places,
            origin.lat,
            origin.lon,
            fetch_radius,
            missing,
            answer.osm_base,
            answer.endpoint,
            fetched_at=now,
        )
        if len(missing) == len(kinds):
            return now, answer.osm_base
        return have.fetched_at or now, have.osm_base or answer.osm_base


def _keep(place: Place, q: NearQuery) -> bool:
    tags = place.tags
    if (q.wifi or q.free_wifi) and tags.get("internet_access") not in WIFI_YES:
        return False
    if q.free_wifi and tags.get("internet_access:fee") not in ("no", "customers"):
        return False
    return not (q.wheelchair and tags.get("wheelchair") not in ("yes", "limited"))


def add_freshness(places: list[Place]) -> None:
    for place in places:
        place.extra["stale"] = is_stale(place.check_date)


def add_personal_signals(settings: Settings, places: list[Place]) -> None:
    """The user's own ratings and visits (from the user-data file, if there is one)."""
    if not places or not settings.paths.user_db.exists():
        return
    from solomo_cli.mydata.signals import personal_signals

    signals = personal_signals(settings.paths.user_db, [p.id for p in places])
    for place in places:
        rating, visits = signals.get(place.id, (None, 0))
        place.extra["my_rating"] = rating
        place.extra["visits"] = visits


def near(
    place: str,
    radius_m: float = 2000.0,
    kinds: str | Sequence[str] = DEFAULT_KINDS,
    *,
    settings: Settings | None = None,
    session: Session | None = None,
    notify: "Notify | None" = None,
    **options: Any,
) -> NearResult:
    """Work places within `radius_m` metres of `place` (a name or "lat,lon"), ranked.

    `kinds` is a sequence of kind names or a comma list ("coworking,cafe", "all"); `options`
    are NearQuery's other fields (limit, sort, offline, refresh, country, open_at…). Without a
    `session`, one is opened on `settings` (default: the user's) and closed. Nothing else is
    written than the cache: the caller decides whether this is "the last listing"."""
    q = NearQuery(place.strip(), check_radius(radius_m), _kinds(kinds), **options)
    if session is not None:
        return run(session, q)
    with Session(settings or load_settings(), notify) as own:
        return run(own, q)


def _kinds(kinds: str | Sequence[str]) -> tuple[str, ...]:
    from solomo_cli.kinds import parse_kinds

    return parse_kinds(kinds if isinstance(kinds, str) else ",".join(kinds))


def run(session: Session, q: NearQuery) -> NearResult:
    """The search itself, for an already checked query, in an open session."""
    origin = session.locate(q.place, q.country, q.offline, q.refresh)
    fetched_at, osm_base = session.ensure_area(
        origin, q.radius_m, q.kinds, offline=q.offline, refresh=q.refresh
    )
    places = [
        p
        for p in session.cache.places_within(origin.lat, origin.lon, q.radius_m, q.kinds)
        if _keep(p, q)
    ]
    if q.open_at is not None:  # hours filter and score: every candidate needs them
        annotate_hours(places, q.open_at)
        allowed = ("open",) if q.strict_hours else ("open", "unknown")
        places = [p for p in places if p.extra["open_state"] in allowed]
    add_freshness(places)
    add_personal_signals(session.settings, places)
    ranked = rank(places, q.radius_m, q.sort, time_asked=q.open_at is not None)
    shown = ranked[: q.limit] if q.limit > 0 else ranked
    if q.open_at is None:  # only for display: the places shown are enough
        annotate_hours(shown, None, session.cache)
    return NearResult(origin, q, shown, len(ranked), fetched_at, osm_base, session.requests)


def remember_listing(cache: Cache, origin: Origin, places: list[Place]) -> None:
    """Keep the last listing so that `solomo show 2` means result #2 of it."""
    cache.set_state(
        LAST_LISTING,
        {
            "origin": {
                "query": origin.query,
                "label": origin.label,
                "lat": origin.lat,
                "lon": origin.lon,
            },
            "places": [
                {
                    "id": p.id,
                    "name": p.name,
                    "kind": p.kind,
                    "lat": p.lat,
                    "lon": p.lon,
                    "tags": p.tags,
                    # the zone travels with the place: `show` evaluates hours as near did
                    "tz": p.extra.get("tz"),
                    "country": p.extra.get("country"),
                }
                for p in places
            ],
        },
    )


class SyncResult(NamedTuple):
    origin: Origin
    radius_m: float
    kinds: tuple[str, ...]
    places: int
    fetched_at: float | None
    osm_base: str | None
    network_requests: int


def sync(
    place: str,
    radius_m: float = 10_000.0,
    kinds: str | Sequence[str] = "all",
    *,
    country: str | None = None,
    refresh: bool = False,
    settings: Settings | None = None,
    session: Session | None = None,
    notify: "Notify | None" = None,
) -> SyncResult:
    """Fill the store for an area ahead of going offline (`kinds` as for `near`)."""
    place, radius_m, checked = place.strip(), check_radius(radius_m), _kinds(kinds)
    if session is None:
        with Session(settings or load_settings(), notify) as own:
            return _sync(own, place, radius_m, checked, country, refresh)
    return _sync(session, place, radius_m, checked, country, refresh)


def _sync(
    session: Session,
    place: str,
    radius_m: float,
    kinds: tuple[str, ...],
    country: str | None,
    refresh: bool,
) -> SyncResult:
    origin = session.locate(place, country, offline=False, refresh=refresh)
    fetched_at, osm_base = session.ensure_area(
        origin, radius_m, kinds, offline=False, refresh=refresh, margin=False
    )
    count = len(session.cache.places_within(origin.lat, origin.lon, radius_m, kinds))
    return SyncResult(origin, radius_m, kinds, count, fetched_at, osm_base, session.requests)
