"""Helpers shared by the end-to-end tests (AtlasClient against FakeAtlas over real loopback HTTP)."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Awaitable
from typing import Any, TypeVar

from atlas_admin import AtlasClient, RetryPolicy

GROUP_ID = "32b6e34b3d91647abb20e7b8"
IAM_ROLE_ID = "5f1e2d3c4b5a69788796a5b4"
CLIENT_ID = "mdb_sa_id_demo"
CLIENT_SECRET = "mdb_sa_sk_demo"
PUBLIC_KEY = "publickey"
PRIVATE_KEY = "privatekey"
# Waits shrink to milliseconds so that a matrix of retrying cells stays fast; the rules stay the same.
FAST_RETRIES = RetryPolicy(backoff_initial=0.001, backoff_max=0.002)
# Small enough that a read-timeout cell costs little, large enough that a loaded CI box answers in time.
CALL_TIMEOUT = 0.5

T = TypeVar("T")


class RecordingSleep:
    """Stands in for the retry loop's sleep: records each requested delay and yields without waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        await asyncio.sleep(0)


def closed_port_url() -> str:
    """The URL of a loopback port nothing listens on (bound, then released), for "connection refused"."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def open_fd_count() -> int:
    return len(os.listdir("/proc/self/fd"))


async def settle_fds(baseline: int, margin: int = 0, wait: float = 2.0) -> int:
    """The open fd count once it is back at ``baseline + margin``, or after ``wait`` seconds.

    The server side of a closed connection is closed by the event loop a moment later, so poll.
    """
    loop = asyncio.get_running_loop()
    give_up = loop.time() + wait
    count = open_fd_count()
    while count > baseline + margin and loop.time() < give_up:
        await asyncio.sleep(0.02)
        count = open_fd_count()
    return count


def pool_connections(atlas: AtlasClient) -> list[Any]:
    """The httpcore connections of the client's owned pool (empty once it is closed)."""
    return list(atlas._http._transport._pool.connections)  # type: ignore[attr-defined]


def busy_connections(atlas: AtlasClient) -> list[Any]:
    """Connections still serving a request: once every call has returned there must be none."""
    return [conn for conn in pool_connections(atlas) if not (conn.is_idle() or conn.is_closed())]


async def within(seconds: float, call: Awaitable[T]) -> T:
    """Await ``call`` but fail the test instead of hanging if it takes longer than ``seconds``."""
    async with asyncio.timeout(seconds):
        return await call
