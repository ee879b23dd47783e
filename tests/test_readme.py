"""Every ```python block of README.md runs, as a user would run it, against a FakeAtlas on loopback.

Each block is a whole program: it is written to a file and run in a subprocess whose environment points
``MONGODB_ATLAS_*`` (and the ``ATLAS_*`` variables the authentication block reads) at a served FakeAtlas.
Blocks in other languages must be ``sh`` or ``text`` (shown, not run): any other fence fails the test, so
no block can be skipped by a typo in its language.
"""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

import httpx
import pytest
from atlas_admin.testing import FakeAtlas

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "examples"))
from fake_setup import CLIENT_ID, CLIENT_SECRET, env_for, prepare  # noqa: E402

README = (REPO / "README.md").read_text(encoding="utf-8")
FENCE = re.compile(r"^```(\S*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
SHOWN_ONLY = {"sh", "text"}


def _blocks() -> list[tuple[str, str]]:
    blocks = []
    for match in FENCE.finditer(README):
        language, code = match[1], match[2]
        if language != "python":
            continue
        heading = re.findall(r"^## (.+)$", README[: match.start()], re.MULTILINE)[-1]
        blocks.append((f"{len(blocks) + 1}-{heading}", code))
    return blocks


BLOCKS = _blocks()


def test_every_fence_is_run_or_explicitly_shown_only() -> None:
    languages = [m[1] for m in FENCE.finditer(README)]
    assert set(languages) <= SHOWN_ONLY | {"python"}, languages
    assert languages.count("python") == len(BLOCKS) >= 10


@pytest.mark.parametrize(("name", "code"), BLOCKS, ids=[name for name, _ in BLOCKS])
async def test_readme_block_runs(name: str, code: str, tmp_path: Path) -> None:
    script = tmp_path / "block.py"
    script.write_text(code, encoding="utf-8")
    fake = FakeAtlas()
    prepare(fake)  # a custom role, an ORACLE bucket, one 503 on listCustomDatabaseRoles
    async with fake.serve() as base_url:
        async with httpx.AsyncClient() as http:
            token = await http.post(
                f"{base_url}/api/oauth/token",
                data={"grant_type": "client_credentials"},
                auth=(CLIENT_ID, CLIENT_SECRET),
            )
        env = env_for(base_url)
        env.update(
            ATLAS_CLIENT_ID=CLIENT_ID,
            ATLAS_CLIENT_SECRET=CLIENT_SECRET,
            ATLAS_PUBLIC_KEY="publickey",
            ATLAS_PRIVATE_KEY="privatekey",
            ATLAS_ACCESS_TOKEN=token.json()["access_token"],
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(script),
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await asyncio.wait_for(process.communicate(), 60)
    text = out.decode()
    assert process.returncode == 0, f"README block {name} failed:\n{code}\n--- output ---\n{text}"
    assert "Traceback" not in text, text
    # A block that talks to the Atlas of its environment really reached this fake.
    if "FakeAtlas()" not in code and "FastAPI" not in code:
        assert any(e.operation_id not in (None, "oauth:token", "oauth:revoke") for e in fake.requests), text
