"""``make demo``: serve FakeAtlas on loopback and run examples/quickstart.py against it.

With ``MONGODB_ATLAS_*`` credentials already in the environment, run only the read-only part of the
quick start against the real Atlas instead (set ``MONGODB_ATLAS_GROUP_ID`` to your project).
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from atlas_admin.testing import FakeAtlas
from fake_setup import env_for, prepare, run_example

CREDENTIALS = (
    "MONGODB_ATLAS_CLIENT_ID",
    "MONGODB_ATLAS_PUBLIC_API_KEY",
    "MONGODB_ATLAS_PUBLIC_KEY",
    "MONGODB_ATLAS_ACCESS_TOKEN",
)


async def demo_against_fake() -> int:
    fake = FakeAtlas()
    prepare(fake)
    async with fake.serve() as base_url:
        print(f"FakeAtlas serving at {base_url} (service account mdb_sa_id_demo)")
        print("running examples/quickstart.py against it\n", flush=True)
        code, _ = await run_example("quickstart.py", env_for(base_url), capture=False)
    print(f"\nFakeAtlas saw {len(fake.requests)} requests:")
    for entry in fake.requests:
        print(f"  {entry.status}  {entry.operation_id}")
    return code


async def demo_against_atlas() -> int:
    print("MONGODB_ATLAS_* credentials found: running the read-only part of examples/quickstart.py")
    print(f"against {os.environ.get('MONGODB_ATLAS_BASE_URL', 'https://cloud.mongodb.com')}\n", flush=True)
    code, _ = await run_example("quickstart.py", dict(os.environ), "--read-only", capture=False)
    return code


def main() -> int:
    if any(os.environ.get(name) for name in CREDENTIALS):
        return asyncio.run(demo_against_atlas())
    return asyncio.run(demo_against_fake())


if __name__ == "__main__":
    sys.exit(main())
