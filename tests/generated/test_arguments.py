"""Arguments are checked and converted before any I/O (issue #17): enum values as plain strings, request bodies as
plain dicts, date-times as aware datetimes or ISO 8601 strings; any other wrong type is an InvalidArgumentError
naming the parameter, and no request goes out."""

from __future__ import annotations

import datetime
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from atlas_admin import AtlasClient, InvalidArgumentError
from atlas_admin.models import (
    CustomDatabaseRole,
    DatabasePrivilegeAction,
    DiskBackupSnapshotRestoreJob,
    ExportBucketRequestAWS,
    ListPeeringContainerByCloudProviderProviderName,
)

GROUP = "32b6e34b3d91647abb20e7b8"


class Recorder:
    """A transport that records each request and answers 200 with the request's own JSON body (or an empty page)."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.reply: Any = None  # the JSON answer, when not the request's body

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        body: Any = json.loads(request.content) if request.content else {"results": [], "totalCount": 0}
        return httpx.Response(200, json=body if self.reply is None else self.reply)

    def sent_json(self) -> Any:
        return json.loads(self.requests[-1].content)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def atlas(recorder: Recorder) -> AsyncIterator[AtlasClient]:
    http = httpx.AsyncClient(transport=httpx.MockTransport(recorder))
    async with AtlasClient(access_token="token", http_client=http, max_retries=0) as client:
        yield client


# --- the mistakes: each is an InvalidArgumentError naming the parameter, and nothing is sent ----------------------


async def test_enum_parameter_of_the_wrong_type(atlas: AtlasClient, recorder: Recorder) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        await atlas.network_peering.list_peering_container_by_cloud_provider(GROUP, provider_name=3)  # type: ignore[arg-type]
    assert info.value.parameter == "provider_name"
    assert recorder.requests == []


async def test_body_of_the_wrong_type(atlas: AtlasClient, recorder: Recorder) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        await atlas.custom_database_roles.create_custom_database_role(GROUP, body=["roleName"])  # type: ignore[arg-type]
    assert info.value.parameter == "body"
    assert "CustomDatabaseRole or a dict" in str(info.value)
    with pytest.raises(InvalidArgumentError) as info:
        await atlas.cloud_backups.create_export_bucket(GROUP, body=3)  # type: ignore[arg-type]
    assert info.value.parameter == "body"
    assert "ExportBucketRequestAWS" in str(info.value)
    assert recorder.requests == []


async def test_value_inside_a_dict_body_that_cannot_be_json(atlas: AtlasClient, recorder: Recorder) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        await atlas.custom_database_roles.create_custom_database_role(
            GROUP,
            body={"roleName": "r", "actions": [{"action": object()}]},  # type: ignore[arg-type]
        )
    assert info.value.parameter == "body.actions[0].action"
    assert recorder.requests == []


async def test_value_json_cannot_carry_inside_a_model_body(atlas: AtlasClient, recorder: Recorder) -> None:
    bucket = ExportBucketRequestAWS(bucket_name="b", iam_role_id=GROUP, cloud_provider=object())  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError) as info:
        await atlas.cloud_backups.create_export_bucket(GROUP, body=bucket)
    assert info.value.parameter == "body.cloud_provider"
    assert recorder.requests == []


async def test_enum_parameter_of_the_wrong_json_type(atlas: AtlasClient, recorder: Recorder) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        await atlas.network_peering.list_peering_container_by_cloud_provider(GROUP, provider_name=True)  # type: ignore[arg-type]
    assert info.value.parameter == "provider_name"
    assert recorder.requests == []


async def test_naive_datetime_is_rejected(atlas: AtlasClient, recorder: Recorder) -> None:
    job = DiskBackupSnapshotRestoreJob(delivery_type="automated", timestamp=datetime.datetime(2025, 5, 4, 9, 42))
    with pytest.raises(InvalidArgumentError) as info:
        await atlas.cloud_backups.create_backup_restore_job(GROUP, "Cluster0", body=job)
    assert info.value.parameter == "body.timestamp"
    assert "naive" in str(info.value)
    with pytest.raises(InvalidArgumentError) as info:
        await atlas.cloud_backups.create_backup_restore_job(
            GROUP,
            "Cluster0",
            body={"deliveryType": "automated", "timestamp": datetime.datetime(2025, 5, 4)},
        )
    assert info.value.parameter == "body.timestamp"
    assert recorder.requests == []


async def test_datetime_string_that_is_not_iso_8601(atlas: AtlasClient, recorder: Recorder) -> None:
    job = DiskBackupSnapshotRestoreJob(delivery_type="automated", timestamp="yesterday")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError) as info:
        await atlas.cloud_backups.create_backup_restore_job(GROUP, "Cluster0", body=job)
    assert info.value.parameter == "body.timestamp"
    assert recorder.requests == []


async def test_path_and_query_parameters_of_the_wrong_type(atlas: AtlasClient, recorder: Recorder) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        await atlas.custom_database_roles.get_custom_database_role(GROUP, 42)  # type: ignore[arg-type]
    assert info.value.parameter == "role_name"
    with pytest.raises(InvalidArgumentError) as info:
        await atlas.cloud_backups.list_export_buckets(GROUP, items_per_page="10")  # type: ignore[arg-type]
    assert info.value.parameter == "items_per_page"
    assert recorder.requests == []


# --- the right calls, with plain values: what was sent ------------------------------------------------------------


async def test_enum_parameter_as_a_string(atlas: AtlasClient, recorder: Recorder) -> None:
    await atlas.network_peering.list_peering_container_by_cloud_provider(GROUP, provider_name="AZURE")
    assert recorder.requests[-1].url.params["providerName"] == "AZURE"
    await atlas.network_peering.list_peering_container_by_cloud_provider(
        GROUP, provider_name=ListPeeringContainerByCloudProviderProviderName.GCP
    )
    assert recorder.requests[-1].url.params["providerName"] == "GCP"


async def test_unlisted_enum_string_is_sent_as_given(atlas: AtlasClient, recorder: Recorder) -> None:
    await atlas.network_peering.list_peering_container_by_cloud_provider(GROUP, provider_name="ORACLE")  # type: ignore[arg-type]
    assert recorder.requests[-1].url.params["providerName"] == "ORACLE"


async def test_enum_path_parameter_as_a_string(atlas: AtlasClient, recorder: Recorder) -> None:
    recorder.reply = {"cloudProvider": "AZURE", "privateEndpointConnectionName": "c", "regionName": "US_EAST_2"}
    await atlas.encryption_at_rest_using_customer_key_management.get_encryption_at_rest_private_endpoint(
        GROUP, "AZURE", "32b6e34b3d91647abb20e7b9"
    )
    assert "/encryptionAtRest/AZURE/privateEndpoints/" in recorder.requests[-1].url.path


async def test_body_as_a_dict(atlas: AtlasClient, recorder: Recorder) -> None:
    role = await atlas.custom_database_roles.create_custom_database_role(
        GROUP,
        body={
            "roleName": "reader",
            "actions": [{"action": "FIND", "resources": [{"cluster": False, "db": "sales", "collection": "o"}]}],
        },
    )
    assert recorder.sent_json() == {
        "roleName": "reader",
        "actions": [{"action": "FIND", "resources": [{"cluster": False, "db": "sales", "collection": "o"}]}],
    }
    assert isinstance(role, CustomDatabaseRole)


async def test_dict_body_may_hold_models_enum_members_and_datetimes(atlas: AtlasClient, recorder: Recorder) -> None:
    action = DatabasePrivilegeAction.from_dict({"action": "FIND", "resources": []})
    await atlas.custom_database_roles.create_custom_database_role(GROUP, body={"roleName": "r", "actions": [action]})
    assert recorder.sent_json() == {"roleName": "r", "actions": [{"action": "FIND", "resources": []}]}
    when = datetime.datetime(2025, 5, 4, 9, 42, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    # A key the TypedDict does not list is still sent (the server may know it), converted like the others.
    await atlas.cloud_backups.create_backup_restore_job(
        GROUP,
        "Cluster0",
        body={"deliveryType": "automated", "snapshotId": GROUP, "notBefore": when},  # type: ignore[arg-type]
    )
    assert recorder.sent_json() == {
        "deliveryType": "automated",
        "snapshotId": GROUP,
        "notBefore": "2025-05-04T09:42:00+02:00",
    }


async def test_union_body_as_a_dict_and_enum_field_as_a_string(atlas: AtlasClient, recorder: Recorder) -> None:
    recorder.reply = {"_id": GROUP, "bucketName": "b", "cloudProvider": "AWS", "iamRoleId": GROUP}
    await atlas.cloud_backups.create_export_bucket(
        GROUP, body={"cloudProvider": "AWS", "bucketName": "b", "iamRoleId": GROUP}
    )
    assert recorder.sent_json() == {"cloudProvider": "AWS", "bucketName": "b", "iamRoleId": GROUP}
    await atlas.cloud_backups.create_export_bucket(
        GROUP, body=ExportBucketRequestAWS(bucket_name="c", iam_role_id=GROUP, cloud_provider="AWS")
    )
    assert recorder.sent_json() == {"cloudProvider": "AWS", "bucketName": "c", "iamRoleId": GROUP}


async def test_aware_datetime_and_iso_string_in_a_model(atlas: AtlasClient, recorder: Recorder) -> None:
    utc = datetime.datetime(2025, 5, 4, 9, 42, tzinfo=datetime.UTC)
    job = DiskBackupSnapshotRestoreJob(delivery_type="automated", snapshot_id=GROUP, timestamp=utc)
    # the datetime is checked, then the readOnly field is left out of the request
    await atlas.cloud_backups.create_backup_restore_job(GROUP, "Cluster0", body=job)
    assert recorder.sent_json()["deliveryType"] == "automated"
    assert job.to_dict()["timestamp"] == "2025-05-04T09:42:00Z"
    job.timestamp = "2025-05-04T11:42:00+02:00"  # type: ignore[assignment]
    assert job.to_dict()["timestamp"] == "2025-05-04T11:42:00+02:00"
