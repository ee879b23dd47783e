"""Hostile arguments: rejected before any I/O (naming the parameter) or percent-encoded into one path segment.

Rejections are checked against the loopback fake, whose request log must stay empty (not even a token
request). Encoded values are checked twice: on the wire (one segment, exact encoding) and end to end
(the fake stores a role under that name and the client gets it back unchanged).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from atlas_admin import AtlasClient, AtlasConfigurationError, InvalidArgumentError
from atlas_admin.testing import FakeAtlas
from integration_support import GROUP_ID, PRIVATE_KEY, PUBLIC_KEY, within

ROLES_PATH = f"/api/atlas/v2/groups/{GROUP_ID}/customDBRoles/roles/"

REJECTED_ROLE_NAMES = [
    pytest.param("", id="empty"),
    pytest.param(".", id="dot"),
    pytest.param("..", id="dot-dot"),
    pytest.param("a\x00b", id="nul"),
    pytest.param("a\r\nX-Injected: 1", id="crlf"),
    pytest.param("a\tb", id="tab"),
    pytest.param("a\x7fb", id="del"),
    pytest.param(None, id="none"),
    pytest.param(7, id="int"),
    pytest.param(b"role", id="bytes"),
]

REJECTED_GROUP_IDS = [
    pytest.param("", id="empty"),
    pytest.param("..", id="dot-dot"),
    pytest.param(f"../{GROUP_ID}", id="traversal"),
    pytest.param(f"{GROUP_ID}/../other", id="slash"),
    pytest.param(f"{GROUP_ID}?x=1", id="query"),
    pytest.param(f"{GROUP_ID}#frag", id="fragment"),
    pytest.param(f"{GROUP_ID}%2F", id="percent"),
    pytest.param(f"{GROUP_ID}\n", id="trailing-newline"),
    pytest.param(GROUP_ID.upper(), id="uppercase"),
    pytest.param(GROUP_ID[:-1], id="too-short"),
    pytest.param(GROUP_ID + "0", id="too-long"),
    pytest.param("\u0663" * 24, id="non-ascii-digits"),
]

# value -> its encoding as one path segment
ENCODED_ROLE_NAMES = [
    pytest.param("a/b", "a%2Fb", id="slash"),
    pytest.param("../admin", "..%2Fadmin", id="traversal"),
    pytest.param("a?b=1", "a%3Fb%3D1", id="question-mark"),
    pytest.param("a#b", "a%23b", id="hash"),
    pytest.param("a%b", "a%25b", id="percent"),
    pytest.param("%2e%2e", "%252e%252e", id="encoded-dot-dot"),
    pytest.param("a b", "a%20b", id="space"),
    pytest.param("a\\b", "a%5Cb", id="backslash"),
    pytest.param("rôle", "r%C3%B4le", id="latin"),
    pytest.param("角色🙂", "%E8%A7%92%E8%89%B2%F0%9F%99%82", id="cjk-emoji"),
    pytest.param("...", "...", id="three-dots"),
]


@pytest.fixture
async def atlas(base_url: str, make_client: Callable[..., AtlasClient]) -> Any:
    client = make_client()
    yield client
    await client.aclose()


@pytest.mark.parametrize("role_name", REJECTED_ROLE_NAMES)
async def test_role_name_is_rejected_before_any_request(role_name: Any, atlas: AtlasClient, fake: FakeAtlas) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        await within(5, atlas.custom_database_roles.get_custom_database_role(GROUP_ID, role_name))
    assert isinstance(caught.value, ValueError)
    assert caught.value.parameter == "role_name"
    assert "role_name" in str(caught.value)
    assert fake.requests == []


@pytest.mark.parametrize("group_id", REJECTED_GROUP_IDS)
async def test_group_id_breaking_the_pattern_is_rejected_before_any_request(
    group_id: str, atlas: AtlasClient, fake: FakeAtlas
) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        await within(5, atlas.cloud_backups.list_export_buckets(group_id))
    assert caught.value.parameter == "group_id"
    assert "group_id" in str(caught.value)
    assert fake.requests == []


@pytest.mark.parametrize(
    ("arguments", "parameter"),
    [
        pytest.param({"items_per_page": "5"}, "items_per_page", id="items-per-page-str"),
        pytest.param({"items_per_page": 5.0}, "items_per_page", id="items-per-page-float"),
        pytest.param({"items_per_page": True}, "items_per_page", id="items-per-page-bool"),
        pytest.param({"items_per_page": 0}, "items_per_page", id="items-per-page-zero"),
        pytest.param({"items_per_page": 501}, "items_per_page", id="items-per-page-above-max"),
        pytest.param({"page_num": 0}, "page_num", id="page-num-zero"),
        pytest.param({"page_num": -1}, "page_num", id="page-num-negative"),
        pytest.param({"page_num": "2"}, "page_num", id="page-num-str"),
        pytest.param({"include_count": "yes"}, "include_count", id="include-count-str"),
        pytest.param({"include_count": 1}, "include_count", id="include-count-int"),
    ],
)
async def test_query_parameter_of_wrong_type_or_range_is_rejected(
    arguments: dict[str, Any], parameter: str, atlas: AtlasClient, fake: FakeAtlas
) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        await within(5, atlas.cloud_backups.list_export_buckets(GROUP_ID, **arguments))
    assert caught.value.parameter == parameter
    assert fake.requests == []


@pytest.mark.parametrize(("role_name", "encoded"), ENCODED_ROLE_NAMES)
async def test_role_name_is_encoded_as_one_path_segment(role_name: str, encoded: str) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(404, json={"error": 404, "errorCode": "RESOURCE_NOT_FOUND"})

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    atlas = AtlasClient(access_token="token", base_url="https://atlas.test", http_client=http, max_retries=0)
    with pytest.raises(Exception):  # noqa: B017 - only the request matters here
        await atlas.custom_database_roles.get_custom_database_role(GROUP_ID, role_name)
    await http.aclose()

    (request,) = seen
    assert request.url.raw_path.decode("ascii") == ROLES_PATH + encoded
    assert request.url.query == b""
    assert request.url.fragment == ""


@pytest.mark.parametrize(("role_name", "encoded"), ENCODED_ROLE_NAMES)
async def test_role_name_round_trips_through_the_fake(
    role_name: str, encoded: str, atlas: AtlasClient, fake: FakeAtlas
) -> None:
    fake.seed("listCustomDatabaseRoles", [{"roleName": role_name, "actions": []}], groupId=GROUP_ID)

    role = await within(5, atlas.custom_database_roles.get_custom_database_role(GROUP_ID, role_name))

    assert role.role_name == role_name
    (api_request,) = [entry for entry in fake.requests if entry.operation_id == "getCustomDatabaseRole"]
    assert api_request.status == 200


HEADER_INJECTION = "x\r\nX-Injected: 1"


@pytest.mark.parametrize(
    "settings",
    [
        pytest.param({"access_token": "token", "user_agent_suffix": HEADER_INJECTION}, id="user-agent-crlf"),
        pytest.param({"access_token": "token", "user_agent_suffix": "x\nX-Injected: 1"}, id="user-agent-lf"),
        pytest.param({"access_token": HEADER_INJECTION}, id="access-token-crlf"),
        pytest.param({"access_token": "tok\ren"}, id="access-token-cr"),
        pytest.param({"client_id": HEADER_INJECTION, "client_secret": "s"}, id="client-id-crlf"),
        pytest.param({"client_id": "mdb_sa_id_x", "client_secret": HEADER_INJECTION}, id="client-secret-crlf"),
        pytest.param({"public_key": HEADER_INJECTION, "private_key": PRIVATE_KEY}, id="public-key-crlf"),
        pytest.param({"public_key": "pübkey", "private_key": PRIVATE_KEY}, id="public-key-non-ascii"),
        pytest.param({"access_token": ""}, id="access-token-empty"),
        pytest.param({"public_key": PUBLIC_KEY, "private_key": ""}, id="private-key-empty"),
    ],
)
async def test_header_values_with_cr_lf_are_rejected_at_construction(settings: dict[str, Any], base_url: str) -> None:
    with pytest.raises(AtlasConfigurationError) as caught:
        AtlasClient(base_url=base_url, **settings)
    assert isinstance(caught.value, ValueError)
    assert "X-Injected" not in str(caught.value)


async def test_a_valid_api_key_still_authenticates(base_url: str, fake: FakeAtlas) -> None:
    async with AtlasClient(public_key=PUBLIC_KEY, private_key=PRIVATE_KEY, base_url=base_url) as atlas:
        assert await within(5, atlas.cloud_backups.list_export_buckets(GROUP_ID)) is not None
    assert fake.requests[-1].principal == PUBLIC_KEY
