"""Serving FakeAtlas over real loopback HTTP with uvicorn, inside the caller's event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator, Generator

import uvicorn
from starlette.types import ASGIApp

STARTUP_TIMEOUT = 10.0


class _InLoopServer(uvicorn.Server):
    # The server runs as a task in someone else's event loop (pytest's, the CLI's): leave their signal
    # handling alone rather than let uvicorn capture SIGINT/SIGTERM for the duration.
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.stop_requested = asyncio.Event()

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield

    async def main_loop(self) -> None:
        # uvicorn only notices should_exit on its 0.1 s tick; tests start and stop servers all the time,
        # so wake up as soon as serve_in_background asks us to stop.
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864_000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop_requested.wait(), 0.1)


class _HideInjectedDisconnects(logging.Filter):
    """Uvicorn logs a traceback when the app aborts a response; for injected faults that is the point."""

    def filter(self, record: logging.LogRecord) -> bool:
        from ._app import InjectedDisconnect

        return not (record.exc_info and isinstance(record.exc_info[1], InjectedDisconnect))


_disconnect_filter = _HideInjectedDisconnects()


@contextlib.asynccontextmanager
async def serve_in_background(app: ASGIApp, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
    """Run ``app`` on ``host:port`` as a background task; yields the base URL and shuts down on exit."""
    # Bind the socket ourselves so that port 0 works and the URL is known before the first request.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this on Linux: uvicorn writes headers and body separately, and with
    # Nagle plus delayed ACKs every response would stall ~40 ms.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.setblocking(False)
    bound_port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, lifespan="off", log_level="warning", access_log=False, timeout_graceful_shutdown=2, ws="none"
    )
    server = _InLoopServer(config)
    error_logger = logging.getLogger("uvicorn.error")
    error_logger.addFilter(_disconnect_filter)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STARTUP_TIMEOUT
        while not server.started:
            if task.done():
                task.result()  # raises whatever stopped the server
                raise RuntimeError("FakeAtlas server stopped during startup")
            if loop.time() > deadline:
                raise TimeoutError(f"FakeAtlas did not start on {host}:{bound_port} within {STARTUP_TIMEOUT}s")
            await asyncio.sleep(0.005)
        url_host = f"[{host}]" if family == socket.AF_INET6 else host
        yield f"http://{url_host}:{bound_port}"
    finally:
        server.should_exit = True
        server.stop_requested.set()
        try:
            await asyncio.wait_for(task, timeout=STARTUP_TIMEOUT)
        except (TimeoutError, SystemExit):
            task.cancel()
        finally:
            sock.close()
            error_logger.removeFilter(_disconnect_filter)
