"""Constants and helpers shared by the FakeAtlas tests (imported by module name: tests/ is not a package)."""

from __future__ import annotations

import httpx

GROUP_ID = "5f1e2d3c4b5a69788796a5b4"
V2024 = "application/vnd.atlas.2024-05-30+json"
V2023 = "application/vnd.atlas.2023-01-01+json"
BUCKETS = f"/api/atlas/v2/groups/{GROUP_ID}/backup/exportBuckets"
ROLES = f"/api/atlas/v2/groups/{GROUP_ID}/customDBRoles/roles"
CLIENT_ID, CLIENT_SECRET = "mdb_sa_id_demo", "mdb_sa_sk_demo"


class Clock:
    """A clock tests move by hand."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


async def get_token(client: httpx.AsyncClient, client_id: str = CLIENT_ID, secret: str = CLIENT_SECRET) -> str:
    response = await client.post(
        "/api/oauth/token", auth=(client_id, secret), data={"grant_type": "client_credentials"}
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token
