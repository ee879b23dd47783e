"""Lenient by default, strict on request (issue #13): the two drifts seen from real Atlas, through the client."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from atlas_admin import AtlasClient, AtlasConfigurationError, AtlasResponseError, Deviation, find_deviations
from atlas_admin.models import AddOrRemoveGroupRole, AddOrRemoveGroupRoleGroupRole, OrgUserResponseActive
from atlas_admin_api.types import UNSET

GROUP_ID = "32b6e34b3d91647abb20e7b8"
USER_ID = "5b4fe3c7d8c1a2b3c4d5e6f7"
ROLES_MEDIA = "application/vnd.atlas.2023-01-01+json"
ADD_ROLE_MEDIA = "application/vnd.atlas.2025-02-19+json"

# Real Atlas leaves `cluster` out of a collection-level resource (documented as required).
ROLES_WITHOUT_CLUSTER = [
    {
        "roleName": "ordersReader",
        "actions": [
            {"action": "FIND", "resources": [{"collection": "orders", "db": "shop"}]},
            {
                "action": "INSERT",
                "resources": [{"collection": "carts", "db": "shop"}, {"cluster": True, "collection": "", "db": ""}],
            },
        ],
        "inheritedRoles": [{"db": "admin", "role": "read"}],
    },
    {
        "roleName": "cartsWriter",
        "actions": [{"action": "UPDATE", "resources": [{"collection": "carts", "db": "shop"}]}],
    },
]
# addProjectRole (2025-02-19) answers `roles` as an array of strings where an object is documented.
ADDED_ROLE_ANSWER = {
    "orgMembershipStatus": "ACTIVE",
    "id": USER_ID,
    "roles": ["GROUP_OWNER"],
    "username": "ada@example.com",
    "createdAt": "2025-05-04T09:42:00Z",
    "country": "GB",
}


def _answering(body: Any, media_type: str) -> Callable[..., AtlasClient]:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=content, headers={"Content-Type": media_type})

    def make(**kwargs: Any) -> AtlasClient:
        http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        return AtlasClient(access_token="token-xyz", base_url="https://atlas.test", http_client=http, **kwargs)

    return make


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "atlas_admin" and r.levelno == logging.WARNING]


async def test_a_role_without_cluster_parses_round_trips_and_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    atlas = _answering(ROLES_WITHOUT_CLUSTER, ROLES_MEDIA)()
    roles = await atlas.custom_database_roles.list_custom_database_roles(GROUP_ID)

    assert [role.role_name for role in roles] == ["ordersReader", "cartsWriter"]
    resource = roles[0].actions[0].resources[0]  # type: ignore[index]
    assert resource.cluster is UNSET  # documented as required, left out: reads as UNSET
    assert (resource.db, resource.collection) == ("shop", "orders")
    assert roles[0].actions[1].resources[1].cluster is True  # type: ignore[index]
    assert [role.to_dict() for role in roles] == ROLES_WITHOUT_CLUSTER
    # Three resources lack `cluster` at the same field path: one warning.
    [message] = _warnings(caplog)
    assert message.startswith("listCustomDatabaseRoles: ")
    assert "$[0].actions[0].resources[0].cluster: expected boolean, received missing" in message
    assert find_deviations(roles) == [
        Deviation("$[0].actions[0].resources[0].cluster", "boolean", "missing"),
        Deviation("$[0].actions[1].resources[0].cluster", "boolean", "missing"),
        Deviation("$[1].actions[0].resources[0].cluster", "boolean", "missing"),
    ]


async def test_an_added_role_answered_as_strings_parses_round_trips_and_warns_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    atlas = _answering(ADDED_ROLE_ANSWER, ADD_ROLE_MEDIA)()
    body = AddOrRemoveGroupRole(group_role=AddOrRemoveGroupRoleGroupRole.GROUP_OWNER)
    user = await atlas.mongodb_cloud_users.add_project_role(GROUP_ID, USER_ID, body=body)

    assert isinstance(user, OrgUserResponseActive)
    assert user.username == "ada@example.com"
    assert user.roles == ["GROUP_OWNER"]  # kept as received, readable on the model
    assert user.to_dict() == ADDED_ROLE_ANSWER
    [message] = _warnings(caplog)
    assert message == (
        "addProjectRole: the answer differs from the documented shape at $.roles: expected object, received array "
        "(kept as received; logged once per operation and path)"
    )


@pytest.mark.parametrize(
    ("body", "media_type", "call", "path"),
    [
        (ROLES_WITHOUT_CLUSTER, ROLES_MEDIA, "roles", "$[0].actions[0].resources[0].cluster"),
        (ADDED_ROLE_ANSWER, ADD_ROLE_MEDIA, "add_role", "$.roles"),
    ],
    ids=["role-without-cluster", "roles-as-strings"],
)
async def test_strict_raises_with_the_json_path(body: Any, media_type: str, call: str, path: str) -> None:
    make = _answering(body, media_type)
    for atlas in (make(strict=True), make().with_options(strict=True)):
        with pytest.raises(AtlasResponseError) as caught:
            if call == "roles":
                await atlas.custom_database_roles.list_custom_database_roles(GROUP_ID)
            else:
                role = AddOrRemoveGroupRole(group_role=AddOrRemoveGroupRoleGroupRole.GROUP_OWNER)
                await atlas.mongodb_cloud_users.add_project_role(GROUP_ID, USER_ID, body=role)
        assert caught.value.json_path == path
        assert caught.value.status == 200
        assert path in str(caught.value)


async def test_warnings_are_deduplicated_per_client_and_shared_with_views(caplog: pytest.LogCaptureFixture) -> None:
    make = _answering(ROLES_WITHOUT_CLUSTER, ROLES_MEDIA)
    atlas = make()
    await atlas.custom_database_roles.list_custom_database_roles(GROUP_ID)
    await atlas.custom_database_roles.list_custom_database_roles(GROUP_ID)
    await atlas.with_options(timeout=5).custom_database_roles.list_custom_database_roles(GROUP_ID)
    assert len(_warnings(caplog)) == 1
    await make().custom_database_roles.list_custom_database_roles(GROUP_ID)  # another client warns again
    assert len(_warnings(caplog)) == 2


async def test_a_strict_view_leaves_the_client_lenient() -> None:
    atlas = _answering(ADDED_ROLE_ANSWER, ADD_ROLE_MEDIA)(strict=True)
    role = AddOrRemoveGroupRole(group_role=AddOrRemoveGroupRoleGroupRole.GROUP_OWNER)
    lenient = atlas.with_options(strict=False)
    assert isinstance(
        await lenient.mongodb_cloud_users.add_project_role(GROUP_ID, USER_ID, body=role), OrgUserResponseActive
    )
    with pytest.raises(AtlasResponseError):
        await atlas.mongodb_cloud_users.add_project_role(GROUP_ID, USER_ID, body=role)


async def test_the_warning_names_types_never_values(caplog: pytest.LogCaptureFixture) -> None:
    answer = {**ADDED_ROLE_ANSWER, "username": {"password": "s3cr3t-value"}, "country": 7}
    user = await _answering(answer, ADD_ROLE_MEDIA)().mongodb_cloud_users.add_project_role(
        GROUP_ID, USER_ID, body=AddOrRemoveGroupRole(group_role=AddOrRemoveGroupRoleGroupRole.GROUP_OWNER)
    )
    assert user.to_dict() == answer
    messages = _warnings(caplog)
    assert len(messages) == 3  # roles, username, country
    assert not any("s3cr3t" in message or "GROUP_OWNER" in message for message in messages)


@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
@pytest.mark.parametrize(
    ("body", "media_type", "call"),
    [
        ([ADDED_ROLE_ANSWER], ADD_ROLE_MEDIA, "add_role"),  # an array where an object is documented
        ("GROUP_OWNER", ADD_ROLE_MEDIA, "add_role"),
        ({}, ROLES_MEDIA, "roles"),  # an object where an array is documented (the generated loop reads [] from it)
        ("", ROLES_MEDIA, "roles"),
        (b"<html>not json</html>", ROLES_MEDIA, "roles"),
        (b'{"roleName": "x"', ROLES_MEDIA, "roles"),
    ],
    ids=["array-for-object", "string-for-object", "object-for-array", "string-for-array", "html", "truncated"],
)
async def test_a_wrong_top_level_or_a_non_json_body_fails_in_both_modes(
    body: Any, media_type: str, call: str, strict: bool
) -> None:
    atlas = _answering(body, media_type)(strict=strict)
    with pytest.raises(AtlasResponseError) as caught:
        if call == "roles":
            await atlas.custom_database_roles.list_custom_database_roles(GROUP_ID)
        else:
            role = AddOrRemoveGroupRole(group_role=AddOrRemoveGroupRoleGroupRole.GROUP_OWNER)
            await atlas.mongodb_cloud_users.add_project_role(GROUP_ID, USER_ID, body=role)
    assert caught.value.status == 200


async def test_a_list_item_of_the_wrong_kind_is_kept_below_the_top_level(caplog: pytest.LogCaptureFixture) -> None:
    body = [ROLES_WITHOUT_CLUSTER[1], "not-a-role", None]
    roles = await _answering(body, ROLES_MEDIA)().custom_database_roles.list_custom_database_roles(GROUP_ID)
    assert roles[1:] == ["not-a-role", None]
    assert [r.to_dict() if hasattr(r, "to_dict") else r for r in roles] == body
    assert any("$[1]: expected object, received string" in message for message in _warnings(caplog))


def test_strict_must_be_a_bool() -> None:
    with pytest.raises(AtlasConfigurationError, match="strict"):
        AtlasClient(access_token="t", strict="yes")  # type: ignore[arg-type]
    with pytest.raises(AtlasConfigurationError, match="strict"):
        AtlasClient(access_token="t").with_options(strict=1)  # type: ignore[arg-type]
