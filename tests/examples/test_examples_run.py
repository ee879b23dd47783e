"""Every example runs, as a user would run it, against a FakeAtlas served on loopback: they cannot rot."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

import pytest
from atlas_admin.testing import FakeAtlas
from fake_setup import EXAMPLES, env_for, prepare, run_example

EXPECTED = {
    "quickstart.py": [
        "created ExportBucketAWS: AWS    s3://demo-s3-bucket",
        "created ExportBucketAzure: AZURE  https://demo.blob.core.windows.net/demo-container",
        "created ExportBucketGCP: GCP    gs://demo-gcs-bucket",
        "page 1 (total 4):",
        "page 2 (total 4):",
        "UnknownVariant     ORACLE oci-bucket-from-the-future",
        "[log] atlas_admin: retrying listCustomDatabaseRoles (GET) after 503 (retry 1 of 2)",
        "status 200, retries_taken=1",
        "AtlasNotFoundError: status=404 error_code=RESOURCE_NOT_FOUND",
    ],
    "pagination.py": [
        "paginate: 4 buckets: seeded-s3-bucket, seeded-gcs-bucket, seeded-container, oci-bucket-from-the-future",
        "iter_pages: page 1 has 2 of 4",
        "iter_pages: page 2 has 2 of 4",
        "max_items=3: 3 buckets",
    ],
    "unions.py": [
        "AWS: s3://seeded-s3-bucket via IAM role 32b6e34b3d91647abb20e7b9",
        "AZURE: container seeded-container at https://seeded.blob.core.windows.net",
        "GCP: gs://seeded-gcs-bucket",
        "UNKNOWN provider 'ORACLE': oci-bucket-from-the-future",
    ],
    "errors_and_retries.py": [
        "404: AtlasNotFoundError error_code=RESOURCE_NOT_FOUND",
        "is_error_code(exc, 'RESOURCE_NOT_FOUND') = True",
        "listCustomDatabaseRoles: status 200 after retries_taken=1",
        "with_options(max_retries=0): 1 role(s)",
    ],
}


def test_every_example_is_run_here() -> None:
    scripts = {p.name for p in EXAMPLES.glob("*.py")} - {"fake_setup.py", "run_demo.py"}
    assert scripts == set(EXPECTED) | {"cluster_lifecycle.py"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
async def test_example_runs_against_fake_atlas(name: str) -> None:
    fake = FakeAtlas()
    prepare(fake, extra_buckets=name != "quickstart.py")
    async with fake.serve() as base_url:
        code, out = await run_example(name, env_for(base_url), timeout=60)
    assert code == 0, out
    for line in EXPECTED[name]:
        assert line in out, f"{line!r} missing from:\n{out}"
    assert "Traceback" not in out
    # The injected 503 was met and retried, not skipped (pagination/unions never call that operation).
    statuses = [(e.operation_id, e.status) for e in fake.requests if e.operation_id == "listCustomDatabaseRoles"]
    if name in ("quickstart.py", "errors_and_retries.py"):
        assert statuses[:2] == [("listCustomDatabaseRoles", 503), ("listCustomDatabaseRoles", 200)]


async def _run_demo(env: dict[str, str]) -> tuple[int, str]:
    import asyncio

    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(EXAMPLES / "run_demo.py"),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 90)
    return process.returncode or 0, out.decode()


async def test_make_demo_transcript() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONGODB_ATLAS_")}
    code, out = await _run_demo(env)
    assert code == 0, out
    assert "FakeAtlas serving at http://127.0.0.1:" in out
    for line in EXPECTED["quickstart.py"]:
        assert line in out, f"{line!r} missing from:\n{out}"
    assert "200  oauth:token" in out and "503  listCustomDatabaseRoles" in out and "200  oauth:revoke" in out


async def test_make_demo_with_credentials_runs_read_only_against_that_atlas() -> None:
    # Stand-in for the real Atlas: a FakeAtlas the demo does not start itself.
    fake = FakeAtlas()
    prepare(fake)
    async with fake.serve() as base_url:
        code, out = await _run_demo(env_for(base_url))
    assert code == 0, out
    assert "credentials found: running the read-only part" in out
    assert "FakeAtlas serving" not in out
    assert "created" not in out
    assert "UnknownVariant     ORACLE" in out
    assert "createExportBucket" not in {e.operation_id for e in fake.requests}


async def test_read_only_demo_announces_no_retry_that_does_not_happen() -> None:
    # A real Atlas rarely answers 503: against a stand-in that never does, nothing claims a retry.
    fake = FakeAtlas()
    prepare(fake)
    fake.clear_faults()
    async with fake.serve() as base_url:
        code, out = await _run_demo(env_for(base_url))
    assert code == 0, out
    assert [e.status for e in fake.requests if e.operation_id == "listCustomDatabaseRoles"] == [200]
    assert "503" not in out and "retrying" not in out, out
    assert "status 200, retries_taken=0" in out


CLUSTER_LIFECYCLE = [
    "created cluster lifecycle-demo: CREATING",
    "cluster lifecycle-demo is IDLE",
    "created database user app-user on admin",
    "access list entry 192.0.2.0/24: app servers",
    "deleted access list entry 192.0.2.0/24",
    "deleted database user app-user",
    "deleting cluster lifecycle-demo",
    "cluster lifecycle-demo is gone",
    "database user app-user is gone",
]


@pytest.mark.skipif(
    not hasattr(importlib.import_module("atlas_admin_api.api"), "clusters")
    and not (Path(importlib.import_module("atlas_admin_api").__file__ or "").parent / "api" / "clusters").is_dir(),
    reason="the generated facade has no clusters/database_users/project_ip_access_list operations yet",
)
async def test_cluster_lifecycle_example() -> None:
    # Short transitions, so that the example's waiters really wait (and poll more than once) but briefly.
    fake = FakeAtlas(provisioning_delay=0.4, deletion_delay=0.4)
    async with fake.serve() as base_url:
        code, out = await run_example("cluster_lifecycle.py", env_for(base_url), "--interval", "0.1", timeout=60)
    assert code == 0, out
    assert "Traceback" not in out
    positions = [out.find(line) for line in CLUSTER_LIFECYCLE]
    assert -1 not in positions, out
    assert positions == sorted(positions), out  # in this order
    calls = [(e.operation_id, e.status) for e in fake.requests if e.operation_id and "oauth" not in e.operation_id]
    polls = [status for op, status in calls if op == "getCluster"]
    assert polls.count(200) >= 3  # CREATING at least once, IDLE, DELETING at least once
    assert polls[-1] == 404
    # Everything the example made is gone from the fake.
    assert all(not items for items in fake.store.collections.values()), fake.store.collections
