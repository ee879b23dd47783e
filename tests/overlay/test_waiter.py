"""wait_until / wait_until_gone: polling with backoff, jitter, a deadline and cancellation, on a frozen clock."""

from __future__ import annotations

import asyncio
import pickle
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from atlas_admin import (
    AtlasError,
    AtlasNotFoundError,
    AtlasServerError,
    AtlasWaitTimeoutError,
    InvalidArgumentError,
    _waiter,
    wait_until,
    wait_until_gone,
)


class FrozenClock:
    """time.monotonic and asyncio.sleep stand-ins: sleeping moves the clock and nothing else."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds
        await asyncio.sleep(0)  # still a suspension point, as the real sleep is


class NoJitter:
    def uniform(self, low: float, high: float) -> float:
        return 0.0


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[FrozenClock]:
    frozen = FrozenClock()
    monkeypatch.setattr(_waiter, "_monotonic", frozen.monotonic)
    monkeypatch.setattr(_waiter, "_sleep", frozen.sleep)
    monkeypatch.setattr(_waiter, "_random", NoJitter())
    yield frozen


class States:
    """A fetch returning the given values in turn (the last one forever); counts its calls."""

    def __init__(self, *values: Any) -> None:
        self.values = list(values)
        self.calls = 0

    async def __call__(self) -> Any:
        self.calls += 1
        value = self.values[min(self.calls, len(self.values)) - 1]
        if isinstance(value, BaseException):
            raise value
        return value


def _not_found() -> AtlasNotFoundError:
    request = httpx.Request("GET", "https://cloud.mongodb.com/api/atlas/v2/groups/g/clusters/c")
    return AtlasNotFoundError(
        "Not Found",
        status=404,
        error_code="CLUSTER_NOT_FOUND",
        detail="",
        response=httpx.Response(404, request=request),
    )


@pytest.mark.parametrize(
    ("states", "options", "result", "checks", "sleeps"),
    [
        pytest.param(["IDLE"], {}, "IDLE", 1, [], id="already-there"),
        pytest.param(
            ["CREATING", "CREATING", "IDLE"],
            {"interval": 1, "backoff": 2, "max_interval": 10},
            "IDLE",
            3,
            [1, 2],
            id="backs-off",
        ),
        pytest.param(
            ["CREATING"] * 6 + ["IDLE"],
            {"interval": 1, "backoff": 2, "max_interval": 5, "timeout": 100},
            "IDLE",
            7,
            [1, 2, 4, 5, 5, 5],
            id="capped-at-max-interval",
        ),
        pytest.param(
            ["CREATING", "UPDATING", "IDLE"],
            {"interval": 3, "backoff": 1},
            "IDLE",
            3,
            [3, 3],
            id="constant-interval",
        ),
    ],
)
async def test_polls_until_the_predicate_holds(
    clock: FrozenClock, states: list[str], options: dict[str, float], result: str, checks: int, sleeps: list[float]
) -> None:
    fetch = States(*states)
    assert await wait_until(fetch, lambda s: s == "IDLE", **options) == result
    assert fetch.calls == checks
    assert clock.sleeps == sleeps


@pytest.mark.parametrize(
    ("options", "checks", "sleeps"),
    [
        pytest.param({"timeout": 10, "interval": 4, "backoff": 1}, 4, [4, 4, 2], id="last-check-at-the-deadline"),
        pytest.param({"timeout": 1, "interval": 5}, 2, [1], id="deadline-before-the-first-pause-ends"),
        pytest.param({"timeout": 7, "interval": 1, "backoff": 2}, 4, [1, 2, 4], id="backoff-meets-the-deadline"),
    ],
)
async def test_deadline(clock: FrozenClock, options: dict[str, float], checks: int, sleeps: list[float]) -> None:
    fetch = States({"stateName": "CREATING", "name": "demo"})
    start = clock.now
    with pytest.raises(AtlasWaitTimeoutError) as raised:
        await wait_until(fetch, lambda c: c["stateName"] == "IDLE", description="cluster demo to be IDLE", **options)
    error = raised.value
    assert fetch.calls == checks == error.attempts
    assert clock.sleeps == sleeps
    assert clock.now - start == pytest.approx(options["timeout"])
    assert error.elapsed == pytest.approx(options["timeout"])
    assert error.last_value == {"stateName": "CREATING", "name": "demo"}
    assert error.description == "cluster demo to be IDLE"
    message = str(error)
    assert "cluster demo to be IDLE" in message
    assert "'stateName': 'CREATING'" in message
    assert f"{checks} checks" in message
    assert isinstance(error, AtlasError) and isinstance(error, TimeoutError)


async def test_timeout_error_quotes_a_long_value_briefly_and_pickles(clock: FrozenClock) -> None:
    with pytest.raises(AtlasWaitTimeoutError) as raised:
        await wait_until(States("x" * 10_000), lambda v: False, timeout=1)
    assert len(str(raised.value)) < 500
    copy = pickle.loads(pickle.dumps(raised.value))
    assert type(copy) is AtlasWaitTimeoutError
    assert copy.attempts == raised.value.attempts and copy.last_value == "x" * 10_000


async def test_jitter_spreads_each_pause(clock: FrozenClock, monkeypatch: pytest.MonkeyPatch) -> None:
    spreads = iter([0.1, -0.1, 0.05])

    class Spread:
        def uniform(self, low: float, high: float) -> float:
            assert (low, high) == (-0.2, 0.2)
            return next(spreads)

    monkeypatch.setattr(_waiter, "_random", Spread())
    await wait_until(States(1, 2, 3, 4), lambda v: v == 4, interval=10, backoff=1, jitter=0.2)
    assert clock.sleeps == [11.0, 9.0, 10.5]


async def test_fetch_errors_propagate_at_once(clock: FrozenClock) -> None:
    boom = AtlasServerError("Server Error", status=503, error_code="SERVICE_UNAVAILABLE", detail="")
    fetch = States("CREATING", boom)
    with pytest.raises(AtlasServerError):
        await wait_until(fetch, lambda s: s == "IDLE", interval=1)
    assert fetch.calls == 2
    with pytest.raises(AtlasNotFoundError):
        await wait_until(States(_not_found()), lambda s: True)


@pytest.mark.parametrize(
    ("states", "checks"),
    [
        pytest.param([_not_found()], 1, id="gone-already"),
        pytest.param(["DELETING", "DELETING", _not_found()], 3, id="gone-after-deleting"),
    ],
)
async def test_wait_until_gone(clock: FrozenClock, states: list[Any], checks: int) -> None:
    fetch = States(*states)
    assert await wait_until_gone(fetch, interval=1) is None
    assert fetch.calls == checks


async def test_wait_until_gone_times_out_with_the_last_value(clock: FrozenClock) -> None:
    with pytest.raises(AtlasWaitTimeoutError) as raised:
        await wait_until_gone(States("DELETING"), timeout=5, interval=1)
    assert raised.value.last_value == "DELETING"
    assert "gone" in raised.value.description


async def test_cancellation_stops_polling(clock: FrozenClock) -> None:
    fetch = States("CREATING")
    task = asyncio.create_task(wait_until(fetch, lambda s: s == "IDLE", interval=1, timeout=10_000))
    for _ in range(5):
        await asyncio.sleep(0)
    calls = fetch.calls
    assert calls >= 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(5):
        await asyncio.sleep(0)
    assert fetch.calls == calls  # nothing keeps polling behind the caller's back


async def test_cancellation_during_a_check(clock: FrozenClock) -> None:
    started = asyncio.Event()

    async def slow() -> str:
        started.set()
        await asyncio.Event().wait()  # a request that never answers
        return "never"

    task = asyncio.create_task(wait_until(slow, lambda s: True))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_real_clock_and_sleep() -> None:
    fetch = States("CREATING", "IDLE")
    assert await wait_until(fetch, lambda s: s == "IDLE", interval=0.01, timeout=5) == "IDLE"


@pytest.mark.parametrize(
    ("options", "parameter"),
    [
        ({"timeout": 0}, "timeout"),
        ({"timeout": -1}, "timeout"),
        ({"timeout": float("nan")}, "timeout"),
        ({"interval": 0}, "interval"),
        ({"interval": True}, "interval"),
        ({"max_interval": float("inf")}, "max_interval"),
        ({"interval": 5, "max_interval": 1}, "max_interval"),
        ({"backoff": 0.5}, "backoff"),
        ({"jitter": 1}, "jitter"),
        ({"jitter": -0.1}, "jitter"),
        ({"timeout": "60"}, "timeout"),
    ],
)
async def test_bad_timings_are_rejected_before_any_check(options: dict[str, Any], parameter: str) -> None:
    fetch = States("IDLE")
    with pytest.raises(InvalidArgumentError) as raised:
        await wait_until(fetch, lambda s: True, **options)
    assert raised.value.parameter == parameter
    assert fetch.calls == 0
    with pytest.raises(InvalidArgumentError):
        await wait_until_gone(fetch, **options)
    assert fetch.calls == 0
