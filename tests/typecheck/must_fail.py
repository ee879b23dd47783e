"""Mistakes mypy must catch (tests/typecheck/test_typecheck.py runs mypy --strict on this file and expects each
line marked ``# E: <code>`` to fail with that code, and no other line to fail). Never imported or run."""

from __future__ import annotations

from atlas_admin import AtlasClient, iter_pages, paginate
from atlas_admin.models import ExportBucketRequestAWS

GROUP = "32b6e34b3d91647abb20e7b8"


async def typed_dict_bodies(atlas: AtlasClient) -> None:
    await atlas.custom_database_roles.create_custom_database_role(GROUP, body={"roleNam": "r"})  # E: arg-type
    await atlas.custom_database_roles.create_custom_database_role(GROUP, body={"roleName": 3})  # E: arg-type
    await atlas.custom_database_roles.create_custom_database_role(GROUP, body={"actions": []})  # E: arg-type
    await atlas.custom_database_roles.create_custom_database_role(
        GROUP,
        body={"roleName": "r", "actions": [{"action": "FIND", "resources": [{"db": "d"}]}]},  # E: arg-type
    )
    await atlas.cloud_backups.create_export_bucket(GROUP, body={"cloudProvider": "AWS", "bucket": "b"})  # E: arg-type


async def enum_values(atlas: AtlasClient) -> None:
    await atlas.network_peering.list_peering_container_by_cloud_provider(GROUP, provider_name="ORACLE")  # E: arg-type
    ExportBucketRequestAWS(bucket_name="b", iam_role_id="i", cloud_provider="GCP")  # E: arg-type


async def pagination_arguments(atlas: AtlasClient) -> None:
    async for _ in paginate(atlas.cloud_backups.list_export_buckets, GROUP, include_cont=True):  # E: call-arg
        pass
    async for _ in paginate(atlas.cloud_backups.list_export_buckets, 42):  # E: call-overload
        pass
    async for _ in paginate(atlas.cloud_backups.list_export_buckets, GROUP, items_per_page="10"):  # E: arg-type
        pass
    async for _ in iter_pages(atlas.cloud_backups.list_export_buckets, GROUP, include_cont=True):  # E: call-arg
        pass
