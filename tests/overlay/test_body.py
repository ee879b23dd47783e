"""read_body: chunked, bounded decoding of streamed httpx responses (MockTransport, no network)."""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import AsyncIterator

import httpx
import pytest
from atlas_admin._body import BodyError, read_body
from atlas_admin._constants import DECOMPRESSION_RATIO_FLOOR, MAX_DECOMPRESSION_RATIO

PAYLOAD = b'{"roleName": "r1", "actions": []}' * 50


class Chunks(httpx.AsyncByteStream):
    """A raw body delivered in pieces, remembering whether it was closed."""

    def __init__(self, *chunks: bytes) -> None:
        self.chunks = chunks
        self.sent = 0
        self.closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            self.sent += 1
            yield chunk

    async def aclose(self) -> None:
        self.closed = True


async def streamed(stream: Chunks, headers: dict[str, str]) -> httpx.Response:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, headers=headers, stream=stream))
    async with httpx.AsyncClient(transport=transport) as client:
        return await client.send(client.build_request("GET", "https://x.test/"), stream=True)


def pieces(data: bytes, size: int = 7) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


@pytest.mark.parametrize(
    ("encoding", "encoded"),
    [
        pytest.param("", PAYLOAD, id="identity"),
        pytest.param("gzip", gzip.compress(PAYLOAD), id="gzip"),
        pytest.param("x-gzip", gzip.compress(PAYLOAD), id="x-gzip"),
        pytest.param("deflate", zlib.compress(PAYLOAD), id="deflate-zlib"),
        pytest.param("deflate", zlib.compress(PAYLOAD, wbits=-15), id="deflate-raw"),
        pytest.param("gzip, deflate", zlib.compress(gzip.compress(PAYLOAD)), id="gzip-then-deflate"),
        pytest.param("gzip, gzip", gzip.compress(gzip.compress(PAYLOAD)), id="gzip-gzip"),
        pytest.param("identity, gzip", gzip.compress(PAYLOAD), id="identity-listed"),
    ],
)
async def test_decodes_every_supported_encoding_from_small_chunks(encoding: str, encoded: bytes) -> None:
    response = await streamed(Chunks(*pieces(encoded)), {"Content-Encoding": encoding} if encoding else {})
    assert await read_body(response, max_size=1 << 20) == PAYLOAD
    assert response.content == PAYLOAD
    assert response.text == PAYLOAD.decode()  # readable as after a non-streaming send


async def test_size_cap_counts_decoded_bytes_and_closes_the_stream() -> None:
    # Hex digits of random bytes compress about 2:1, so the gzip body spans many chunks.
    stream = Chunks(*pieces(gzip.compress(os.urandom(25_000).hex().encode()), 1000))
    response = await streamed(stream, {"Content-Encoding": "gzip"})
    with pytest.raises(BodyError, match="10000-byte limit"):
        await read_body(response, max_size=10_000)
    assert stream.closed
    assert stream.sent < len(stream.chunks)  # stopped reading at the cap


async def test_declared_length_over_the_cap_is_refused_before_reading() -> None:
    stream = Chunks(b"x" * 100)
    response = await streamed(stream, {"Content-Length": "100"})
    with pytest.raises(BodyError, match="50-byte limit"):
        await read_body(response, max_size=50)
    assert stream.sent == 0 and stream.closed


async def test_ratio_cap_applies_only_past_the_floor() -> None:
    under_floor = b" " * (DECOMPRESSION_RATIO_FLOOR // 2)  # compresses about 1000x, but is small
    response = await streamed(Chunks(gzip.compress(under_floor)), {"Content-Encoding": "gzip"})
    assert await read_body(response, max_size=1 << 30) == under_floor

    over_floor = b" " * (DECOMPRESSION_RATIO_FLOOR * 4)
    response = await streamed(Chunks(gzip.compress(over_floor)), {"Content-Encoding": "gzip"})
    with pytest.raises(BodyError, match=f"more than {MAX_DECOMPRESSION_RATIO} times"):
        await read_body(response, max_size=1 << 30)


@pytest.mark.parametrize(
    ("encoding", "body", "problem"),
    [
        pytest.param("br", b"\x1b", "unsupported Content-Encoding 'br'", id="brotli"),
        pytest.param("zstd", b"\x28\xb5", "unsupported Content-Encoding 'zstd'", id="zstd"),
        pytest.param("gzip", b"not gzip", "cannot be decoded", id="lying-gzip"),
        pytest.param("deflate", b"\xff\xff\xff", "cannot be decoded", id="bad-deflate"),
    ],
)
async def test_undecodable_bodies_are_body_errors(encoding: str, body: bytes, problem: str) -> None:
    stream = Chunks(body)
    response = await streamed(stream, {"Content-Encoding": encoding})
    with pytest.raises(BodyError, match=problem):
        await read_body(response, max_size=1 << 20)
    assert stream.closed


async def test_unknown_codings_are_ignored_like_httpx_does() -> None:
    response = await streamed(Chunks(PAYLOAD), {"Content-Encoding": "utf-8"})
    assert await read_body(response, max_size=1 << 20) == PAYLOAD


async def test_an_already_read_response_is_returned_as_it_is() -> None:
    response = httpx.Response(200, content=b"abc")
    assert await read_body(response, max_size=1) == b"abc"
