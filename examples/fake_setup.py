"""The FakeAtlas that the examples run against (used by run_demo.py and tests/examples).

A second process cannot program the fake, so whoever serves it prepares it here: a few export buckets
(one from a cloud provider this SDK does not know yet), a custom role, and one injected 503 that the
SDK's retry survives.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from atlas_admin.testing import FakeAtlas, Fault

EXAMPLES = Path(__file__).resolve().parent
GROUP_ID = "32b6e34b3d91647abb20e7b8"
CLIENT_ID, CLIENT_SECRET = "mdb_sa_id_demo", "mdb_sa_sk_demo"  # FakeAtlas's default service account
ROLE_ID = "32b6e34b3d91647abb20e7b9"


def prepare(fake: FakeAtlas, *, extra_buckets: bool = False) -> None:
    """Seed what the examples read, and arm one 503 on listCustomDatabaseRoles."""
    buckets: list[dict[str, object]] = []
    if extra_buckets:
        buckets += [
            {"cloudProvider": "AWS", "bucketName": "seeded-s3-bucket", "iamRoleId": ROLE_ID},
            {"cloudProvider": "GCP", "bucketName": "seeded-gcs-bucket", "roleId": ROLE_ID},
            {
                "cloudProvider": "AZURE",
                "bucketName": "seeded-container",
                "roleId": ROLE_ID,
                "serviceUrl": "https://seeded.blob.core.windows.net",
            },
        ]
    buckets.append({"cloudProvider": "ORACLE", "bucketName": "oci-bucket-from-the-future"})
    fake.seed("listExportBuckets", buckets, groupId=GROUP_ID)
    fake.seed(
        "listCustomDatabaseRoles",
        [
            {
                "roleName": "analyticsReader",
                "actions": [{"action": "FIND", "resources": [{"db": "analytics", "collection": "", "cluster": False}]}],
                "inheritedRoles": [],
            }
        ],
        groupId=GROUP_ID,
    )
    fake.inject("listCustomDatabaseRoles", Fault.error(503, retry_after="0"))


def env_for(base_url: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """An environment pointing an example at the fake (and not at anything else)."""
    env = {k: v for k, v in (os.environ if environ is None else environ).items() if not k.startswith("MONGODB_ATLAS_")}
    env.update(
        MONGODB_ATLAS_BASE_URL=base_url,
        MONGODB_ATLAS_CLIENT_ID=CLIENT_ID,
        MONGODB_ATLAS_CLIENT_SECRET=CLIENT_SECRET,
        MONGODB_ATLAS_GROUP_ID=GROUP_ID,
        PYTHONUNBUFFERED="1",
    )
    return env


async def run_example(
    name: str, env: Mapping[str, str], *args: str, timeout: float = 60.0, capture: bool = True
) -> tuple[int, str]:
    """Run ``examples/<name>`` in a subprocess (so that the fake keeps serving in this loop)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(EXAMPLES / name),
        *args,
        env=dict(env),
        stdout=asyncio.subprocess.PIPE if capture else None,
        stderr=asyncio.subprocess.STDOUT if capture else None,
    )
    try:
        out, _ = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    return process.returncode or 0, (out or b"").decode()
