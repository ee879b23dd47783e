"""A hand-rolled HTTP/1.1 server on loopback that answers whatever bytes a test scripts, however hostile.

Each request is parsed just enough (request line, headers, Content-Length body) to be recorded; the test's
``answer(request)`` coroutine then returns raw bytes to write (or writes itself through ``request.writer``).
Connections are kept alive, so a test can also tell whether the client dropped one.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import attrs

TOKEN_PATH = "/api/oauth/token"
REVOKE_PATH = "/api/oauth/revoke"
JSON = "application/json"


@attrs.define
class SeenRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    writer: asyncio.StreamWriter = attrs.field(repr=False)


Answer = Callable[[SeenRequest], Awaitable[bytes | None]]


def response(
    status: int, body: bytes = b"", *, headers: dict[str, str] | None = None, content_type: str | None = JSON
) -> bytes:
    """Raw bytes of one HTTP/1.1 response with a Content-Length (headers given as they are, even hostile)."""
    lines = [f"HTTP/1.1 {status} X"]
    all_headers = {"Content-Length": str(len(body))}
    if content_type is not None and body:
        all_headers["Content-Type"] = content_type
    all_headers.update(headers or {})
    lines += [f"{name}: {value}" for name, value in all_headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body


class HostileServer:
    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.requests: list[SeenRequest] = []
        self.connections = 0
        self.closed_by_client = 0
        self._writers: set[asyncio.StreamWriter] = set()

    def paths(self) -> list[str]:
        return [request.path.split("?")[0] for request in self.requests]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *header_lines = head.decode("latin-1").split("\r\n")
                method, path, _ = request_line.split(" ", 2)
                headers = {}
                for line in header_lines:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                request = SeenRequest(method, path, headers, body, writer)
                self.requests.append(request)
                raw = await self.answer(request)
                if raw is None:  # the answer wrote (or hung up) itself
                    return
                writer.write(raw)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            self.closed_by_client += 1
        except asyncio.CancelledError:
            # A stalling answer still running when the test's loop ends: nothing left to serve.
            pass
        finally:
            self._writers.discard(writer)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    @contextlib.asynccontextmanager
    async def serve(self) -> AsyncIterator[str]:
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.close()
            for writer in list(self._writers):
                writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 2)


def token_answer(token: str = "tok-ok", expires_in: object = 3600) -> bytes:
    import json

    return response(200, json.dumps({"access_token": token, "expires_in": expires_in}).encode())
