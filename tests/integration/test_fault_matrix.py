"""Every transport and server fault, for a GET and a POST, through AtlasClient over real loopback HTTP.

One test per cell. Each cell states what the caller gets (a result or a typed error), how often the
fake saw the request (a POST is only repeated when the server provably did not act on it, or when the
caller opted in with ``retry_unsafe``), and which waits the retry loop asked for. After every cell the
same client makes a normal call, and once it is closed no connection or file descriptor is left over.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import Awaitable, Callable
from typing import Any

import attrs
import pytest
from atlas_admin import (
    AtlasClient,
    AtlasConnectionError,
    AtlasError,
    AtlasRateLimitError,
    AtlasResponseError,
    AtlasServerError,
    AtlasTimeoutError,
)
from atlas_admin.models import ExportBucketRequestAWS
from atlas_admin.testing import FakeAtlas, Fault
from integration_support import (
    CALL_TIMEOUT,
    GROUP_ID,
    IAM_ROLE_ID,
    RecordingSleep,
    busy_connections,
    closed_port_url,
    open_fd_count,
    pool_connections,
    settle_fds,
    within,
)

# Longer than CALL_TIMEOUT, so the client gives up first.
SLOW_ANSWER = CALL_TIMEOUT + 0.4
# No cell may take longer than this; the slowest (three read timeouts) needs about 1.5 s.
CELL_LIMIT = 5.0
RETRY_AFTER_SECONDS = 7.0


def http_date(seconds_ahead: float) -> str:
    return email.utils.formatdate(time.time() + seconds_ahead, usegmt=True)


async def list_buckets(atlas: AtlasClient) -> Any:
    return await atlas.cloud_backups.list_export_buckets(GROUP_ID)


async def create_bucket(atlas: AtlasClient) -> Any:
    body = ExportBucketRequestAWS(bucket_name="export-bucket", iam_role_id=IAM_ROLE_ID)
    return await atlas.cloud_backups.create_export_bucket(GROUP_ID, body=body)


@attrs.frozen
class Method:
    name: str
    operation_id: str
    call: Callable[[AtlasClient], Awaitable[Any]]


GET = Method("GET", "listExportBuckets", list_buckets)
POST = Method("POST", "createExportBucket", create_bucket)


@attrs.frozen
class Cell:
    name: str
    method: Method
    # None: the client talks to a closed port instead of the fake.
    fault: Callable[[], Fault] | None
    raises: type[AtlasError] | None
    attempts: int
    # The waits the retry loop asked for: None means "as many as retries, each a short backoff".
    waits: Callable[[list[float]], bool] | None = None
    options: dict[str, Any] = attrs.field(factory=dict)

    @property
    def id(self) -> str:
        return f"{self.method.name}-{self.name}"


def backoffs(count: int) -> Callable[[list[float]], bool]:
    return lambda delays: len(delays) == count and all(0 <= d <= 0.01 for d in delays)


def exactly(*expected: float) -> Callable[[list[float]], bool]:
    return lambda delays: delays == list(expected)


def about(seconds: float, count: int) -> Callable[[list[float]], bool]:
    # An HTTP date has whole-second resolution and is read a moment after it was written.
    return lambda delays: len(delays) == count and all(seconds - 1.5 <= d <= seconds + 0.01 for d in delays)


NO_WAITS = exactly()

# (name, fault) -> outcome for GET and POST. Statuses not retried for POST are those the server may
# have answered after acting; 429 and 503-with-Retry-After say it did not.
CELLS = [
    # --- 429 ----------------------------------------------------------------------------------------
    *(
        Cell(
            "429-retry-after-seconds",
            m,
            lambda: Fault.error(429, retry_after="7", times=None),
            AtlasRateLimitError,
            3,
            exactly(RETRY_AFTER_SECONDS, RETRY_AFTER_SECONDS),
        )
        for m in (GET, POST)
    ),
    *(
        Cell(
            "429-retry-after-date",
            m,
            lambda: Fault.error(429, retry_after=http_date(5), times=None),
            AtlasRateLimitError,
            3,
            about(5, 2),
        )
        for m in (GET, POST)
    ),
    *(
        Cell("429-no-retry-after", m, lambda: Fault.error(429, times=None), AtlasRateLimitError, 3, backoffs(2))
        for m in (GET, POST)
    ),
    *(
        Cell(
            "429-retry-after-above-cap",
            m,
            lambda: Fault.error(429, retry_after="120", times=None),
            AtlasRateLimitError,
            1,
            NO_WAITS,
        )
        for m in (GET, POST)
    ),
    Cell("429-once-then-ok", GET, lambda: Fault.error(429, retry_after="0"), None, 2, exactly(0.0)),
    Cell("429-once-then-ok", POST, lambda: Fault.error(429, retry_after="0"), None, 2, exactly(0.0)),
    # --- 5xx ----------------------------------------------------------------------------------------
    *(
        Cell(f"{status}", GET, lambda status=status: Fault.error(status, times=None), AtlasServerError, 3, backoffs(2))
        for status in (500, 502, 503, 504)
    ),
    *(
        Cell(f"{status}", POST, lambda status=status: Fault.error(status, times=None), AtlasServerError, 1, NO_WAITS)
        for status in (500, 502, 503, 504)
    ),
    Cell("520", GET, lambda: Fault.error(520, times=None), AtlasServerError, 1, NO_WAITS),
    Cell("520", POST, lambda: Fault.error(520, times=None), AtlasServerError, 1, NO_WAITS),
    Cell("503-once-then-ok", GET, lambda: Fault.error(503), None, 2, backoffs(1)),
    Cell(
        "503-retry-after",
        POST,
        lambda: Fault.error(503, retry_after="1", times=None),
        AtlasServerError,
        3,
        exactly(1.0, 1.0),
    ),
    Cell(
        "500-retry-unsafe",
        POST,
        lambda: Fault.error(500, times=None),
        AtlasServerError,
        3,
        backoffs(2),
        {"retry_unsafe": True},
    ),
    Cell(
        "503-retry-after-beyond-deadline",
        GET,
        lambda: Fault.error(503, retry_after="7", times=None),
        AtlasServerError,
        1,
        NO_WAITS,
        {"deadline": 3.0},
    ),
    Cell(
        "500-no-retries", GET, lambda: Fault.error(500, times=None), AtlasServerError, 1, NO_WAITS, {"max_retries": 0}
    ),
    # --- transport ----------------------------------------------------------------------------------
    # Nothing reached a server, so even a POST is repeated.
    Cell("connection-refused", GET, None, AtlasConnectionError, 0, backoffs(2)),
    Cell("connection-refused", POST, None, AtlasConnectionError, 0, backoffs(2)),
    Cell("reset-mid-body", GET, lambda: Fault.disconnect(times=None), AtlasConnectionError, 3, backoffs(2)),
    Cell("reset-mid-body", POST, lambda: Fault.disconnect(times=None), AtlasConnectionError, 1, NO_WAITS),
    Cell(
        "reset-mid-body-retry-unsafe",
        POST,
        lambda: Fault.disconnect(times=None),
        AtlasConnectionError,
        3,
        backoffs(2),
        {"retry_unsafe": True},
    ),
    Cell("read-timeout", GET, lambda: Fault.delay(SLOW_ANSWER, times=None), AtlasTimeoutError, 3, backoffs(2)),
    Cell("read-timeout", POST, lambda: Fault.delay(SLOW_ANSWER, times=None), AtlasTimeoutError, 1, NO_WAITS),
    Cell("read-timeout-once-then-ok", GET, lambda: Fault.delay(SLOW_ANSWER), None, 2, backoffs(1)),
    # --- bodies that are not what the documentation promises ---------------------------------------
    *(
        Cell(name, m, fault, AtlasResponseError, 1, NO_WAITS)
        for m in (GET, POST)
        for name, fault in (
            ("truncated-json", lambda: Fault.truncated_json(times=None)),
            ("html-200", lambda: Fault.html(times=None)),
            ("wrong-shape", lambda: Fault.wrong_shape(times=None)),
        )
    ),
    Cell("html-502", GET, lambda: Fault.html(status=502, times=None), AtlasServerError, 3, backoffs(2)),
    Cell("html-502", POST, lambda: Fault.html(status=502, times=None), AtlasServerError, 1, NO_WAITS),
    *(Cell("large-body", m, lambda: Fault.large_body(times=None), None, 1, NO_WAITS) for m in (GET, POST)),
]


def test_cell_ids_are_unique() -> None:
    ids = [cell.id for cell in CELLS]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("cell", CELLS, ids=[cell.id for cell in CELLS])
async def test_fault_cell(
    cell: Cell, fake: FakeAtlas, base_url: str, make_client: Callable[..., AtlasClient], retry_sleeps: RecordingSleep
) -> None:
    fds_before = open_fd_count()
    atlas = make_client(base_url=closed_port_url() if cell.fault is None else base_url, **cell.options)
    if cell.fault is not None:
        await within(CELL_LIMIT, list_buckets(atlas))  # fetch the token first, so only the API call is counted
        fake.stats.requests_by_operation.clear()
        fake.inject(cell.method.operation_id, cell.fault())

    started = time.monotonic()
    if cell.raises is None:
        result = await within(CELL_LIMIT, cell.method.call(atlas))
        assert result is not None
    else:
        with pytest.raises(cell.raises) as caught:
            await within(CELL_LIMIT, cell.method.call(atlas))
        assert type(caught.value) is cell.raises
    elapsed = time.monotonic() - started

    assert fake.stats.requests_by_operation[cell.method.operation_id] == cell.attempts
    assert cell.waits is not None and cell.waits(retry_sleeps.delays), retry_sleeps.delays
    # Each attempt is bounded by the timeout; the recorded waits were not really slept.
    assert elapsed < cell.attempts * CALL_TIMEOUT + 1.0 + (0.5 if cell.fault is None else 0)
    assert busy_connections(atlas) == []

    if cell.fault is not None:
        fake.clear_faults()
        # Let a delayed answer that the client gave up on finish, so the server is idle again.
        await asyncio.sleep(SLOW_ANSWER if "timeout" in cell.name else 0)
        assert await within(CELL_LIMIT, cell.method.call(atlas)) is not None
        assert busy_connections(atlas) == []

    await within(CELL_LIMIT, atlas.aclose())
    assert pool_connections(atlas) == []
    assert await settle_fds(fds_before) <= fds_before


async def test_cancelled_get_is_not_retried_and_leaves_client_usable(
    fake: FakeAtlas, make_client: Callable[..., AtlasClient], retry_sleeps: RecordingSleep
) -> None:
    fds_before = open_fd_count()
    atlas = make_client()
    await within(CELL_LIMIT, list_buckets(atlas))
    fake.stats.requests_by_operation.clear()
    fake.inject(GET.operation_id, Fault.delay(SLOW_ANSWER / 2))

    task = asyncio.create_task(list_buckets(atlas))
    while fake.stats.requests_by_operation[GET.operation_id] == 0:
        await asyncio.sleep(0.005)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await within(CELL_LIMIT, task)

    assert fake.stats.requests_by_operation[GET.operation_id] == 1
    assert retry_sleeps.delays == []
    await asyncio.sleep(SLOW_ANSWER / 2)
    assert await within(CELL_LIMIT, list_buckets(atlas)) is not None
    await within(CELL_LIMIT, atlas.aclose())
    assert await settle_fds(fds_before) <= fds_before
