"""Fault injection and the request log."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from atlas_admin.testing import FakeAtlas, Fault
from fakeatlas_support import BUCKETS, CLIENT_ID, CLIENT_SECRET, V2024

AWS_BUCKET = {"cloudProvider": "AWS", "bucketName": "b"}


async def test_error_with_retry_after_for_the_next_n_requests(api: httpx.AsyncClient, fake: FakeAtlas) -> None:
    fake.inject("listExportBuckets", Fault(status=503, retry_after="2", times=2))
    first, second, third = [await api.get(BUCKETS) for _ in range(3)]
    assert first.status_code == second.status_code == 503
    assert first.headers["Retry-After"] == "2"
    assert first.json()["errorCode"] == "SERVICE_UNAVAILABLE"
    assert third.status_code == 200
    assert [e.fault for e in fake.requests[-3:]] == ["error", "error", None]


async def test_http_date_retry_after_and_other_operations_untouched(api: httpx.AsyncClient, fake: FakeAtlas) -> None:
    fake.inject("createExportBucket", Fault(status=429, retry_after="Wed, 21 Oct 2015 07:28:00 GMT"))
    assert (await api.get(BUCKETS)).status_code == 200
    limited = await api.post(BUCKETS, json=AWS_BUCKET)
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "Wed, 21 Oct 2015 07:28:00 GMT"
    assert (await api.get(BUCKETS)).json()["results"] == []  # the faulted POST stored nothing


async def test_wildcard_and_unlimited(api: httpx.AsyncClient, fake: FakeAtlas) -> None:
    fake.inject("*", Fault(status=500, times=None))
    assert [(await api.get(BUCKETS)).status_code for _ in range(3)] == [500, 500, 500]
    fake.clear_faults()
    assert (await api.get(BUCKETS)).status_code == 200


def test_unknown_operation_id_is_refused(fake: FakeAtlas) -> None:
    with pytest.raises(KeyError):
        fake.inject("noSuchOperation", Fault(status=500))


async def test_latency(api: httpx.AsyncClient, fake: FakeAtlas) -> None:
    fake.inject("listExportBuckets", Fault.delay(0.2))
    started = time.perf_counter()
    response = await api.get(BUCKETS)
    assert time.perf_counter() - started >= 0.2
    assert response.status_code == 200


async def test_disconnect_in_process_raises(api: httpx.AsyncClient, fake: FakeAtlas) -> None:
    fake.inject("createExportBucket", Fault.disconnect())
    with pytest.raises(httpx.RemoteProtocolError):
        await api.post(BUCKETS, json=AWS_BUCKET)
    # The server did its work before the connection dropped: exactly the ambiguous case for retries.
    assert [e.operation_id for e in fake.requests].count("createExportBucket") == 1
    assert len((await api.get(BUCKETS)).json()["results"]) == 1


async def test_truncated_json(api: httpx.AsyncClient, fake: FakeAtlas) -> None:
    fake.inject("listExportBuckets", Fault.truncated_json())
    response = await api.get(BUCKETS)
    assert response.status_code == 200
    assert response.headers["content-type"] == V2024
    with pytest.raises(json.JSONDecodeError):
        response.json()


async def test_html_page_with_200(api: httpx.AsyncClient, fake: FakeAtlas) -> None:
    fake.inject("listExportBuckets", Fault.html())
    response = await api.get(BUCKETS)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<html>" in response.text


async def test_wrong_shape(api: httpx.AsyncClient, fake: FakeAtlas) -> None:
    fake.inject("listExportBuckets", Fault.wrong_shape())
    response = await api.get(BUCKETS)
    assert response.status_code == 200
    assert not isinstance(response.json()["results"], list)


async def test_large_body(api: httpx.AsyncClient, fake: FakeAtlas) -> None:
    fake.inject("listExportBuckets", Fault.large_body(2_000_000))
    response = await api.get(BUCKETS)
    assert len(response.content) > 2_000_000
    assert response.json()["results"] == []


async def test_token_endpoint_faults(http: httpx.AsyncClient, fake: FakeAtlas) -> None:
    fake.inject("oauth:token", Fault(status=503))
    response = await http.post(
        "/api/oauth/token", auth=(CLIENT_ID, CLIENT_SECRET), data={"grant_type": "client_credentials"}
    )
    assert response.status_code == 503


async def test_a_fault_object_can_be_reused(api: httpx.AsyncClient, fake: FakeAtlas) -> None:
    fault = Fault(status=502, times=1)
    fake.inject("listExportBuckets", fault)
    fake.inject("listExportBuckets", fault)
    assert [(await api.get(BUCKETS)).status_code for _ in range(3)] == [502, 502, 200]
    assert fault.times == 1


async def test_request_log_masks_secrets(api: httpx.AsyncClient, fake: FakeAtlas) -> None:
    await api.post(BUCKETS, json=AWS_BUCKET, headers={"Cookie": "session=abc"})
    entry = fake.requests[-1]
    assert entry.method == "POST"
    assert entry.path == BUCKETS
    assert entry.operation_id == "createExportBucket"
    assert entry.headers["authorization"] == "***"
    assert entry.headers["cookie"] == "***"
    assert entry.body == AWS_BUCKET
    assert entry.status == 200
    assert entry.principal == CLIENT_ID
    token_entry = fake.requests[0]
    assert token_entry.operation_id == "oauth:token"
    assert token_entry.headers["authorization"] == "***"
    assert token_entry.body == {"grant_type": "client_credentials"}
    assert "mdb_sa_sk_demo" not in repr(fake.requests)


async def test_request_log_masks_form_secrets(http: httpx.AsyncClient, fake: FakeAtlas) -> None:
    await http.post(
        "/api/oauth/token", data={"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": "x"}
    )
    assert fake.requests[-1].body["client_secret"] == "***"


async def test_token_endpoint_truncated(http: httpx.AsyncClient, fake: FakeAtlas) -> None:
    fake.inject("oauth:token", Fault.truncated_json())
    response = await http.post(
        "/api/oauth/token", auth=(CLIENT_ID, CLIENT_SECRET), data={"grant_type": "client_credentials"}
    )
    with pytest.raises(json.JSONDecodeError):
        response.json()
