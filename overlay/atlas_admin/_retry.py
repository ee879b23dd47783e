"""When and how long to wait before sending a request again.

`decide` holds every rule in one table-like function so that the rules can be read (and tested)
without any I/O; `send_with_retries` is the small loop that applies them.

The guiding rule: a request is repeated only when repeating it cannot do harm. Idempotent
methods may be repeated after any transient failure; POST and PATCH only when the server
provably did not act on the first attempt (or the caller opted in with ``retry_unsafe=True``).
"""

from __future__ import annotations

import datetime
import email.utils
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable

import attrs
import httpx

from ._constants import (
    BACKOFF_INITIAL,
    BACKOFF_JITTER,
    BACKOFF_MAX,
    DEFAULT_MAX_RETRIES,
    IDEMPOTENT_METHODS,
    LOGGER_NAME,
    RETRY_AFTER_CAP,
    RETRY_STATUSES,
)

__all__ = [
    "RaiseNow",
    "RetryPolicy",
    "decide",
    "is_idempotent",
    "parse_retry_after",
    "send_with_retries",
]

logger = logging.getLogger(LOGGER_NAME)

# The request never left the client, so the server cannot have acted on it.
_NOT_SENT_ERRORS: tuple[type[BaseException], ...] = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# The request may have reached the server; repeating it is safe only for idempotent methods.
_MAYBE_SENT_ERRORS: tuple[type[BaseException], ...] = (
    httpx.NetworkError,
    httpx.TimeoutException,
    httpx.RemoteProtocolError,
)
# 2**62 seconds is far beyond any cap; bounding the exponent keeps huge attempt numbers from overflowing.
_MAX_EXPONENT = 62


def is_idempotent(method: str) -> bool:
    """Whether repeating a request with this HTTP method cannot change its outcome.

    >>> is_idempotent("delete"), is_idempotent("POST")
    (True, False)
    """
    return method.upper() in IDEMPOTENT_METHODS


def parse_retry_after(value: str, now: float) -> float | None:
    """Seconds to wait according to a Retry-After header, or None when the value is unreadable.

    Accepts delta-seconds and HTTP dates (``now`` is the current wall-clock epoch time).
    Waits in the past (negative) become 0.

    >>> parse_retry_after("3", now=0.0), parse_retry_after("soon", now=0.0)
    (3.0, None)
    """
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        # float() also accepts "nan" and "inf"; neither is a wait we can honour.
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        # RFC 9110 dates are always GMT; a date without zone is read the same way.
        when = when.replace(tzinfo=datetime.UTC)
    try:
        return max(0.0, when.timestamp() - now)
    except (OverflowError, OSError, ValueError):
        return None


@attrs.frozen
class RetryPolicy:
    """How often and how patiently to retry; the defaults come from `_constants`.

    >>> policy = RetryPolicy(max_retries=5)
    >>> policy.backoff(2, rand=lambda: 0.5)
    2.0
    """

    max_retries: int = DEFAULT_MAX_RETRIES
    backoff_initial: float = BACKOFF_INITIAL
    backoff_max: float = BACKOFF_MAX
    jitter: float = BACKOFF_JITTER
    retry_after_cap: float = RETRY_AFTER_CAP
    retry_statuses: frozenset[int] = attrs.field(default=RETRY_STATUSES, converter=frozenset)

    def backoff(self, attempt: int, rand: Callable[[], float]) -> float:
        """Seconds to wait before retry number ``attempt + 1`` (``attempt`` counts retries already made).

        Doubles from ``backoff_initial`` up to ``backoff_max``, spread by +/- ``jitter`` (a fraction),
        and never above ``backoff_max``. ``rand`` returns a float in [0, 1), like `random.random`.

        >>> [RetryPolicy().backoff(n, rand=lambda: 0.5) for n in range(6)]
        [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
        """
        base = min(self.backoff_max, self.backoff_initial * 2.0 ** min(max(attempt, 0), _MAX_EXPONENT))
        spread = 1.0 + self.jitter * (2.0 * rand() - 1.0)
        return max(0.0, min(self.backoff_max, base * spread))

    def parse_retry_after(self, value: str, now: float) -> float | None:
        """Seconds asked for by a Retry-After header value (see `parse_retry_after`).

        >>> RetryPolicy().parse_retry_after("-4", now=0.0)
        0.0
        """
        return parse_retry_after(value, now)


@attrs.frozen
class RaiseNow:
    """`decide`'s answer when a retry would normally happen but must not: fail at once, without sleeping.

    >>> RaiseNow("Retry-After 120s exceeds the 60s cap").reason
    'Retry-After 120s exceeds the 60s cap'
    """

    reason: str


def decide(
    policy: RetryPolicy,
    *,
    attempt: int,
    method: str,
    idempotent: bool,
    retry_unsafe: bool,
    response: httpx.Response | None,
    error: BaseException | None,
    now: float,
    rand: Callable[[], float] = random.random,
) -> float | RaiseNow | None:
    """Seconds to wait before the next attempt, None to stop, or RaiseNow to stop without waiting.

    ``attempt`` is the number of retries already made, ``now`` the wall-clock epoch time (for
    Retry-After dates). Exactly one of ``response`` and ``error`` describes the last outcome.
    ``method`` is only used in explanations; ``idempotent`` is what counts. ``rand`` feeds the jitter.

    >>> decide(RetryPolicy(), attempt=0, method="GET", idempotent=True, retry_unsafe=False,
    ...        response=httpx.Response(503, headers={"Retry-After": "2"}), error=None, now=0.0)
    2.0
    """
    repeatable = idempotent or retry_unsafe
    if error is not None:
        # Cancellation, KeyboardInterrupt and friends are never "transient".
        if not isinstance(error, Exception):
            return None
        if getattr(error, "before_request", False):
            # The token endpoint failed: the API request was never sent, so any method may go again
            # when the failure is a transient status, honouring its Retry-After like any answer.
            status = getattr(error, "status", None)
            if status not in policy.retry_statuses or attempt >= policy.max_retries:
                return None
            wait = getattr(error, "retry_after", None)
            if isinstance(wait, (int, float)):
                if wait > policy.retry_after_cap:
                    return RaiseNow(f"token request got {status} with Retry-After {wait:g}s, above the cap")
                return float(wait)
            return policy.backoff(attempt, rand)
        if isinstance(error, _NOT_SENT_ERRORS):
            eligible = True
        elif isinstance(error, _MAYBE_SENT_ERRORS):
            eligible = repeatable
        else:
            eligible = False
        if not eligible or attempt >= policy.max_retries:
            return None
        return policy.backoff(attempt, rand)
    if response is None or response.status_code not in policy.retry_statuses:
        return None
    header = response.headers.get("Retry-After")
    retry_after = policy.parse_retry_after(header, now) if header is not None else None
    status = response.status_code
    # 429 means "not processed"; so does a 503 that says when to come back. Any other 5xx
    # may have been answered after the server acted, so a POST must not be repeated.
    if not repeatable and not (status == 429 or (status == 503 and retry_after is not None)):
        return None
    if attempt >= policy.max_retries:
        return None
    if retry_after is not None:
        if retry_after > policy.retry_after_cap:
            return RaiseNow(
                f"{method} got {status} with Retry-After {retry_after:g}s, above the {policy.retry_after_cap:g}s cap"
            )
        return retry_after
    return policy.backoff(attempt, rand)


def _call_name(operation: str, method: str) -> str:
    return f"{operation} ({method})" if operation else method


async def send_with_retries(
    send: Callable[[], Awaitable[httpx.Response]],
    *,
    policy: RetryPolicy,
    method: str,
    idempotent: bool,
    retry_unsafe: bool = False,
    deadline: float | None = None,
    sleep: Callable[[float], Awaitable[object]] | None = None,
    clock: Callable[[], float] = time.monotonic,
    wall_clock: Callable[[], float] = time.time,
    rand: Callable[[], float] = random.random,
    on_retry: Callable[[int, float, httpx.Response | None, BaseException | None], None] | None = None,
    operation: str = "",
) -> tuple[httpx.Response, int]:
    """Call ``send`` until it succeeds or `decide` says stop; return (last response, retries taken).

    The last response may be an error status: mapping it to an exception is the caller's job.
    Transport errors that are not retried propagate unchanged. ``deadline`` is an absolute time
    on ``clock``: no wait ever crosses it. ``on_retry(retry_number, delay, response, error)`` is
    called before each wait. ``sleep`` defaults to `asyncio.sleep`. ``operation`` (the operationId) names the
    call in the log lines.

    >>> async def fetch_clusters(client: httpx.AsyncClient) -> httpx.Response:
    ...     response, retries = await send_with_retries(
    ...         lambda: client.get("/api/atlas/v2/groups/5f1/clusters"),
    ...         policy=RetryPolicy(), method="GET", idempotent=True,
    ...     )
    ...     return response
    """
    retries = 0
    while True:
        response: httpx.Response | None = None
        error: Exception | None = None
        try:
            response = await send()
        except Exception as exc:
            # CancelledError is a BaseException and therefore never lands here.
            error = exc
        delay = decide(
            policy,
            attempt=retries,
            method=method,
            idempotent=idempotent,
            retry_unsafe=retry_unsafe,
            response=response,
            error=error,
            now=wall_clock(),
            rand=rand,
        )
        if isinstance(delay, float) and deadline is not None and clock() + delay > deadline:
            delay = RaiseNow(f"waiting {delay:g}s would cross the deadline")
        if not isinstance(delay, float):
            if isinstance(delay, RaiseNow):
                logger.info("not retrying %s: %s", _call_name(operation, method), delay.reason)
            if error is not None:
                raise error
            assert response is not None
            return response, retries
        retries += 1
        outcome = str(response.status_code) if response is not None else type(error).__name__
        logger.info(
            "retrying %s after %s (retry %d of %d) in %.2fs",
            _call_name(operation, method),
            outcome,
            retries,
            policy.max_retries,
            delay,
        )
        if on_retry is not None:
            on_retry(retries, delay, response, error)
        if response is not None:
            # An unread body would otherwise pin its pooled connection until garbage collection.
            await response.aclose()
        if sleep is None:
            # Imported here, not at module level: asyncio costs ~10 ms of `import atlas_admin`, and an app
            # that reaches this line has long loaded it.
            import asyncio

            sleep = asyncio.sleep
        await sleep(delay)
