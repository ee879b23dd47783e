"""FakeAtlas in its own process for `bench/run.py`, seeded for the benchmarks, with counters over HTTP.

``python bench/fake_server.py [--port 0]`` prints ``BENCH_FAKE_URL=http://127.0.0.1:PORT`` once it
accepts connections and then serves until terminated. Besides the Atlas API it answers:

* ``GET /__bench/stats`` - ``{"token_requests", "api_requests", "api_status": {"200": n, "401": n, ...}}``;
  ``api_requests`` counts every request under ``/api/atlas/``, digest challenges (401) included.
* ``GET /__bench/token`` - a fresh access token for the default demo service account (issued like
  ``POST /api/oauth/token`` would, but without counting as a token request).

The benchmark measures the client, so this process keeps the fake lean: FakeAtlas's per-request
log (which only tests read) is switched off.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import sys
from typing import TYPE_CHECKING, Any

# bench/run.py imports this module for GROUP_ID and ROLE_NAME, also in the child that times the first call into an
# unused tag after `import atlas_admin`: FakeAtlas (which loads the generated models) is imported only where it runs.
if TYPE_CHECKING:
    from atlas_admin.testing import FakeAtlas

GROUP_ID = "32b6e34b3d91647abb20e7b8"
ROLE_NAME = "benchRole"
EXPORT_BUCKETS = 500


def seed(fake: FakeAtlas) -> None:
    fake.seed(
        f"/api/atlas/v2/groups/{GROUP_ID}/customDBRoles/roles",
        [
            {
                "roleName": ROLE_NAME,
                "actions": [
                    {
                        "action": "FIND",
                        "resources": [{"collection": "orders", "db": "shop", "cluster": False}],
                    }
                ],
                "inheritedRoles": [{"db": "admin", "role": "read"}],
            }
        ],
    )
    fake.seed(
        "listExportBuckets",
        [
            {"cloudProvider": "AWS", "bucketName": f"bench-bucket-{i:04d}", "iamRoleId": "668c5f0ed436263134491592"}
            for i in range(EXPORT_BUCKETS)
        ],
        groupId=GROUP_ID,
    )


class BenchApp:
    """FakeAtlas plus the ``/__bench/`` endpoints and request counters."""

    def __init__(self, fake: FakeAtlas) -> None:
        self.fake = fake
        self.api_status: collections.Counter[str] = collections.Counter()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.fake(scope, receive, send)
            return
        path: str = scope["path"]
        if path.startswith("/__bench/"):
            await self._control(path, send)
            return
        if not path.startswith("/api/atlas/"):
            await self.fake(scope, receive, send)
            return

        async def counting_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                self.api_status[str(message["status"])] += 1
            await send(message)

        await self.fake(scope, receive, counting_send)

    async def _control(self, path: str, send: Any) -> None:
        if path == "/__bench/stats":
            body: Any = {
                "token_requests": self.fake.stats.token_requests,
                "api_requests": sum(self.api_status.values()),
                "api_status": dict(self.api_status),
            }
        elif path == "/__bench/token":
            from atlas_admin.testing._app import DEFAULT_SERVICE_ACCOUNTS

            (client_id, secret), *_ = DEFAULT_SERVICE_ACCOUNTS.items()
            body = self.fake.auth.issue_token((client_id, secret), {"grant_type": "client_credentials"})
        else:
            body = {"error": "unknown bench endpoint"}
        payload = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": payload})


async def _serve(port: int) -> None:
    from atlas_admin.testing import FakeAtlas
    from atlas_admin.testing._server import serve_in_background

    fake = FakeAtlas()
    fake._log = lambda *args, **kwargs: None  # type: ignore[method-assign]  # the request log only grows here
    seed(fake)
    async with serve_in_background(BenchApp(fake), "127.0.0.1", port) as base_url:  # type: ignore[arg-type]
        print(f"BENCH_FAKE_URL={base_url}", flush=True)
        await asyncio.Event().wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
