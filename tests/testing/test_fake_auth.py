"""OAuth client credentials and HTTP Digest, the way Atlas does them."""

from __future__ import annotations

import httpx
from atlas_admin.testing import FakeAtlas
from fakeatlas_support import BUCKETS, CLIENT_ID, CLIENT_SECRET, V2024, Clock, get_token


async def test_token_issued_for_service_account(http: httpx.AsyncClient, fake: FakeAtlas) -> None:
    response = await http.post(
        "/api/oauth/token", auth=(CLIENT_ID, CLIENT_SECRET), data={"grant_type": "client_credentials"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["access_token"]
    assert fake.stats.token_requests == 1


async def test_wrong_secret_is_invalid_client(http: httpx.AsyncClient) -> None:
    response = await http.post("/api/oauth/token", auth=(CLIENT_ID, "nope"), data={"grant_type": "client_credentials"})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_unsupported_grant_type(http: httpx.AsyncClient) -> None:
    response = await http.post("/api/oauth/token", auth=(CLIENT_ID, CLIENT_SECRET), data={"grant_type": "password"})
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


async def test_token_request_limit(spec: dict[str, object]) -> None:
    fake = FakeAtlas(spec=spec, token_request_limit=2)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake), base_url="https://fake") as http:
        await get_token(http)
        await get_token(http)
        response = await http.post(
            "/api/oauth/token", auth=(CLIENT_ID, CLIENT_SECRET), data={"grant_type": "client_credentials"}
        )
    assert response.status_code == 429
    assert fake.stats.token_requests == 3


async def test_bearer_token_accepted_then_revoked(http: httpx.AsyncClient, fake: FakeAtlas) -> None:
    token = await get_token(http)
    headers = {"Authorization": f"Bearer {token}", "Accept": V2024}
    assert (await http.get(BUCKETS, headers=headers)).status_code == 200
    revoke = await http.post(
        "/api/oauth/revoke", auth=(CLIENT_ID, CLIENT_SECRET), data={"token": token, "token_type_hint": "access_token"}
    )
    assert revoke.status_code == 200
    assert fake.stats.revocations == 1
    response = await http.get(BUCKETS, headers=headers)
    assert response.status_code == 401
    assert response.json()["errorCode"] == "UNAUTHORIZED"
    assert "revoked" in response.json()["detail"]


async def test_revoke_needs_client_credentials(http: httpx.AsyncClient) -> None:
    token = await get_token(http)
    response = await http.post("/api/oauth/revoke", auth=(CLIENT_ID, "wrong"), data={"token": token})
    assert response.status_code == 401


async def test_expire_tokens(http: httpx.AsyncClient, fake: FakeAtlas) -> None:
    headers = {"Authorization": f"Bearer {await get_token(http)}", "Accept": V2024}
    fake.expire_tokens()
    response = await http.get(BUCKETS, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == 401
    assert "expired" in response.json()["detail"]


async def test_token_lifetime_follows_the_clock(spec: dict[str, object]) -> None:
    clock = Clock()
    fake = FakeAtlas(spec=spec, token_lifetime=60, clock=clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake), base_url="https://fake") as http:
        headers = {"Authorization": f"Bearer {await get_token(http)}", "Accept": V2024}
        clock.now += 59
        assert (await http.get(BUCKETS, headers=headers)).status_code == 200
        clock.now += 2
        assert (await http.get(BUCKETS, headers=headers)).status_code == 401


async def test_missing_credentials_get_atlas_error_and_digest_challenge(http: httpx.AsyncClient) -> None:
    response = await http.get(BUCKETS, headers={"Accept": V2024})
    assert response.status_code == 401
    assert response.json()["errorCode"] == "UNAUTHORIZED"
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Digest ")
    assert 'qop="auth"' in challenge
    assert "algorithm=MD5" in challenge


async def test_unknown_bearer_token(http: httpx.AsyncClient) -> None:
    response = await http.get(BUCKETS, headers={"Authorization": "Bearer forged", "Accept": V2024})
    assert response.status_code == 401


async def test_digest_with_api_key(http: httpx.AsyncClient, fake: FakeAtlas) -> None:
    response = await http.get(BUCKETS, headers={"Accept": V2024}, auth=httpx.DigestAuth("publickey", "privatekey"))
    assert response.status_code == 200
    assert fake.requests[-1].principal == "publickey"


async def test_digest_with_query_string(http: httpx.AsyncClient) -> None:
    response = await http.get(
        BUCKETS, params={"itemsPerPage": 5}, headers={"Accept": V2024}, auth=httpx.DigestAuth("publickey", "privatekey")
    )
    assert response.status_code == 200


async def test_digest_wrong_private_key(http: httpx.AsyncClient) -> None:
    response = await http.get(BUCKETS, headers={"Accept": V2024}, auth=httpx.DigestAuth("publickey", "wrong"))
    assert response.status_code == 401
    assert response.json()["errorCode"] == "UNAUTHORIZED"


async def test_digest_unknown_nonce_gets_new_challenge(http: httpx.AsyncClient) -> None:
    forged = 'Digest username="publickey", realm="MMS Public API", nonce="abc", uri="/x", response="00", qop=auth, nc=00000001, cnonce="c"'
    response = await http.get(BUCKETS, headers={"Accept": V2024, "Authorization": forged})
    assert response.status_code == 401
    assert "nonce=" in response.headers["WWW-Authenticate"]


async def test_digest_stale_nonce_is_rechallenged(spec: dict[str, object]) -> None:
    clock = Clock()
    fake = FakeAtlas(spec=spec, nonce_lifetime=30, clock=clock)
    auth = httpx.DigestAuth("publickey", "privatekey")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake), base_url="https://fake", auth=auth) as http:
        assert (await http.get(BUCKETS, headers={"Accept": V2024})).status_code == 200
        clock.now += 31
        # httpx reuses the old nonce, gets a stale=true challenge and answers it.
        assert (await http.get(BUCKETS, headers={"Accept": V2024})).status_code == 200
    stale = [entry for entry in fake.requests if entry.status == 401]
    assert len(stale) == 2  # the first request's challenge and the stale-nonce one


async def test_custom_credentials(spec: dict[str, object]) -> None:
    fake = FakeAtlas(spec=spec, service_accounts={"sa": "s3cret"}, api_keys={})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake), base_url="https://fake") as http:
        await get_token(http, "sa", "s3cret")
        response = await http.post(
            "/api/oauth/token", auth=(CLIENT_ID, CLIENT_SECRET), data={"grant_type": "client_credentials"}
        )
        assert response.status_code == 401
