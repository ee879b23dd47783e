"""FakeAtlas over real loopback HTTP, and from the command line."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from atlas_admin.testing import FakeAtlas, Fault
from fakeatlas_support import BUCKETS, V2024, get_token


async def test_serve_on_loopback(fake: FakeAtlas) -> None:
    async with fake.serve() as base_url, httpx.AsyncClient(base_url=base_url) as http:
        assert base_url.startswith("http://127.0.0.1:")
        headers = {"Authorization": f"Bearer {await get_token(http)}", "Accept": V2024}
        created = await http.post(BUCKETS, headers=headers, json={"cloudProvider": "AWS", "bucketName": "b"})
        assert created.status_code == 200
        listed = (await http.get(BUCKETS, headers=headers)).json()
        assert listed["results"] == [created.json()]
        assert listed["links"][0]["href"].startswith(base_url)
        digest = await http.get(BUCKETS, headers={"Accept": V2024}, auth=httpx.DigestAuth("publickey", "privatekey"))
        assert digest.status_code == 200


async def test_disconnect_over_loopback(fake: FakeAtlas) -> None:
    fake.inject("listExportBuckets", Fault.disconnect())
    async with fake.serve() as base_url, httpx.AsyncClient(base_url=base_url) as http:
        headers = {"Authorization": f"Bearer {await get_token(http)}", "Accept": V2024}
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get(BUCKETS, headers=headers)
        assert (await http.get(BUCKETS, headers=headers)).status_code == 200  # a new connection works


async def test_serve_twice_and_stop_cleanly(fake: FakeAtlas) -> None:
    async with fake.serve() as first:
        pass
    async with fake.serve() as second, httpx.AsyncClient() as http:
        assert (await http.get(f"{second}/api/atlas/v2/nothing")).status_code == 401
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient() as http:
            await http.get(first)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_cli_starts_and_answers(spec: dict[str, Any]) -> None:
    port = _free_port()
    spec_file = Path(__file__).parent / "fake_spec.yaml"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "atlas_admin.testing", "--port", str(port), "--spec", str(spec_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        banner = await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), timeout=20)
        assert f"http://127.0.0.1:{port}" in banner
        credentials = await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), timeout=5)
        assert "mdb_sa_id_demo" in credentials
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            headers = {"Authorization": f"Bearer {await get_token(http)}", "Accept": V2024}
            assert (await http.get(BUCKETS, headers=headers)).status_code == 200
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_cli_sets_the_delays_of_slow_resources() -> None:
    from atlas_admin.testing.__main__ import build, parse_arguments

    spec_file = str(Path(__file__).parent / "fake_spec.yaml")
    fake = build(parse_arguments(["--spec", spec_file, "--provisioning-delay", "0.5", "--deletion-delay", "0"]))
    assert (fake.lifecycle.provisioning_delay, fake.lifecycle.deletion_delay) == (0.5, 0.0)
    default = build(parse_arguments(["--spec", spec_file]))
    assert default.lifecycle.provisioning_delay > 0 and default.lifecycle.deletion_delay > 0
