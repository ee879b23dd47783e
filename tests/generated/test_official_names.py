"""Every operation of the official document is on the facade by its official name; the documented names stay.

The official name of an operation is the snake_case of its ``x-xgen-operation-id-override`` (the name MongoDB's
Go SDK uses), or of its ``operationId`` where there is none. Read here from ``openapi/upstream/atlas-api.yaml``
itself (the checked-in official document), not from the assembled spec, so a dropped operation fails.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from atlas_admin_api.api import TAGS, AtlasOperations

REPO = Path(__file__).resolve().parents[2]
UPSTREAM = REPO / "openapi" / "upstream" / "atlas-api.yaml"
METHODS = ("get", "put", "post", "delete", "patch")

# The 43 documented operations' facade names before the whole API came in (issue #15): users rely on them.
DOCUMENTED = [
    ("atlas_search", "delete_atlas_search_index_by_name"),
    ("cloud_backups", "list_export_buckets"),
    ("cloud_backups", "create_export_bucket"),
    ("cloud_backups", "update_data_protection_settings"),
    ("cloud_backups", "create_backup_export_job"),
    ("cloud_backups", "create_backup_restore_job"),
    ("cloud_backups", "delete_all_backup_schedules"),
    ("cloud_backups", "update_snapshot_retention"),
    ("cloud_migration_service", "delete_link_token"),
    ("cloud_provider_access", "deauthorize_cloud_provider_access_role"),
    ("cloud_provider_access", "authorize_cloud_provider_access_role"),
    ("custom_database_roles", "list_custom_database_roles"),
    ("custom_database_roles", "create_custom_database_role"),
    ("custom_database_roles", "get_custom_database_role"),
    ("data_federation", "get_federated_database"),
    ("data_federation", "create_one_data_federation_query_limit"),
    ("data_federation", "get_data_federation_private_endpoint"),
    ("data_lake_pipelines", "resume_pipeline"),
    ("data_lake_pipelines", "get_pipeline_run"),
    ("encryption_at_rest_using_customer_key_management", "update_encryption_at_rest"),
    ("encryption_at_rest_using_customer_key_management", "get_encryption_at_rest_private_endpoint"),
    ("federated_authentication", "delete_identity_provider"),
    ("flex_clusters", "list_flex_clusters"),
    ("flex_restore_jobs", "list_flex_backup_restore_jobs"),
    ("global_clusters", "delete_all_custom_zone_mappings"),
    ("legacy_backup", "list_legacy_snapshots"),
    ("mongodb_cloud_users", "add_project_role"),
    ("mongodb_cloud_users", "remove_organization_user"),
    ("monitoring_and_logs", "get_database"),
    ("network_peering", "list_peering_container_by_cloud_provider"),
    ("online_archive", "update_online_archive"),
    ("organizations", "update_organization_invitation_by_id"),
    ("performance_advisor", "enable_slow_operation_thresholding"),
    ("private_endpoint_services", "toggle_regionalized_private_endpoint_setting"),
    ("programmatic_api_keys", "create_project_api_key"),
    ("project_ip_access_list", "list_project_ip_access_lists"),
    ("projects", "list_project_invitations"),
    ("serverless_private_endpoints", "list_serverless_private_endpoints"),
    ("service_accounts", "delete_project_service_account_secret"),
    ("service_accounts", "get_service_account"),
    ("service_accounts", "delete_service_account"),
    ("shared_tier_snapshots", "download_shared_cluster_backup"),
    ("teams", "get_team_by_name"),
]


def snake(name: str) -> str:
    """camelCase / PascalCase / "Two Words" -> snake_case.

    Acronyms stay one word (listAPIKeys -> list_api_keys); digits stay with the word before them
    (customerX509 -> customer_x509), a number on its own is a word ("X.509" -> x_509).
    """
    words = re.findall(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+\d*|[A-Z]+\d*|\d+", name)
    return "_".join(w.lower() for w in words)


def tag_attribute(tag: str) -> str:
    # The brand is one word on the facade (the generator would split it: "mongo_db").
    return snake(tag).replace("mongo_db", "mongodb")


def _upstream_operations() -> list[tuple[str, str, dict[str, Any]]]:
    doc = yaml.load(UPSTREAM.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return [(method, path, item[method]) for path, item in doc["paths"].items() for method in METHODS if method in item]


UPSTREAM_OPERATIONS = _upstream_operations()


class _NoRunner:
    async def run(self, kwargs: dict[str, Any], parse: Any) -> Any:  # pragma: no cover - never called
        raise AssertionError("no call is made")


def test_the_official_document_has_the_whole_api() -> None:
    assert len(UPSTREAM_OPERATIONS) >= 500


def test_every_official_operation_is_reachable_by_its_official_name() -> None:
    facade = AtlasOperations(_NoRunner())  # type: ignore[arg-type]
    missing = []
    for method, path, operation in UPSTREAM_OPERATIONS:
        official = snake(operation.get("x-xgen-operation-id-override") or operation["operationId"])
        group = getattr(facade, tag_attribute(operation["tags"][0]), None)
        if group is None or not callable(getattr(group, official, None)):
            missing.append(f"{method.upper()} {path}: {tag_attribute(operation['tags'][0])}.{official}")
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize(("tag", "name"), DOCUMENTED, ids=[name for _tag, name in DOCUMENTED])
def test_documented_names_are_unchanged(tag: str, name: str) -> None:
    assert tag in TAGS
    group = getattr(AtlasOperations(_NoRunner()), tag)  # type: ignore[arg-type]
    assert callable(getattr(group, name))


def test_the_official_name_of_a_documented_operation_is_the_same_function() -> None:
    group = type(AtlasOperations(_NoRunner()).custom_database_roles)  # type: ignore[arg-type]
    assert group.list_custom_db_roles is group.list_custom_database_roles
    assert group.create_custom_db_role is group.create_custom_database_role


def test_no_two_operations_share_a_facade_name() -> None:
    facade = AtlasOperations(_NoRunner())  # type: ignore[arg-type]
    functions: dict[int, str] = {}
    for tag in TAGS:
        group = type(getattr(facade, tag))
        for name, value in vars(group).items():
            if callable(value) and not name.startswith("_"):
                functions.setdefault(id(value), f"{tag}.{name}")
    # one function per operation (aliases share theirs): as many functions as operations in the spec
    assert len(functions) == len(UPSTREAM_OPERATIONS) + 1  # + downloadSharedClusterBackup, documented only
