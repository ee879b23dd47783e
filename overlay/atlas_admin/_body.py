"""Reading response bodies with bounded memory: chunked, decoded step by step, capped in size and ratio.

httpx decodes a whole chunk in one step, so a 2 KB ``Content-Encoding: gzip, gzip`` body becomes 1 GiB at once.
Here the raw bytes are read in chunks and every decoding layer produces at most `DECODE_CHUNK_SIZE` bytes per
step; each layer's output is checked against the size cap and the decompression-ratio cap as it grows, so a
hostile body is refused after about a megabyte of work, and its connection is closed rather than drained.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

import httpx

from ._constants import DECODE_CHUNK_SIZE, DECOMPRESSION_RATIO_FLOOR, MAX_DECOMPRESSION_RATIO

__all__ = ["BodyError", "read_body"]

# Compression schemes whose decoders cannot be bounded here; any other unknown coding is ignored, as httpx does.
_UNSUPPORTED = frozenset({"br", "zstd", "compress", "x-compress"})


class BodyError(Exception):
    """The body was refused (too large, too compressed, undecodable); ``problem`` says why, without the body."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


class _Layer:
    """One Content-Encoding step (gzip or deflate), decoding at most DECODE_CHUNK_SIZE bytes at a time."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self.produced = 0
        # Deflate is zlib-wrapped by the RFC but raw in practice too: like httpx, try zlib first.
        self._raw_deflate_fallback = coding == "deflate"
        wbits = zlib.MAX_WBITS | 16 if coding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self._decompressor = zlib.decompressobj(wbits)

    def step(self, data: bytes) -> bytes:
        try:
            out = self._decompressor.decompress(data, DECODE_CHUNK_SIZE)
        except zlib.error:
            if not self._raw_deflate_fallback:
                raise
            self._raw_deflate_fallback = False
            self._decompressor = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._decompressor.decompress(data, DECODE_CHUNK_SIZE)
        self._raw_deflate_fallback = False
        return out

    @property
    def unconsumed(self) -> bytes:
        return self._decompressor.unconsumed_tail


class _BoundedDecoder:
    def __init__(self, content_encoding: str, *, max_size: int, max_ratio: float) -> None:
        codings = [part.strip().lower() for part in content_encoding.split(",")]
        for coding in codings:
            if coding in _UNSUPPORTED:
                raise BodyError(f"unsupported Content-Encoding {coding!r}")
        # The last coding listed was applied last, so it is undone first.
        self._layers = [_Layer(c) for c in reversed(codings) if c in ("gzip", "x-gzip", "deflate")]
        self._max_size = max_size
        self._max_ratio = max_ratio
        self.raw_size = 0

    def feed(self, chunk: bytes) -> Iterator[bytes]:
        self.raw_size += len(chunk)
        if not self._layers:
            self._check(self.raw_size, "")
            yield chunk
            return
        yield from self._pump(0, chunk)

    def _pump(self, index: int, data: bytes) -> Iterator[bytes]:
        if index == len(self._layers):
            if data:
                yield data
            return
        layer = self._layers[index]
        while True:
            out = layer.step(data)
            data = layer.unconsumed
            if out:
                layer.produced += len(out)
                self._check(layer.produced, layer.coding)
                yield from self._pump(index + 1, out)
            # A full step may leave output pending inside zlib even when the input is used up.
            if not data and len(out) < DECODE_CHUNK_SIZE:
                return

    def _check(self, produced: int, coding: str) -> None:
        if produced > self._max_size:
            raise BodyError(f"the body is larger than the {self._max_size}-byte limit (max_body_size)")
        if coding and produced > DECOMPRESSION_RATIO_FLOOR and produced > self._max_ratio * max(self.raw_size, 1):
            raise BodyError(
                f"the body decompresses more than {self._max_ratio:g} times its size ({coding}); refused as a bomb"
            )


async def read_body(response: httpx.Response, *, max_size: int, max_ratio: float = MAX_DECOMPRESSION_RATIO) -> bytes:
    """Read a streamed ``response``'s body within the caps and keep it as ``response.content``.

    Raises `BodyError` (after closing the response, so its connection is dropped rather than drained) when
    the body is too large, decompresses too much, or cannot be decoded. Transport errors propagate as they are.
    A ``MemoryError`` while reading becomes a `BodyError` too.
    """
    if hasattr(response, "_content"):
        return response.content
    try:
        declared = int(response.headers.get("Content-Length", ""))
    except ValueError:
        declared = -1
    encoding = response.headers.get("Content-Encoding", "")
    try:
        if declared > max_size and not encoding.strip():
            raise BodyError(f"the body is larger than the {max_size}-byte limit (max_body_size)")
        decoder = _BoundedDecoder(encoding, max_size=max_size, max_ratio=max_ratio)
        body = bytearray()
        async for chunk in response.aiter_raw():
            for piece in decoder.feed(chunk):
                body += piece
        content = bytes(body)
    except BodyError:
        await response.aclose()
        raise
    except zlib.error as exc:
        await response.aclose()
        raise BodyError(f"the body cannot be decoded as its Content-Encoding {encoding!r} says ({exc})") from None
    except MemoryError:
        await response.aclose()
        raise BodyError("out of memory while reading the body") from None
    except BaseException:
        await response.aclose()
        raise
    # httpx keeps a read body here; .content, .text and .json() then work as after a non-streaming send.
    response._content = content
    return content
