"""The retry rules, table-driven, with a fake clock and a sleep that only records its delays."""

from __future__ import annotations

import asyncio
import email.utils
import logging
from typing import Any

import httpx
import pytest
from atlas_admin._retry import RaiseNow, RetryPolicy, decide, is_idempotent, parse_retry_after, send_with_retries
from hypothesis import given
from hypothesis import strategies as st

URL = "https://cloud.mongodb.com/api/atlas/v2/groups/5f1/clusters"
NO_JITTER = 0.5  # rand() == 0.5 puts the jitter at its midpoint, so backoffs are exactly 0.5, 1, 2, ...


def answer(status: int, **headers: str) -> tuple[int, dict[str, str]]:
    return status, {name.replace("_", "-"): value for name, value in headers.items()}


class ScriptedSend:
    """Plays back a list of outcomes: (status, headers) answers or exceptions to raise."""

    def __init__(self, method: str, outcomes: list[Any]) -> None:
        self.request = httpx.Request(method, URL, headers={"Authorization": "Bearer tok-SECRET"})
        self.outcomes = list(outcomes)
        self.sent: list[httpx.Response] = []
        self.calls = 0

    async def __call__(self) -> httpx.Response:
        self.calls += 1
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        status, headers = outcome
        response = httpx.Response(status, headers=headers, content=b'{"detail": "BODY-SECRET"}', request=self.request)
        self.sent.append(response)
        return response


def exc(kind: type[Exception]) -> Exception:
    if issubclass(kind, httpx.RequestError):
        return kind("boom", request=httpx.Request("GET", URL))
    return kind("boom")


OK = answer(200)

# (method, outcomes, retry_unsafe, expected sends, expected sleeps, expected end: status or exception class)
CASES: list[tuple[Any, ...]] = [
    # idempotent methods: every listed status and transient error is retried with backoff 0.5, 1.0
    ("GET", [OK], False, 1, [], 200),
    ("GET", [answer(500), OK], False, 2, [0.5], 200),
    ("GET", [answer(502), answer(503), answer(504)], False, 3, [0.5, 1.0], 504),
    ("PUT", [answer(500), answer(500), OK], False, 3, [0.5, 1.0], 200),
    ("DELETE", [answer(429), OK], False, 2, [0.5], 200),
    ("HEAD", [answer(503), OK], False, 2, [0.5], 200),
    ("OPTIONS", [answer(504), OK], False, 2, [0.5], 200),
    ("GET", [answer(520)], False, 1, [], 520),  # not a listed status
    ("GET", [answer(501)], False, 1, [], 501),
    ("GET", [answer(400)], False, 1, [], 400),
    ("GET", [answer(401)], False, 1, [], 401),
    ("GET", [answer(403)], False, 1, [], 403),
    ("GET", [answer(404)], False, 1, [], 404),
    ("GET", [answer(409)], False, 1, [], 409),
    ("GET", [answer(422)], False, 1, [], 422),
    # Retry-After overrides backoff; above the cap we give up at once without sleeping
    ("GET", [answer(429, Retry_After="3"), OK], False, 2, [3.0], 200),
    ("GET", [answer(503, Retry_After="0"), OK], False, 2, [0.0], 200),
    ("GET", [answer(429, Retry_After="60"), OK], False, 2, [60.0], 200),
    ("GET", [answer(429, Retry_After="61")], False, 1, [], 429),
    ("GET", [answer(503, Retry_After="3600")], False, 1, [], 503),
    ("GET", [answer(429, Retry_After="soon"), OK], False, 2, [0.5], 200),
    ("GET", [answer(500, Retry_After="-7"), OK], False, 2, [0.0], 200),
    # non-idempotent methods: only answers that prove the request was not processed
    ("POST", [answer(429), OK], False, 2, [0.5], 200),
    ("POST", [answer(429, Retry_After="2"), OK], False, 2, [2.0], 200),
    ("POST", [answer(503, Retry_After="2"), OK], False, 2, [2.0], 200),
    ("POST", [answer(503)], False, 1, [], 503),
    ("POST", [answer(503, Retry_After="never")], False, 1, [], 503),
    ("POST", [answer(500)], False, 1, [], 500),
    ("POST", [answer(502)], False, 1, [], 502),
    ("POST", [answer(504)], False, 1, [], 504),
    ("PATCH", [answer(500)], False, 1, [], 500),
    ("PATCH", [answer(429), answer(429), answer(429)], False, 3, [0.5, 1.0], 429),
    ("POST", [answer(429, Retry_After="120")], False, 1, [], 429),
    # ... unless the caller opted in
    ("POST", [answer(500), OK], True, 2, [0.5], 200),
    ("PATCH", [answer(502), answer(504), OK], True, 3, [0.5, 1.0], 200),
    ("POST", [answer(400)], True, 1, [], 400),
    ("POST", [answer(520)], True, 1, [], 520),
    # transport errors
    ("GET", [exc(httpx.ConnectError), OK], False, 2, [0.5], 200),
    ("GET", [exc(httpx.ReadTimeout), OK], False, 2, [0.5], 200),
    ("GET", [exc(httpx.ReadError), OK], False, 2, [0.5], 200),
    ("GET", [exc(httpx.RemoteProtocolError), OK], False, 2, [0.5], 200),
    ("PUT", [exc(httpx.WriteTimeout), OK], False, 2, [0.5], 200),
    ("DELETE", [exc(httpx.ReadTimeout), OK], False, 2, [0.5], 200),
    ("GET", [exc(httpx.ConnectError)] * 3, False, 3, [0.5, 1.0], httpx.ConnectError),
    ("POST", [exc(httpx.ConnectError), OK], False, 2, [0.5], 200),
    ("POST", [exc(httpx.ConnectTimeout), OK], False, 2, [0.5], 200),
    ("PATCH", [exc(httpx.PoolTimeout), OK], False, 2, [0.5], 200),
    ("POST", [exc(httpx.ReadTimeout)], False, 1, [], httpx.ReadTimeout),
    ("POST", [exc(httpx.ReadError)], False, 1, [], httpx.ReadError),
    ("PATCH", [exc(httpx.RemoteProtocolError)], False, 1, [], httpx.RemoteProtocolError),
    ("POST", [exc(httpx.ReadTimeout), OK], True, 2, [0.5], 200),
    ("GET", [exc(httpx.UnsupportedProtocol)], False, 1, [], httpx.UnsupportedProtocol),
    ("GET", [exc(httpx.LocalProtocolError)], False, 1, [], httpx.LocalProtocolError),
    ("GET", [exc(ValueError)], False, 1, [], ValueError),
]


def case_id(case: tuple[Any, ...]) -> str:
    method, outcomes, retry_unsafe = case[0], case[1], case[2]
    steps = [str(o[0]) if isinstance(o, tuple) else type(o).__name__ for o in outcomes]
    return "-".join([method, *steps] + (["unsafe"] if retry_unsafe else []))


@pytest.mark.parametrize(
    ("method", "outcomes", "retry_unsafe", "sends", "sleeps", "end"),
    CASES,
    ids=[case_id(case) for case in CASES],
)
async def test_retry_table(
    method: str,
    outcomes: list[Any],
    retry_unsafe: bool,
    sends: int,
    sleeps: list[float],
    end: Any,
    clock: Any,
    sleep: Any,
) -> None:
    send = ScriptedSend(method, outcomes)
    run = send_with_retries(
        send,
        policy=RetryPolicy(),
        method=method,
        idempotent=is_idempotent(method),
        retry_unsafe=retry_unsafe,
        sleep=sleep,
        clock=clock,
        wall_clock=clock,
        rand=lambda: NO_JITTER,
    )
    if isinstance(end, int):
        response, retries = await run
        assert response.status_code == end
        assert retries == sends - 1
    else:
        with pytest.raises(end):
            await run
    assert send.calls == sends
    assert sleep.delays == sleeps


async def test_retry_after_http_date(clock: Any, sleep: Any) -> None:
    date = email.utils.formatdate(clock() + 5, usegmt=True)
    send = ScriptedSend("GET", [answer(503, Retry_After=date), OK])
    response, retries = await send_with_retries(
        send, policy=RetryPolicy(), method="GET", idempotent=True, sleep=sleep, clock=clock, wall_clock=clock
    )
    assert (response.status_code, retries) == (200, 1)
    assert sleep.delays == [5.0]


async def test_retry_after_http_date_beyond_the_cap_fails_at_once(clock: Any, sleep: Any) -> None:
    date = email.utils.formatdate(clock() + 600, usegmt=True)
    send = ScriptedSend("GET", [answer(429, Retry_After=date)])
    response, retries = await send_with_retries(
        send, policy=RetryPolicy(), method="GET", idempotent=True, sleep=sleep, clock=clock, wall_clock=clock
    )
    assert (response.status_code, retries, sleep.delays) == (429, 0, [])


async def test_max_retries_bounds_the_attempts(clock: Any, sleep: Any) -> None:
    send = ScriptedSend("GET", [answer(503)] * 6)
    response, retries = await send_with_retries(
        send,
        policy=RetryPolicy(max_retries=5),
        method="GET",
        idempotent=True,
        sleep=sleep,
        clock=clock,
        rand=lambda: NO_JITTER,
    )
    assert (response.status_code, retries, send.calls) == (503, 5, 6)
    assert sleep.delays == [0.5, 1.0, 2.0, 4.0, 8.0]


async def test_no_retries_when_max_retries_is_zero(clock: Any, sleep: Any) -> None:
    send = ScriptedSend("GET", [answer(503)])
    response, retries = await send_with_retries(
        send, policy=RetryPolicy(max_retries=0), method="GET", idempotent=True, sleep=sleep, clock=clock
    )
    assert (response.status_code, retries, sleep.delays) == (503, 0, [])


async def test_retried_responses_are_closed(clock: Any, sleep: Any) -> None:
    send = ScriptedSend("GET", [answer(500), answer(502), OK])
    response, _ = await send_with_retries(
        send, policy=RetryPolicy(), method="GET", idempotent=True, sleep=sleep, clock=clock
    )
    first, second, final = send.sent
    assert first.is_closed and second.is_closed
    assert final is response


async def test_cancellation_propagates_at_once(clock: Any, sleep: Any) -> None:
    send = ScriptedSend("GET", [asyncio.CancelledError(), OK])
    with pytest.raises(asyncio.CancelledError):
        await send_with_retries(send, policy=RetryPolicy(), method="GET", idempotent=True, sleep=sleep, clock=clock)
    assert (send.calls, sleep.delays) == (1, [])


async def test_cancellation_during_the_wait_propagates(clock: Any) -> None:
    async def cancelled_sleep(delay: float) -> None:
        raise asyncio.CancelledError

    send = ScriptedSend("GET", [answer(503), OK])
    with pytest.raises(asyncio.CancelledError):
        await send_with_retries(
            send, policy=RetryPolicy(), method="GET", idempotent=True, sleep=cancelled_sleep, clock=clock
        )
    assert send.calls == 1


async def test_deadline_stops_before_a_wait_that_would_cross_it(clock: Any, sleep: Any) -> None:
    send = ScriptedSend("GET", [answer(503), answer(503), OK])
    response, retries = await send_with_retries(
        send,
        policy=RetryPolicy(),
        method="GET",
        idempotent=True,
        deadline=clock() + 1.2,  # room for the 0.5 s wait, not for the following 1.0 s one
        sleep=sleep,
        clock=clock,
        rand=lambda: NO_JITTER,
    )
    assert (response.status_code, retries, send.calls) == (503, 1, 2)
    assert sleep.delays == [0.5]


async def test_deadline_reraises_the_last_transport_error(clock: Any, sleep: Any) -> None:
    send = ScriptedSend("GET", [exc(httpx.ConnectError), OK])
    with pytest.raises(httpx.ConnectError):
        await send_with_retries(
            send,
            policy=RetryPolicy(),
            method="GET",
            idempotent=True,
            deadline=clock() + 0.1,
            sleep=sleep,
            clock=clock,
            rand=lambda: NO_JITTER,
        )
    assert sleep.delays == []


async def test_deadline_applies_to_retry_after(clock: Any, sleep: Any) -> None:
    send = ScriptedSend("GET", [answer(429, Retry_After="30"), OK])
    response, _ = await send_with_retries(
        send, policy=RetryPolicy(), method="GET", idempotent=True, deadline=clock() + 10, sleep=sleep, clock=clock
    )
    assert (response.status_code, sleep.delays) == (429, [])


async def test_on_retry_and_log_lines(clock: Any, sleep: Any, caplog: pytest.LogCaptureFixture) -> None:
    seen: list[tuple[int, float, int | None, str | None]] = []

    def on_retry(number: int, delay: float, response: httpx.Response | None, error: BaseException | None) -> None:
        seen.append(
            (number, delay, response.status_code if response else None, type(error).__name__ if error else None)
        )

    send = ScriptedSend("GET", [answer(503), exc(httpx.ConnectError), OK])
    with caplog.at_level(logging.INFO, logger="atlas_admin"):
        await send_with_retries(
            send,
            policy=RetryPolicy(),
            method="GET",
            idempotent=True,
            sleep=sleep,
            clock=clock,
            rand=lambda: NO_JITTER,
            on_retry=on_retry,
        )
    assert seen == [(1, 0.5, 503, None), (2, 1.0, None, "ConnectError")]
    messages = [record.getMessage() for record in caplog.records if record.name == "atlas_admin"]
    assert messages == [
        "retrying GET after 503 (retry 1 of 2) in 0.50s",
        "retrying GET after ConnectError (retry 2 of 2) in 1.00s",
    ]
    assert all(record.levelno == logging.INFO for record in caplog.records)
    assert "SECRET" not in caplog.text


def test_jitter_bounds_at_the_extremes() -> None:
    policy = RetryPolicy()
    assert policy.backoff(0, rand=lambda: 0.0) == pytest.approx(0.375)
    assert policy.backoff(0, rand=lambda: 0.999999) == pytest.approx(0.625, abs=1e-5)
    assert policy.backoff(4, rand=lambda: 0.999999) == 8.0  # never above backoff_max
    assert policy.backoff(4, rand=lambda: 0.0) == pytest.approx(6.0)


@given(
    attempt=st.integers(min_value=0, max_value=10_000), draw=st.floats(min_value=0.0, max_value=1.0, exclude_max=True)
)
def test_backoff_stays_within_jitter_of_the_capped_exponential(attempt: int, draw: float) -> None:
    policy = RetryPolicy()
    base = min(8.0, 0.5 * 2.0 ** min(attempt, 62))
    delay = policy.backoff(attempt, rand=lambda: draw)
    assert base * 0.75 - 1e-9 <= delay <= min(8.0, base * 1.25) + 1e-9


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5", 5.0),
        (" 7 ", 7.0),
        ("1.5", 1.5),
        ("0", 0.0),
        ("-3", 0.0),
        ("", None),
        ("soon", None),
        ("nan", None),
        ("inf", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # in the past
        ("Tue, 14 Nov 2023 22:13:30 GMT", 10.0),  # 10 s after the fake now (1_700_000_000)
        ("Tue, 14 Nov 2023 22:13:30", 10.0),  # no zone: read as GMT
        ("Tue, 99 Nov 2023 22:13:30 GMT", None),
    ],
)
def test_parse_retry_after(value: str, expected: float | None) -> None:
    assert parse_retry_after(value, now=1_700_000_000.0) == expected
    assert RetryPolicy().parse_retry_after(value, now=1_700_000_000.0) == expected


def test_decide_explains_why_it_refuses_a_long_retry_after() -> None:
    decision = decide(
        RetryPolicy(),
        attempt=0,
        method="GET",
        idempotent=True,
        retry_unsafe=False,
        response=httpx.Response(429, headers={"Retry-After": "300"}),
        error=None,
        now=0.0,
    )
    assert isinstance(decision, RaiseNow)
    assert "300" in decision.reason and "60" in decision.reason


def test_decide_never_retries_base_exceptions() -> None:
    for error in (asyncio.CancelledError(), KeyboardInterrupt()):
        assert (
            decide(
                RetryPolicy(),
                attempt=0,
                method="GET",
                idempotent=True,
                retry_unsafe=True,
                response=None,
                error=error,
                now=0.0,
            )
            is None
        )


def test_policy_accepts_any_iterable_of_statuses() -> None:
    policy = RetryPolicy(retry_statuses={503})  # type: ignore[arg-type]
    assert policy.retry_statuses == frozenset({503})
    assert is_idempotent("get") and not is_idempotent("patch")


@pytest.mark.parametrize(
    ("status", "retry_after", "expected"),
    [(503, None, "backoff"), (429, 3.0, 3.0), (500, None, "backoff"), (401, None, None), (503, 600.0, "raise")],
)
def test_token_endpoint_failures_are_retried_for_any_method(
    status: int, retry_after: float | None, expected: object
) -> None:
    from atlas_admin._errors import AtlasApiError

    error = AtlasApiError("token request failed", status=status, retry_after=retry_after)
    error.before_request = True
    delay = decide(
        RetryPolicy(),
        attempt=0,
        method="POST",
        idempotent=False,
        retry_unsafe=False,
        response=None,
        error=error,
        now=0.0,
        rand=lambda: 0.5,
    )
    if expected == "backoff":
        assert isinstance(delay, float) and 0 < delay <= 1.0
    elif expected == "raise":
        assert isinstance(delay, RaiseNow)
    else:
        assert delay == expected


async def test_retry_log_lines_name_the_operation(clock: Any, sleep: Any, caplog: pytest.LogCaptureFixture) -> None:
    responses = iter([httpx.Response(503), httpx.Response(200)])

    async def send() -> httpx.Response:
        return next(responses)

    with caplog.at_level(logging.INFO, logger="atlas_admin"):
        await send_with_retries(
            send,
            policy=RetryPolicy(),
            method="GET",
            idempotent=True,
            sleep=sleep,
            clock=clock,
            rand=lambda: NO_JITTER,
            operation="listExportBuckets",
        )
    messages = [record.getMessage() for record in caplog.records if record.name == "atlas_admin"]
    assert messages == ["retrying listExportBuckets (GET) after 503 (retry 1 of 2) in 0.50s"]
