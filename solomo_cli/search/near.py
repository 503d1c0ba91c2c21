"""The core of `solomo near` and `solomo sync`: where is PLACE, is the area known locally and
fresh, fetch it if not (once, with a margin), then filter and rank. No side effect beyond the
cache: the CLI, not this module, records the last listing (`remember_listing`)."""

import heapq
import math
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple, overload

from solomo_cli.boundary import BadInput, argument, quoted
from solomo_cli.cache.store import LIGHT_DISTANCE, LIGHT_TRAITS, Box, Cache, Coverage, Light
from solomo_cli.cache.store import last_listing as last_listing  # this module's API too
from solomo_cli.config import Settings, load_settings
from solomo_cli.errors import (
    AreaToFetch,
    NoLocalData,
    PlaceNotFound,
    Remedy,
    ServiceError,
    UsageError,
)
from solomo_cli.geo import MAX_RADIUS_M, check_radius, format_distance, parse_latlon
from solomo_cli.kinds import DEFAULT_KINDS
from solomo_cli.model import Origin, Place
from solomo_cli.search.hours import When, add_zones, annotate_hours
from solomo_cli.search.ranking import (
    DISTANCE_POINTS,
    NO_FACTS,
    Facts,
    Traits,
    best_points,
    confidence,
    distance_points,
    is_stale,
    osm_scorer,
    points,
    points_sql,
    reach_sql,
    recent,
    total_points,
)
from solomo_cli.words import age_phrase, count

if TYPE_CHECKING:
    import httpx

    from solomo_cli.notify import Notify
    from solomo_cli.sources.base import Answer, PlaceSource


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
    power: bool = False  # sockets for laptops: OSM's yes, or your field notes' plenty or few


class NearResult(NamedTuple):
    origin: Origin
    query: NearQuery
    places: Sequence[Place]  # a list; with limit 0, a RankedPlaces (built as it is read)
    total: int  # matches before --limit
    fetched_at: float | None  # when the data used was fetched
    osm_base: str | None  # Overpass' own data timestamp, when it gave one
    network_requests: int = 0
    network_failure: str | None = None  # the network failed: answered from older local data

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
            return Origin(
                text,
                found.display_name,
                found.lat,
                found.lon,
                found.alternatives,
                True,
                found.credit,
            )
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
        self, origin: Origin, radius_m: float, kinds: Sequence[str], **options: bool
    ) -> tuple[float | None, str | None]:
        """Make sure the store covers the circle for these kinds; returns (fetched_at, osm_base).
        Options (offline, refresh, margin) as for fetch_area."""
        area = self.fetch_area(origin, radius_m, kinds, **options)
        return area.fetched_at, area.osm_base

    def fetch_area(
        self,
        origin: Origin,
        radius_m: float,
        kinds: Sequence[str],
        *,
        offline: bool,
        refresh: bool,
        margin: bool = True,
        stale_ok: bool = True,
    ) -> "AreaState":
        """ensure_area, saying also which kinds were fetched and how many places were written.
        When the network fails and `stale_ok`, local data of any age that covers the query
        answers (AreaState.failure says why)."""
        max_age = float("inf") if offline else self.settings.fresh_days * 86400.0
        have = self.cache.coverage(origin.lat, origin.lon, radius_m, kinds, max_age)
        missing = tuple(kinds) if refresh and not offline else have.missing
        if not missing:
            return AreaState(have.fetched_at, have.osm_base)
        if offline:
            local = self._local(origin, radius_m, missing)
            if local is not None:
                return local
            names = ", ".join(missing)
            raise NoLocalData(
                f"no local data for {names} within {format_distance(radius_m)} of {origin.label}",
                hint="with a connection, fetch the area first",
                place=origin.query,
                radius_m=max(radius_m, 5000.0),
                kinds=tuple(kinds),
            )
        try:
            return self._fetch(origin, radius_m, kinds, missing, have, margin)
        except ServiceError as failure:
            if not stale_ok:
                raise
            return self._stale(origin, radius_m, kinds, failure)

    def _local(self, origin: Origin, radius_m: float, missing: Sequence[str]) -> "AreaState | None":
        """What an extract holds of part of the circle (said, with the part it lacks), or None."""
        partial = self.cache.partial_coverage(origin.lat, origin.lon, radius_m, missing)
        if partial is None:
            return None
        from solomo_cli.search.extract import partial_notice

        if self.notify:
            self.notify(partial_notice(partial, radius_m, origin.label), waiting=True)
        return AreaState(partial.fetched_at, partial.osm_base)

    def _stale(
        self, origin: Origin, radius_m: float, kinds: Sequence[str], failure: ServiceError
    ) -> "AreaState":
        """The network failed: answer from local data of any age that covers the query, and
        say so; with nothing local, the failure stands, with both ways out."""
        have = self.cache.coverage(origin.lat, origin.lon, radius_m, kinds, float("inf"))
        area = None if have.missing else AreaState(have.fetched_at, have.osm_base)
        area = area or self._local(origin, radius_m, have.missing)
        if area is None:
            failure.remedies = tuple(
                dict.fromkeys((*failure.remedies, Remedy.OFFLINE, Remedy.SYNC_LATER))
            )
            failure.area = AreaToFetch(origin.query, max(radius_m, 5000.0), tuple(kinds))
            raise failure
        if area.osm_base:
            day = area.osm_base[:10]
        elif area.fetched_at is not None:
            day = time.strftime("%Y-%m-%d", time.gmtime(area.fetched_at))
        else:
            day = "unknown date"
        if self.notify:
            self.notify(
                f"the network failed ({failure.message}); answering from local data of {day} "
                f"({age_phrase(area.fetched_at)})",
                waiting=True,
            )
        return area._replace(failure=failure.message)

    def _fetch(
        self,
        origin: Origin,
        radius_m: float,
        kinds: Sequence[str],
        missing: tuple[str, ...],
        have: "Coverage",
        margin: bool,
    ) -> "AreaState":
        # Fetch a wider circle so that nearby follow-up questions are answered locally.
        fetch_radius = min(MAX_RADIUS_M, max(radius_m * 2, radius_m + 2000)) if margin else radius_m
        if self.notify:
            self.notify(
                f"Fetching {', '.join(missing)} within {format_distance(fetch_radius)} "
                "from OpenStreetMap…"
            )
        now = time.time()

        def save(answer: "Answer") -> tuple[int, str | None]:
            # The answer streams into one transaction: a failure midway leaves the store as it was.
            written = self.cache.save_fetch(
                _zoned(answer.places),
                origin.lat,
                origin.lon,
                fetch_radius,
                missing,
                lambda: answer.osm_base,
                answer.endpoint,
                fetched_at=now,
            )
            return written, answer.osm_base

        written, osm_base = self.place_source().fetch_into(
            origin.lat, origin.lon, fetch_radius, missing, save, self.notify
        )
        if len(missing) == len(kinds):
            return AreaState(now, osm_base, missing, written)
        return AreaState(have.fetched_at or now, have.osm_base or osm_base, missing, written)


class AreaState(NamedTuple):
    """What Session.fetch_area found or did."""

    fetched_at: float | None
    osm_base: str | None
    fetched: tuple[str, ...] = ()  # the kinds fetched now (none: the store was fresh)
    written: int = 0  # places written by that fetch
    failure: str | None = None  # the network failed: the data is the local one, of any age


def _zoned(places: "Iterable[Place]", batch: int = 2000) -> "Iterator[Place]":
    """The places, each with its time zone and country (add_zones), a batch at a time."""
    pending: list[Place] = []
    for place in places:
        pending.append(place)
        if len(pending) == batch:
            add_zones(pending)
            yield from pending
            pending = []
    add_zones(pending)
    yield from pending


def add_freshness(places: Iterable[Place]) -> None:
    for place in places:
        place.extra["stale"] = is_stale(place.check_date)


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
    written than the cache: the caller decides whether this is "the last listing".

    `places` is a list, except with `limit=0` and a `session` given: then it is a
    `RankedPlaces`, a sequence whose places are built in chunks as they are read (while the
    session is open), so that a listing of a whole region stays in flat memory."""
    q = NearQuery(place.strip(), check_radius(radius_m), _kinds(kinds), **options)
    if session is not None:
        return run(session, q)
    with Session(settings or load_settings(), notify) as own:
        result = run(own, q)
        if isinstance(result.places, RankedPlaces):
            result = result._replace(places=list(result.places))
        return result


def _kinds(kinds: str | Sequence[str]) -> tuple[str, ...]:
    from solomo_cli.kinds import parse_kinds

    return parse_kinds(kinds if isinstance(kinds, str) else ",".join(kinds))


HOURS_CHUNK = 500  # places whose tags are decoded and hours evaluated at a time
FIRST_RING_ROWS = 300  # candidates a top-k search reads first, on a uniform guess
GUESS_SHARE = 0.15  # of the way from the ring's k-th score to the most any place gets
Mine = dict[str, tuple[float | None, int]]  # the user's (rating, visits) per place id
MyFacts = dict[str, Facts]  # the user's latest field notes per place id


def _required(q: NearQuery) -> tuple[str, ...]:
    """The signal columns (cache.store.FILTER_COLUMNS) that the query's filters (wifi,
    free_wifi, wheelchair, power) require, as solomo_cli.signals derives them."""
    need = ["internet"] if q.wifi or q.free_wifi else []
    if q.free_wifi:
        need.append("free_wifi")
    if q.wheelchair:
        need.append("wheelchair")
    if q.power:
        need.append("power")
    return tuple(need)


def _traits(row: Light) -> Traits:
    """What the score reads of a light row: its kind, then its signal columns."""
    return Traits(row[2], *row[LIGHT_TRAITS])


class _Scorer:
    """The order of a listing over light rows (cache.store.Light), from the one score rule
    (ranking.points): by (−score, distance, id), or by (distance, id)."""

    def __init__(self, q: NearQuery, mine: Mine, today: date, facts: MyFacts | None = None) -> None:
        self.radius_m = q.radius_m
        self.today = today.toordinal()
        self.mine = mine
        self.facts = facts or {}
        self.time_asked = q.open_at is not None
        self.by_distance = q.sort == "distance"
        self.open_rids: set[int] = set()  # with a time asked: the rows open then
        self._osm = osm_scorer(self.radius_m, self.today)

    def score(self, row: Light) -> float:
        pid = row[1]
        if not self.time_asked and pid not in self.mine and pid not in self.facts:
            return self._osm((row[2], *row[LIGHT_TRAITS]), row[LIGHT_DISTANCE])
        rating, visits = self.mine.get(pid, (None, 0))
        return total_points(
            _traits(row),
            row[LIGHT_DISTANCE],
            self.radius_m,
            self.today,
            rating,
            visits,
            self.time_asked and row[0] in self.open_rids,
            self.facts.get(pid, NO_FACTS),
        )

    def key(self, row: Light) -> tuple[Any, ...]:
        if self.by_distance:
            return (row[LIGHT_DISTANCE], row[1])
        return (-self.score(row), row[LIGHT_DISTANCE], row[1])


def run(session: Session, q: NearQuery) -> NearResult:
    """The search itself, for an already checked query, in an open session.

    Candidates are counted, filtered and ordered from the cache's index and signal columns
    (no tags read); only the places shown are built, their tags decoded and hours evaluated.
    With `limit` > 0, `places` is a list; with `limit` 0 it is a `RankedPlaces`, whose places
    are built in chunks as they are read (from this session's cache)."""
    origin = session.locate(q.place, q.country, q.offline, q.refresh)
    area = session.fetch_area(origin, q.radius_m, q.kinds, offline=q.offline, refresh=q.refresh)
    cache, user_db = session.cache, session.settings.paths.user_db
    personal = user_db.exists()
    mine: Mine = {}
    facts: MyFacts = {}
    if personal:
        from solomo_cli.mydata.signals import visited

        mine, facts = visited(user_db, (origin.lat, origin.lon, q.radius_m))
    today = date.today()
    scorer = _Scorer(q, mine, today, facts)
    required = _required(q)
    overrides = _power_overrides(facts) if q.power else None
    hours: dict[int, dict[str, Any]] | None = None
    if q.open_at is not None or q.limit == 0 or overrides:
        rows = cache.candidates(origin.lat, origin.lon, q.radius_m, q.kinds, required)
        if overrides:
            rows = _overridden(cache, rows, origin, q, required, overrides)
        if q.open_at is not None:  # the hours filter and score: every candidate needs them
            hours = _hours_at(cache, rows, q.open_at)
            allowed = ("open",) if q.strict_hours else ("open", "unknown")
            rows = [r for r in rows if _state(hours, r) in allowed]
            scorer.open_rids = {r[0] for r in rows if _state(hours, r) == "open"}
        total = len(rows)
        rows = (
            heapq.nsmallest(q.limit, rows, scorer.key) if q.limit else sorted(rows, key=scorer.key)
        )
    else:
        total = cache.count_within(origin.lat, origin.lon, q.radius_m, q.kinds, required)
        rows = _top_rows(cache, origin, q, scorer, required, total)

    def build(chunk: Sequence[Light]) -> list[Place]:
        return _shown(cache, chunk, q, mine if personal else None, hours, today, facts)

    shown: Sequence[Place] = RankedPlaces(build, rows) if q.limit == 0 else build(rows)
    return NearResult(
        origin, q, shown, total, area.fetched_at, area.osm_base, session.requests, area.failure
    )


def _power_overrides(facts: MyFacts) -> tuple[set[str], set[str]] | None:
    """The places where your field notes say there are sockets (plenty, few) and those where
    they say there are none: for --power, your word outranks OSM's. None: no such notes."""
    yes = {pid for pid, f in facts.items() if f.power is not None and f.power[0] != "none"}
    no = {pid for pid, f in facts.items() if f.power is not None and f.power[0] == "none"}
    return (yes, no) if yes or no else None


def _overridden(
    cache: Cache,
    rows: list[Light],
    origin: Origin,
    q: NearQuery,
    required: tuple[str, ...],
    overrides: tuple[set[str], set[str]],
) -> list[Light]:
    """The rows OSM's power column lets through, without those your notes say have none,
    with those your notes say have sockets (whatever OSM says)."""
    yes, no = overrides
    kept = [row for row in rows if row[1] not in no]
    seen = {row[0] for row in kept}
    others = tuple(c for c in required if c != "power")
    more = cache.candidates_by_id(yes, origin.lat, origin.lon, q.radius_m, q.kinds, others)
    return kept + [row for row in more if row[0] not in seen]


def _state(hours: dict[int, dict[str, Any]], row: Light) -> str:
    found = hours.get(row[0])
    return "unknown" if found is None else str(found["open_state"])


def _top_rows(
    cache: Cache,
    origin: Origin,
    q: NearQuery,
    scorer: _Scorer,
    required: tuple[str, ...],
    total: int,
) -> list[Light]:
    """The first `q.limit` rows in order. A first ring around the origin, grown until it holds
    k rows, is enough when its k-th score beats the best score a place beyond it could reach
    (distance points fall with distance; the rest is bounded by the store's best). Else that
    k-th score, which the answer's can only beat, bounds what every other row must get besides
    distance: a read of the whole circle, through base_points' index, finds the few rows that
    can reach a guess a little above it (enough when k of them do), else those that can reach
    it. The user's own places (ratings, visits: no bound) are always candidates."""
    k, radius = q.limit, q.radius_m
    lat, lon = origin.lat, origin.lon
    mine_rows: list[Light] = []
    if scorer.mine and not scorer.by_distance:
        mine_rows = cache.candidates_by_id(scorer.mine, lat, lon, radius, q.kinds, required)

    def best_of(rows: list[Light]) -> list[Light]:
        seen = {row[0] for row in rows}
        return heapq.nsmallest(k, rows + [r for r in mine_rows if r[0] not in seen], scorer.key)

    ring = radius if total <= FIRST_RING_ROWS else radius * math.sqrt(FIRST_RING_ROWS / total)
    while ring < radius:
        rows = cache.candidates(lat, lon, ring, q.kinds, required)
        if len(rows) >= k:
            break
        ring *= 2.0
    else:
        return best_of(cache.candidates(lat, lon, radius, q.kinds, required))
    top = best_of(rows)
    if scorer.by_distance:
        return top  # every place beyond the ring is farther
    kth = scorer.score(top[-1])
    # The most a place beyond the ring could get besides distance: what the store's best
    # place of these kinds gets (remembered), never more than any place could in theory.
    best = min(best_points(q.kinds), cache.best_points(q.kinds, points_sql(scorer.today)) + 0.05)
    # 0.05: scores are rounded to 0.1, so a place beyond that ties is told apart safely
    if kth > distance_points(ring, radius) + best + 0.05:
        return top
    # The rows that can reach a score `value` are read through base_points' index: the
    # higher the value, the fewer. A first guess above the ring's k-th score is enough when k
    # rows reach it; else the answer's k-th score lies below it, and the ring's will do.
    low, high = kth, DISTANCE_POINTS + best
    while True:
        value = low + (high - low) * GUESS_SHARE if high - low > 2.0 else low
        reach = reach_sql(scorer.today, value, radius)
        top = best_of(cache.candidates(lat, lon, radius, q.kinds, required, reach))
        found = scorer.score(top[-1]) if len(top) == k else low
        if value == low or found >= value:
            return top
        low, high = max(low, found), value


def _hours_at(cache: Cache, rows: Sequence[Light], at: When) -> dict[int, dict[str, Any]]:
    """The hours at `at` of the rows whose hours are known (the others are "unknown" without
    any evaluation), through the one evaluator, a chunk of places at a time."""
    known = [row[0] for row in rows if row[7]]  # hours_known
    found: dict[int, dict[str, Any]] = {}
    for i in range(0, len(known), HOURS_CHUNK):
        chunk = known[i : i + HOURS_CHUNK]
        places = cache.places_of(chunk)
        annotate_hours(places, at)
        for rid, place in zip(chunk, places, strict=True):
            found[rid] = {
                k: v for k, v in place.extra.items() if k not in ("tz", "country", "name_key")
            }
    return found


def _shown(
    cache: Cache,
    rows: Sequence[Light],
    q: NearQuery,
    mine: Mine | None,
    hours: dict[int, dict[str, Any]] | None,
    today: date,
    facts: MyFacts | None = None,
) -> list[Place]:
    """The places of these rows as a listing shows them: tags, distance, the user's signals
    (when there is a user-data file), freshness, the score explained, and hours."""
    places = cache.places_of([row[0] for row in rows])
    day = today.toordinal()
    for place, row in zip(places, rows, strict=True):
        traits = _traits(row)
        mine_facts = (facts or {}).get(place.id, NO_FACTS)
        place.distance_m = row[LIGHT_DISTANCE]
        place.extra["chain"] = traits.chain
        place.extra["traits"] = traits  # the record reads them (formats.records.place_record)
        place.extra["stale"] = not recent(traits.check_day, day)
        place.extra["confidence"] = confidence(traits, day, mine_facts)
        if mine_facts != NO_FACTS:
            place.extra["facts"] = mine_facts
        rating, visits = (mine or {}).get(place.id, (None, 0))
        if mine is not None:
            place.extra["my_rating"], place.extra["visits"] = rating, visits
        if hours is not None:
            place.extra.update(hours.get(row[0]) or {})
        # The one rule (ranking.points), on the columns the order was made from.
        place.score, place.reasons = points(
            traits,
            place.distance_m,
            q.radius_m,
            day,
            rating,
            visits,
            place.extra.get("open_state") == "open",
            mine_facts,
        )
    if hours is not None:
        annotate_hours([p for p in places if "open_state" not in p.extra], q.open_at)
    if q.open_at is None:  # only for display: the places shown are enough
        annotate_hours(places, None, cache)
    return places


class RankedPlaces(Sequence[Place]):
    """The places of a listing without a limit, in rank order, built `HOURS_CHUNK` at a time
    when read (tags decoded, hours evaluated): a listing of a whole region is written in flat
    memory. Each read builds new Place objects; read it while its session is open."""

    def __init__(self, build: Callable[[Sequence[Light]], list[Place]], rows: list[Light]):
        self._build = build
        self._rows = rows

    @property
    def rids(self) -> list[int]:
        """The cache's row ids of the places, in rank order."""
        return [row[0] for row in self._rows]

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> Place: ...
    @overload
    def __getitem__(self, index: slice) -> list[Place]: ...
    def __getitem__(self, index: int | slice) -> Place | list[Place]:
        if isinstance(index, slice):
            return self._build(self._rows[index])
        return self._build([self._rows[index]])[0]

    def __iter__(self) -> Iterator[Place]:
        for i in range(0, len(self._rows), HOURS_CHUNK):
            yield from self._build(self._rows[i : i + HOURS_CHUNK])


def remember_listing(cache: Cache, origin: Origin, places: Sequence[Place]) -> None:
    """Keep the last listing of this terminal session (cache.store.terminal) so that
    `solomo show 2` run there means result #2 of it: a table of ranks (a `RankedPlaces` is
    copied from the cache in SQL, without building its places)."""
    head = {"query": origin.query, "label": origin.label, "lat": origin.lat, "lon": origin.lon}
    if isinstance(places, RankedPlaces):
        cache.save_listing(head, rids=places.rids)
    else:
        cache.save_listing(head, places)


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
    area = session.fetch_area(
        origin, radius_m, kinds, offline=False, refresh=refresh, margin=False, stale_ok=False
    )
    # Counted while written; kinds that were fresh are counted in SQL (no tags decoded).
    fresh = tuple(k for k in kinds if k not in area.fetched)
    count = area.written + session.cache.count_within(origin.lat, origin.lon, radius_m, fresh)
    return SyncResult(
        origin, radius_m, kinds, count, area.fetched_at, area.osm_base, session.requests
    )


COUNTRY_MARGIN_DEG = 0.5  # around the country's populated places: its borders lie beyond them


class CountrySync(NamedTuple):
    country: str  # the ISO code, upper case
    kinds: tuple[str, ...]
    pieces: int  # queries answered (1: the country in one)
    places: int
    box: Box
    fetched_at: float
    osm_base: str | None
    network_requests: int


def sync_country(
    country: str,
    kinds: str | Sequence[str] = "all",
    *,
    settings: Settings | None = None,
    session: Session | None = None,
    notify: "Notify | None" = None,
) -> CountrySync:
    """Fill the store with every place of these kinds in a whole country (ISO 3166-1 code),
    from one Overpass area query, or from tiles of it when the server refuses that. Each
    piece is stored in one transaction as a covered box, as soon as it has come."""
    code = validate_country(country)
    if code is None or "," in code:
        raise UsageError(
            f"give one country code, not {quoted(country)}", hint="e.g. fr, or run it per country"
        )
    if session is None:
        with Session(settings or load_settings(), notify) as own:
            return _sync_country(own, code.upper(), _kinds(kinds))
    return _sync_country(session, code.upper(), _kinds(kinds))


def _sync_country(session: Session, cc: str, kinds: tuple[str, ...]) -> CountrySync:
    from solomo_cli.geocoding.gazetteer import country_box
    from solomo_cli.net import OVERPASS_AREA, limits_for
    from solomo_cli.sources.country import Piece, fetch_country_into

    found = country_box(session.settings.paths.cache_dir, cc)
    if found is None:
        raise UsageError(
            f"no country with the code {quoted(cc)} is known",
            hint="use an ISO 3166-1 alpha-2 code, e.g. fr",
        )
    m = COUNTRY_MARGIN_DEG
    box = Box(
        max(-90.0, found[0] - m),
        min(90.0, found[1] + m),
        max(-180.0, found[2] - m),
        min(180.0, found[3] + m),
    )
    now = time.time()
    source = f"overpass country {cc}"
    bases: list[str | None] = []
    notify = session.notify

    def save(piece: Piece, answer: "Answer") -> int:
        written = session.cache.save_piece(
            _zoned(answer.places),
            piece.box,
            kinds,
            lambda: answer.osm_base,
            answer.endpoint,
            source,
            now,
        )
        bases.append(answer.osm_base)
        return written

    if notify:
        notify(f"Fetching {', '.join(kinds)} in the whole of {cc} from OpenStreetMap…")
    pieces = 0
    for piece, written in fetch_country_into(
        session.client,
        session.settings.overpass_urls,
        cc,
        kinds,
        box,
        save,
        notify,
        limits_for(OVERPASS_AREA, session.settings),
    ):
        pieces += 1
        if notify:
            b = piece.box
            where = (
                "the whole country"
                if piece.whole
                else (f"tile {b.min_lat:.2f},{b.min_lon:.2f} – {b.max_lat:.2f},{b.max_lon:.2f}")
            )
            notify(f"{cc}: {where}: {count(written, 'places')} stored", waiting=True)
    osm_base = min((b for b in bases if b), default=None)
    return CountrySync(
        cc,
        kinds,
        pieces,
        session.cache.count_fetched(now, kinds),
        box,
        now,
        osm_base,
        session.requests,
    )
