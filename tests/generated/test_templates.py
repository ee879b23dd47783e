"""Pins the behaviour our openapi-python-client templates add (openapi/templates/), on the real generated package.

One test per template concern: versioned Accept/Content-Type, path-parameter checks and encoding, tolerant
enums, the operationId in request extensions, unset fields and readOnly fields kept out of request bodies,
and status codes outside HTTPStatus.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import json
import pkgutil
from importlib import resources
from typing import Any

import atlas_admin_api
import atlas_admin_api.models
import httpx
import pytest
from atlas_admin_api._operations import OPERATIONS, InvalidArgumentError, path_param
from atlas_admin_api.models import DataProtectionSettings, ExportBucketRequestAWS, OnlineArchiveCollectionType
from spec_samples import OperationCase, operation_cases

SPEC = json.loads((resources.files(atlas_admin_api) / "openapi.json").read_text(encoding="utf-8"))
CASES = operation_cases()


def _module(case: OperationCase) -> Any:
    module_tag = "mongo_db_cloud_users" if case.tag == "mongodb_cloud_users" else case.tag
    return importlib.import_module(f"atlas_admin_api.api.{module_tag}.{case.key}")


def _kwargs(case: OperationCase) -> dict[str, Any]:
    return _module(case)._get_kwargs(**case.call_kwargs())  # type: ignore[no-any-return]


@pytest.mark.parametrize("case", CASES, ids=[c.operation.operation_id for c in CASES])
def test_accept_and_content_type_are_the_documented_versions(case: OperationCase) -> None:
    operation = SPEC["paths"][case.operation.path][case.operation.method.lower()]
    # The version sent is the one the assembler chose (the newest not sunset); it comes first in its response.
    firsts = [
        next(iter(r["content"]))
        for s, r in sorted(operation["responses"].items())
        if s.startswith("2") and r.get("content")
    ]
    kwargs = _kwargs(case)
    accept = kwargs["headers"]["Accept"]
    assert accept in firsts
    assert accept.startswith("application/vnd.atlas.")
    assert operation.get("x-atlas-version", "") in accept
    assert accept == case.operation.media_type
    if "requestBody" in operation:
        (documented_type,) = operation["requestBody"]["content"].keys()
        assert kwargs["headers"]["Content-Type"] == documented_type
    else:
        assert "Content-Type" not in kwargs["headers"]


@pytest.mark.parametrize("case", CASES, ids=[c.operation.operation_id for c in CASES])
def test_operation_id_travels_in_request_extensions(case: OperationCase) -> None:
    operation = SPEC["paths"][case.operation.path][case.operation.method.lower()]
    assert _kwargs(case)["extensions"] == {"atlas_admin.operation_id": operation["operationId"]}


@pytest.mark.parametrize(
    ("value", "accepted_as"),
    [
        ("plain", "plain"),
        ("a/b", "a%2Fb"),
        ("x?y#z", "x%3Fy%23z"),
        ("100%", "100%25"),
        ("caf\u00e9", "caf%C3%A9"),
        ("host:27017", "host:27017"),
        ("", None),
        (".", None),
        ("..", None),
        ("line\nbreak", None),
        ("nul\x00", None),
        ("del\x7f", None),
    ],
)
def test_path_parameters_are_checked_then_percent_encoded(value: str, accepted_as: str | None) -> None:
    operation = OPERATIONS["get_custom_database_role"]  # roleName has no pattern: only the generic rules apply
    if accepted_as is None:
        with pytest.raises(InvalidArgumentError) as info:
            path_param(operation, "roleName", value)
        assert info.value.parameter == "role_name"
    else:
        assert path_param(operation, "roleName", value) == accepted_as


def test_path_parameters_must_match_the_documented_pattern() -> None:
    operation = OPERATIONS["get_custom_database_role"]
    assert path_param(operation, "groupId", "32b6e34b3d91647abb20e7b8") == "32b6e34b3d91647abb20e7b8"
    for bad in ["32B6E34B3D91647ABB20E7B8", "32b6e34b", "../32b6e34b3d91647abb20e7b8", 42]:
        with pytest.raises(InvalidArgumentError, match="group_id"):
            path_param(operation, "groupId", bad)


def test_dot_dot_never_reaches_the_url() -> None:
    module = importlib.import_module("atlas_admin_api.api.custom_database_roles.get_custom_database_role")
    with pytest.raises(InvalidArgumentError):
        module._get_kwargs("32b6e34b3d91647abb20e7b8", "..")


def _all_enums() -> list[type[enum.Enum]]:
    found = []
    for info in pkgutil.iter_modules(atlas_admin_api.models.__path__):
        module = importlib.import_module(f"atlas_admin_api.models.{info.name}")
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, (enum.StrEnum, enum.IntEnum)) and obj.__module__ == module.__name__:
                found.append(obj)
    return found


ENUMS = _all_enums()


def test_the_spec_has_enums_to_check() -> None:
    assert len(ENUMS) > 50


@pytest.mark.parametrize("enum_class", ENUMS, ids=[e.__name__ for e in ENUMS])
def test_enums_keep_values_the_spec_does_not_list(enum_class: type[enum.Enum]) -> None:
    unknown: str | int = 987654 if issubclass(enum_class, enum.IntEnum) else "VALUE_ADDED_BY_ATLAS_LATER"
    member = enum_class(unknown)
    assert member.value == unknown
    assert str(member) == str(unknown)
    assert isinstance(member, enum_class)
    documented = next(iter(enum_class))
    assert enum_class(documented.value) is documented


def test_unknown_enum_value_round_trips_through_a_model() -> None:
    payload = {"collectionType": "TIMESERIES_V2", "collName": "events"}
    from atlas_admin_api.models import OnlineArchive

    archive = OnlineArchive.from_dict(payload)
    assert archive.collection_type == "TIMESERIES_V2"
    assert archive.collection_type is not OnlineArchiveCollectionType.STANDARD
    assert archive.to_dict() == payload


def test_optional_fields_with_documented_defaults_are_not_sent_unless_set() -> None:
    settings = DataProtectionSettings(
        authorized_email="ops@example.com", authorized_user_first_name="A", authorized_user_last_name="B"
    )
    assert settings.to_dict() == {
        "authorizedEmail": "ops@example.com",
        "authorizedUserFirstName": "A",
        "authorizedUserLastName": "B",
    }
    settings.pit_enabled = False
    assert settings.to_dict()["pitEnabled"] is False


def test_request_variants_set_their_own_discriminator() -> None:
    bucket = ExportBucketRequestAWS(bucket_name="export-bucket", iam_role_id="668c5f0ed436263134491592")
    assert bucket.to_dict() == {
        "bucketName": "export-bucket",
        "iamRoleId": "668c5f0ed436263134491592",
        "cloudProvider": "AWS",
    }


def test_read_only_fields_are_never_sent() -> None:
    module = importlib.import_module("atlas_admin_api.api.cloud_backups.update_data_protection_settings")
    settings = DataProtectionSettings.from_dict(
        {
            "authorizedEmail": "ops@example.com",
            "authorizedUserFirstName": "A",
            "authorizedUserLastName": "B",
            "state": "ACTIVE",
            "updatedDate": "2024-05-01T00:00:00Z",
            "onDemandPolicyItem": {
                "id": "32b6e34b3d91647abb20e7b8",
                "frequencyInterval": 0,
                "frequencyType": "ondemand",
                "retentionUnit": "days",
                "retentionValue": 7,
            },
        }
    )
    body = module._get_kwargs("32b6e34b3d91647abb20e7b8", body=settings)["json"]
    read_only = OPERATIONS["update_data_protection_settings"].read_only
    assert ("state",) in read_only
    assert "state" not in body
    assert "updatedDate" not in body
    assert "id" not in body["onDemandPolicyItem"]
    assert body["authorizedEmail"] == "ops@example.com"


def test_status_codes_outside_httpstatus_do_not_crash_the_generated_parser() -> None:
    module = importlib.import_module("atlas_admin_api.api.custom_database_roles.get_custom_database_role")
    client = atlas_admin_api.client.Client(base_url="https://x")
    response = httpx.Response(520, text="<html>origin error</html>")
    assert module._parse_response(client=client, response=response) is None


def test_endpoint_modules_hold_only_what_the_facade_uses() -> None:
    module = importlib.import_module("atlas_admin_api.api.custom_database_roles.get_custom_database_role")
    for unused in ("sync", "sync_detailed", "asyncio", "asyncio_detailed", "_build_response"):
        assert not hasattr(module, unused), unused
    assert callable(module._get_kwargs) and callable(module._parse_response)


def test_optional_fields_sent_as_null_are_kept_not_fatal() -> None:
    from atlas_admin_api.models import ExportBucketAWS

    payload = {
        "_id": "32b6e34b3d91647abb20e7b8",
        "bucketName": "export-bucket",
        "cloudProvider": "AWS",
        "iamRoleId": "668c5f0ed436263134491592",
        "links": None,
    }
    bucket = ExportBucketAWS.from_dict(payload)
    assert bucket.bucket_name == "export-bucket"
    # Issue #13: the null is kept on the field it was sent for (it was an additional property before).
    assert bucket.links is None
    assert bucket.additional_properties == {}
    assert bucket.to_dict() == payload


@pytest.mark.parametrize(
    "stamp",
    ["2025-05-04T09:42:00Z", "2025-05-04T09:42:00.123Z", "2025-05-04T09:42:00.123456Z", "2025-05-04T11:42:00+02:00"],
)
def test_datetimes_round_trip_as_atlas_writes_them(stamp: str) -> None:
    from atlas_admin_api.models import DataProtectionSettings

    payload = {
        "authorizedEmail": "ops@example.com",
        "authorizedUserFirstName": "A",
        "authorizedUserLastName": "B",
        "updatedDate": stamp,
    }
    assert DataProtectionSettings.from_dict(payload).to_dict() == payload
