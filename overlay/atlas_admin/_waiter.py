"""Waiting for long-running operations: poll a read until a condition holds, with backoff and a deadline.

Creating a cluster answers at once with ``stateName == "CREATING"``; the cluster is usable minutes later::

    cluster = await wait_until(
        lambda: atlas.clusters.get_cluster(group_id, "demo"),
        lambda c: c.state_name == "IDLE",
        timeout=1800,
        description="cluster demo to be IDLE",
    )
    await atlas.clusters.delete_cluster(group_id, "demo")
    await wait_until_gone(lambda: atlas.clusters.get_cluster(group_id, "demo"), timeout=1800)
"""

from __future__ import annotations

import asyncio
import math
import random
import reprlib
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from atlas_admin_api._operations import InvalidArgumentError

from ._constants import (
    WAIT_BACKOFF_FACTOR,
    WAIT_INITIAL_INTERVAL,
    WAIT_JITTER,
    WAIT_MAX_INTERVAL,
    WAIT_REPR_LIMIT,
    WAIT_TIMEOUT,
)
from ._errors import AtlasError, AtlasNotFoundError

T = TypeVar("T")

# Looked up at call time so that tests can stand in a frozen clock and a sleep that moves it.
_monotonic = time.monotonic
_sleep = asyncio.sleep
_random = random.Random()


class AtlasWaitTimeoutError(AtlasError, TimeoutError):
    """The condition a waiter polled for did not hold before its deadline.

    ``description`` says what was awaited, ``last_value`` is what the last check saw (None when no
    check completed), ``attempts`` how many checks ran and ``elapsed`` how long it took in seconds.

    Usage::

        try:
            await wait_until(fetch, lambda c: c.state_name == "IDLE", timeout=600)
        except AtlasWaitTimeoutError as exc:
            print(exc.description, exc.last_value)
    """

    def __init__(
        self, message: str, *, description: str, timeout: float, attempts: int, elapsed: float, last_value: Any
    ) -> None:
        super().__init__(message)
        self.description = description
        self.timeout = timeout
        self.attempts = attempts
        self.elapsed = elapsed
        self.last_value = last_value


class _Gone:
    def __repr__(self) -> str:
        return "<gone: 404>"


_GONE = _Gone()


async def wait_until(
    fetch: Callable[[], Awaitable[T]],
    predicate: Callable[[T], bool],
    *,
    timeout: float = WAIT_TIMEOUT,
    interval: float = WAIT_INITIAL_INTERVAL,
    max_interval: float = WAIT_MAX_INTERVAL,
    backoff: float = WAIT_BACKOFF_FACTOR,
    jitter: float = WAIT_JITTER,
    description: str | None = None,
) -> T:
    """Call ``fetch()`` until ``predicate`` holds for its result, and return that result.

    The first check runs at once; the pause after each failed check starts at ``interval`` seconds and
    grows by ``backoff`` up to ``max_interval``, spread by +/- ``jitter`` (a fraction) so that many
    waiters do not poll in lockstep. The last check runs at the deadline, ``timeout`` seconds after the
    start (a check takes as long as the client's own timeout allows); if it fails too,
    `AtlasWaitTimeoutError` says what was awaited and the last value seen. Errors from
    ``fetch`` (an `AtlasNotFoundError`, say) propagate at once: use `wait_until_gone` to wait for a
    404. Cancelling the awaiting task stops the polling; nothing is left running.

    ``await wait_until(lambda: atlas.clusters.get_cluster(g, "c"), lambda c: c.state_name == "IDLE")``
    """
    _check_timing(timeout, interval, max_interval, backoff, jitter)
    what = description or "the condition to hold"
    start = _monotonic()
    deadline = start + timeout
    delay = interval
    attempts = 0
    last: Any = None
    while True:
        value = await fetch()
        attempts += 1
        if predicate(value):
            return value
        last = value
        now = _monotonic()
        if now >= deadline:
            raise _timed_out(what, timeout, attempts, now - start, last)
        spread = 1.0 + _random.uniform(-jitter, jitter) if jitter else 1.0
        # The last pause ends at the deadline, so that the last check sees the state at the deadline.
        await _sleep(min(delay * spread, deadline - now))
        delay = min(delay * backoff, max_interval)


async def wait_until_gone(
    fetch: Callable[[], Awaitable[object]],
    *,
    timeout: float = WAIT_TIMEOUT,
    interval: float = WAIT_INITIAL_INTERVAL,
    max_interval: float = WAIT_MAX_INTERVAL,
    backoff: float = WAIT_BACKOFF_FACTOR,
    jitter: float = WAIT_JITTER,
    description: str | None = None,
) -> None:
    """Call ``fetch()`` until it raises `AtlasNotFoundError` (a 404): the resource is deleted.

    Same timing and deadline as `wait_until`; other errors propagate at once.

    ``await wait_until_gone(lambda: atlas.clusters.get_cluster(g, "c"), timeout=1800)``
    """

    async def fetch_or_gone() -> object:
        try:
            return await fetch()
        except AtlasNotFoundError:
            return _GONE

    await wait_until(
        fetch_or_gone,
        lambda value: value is _GONE,
        timeout=timeout,
        interval=interval,
        max_interval=max_interval,
        backoff=backoff,
        jitter=jitter,
        description=description or "the resource to be gone (404)",
    )


def _check_timing(timeout: float, interval: float, max_interval: float, backoff: float, jitter: float) -> None:
    """Reject impossible timings before the first request, naming the parameter."""
    for name, value in (("timeout", timeout), ("interval", interval), ("max_interval", max_interval)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            raise InvalidArgumentError(name, f"must be a positive number of seconds, not {value!r}")
    if max_interval < interval:
        raise InvalidArgumentError("max_interval", f"must be at least interval ({interval}), not {max_interval!r}")
    if isinstance(backoff, bool) or not isinstance(backoff, (int, float)) or not 1 <= backoff < math.inf:
        raise InvalidArgumentError("backoff", f"must be a factor of at least 1, not {backoff!r}")
    if isinstance(jitter, bool) or not isinstance(jitter, (int, float)) or not 0 <= jitter < 1:
        raise InvalidArgumentError("jitter", f"must be a fraction from 0 to below 1, not {jitter!r}")


def _timed_out(what: str, timeout: float, attempts: int, elapsed: float, last: Any) -> AtlasWaitTimeoutError:
    return AtlasWaitTimeoutError(
        f"gave up waiting for {what} after {elapsed:.1f}s (timeout {timeout}s, {attempts} checks); "
        f"last seen: {_REPR.repr(last)}",
        description=what,
        timeout=timeout,
        attempts=attempts,
        elapsed=elapsed,
        last_value=last,
    )


_REPR = reprlib.Repr()
_REPR.maxstring = WAIT_REPR_LIMIT
_REPR.maxother = WAIT_REPR_LIMIT
