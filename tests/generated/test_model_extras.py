"""What every generated model shares (issue #17): UNSET as a singleton, a repr without unset fields, to_json,
equality through deepcopy and pickle, and pydantic's hooks (FastAPI response models) without pydantic at import."""

from __future__ import annotations

import copy
import json
import pickle
import subprocess
import sys

import atlas_admin
from atlas_admin import UNSET, InvalidArgumentError, Unset
from atlas_admin.models import (
    CustomDatabaseRole,
    DatabasePrivilegeAction,
    ExportBucketAWS,
    ExportBucketRequestAWS,
    ExportBucketRequestAWSCloudProvider,
)

ROLE = {
    "roleName": "reader",
    "actions": [{"action": "FIND", "resources": [{"cluster": False, "db": "sales", "collection": "orders"}]}],
    "somethingNew": {"kept": True},
}


def test_unset_is_exported_and_one_instance_through_copy_and_pickle() -> None:
    assert atlas_admin.UNSET is UNSET and isinstance(UNSET, Unset)
    assert Unset() is UNSET
    assert copy.copy(UNSET) is UNSET
    assert copy.deepcopy(UNSET) is UNSET
    assert pickle.loads(pickle.dumps(UNSET)) is UNSET
    assert repr(UNSET) == "UNSET"
    assert not UNSET


def test_repr_leaves_out_unset_fields() -> None:
    role = CustomDatabaseRole(role_name="reader")
    assert repr(role) == "CustomDatabaseRole(role_name='reader')"
    bucket = ExportBucketRequestAWS(bucket_name="b", iam_role_id="32b6e34b3d91647abb20e7b8")
    assert repr(bucket) == (
        "ExportBucketRequestAWS(cloud_provider=<ExportBucketRequestAWSCloudProvider.AWS: 'AWS'>, "
        "bucket_name='b', iam_role_id='32b6e34b3d91647abb20e7b8')"
    )
    parsed = CustomDatabaseRole.from_dict(ROLE)
    assert "additional_properties={'somethingNew': {'kept': True}}" in repr(parsed)
    assert "UNSET" not in repr(parsed)


def test_deepcopy_and_pickle_give_equal_models() -> None:
    role = CustomDatabaseRole.from_dict(ROLE)
    partial = CustomDatabaseRole(role_name="x")  # its optional fields are UNSET
    for model in (role, partial):
        assert copy.deepcopy(model) == model
        assert pickle.loads(pickle.dumps(model)) == model
    unknown_value = ExportBucketAWS.from_dict(
        {"_id": "32b6e34b3d91647abb20e7b8", "bucketName": "b", "cloudProvider": "AWS", "iamRoleId": "x"}
    )
    assert pickle.loads(pickle.dumps(unknown_value)) == unknown_value


def test_to_json_uses_the_api_field_names() -> None:
    role = CustomDatabaseRole.from_dict(ROLE)
    assert json.loads(role.to_json()) == ROLE
    assert '\n  "roleName": "reader",\n' in role.to_json(indent=2)


def test_enum_field_takes_its_plain_value() -> None:
    bucket = ExportBucketRequestAWS(bucket_name="b", iam_role_id="i", cloud_provider="AWS")
    assert bucket.to_dict()["cloudProvider"] == "AWS"
    assert ExportBucketRequestAWSCloudProvider.AWS == "AWS"
    # Typed `Literal["AWS"] | ExportBucketRequestAWSCloudProvider`, the field still parses into the enum member.
    parsed = ExportBucketRequestAWS.from_dict({"cloudProvider": "AWS", "bucketName": "b", "iamRoleId": "i"})
    assert parsed.cloud_provider is ExportBucketRequestAWSCloudProvider.AWS


def test_exceptions_show_as_atlas_admin() -> None:
    for name in ("InvalidArgumentError", "AtlasNotFoundError", "AtlasError", "AtlasConnectionError"):
        cls = getattr(atlas_admin, name)
        assert cls.__module__ == "atlas_admin", name
        assert repr(cls) == f"<class 'atlas_admin.{name}'>"
    error = InvalidArgumentError("body", "wrong")
    assert pickle.loads(pickle.dumps(error)).parameter == "body"


def test_pydantic_validates_and_serializes_models() -> None:
    from pydantic import TypeAdapter

    adapter = TypeAdapter(CustomDatabaseRole)
    role = adapter.validate_python(ROLE)
    assert isinstance(role, CustomDatabaseRole) and role.role_name == "reader"
    assert adapter.validate_python(role) is role
    assert adapter.dump_python(role) == ROLE
    assert json.loads(adapter.dump_json(role)) == ROLE
    action = TypeAdapter(DatabasePrivilegeAction).validate_json('{"action": "FIND", "resources": []}')
    assert action.action == "FIND"


def test_pydantic_json_schema_comes_from_the_spec() -> None:
    from pydantic import TypeAdapter

    schema = TypeAdapter(CustomDatabaseRole).json_schema()
    assert schema["required"] == ["roleName"]
    assert set(schema["properties"]) == {"actions", "inheritedRoles", "roleName"}
    # references are inlined: the nested schema is there, not a dangling $ref
    action_items = schema["properties"]["actions"]["items"]
    assert "$ref" not in json.dumps(schema)
    assert "action" in action_items["properties"]


def test_importing_the_sdk_and_models_does_not_import_pydantic() -> None:
    code = "import sys, atlas_admin, atlas_admin.models; print('pydantic' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
