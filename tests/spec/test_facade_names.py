"""openapi/facade_names.py: published facade names are recorded, and a lost one becomes a deprecated alias."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "openapi"))

import facade_names  # noqa: E402

BUCKETS = "/api/atlas/v2/groups/{groupId}/buckets"


def spec(*operations: tuple[str, str, str, str | None]) -> dict[str, Any]:
    """(method, path, operationId, official name or None) -> a minimal assembled spec."""
    paths: dict[str, Any] = {}
    for method, path, operation_id, official in operations:
        operation: dict[str, Any] = {"operationId": operation_id, "tags": ["Buckets"], "responses": {}}
        if official:
            operation["x-atlas-official-name"] = official
        paths.setdefault(path, {})[method] = operation
    return {"openapi": "3.0.3", "paths": paths}


def test_current_names_are_the_generator_snake_case_of_method_and_official_names() -> None:
    names = facade_names.current_names(
        spec(
            ("get", BUCKETS, "listExportBuckets", "listGroupBackupExportBuckets"),
            ("post", BUCKETS, "createBucket", None),
        )
    )
    assert names == {
        f"GET {BUCKETS}": ("list_export_buckets", "list_group_backup_export_buckets"),
        f"POST {BUCKETS}": ("create_bucket", "create_bucket"),
    }


def test_a_name_lost_at_the_same_method_and_path_becomes_a_deprecated_alias() -> None:
    published = facade_names.merged_record({}, spec(("get", BUCKETS, "listBuckets", None)))
    assert published == {f"GET {BUCKETS}": ["list_buckets"]}
    renamed = spec(("get", BUCKETS, "listExportBuckets", None))
    record = facade_names.merged_record(published, renamed)
    assert record == {f"GET {BUCKETS}": ["list_buckets", "list_export_buckets"]}
    assert facade_names.deprecated_aliases(record, renamed) == {"list_export_buckets": ["list_buckets"]}
    # And it stays an alias through later updates that do not touch the operation.
    again = facade_names.merged_record(record, renamed)
    assert facade_names.deprecated_aliases(again, renamed) == {"list_export_buckets": ["list_buckets"]}


def test_path_parameter_renames_keep_the_names() -> None:
    record = {f"GET {BUCKETS}/{{bucketId}}": ["get_bucket"]}
    renamed = spec(("get", f"{BUCKETS}/{{exportBucketId}}", "getExportBucket", None))
    merged = facade_names.merged_record(record, renamed)
    assert merged == {f"GET {BUCKETS}/{{exportBucketId}}": ["get_bucket", "get_export_bucket"]}
    assert facade_names.deprecated_aliases(merged, renamed) == {"get_export_bucket": ["get_bucket"]}


def test_no_alias_for_a_name_another_operation_now_uses_nor_for_removed_operations() -> None:
    record = {f"GET {BUCKETS}": ["list_buckets"], f"DELETE {BUCKETS}": ["delete_buckets"]}
    now = spec(("get", BUCKETS, "listExportBuckets", None), ("post", BUCKETS, "listBuckets", None))
    assert facade_names.deprecated_aliases(record, now) == {}


def test_table_is_a_jinja_mapping() -> None:
    import jinja2

    table = facade_names.render_table({"list_export_buckets": ["list_buckets"]})
    module = jinja2.Environment().from_string(table).module
    assert module.deprecated_names == {"list_export_buckets": ["list_buckets"]}  # type: ignore[attr-defined]
    empty = jinja2.Environment().from_string(facade_names.render_table({})).module
    assert empty.deprecated_names == {}  # type: ignore[attr-defined]


def test_record_round_trips_through_yaml() -> None:
    record = {f"POST {BUCKETS}:reset": ["reset_buckets"], f"GET {BUCKETS}": ["list_buckets", "list_group_buckets"]}
    text = facade_names.render_record(record)
    assert yaml.safe_load(text)["operations"] == record


def test_checked_in_record_and_table_match_the_spec() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "openapi" / "facade_names.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_every_published_name_is_still_on_the_facade() -> None:
    """Names stay: every recorded name of an operation still in the spec is callable on the facade, on the same
    tag object as the operation's current method."""
    from atlas_admin_api.api import TAGS, AtlasOperations

    facade = AtlasOperations(runner=None)  # type: ignore[arg-type]  # nothing is called
    tag_objects = [getattr(facade, tag) for tag in TAGS]
    current = facade_names.current_names(facade_names.load_spec())
    missing = []
    for key, names in facade_names.load_record().items():
        if key not in current:
            continue  # a removed operation (reported as breaking by make update-spec)
        owners = [tag for tag in tag_objects if hasattr(tag, current[key][0])]
        assert owners, f"{key}: {current[key][0]} is on no tag of the facade"
        missing += [f"{key}: {name}" for name in names if not any(hasattr(tag, name) for tag in owners)]
    assert not missing, missing
