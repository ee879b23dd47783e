"""Soak: many concurrent calls through one AtlasClient against the loopback FakeAtlas, with injected faults.

Looks for what only shows after thousands of calls: leaked connections or file descriptors, memory that
keeps growing, and exceptions other than the SDK's own. A fraction of the GETs meet a fault (503, 429,
500, or a connection dropped mid-body); retries absorb most of them, and the rest must surface as
`AtlasError` subclasses.

    python bench/soak.py --calls 20000 --concurrency 64 --fault-rate 0.05 --json soak.json

Exits 1 when an unexpected exception type surfaced or file descriptors leaked beyond a small margin.
Timings are printed for information only.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import sys
import time
from typing import Any

from atlas_admin import AtlasClient, AtlasError, RetryPolicy
from atlas_admin.testing import FakeAtlas, Fault

GROUP_ID = "32b6e34b3d91647abb20e7b8"
IAM_ROLE_ID = "5f1e2d3c4b5a69788796a5b4"
OPERATION_ID = "listExportBuckets"
CLIENT_ID, CLIENT_SECRET = "mdb_sa_id_demo", "mdb_sa_sk_demo"
# Each fault is applied once; the mix follows what Atlas and its proxies actually send under load.
FAULTS = (
    ("503", lambda: Fault.error(503)),
    ("429", lambda: Fault.error(429, retry_after="0")),
    ("500", lambda: Fault.error(500)),
    ("disconnect", lambda: Fault.disconnect()),
)
# What the injected faults may legitimately turn into once retries are used up; anything else is unexpected.
EXPECTED_FAILURES = frozenset({"AtlasServerError", "AtlasRateLimitError", "AtlasConnectionError"})
# Retry waits in milliseconds rather than seconds: the rules are exercised, the soak stays short.
SOAK_RETRIES = RetryPolicy(backoff_initial=0.005, backoff_max=0.05)
# Descriptors the process may hold more after the run than before (event loop internals, lazily opened files).
FD_MARGIN = 8
# The fake's request log grows with every call; emptying it keeps the RSS figure about the client.
LOG_TRIM_EVERY = 1000


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def open_sockets() -> int:
    count = 0
    for name in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{name}").startswith("socket:"):
                count += 1
        except OSError:
            pass  # closed between listdir and readlink
    return count


def rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def pool_connections(atlas: AtlasClient) -> int:
    return len(atlas._http._transport._pool.connections)  # type: ignore[attr-defined]


async def settle(baseline: int, wait: float = 3.0) -> int:
    """The fd count once closed connections are gone on both ends, or after ``wait`` seconds."""
    give_up = time.monotonic() + wait
    count = open_fds()
    while count > baseline and time.monotonic() < give_up:
        await asyncio.sleep(0.05)
        count = open_fds()
    return count


async def run(calls: int, concurrency: int, fault_rate: float, seed: int = 0) -> dict[str, Any]:
    """Make ``calls`` GETs with ``concurrency`` workers; returns the figures `main` prints."""
    chooser = random.Random(seed)
    fake = FakeAtlas()
    buckets = [{"cloudProvider": "AWS", "bucketName": f"bucket-{n}", "iamRoleId": IAM_ROLE_ID} for n in range(3)]
    fake.seed(OPERATION_ID, buckets, groupId=GROUP_ID)
    outcomes: collections.Counter[str] = collections.Counter()
    unexpected: list[str] = []
    injected: collections.Counter[str] = collections.Counter()
    warmup = min(calls, max(concurrency * 4, calls // 20))
    report: dict[str, Any] = {"calls": calls, "concurrency": concurrency, "fault_rate": fault_rate, "seed": seed}
    rss_start = rss_kib()

    async with fake.serve() as base_url:
        fds_before = open_fds()
        sockets_before = open_sockets()
        atlas = AtlasClient(
            client_id=CLIENT_ID, client_secret=CLIENT_SECRET, base_url=base_url, retry_policy=SOAK_RETRIES
        )
        queue = iter(range(calls))
        rss_after_warmup = 0
        done = 0

        async def worker() -> None:
            nonlocal done, rss_after_warmup
            for _ in queue:
                if chooser.random() < fault_rate:
                    name, make = chooser.choice(FAULTS)
                    injected[name] += 1
                    fake.inject(OPERATION_ID, make())
                try:
                    await atlas.cloud_backups.list_export_buckets(GROUP_ID)
                    outcomes["ok"] += 1
                except Exception as exc:  # counting whatever escaped is the point of the soak
                    outcomes[type(exc).__name__] += 1
                    if not isinstance(exc, AtlasError) or type(exc).__name__ not in EXPECTED_FAILURES:
                        unexpected.append(f"{type(exc).__name__}: {exc}")
                done += 1
                if done % LOG_TRIM_EVERY == 0:
                    fake.requests.clear()
                if done == warmup:
                    rss_after_warmup = rss_kib()

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.monotonic() - started
        connections_open = pool_connections(atlas)
        await atlas.aclose()
        connections_after_close = pool_connections(atlas)
        fds_after = await settle(fds_before)
        sockets_after = open_sockets()
        attempts = fake.stats.requests_by_operation[OPERATION_ID]
        token_requests = fake.stats.token_requests

    rss_end = rss_kib()
    report.update(
        {
            "elapsed_s": round(elapsed, 2),
            "calls_per_s": round(calls / elapsed, 1) if elapsed else None,
            "outcomes": dict(outcomes),
            "failures": {k: v for k, v in outcomes.items() if k != "ok"},
            "unexpected": unexpected[:20],
            "unexpected_count": len(unexpected),
            "faults_injected": dict(injected),
            "http_attempts": attempts,
            "retries": attempts - calls,
            "token_requests": token_requests,
            "connections_open_at_end": connections_open,
            "connections_after_close": connections_after_close,
            "fds_before": fds_before,
            "fds_after": fds_after,
            "fd_growth": fds_after - fds_before,
            "sockets_before": sockets_before,
            "sockets_after": sockets_after,
            "rss_start_kib": rss_start,
            "rss_after_warmup_kib": rss_after_warmup,
            "rss_end_kib": rss_end,
            "rss_growth_after_warmup_kib": rss_end - rss_after_warmup,
        }
    )
    report["ok"] = not unexpected and report["fd_growth"] <= FD_MARGIN and connections_after_close == 0
    return report


def print_report(report: dict[str, Any]) -> None:
    print(f"soak: {report['calls']} calls, concurrency {report['concurrency']}, fault rate {report['fault_rate']:.1%}")
    print(f"  elapsed {report['elapsed_s']} s ({report['calls_per_s']} calls/s, for information only)")
    print(f"  faults injected: {report['faults_injected']}")
    print(
        f"  http attempts {report['http_attempts']} (retries {report['retries']}), token requests {report['token_requests']}"
    )
    print(f"  outcomes: {report['outcomes']}")
    print(f"  failures by kind: {report['failures'] or 'none'}")
    print(f"  unexpected exceptions: {report['unexpected_count']}")
    for line in report["unexpected"]:
        print(f"    {line}")
    print(
        f"  pool connections: {report['connections_open_at_end']} open at end, "
        f"{report['connections_after_close']} after aclose()"
    )
    print(
        f"  fds: {report['fds_before']} before, {report['fds_after']} after (growth {report['fd_growth']}, "
        f"margin {FD_MARGIN}); sockets {report['sockets_before']} -> {report['sockets_after']}"
    )
    print(
        f"  RSS: {report['rss_start_kib']} KiB at start, {report['rss_after_warmup_kib']} KiB after warm-up, "
        f"{report['rss_end_kib']} KiB at end (growth after warm-up {report['rss_growth_after_warmup_kib']} KiB)"
    )
    print(f"  verdict: {'OK' if report['ok'] else 'FAILED'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--fault-rate", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    if args.calls < 1 or args.concurrency < 1 or not 0.0 <= args.fault_rate <= 1.0:
        parser.error("--calls and --concurrency must be positive, --fault-rate within [0, 1]")
    report = asyncio.run(run(args.calls, args.concurrency, args.fault_rate, args.seed))
    print_report(report)
    if args.json:
        with open(args.json, "w") as out:
            json.dump(report, out, indent=2)
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
