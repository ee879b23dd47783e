"""Memory bombs against a client in a child process whose address space is capped (RLIMIT_AS).

The server (this process, real loopback) sends a 2.5 KB ``Content-Encoding: gzip, gzip`` body that decodes to
1 GiB, or a 100 MiB body. The child runs one call under a limit of its current size plus some headroom and
reports what the call raised and how far its peak RSS grew: an AtlasResponseError, never a MemoryError, and no large
allocation.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import struct
import sys
import zlib
from typing import Any

import pytest
from hostile_server import HostileServer, SeenRequest, response
from integration_support import GROUP_ID

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and /proc are Linux's")

MiB = 1024 * 1024
CHILD = r"""
import asyncio, json, resource, sys

from atlas_admin import AtlasClient, AtlasError


def status(field: str) -> int:
    # /proc, not getrusage: ru_maxrss survives exec, so it would include the forking parent's size.
    with open("/proc/self/status") as lines:
        for line in lines:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no " + field)


async def main(url: str, headroom: int, group_id: str) -> None:
    atlas = AtlasClient(access_token="tok", base_url=url, max_retries=0, timeout=30)
    limit = status("VmSize") + headroom
    before = status("VmRSS")
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    outcome, message = "returned", ""
    try:
        await atlas.custom_database_roles.get_custom_database_role(group_id, "r1")
    except AtlasError as exc:
        outcome, message = type(exc).__name__, str(exc)
    except BaseException as exc:
        outcome, message = "escaped " + type(exc).__name__, repr(exc)[:200]
    print(json.dumps({"outcome": outcome, "message": message, "growth": status("VmHWM") - before}))


asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
"""


def gzip_of_zeros(size: int, chunk: int = MiB) -> bytes:
    """A valid gzip stream of ``size`` zero bytes, built without compressing them all.

    After a full flush a deflate compressor starts afresh, so every megabyte of zeros compresses to the same
    bytes: one block, repeated.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = compressor.compress(bytes(chunk)) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    zeros = bytes(chunk)
    for _ in range(size // chunk):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + block * (size // chunk) + compressor.flush() + struct.pack("<II", crc, size & 0xFFFFFFFF)


@pytest.fixture(scope="module")
def gzip_gzip_bomb() -> bytes:
    inner = gzip_of_zeros(1024 * MiB)
    bomb = gzip.compress(inner, 9)
    assert len(bomb) < 4096
    return bomb


async def run_child(answer: Any, headroom: int) -> dict[str, Any]:
    server = HostileServer(answer)
    async with server.serve() as url:
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-c", CHILD, url, str(headroom), GROUP_ID, stdout=asyncio.subprocess.PIPE
        )
        stdout, _ = await asyncio.wait_for(child.communicate(), 120)
    assert child.returncode == 0, stdout
    result: dict[str, Any] = json.loads(stdout.decode().strip().splitlines()[-1])
    return result


async def test_gzip_gzip_bomb_is_refused_without_a_large_allocation(gzip_gzip_bomb: bytes) -> None:
    async def answer(request: SeenRequest) -> bytes:
        return response(200, gzip_gzip_bomb, headers={"Content-Encoding": "gzip, gzip"})

    result = await run_child(answer, headroom=256 * MiB)
    assert result["outcome"] == "AtlasResponseError", result
    assert "decompresses more than" in result["message"]
    assert result["growth"] < 32 * MiB, result  # the bomb decodes to 1 GiB


async def stream_100_mib(request: SeenRequest) -> None:
    writer = request.writer
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b" " * MiB
    try:
        for _ in range(100):
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            await writer.drain()
        writer.write(b"0\r\n\r\n")
        await writer.drain()
    except ConnectionError:
        pass


async def test_body_past_the_default_cap_is_refused_at_the_cap() -> None:
    result = await run_child(stream_100_mib, headroom=512 * MiB)
    assert result["outcome"] == "AtlasResponseError", result
    assert "67108864-byte limit" in result["message"]
    assert result["growth"] < 200 * MiB, result  # the cap, a copy of it, and buffers


async def test_memory_error_while_reading_never_escapes() -> None:
    # Less headroom than the 64 MiB cap: reading runs out of memory before reaching it.
    result = await run_child(stream_100_mib, headroom=40 * MiB)
    assert result["outcome"] == "AtlasResponseError", result
    assert "out of memory" in result["message"]
