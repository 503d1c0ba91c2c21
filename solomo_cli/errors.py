"""One error hierarchy; the CLI turns each into one line on stderr and a documented exit status."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum, IntEnum
from typing import NamedTuple


class ExitStatus(IntEnum):
    """Exit statuses documented in the README."""

    OK = 0
    ERROR = 1  # unexpected error (a bug): run again with --debug and report it
    USAGE = 2  # bad option or argument (same as click's usage errors)
    NOT_FOUND = 3  # the place name could not be geocoded (a REF that matches nothing is USAGE)
    NETWORK = 4  # a service is unreachable, rate-limiting, or answered garbage
    STORE = 5  # the local store cannot be read or written
    NO_DATA = 6  # --offline and the local store does not cover the query
    DECLINED = 7  # a confirmation was declined, or there was no terminal to ask on
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, as a shell reports it)
    PIPE_CLOSED = 141  # the reader closed stdout early (128 + SIGPIPE, as a shell reports it)


class Remedy(str, Enum):
    """Something the caller could do instead, said without naming a CLI flag: the CLI turns
    each into its own option's words (cli/console.py), the library user reads it as it is."""

    OFFLINE = "answer from local data"
    SMALLER_AREA = "ask about a smaller area"
    COUNTRY = "name the country"
    OVERWRITE = "overwrite the existing file"
    FORMAT = "name the format"
    SYNC_LATER = "fetch the area ahead, when the network is back"


class AreaToFetch(NamedTuple):
    """The area a command would fetch to answer (for a hint naming the command that does it)."""

    place: str
    radius_m: float
    kinds: tuple[str, ...]


class SolomoError(Exception):
    """Base of every error the CLI reports as one plain line (plus an optional hint)."""

    exit_status = ExitStatus.ERROR

    def __init__(
        self, message: str, hint: str | None = None, *, remedies: Iterable[Remedy] = ()
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.remedies = tuple(remedies)


class UsageError(SolomoError):
    exit_status = ExitStatus.USAGE


class PlaceNotFound(SolomoError):
    exit_status = ExitStatus.NOT_FOUND


class ServiceError(SolomoError):
    """A remote service failed: unreachable, refused, or answered something unusable.
    `area`: set when the failure left a search with nothing local to answer from."""

    exit_status = ExitStatus.NETWORK
    area: AreaToFetch | None = None


class RateLimited(ServiceError):
    def __init__(
        self,
        message: str,
        retry_after: float | None = None,
        hint: str | None = None,
        *,
        remedies: Iterable[Remedy] = (),
    ) -> None:
        super().__init__(message, hint, remedies=remedies)
        self.retry_after = retry_after


class QueryFailed(ServiceError):
    """Overpass answered HTTP 200 with a `remark`: the answer is incomplete and must not be stored."""


class BadResponse(ServiceError):
    """HTML, truncated or otherwise unparsable answer."""


class StoreError(SolomoError):
    exit_status = ExitStatus.STORE


class NoLocalData(SolomoError):
    """The local store cannot answer without the network; says which area would have to be
    fetched (`place`, `radius_m`, `kinds`), so that the CLI can name the command that does it."""

    exit_status = ExitStatus.NO_DATA

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        place: str,
        radius_m: float | None = None,
        kinds: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message, hint)
        self.place = place
        self.radius_m = radius_m
        self.kinds = kinds


class Declined(SolomoError):
    """The user did not confirm (or could not be asked): nothing was changed."""

    exit_status = ExitStatus.DECLINED


# HTTP statuses → error class, in one table (as geopy's ERROR_CODE_MAP).
HTTP_ERRORS: dict[int, type[ServiceError]] = {
    400: BadResponse,
    403: ServiceError,
    429: RateLimited,
    500: ServiceError,
    502: ServiceError,
    503: RateLimited,
    504: RateLimited,
}

# Statuses worth retrying after a pause (the server is busy, not broken).
RETRYABLE = frozenset({429, 503, 504})
