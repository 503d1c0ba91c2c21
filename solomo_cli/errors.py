"""One error hierarchy; the CLI turns each into one line on stderr and a documented exit status."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """Exit statuses documented in the README."""

    OK = 0
    ERROR = 1  # unexpected error (a bug): run again with --debug and report it
    USAGE = 2  # bad option or argument (same as click's usage errors)
    NOT_FOUND = 3  # the place name could not be geocoded, or a REF matches nothing
    NETWORK = 4  # a service is unreachable, rate-limiting, or answered garbage
    STORE = 5  # the local store cannot be read or written
    NO_DATA = 6  # --offline and the local store does not cover the query


class SolomoError(Exception):
    """Base of every error the CLI reports as one plain line (plus an optional hint)."""

    exit_status = ExitStatus.ERROR

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(SolomoError):
    exit_status = ExitStatus.USAGE


class PlaceNotFound(SolomoError):
    exit_status = ExitStatus.NOT_FOUND


class ServiceError(SolomoError):
    """A remote service failed: unreachable, refused, or answered something unusable."""

    exit_status = ExitStatus.NETWORK


class RateLimited(ServiceError):
    def __init__(self, message: str, retry_after: float | None = None, hint: str | None = None):
        super().__init__(message, hint)
        self.retry_after = retry_after


class QueryFailed(ServiceError):
    """Overpass answered HTTP 200 with a `remark`: the answer is incomplete and must not be stored."""


class BadResponse(ServiceError):
    """HTML, truncated or otherwise unparsable answer."""


class StoreError(SolomoError):
    exit_status = ExitStatus.STORE


class NoLocalData(SolomoError):
    exit_status = ExitStatus.NO_DATA


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
