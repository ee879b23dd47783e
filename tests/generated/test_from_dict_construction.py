"""How the generated from_dict builds models (issue #18): without attrs' __init__ for the generated class itself,
through the class for a subclass, without copying or touching the source dict, with extra keys kept in order."""

from __future__ import annotations

import copy
import json
import sys
from typing import Any

import attrs
from atlas_admin_api.models.export_bucket_aws import ExportBucketAWS
from atlas_admin_api.models.flex_cluster_description import FlexClusterDescription
from atlas_admin_api.models.flex_cluster_description_cluster_type import FlexClusterDescriptionClusterType
from atlas_admin_api.models.link import Link
from atlas_admin_api.models.paginated_export_bucket import PaginatedExportBucket
from atlas_admin_api.models.paginated_flex_cluster_description import PaginatedFlexClusterDescription
from atlas_admin_api.models.resource_tag import ResourceTag
from atlas_admin_api.types import UNSET, UnknownVariant

BUCKET = {
    "_id": "6b0c20cc57792e7196c5830b",
    "bucketName": "b-1",
    "cloudProvider": "AWS",
    "iamRoleId": "668c5f0ed436263134491592",
    "links": [{"href": "https://cloud.mongodb.com/api/atlas/v2/x", "rel": "self"}],
}

FLEX = {
    "results": [
        {
            "providerSettings": {"backingProviderName": "AWS", "diskSizeGB": 5.0, "regionName": "US_EAST_1"},
            "clusterType": "REPLICASET",
            "createDate": "2025-05-04T09:42:00Z",
            "name": "flex-0",
            "tags": [{"key": "env", "value": "prod"}],
            "links": [],
        }
    ],
    "totalCount": 1,
}


def test_a_parsed_model_equals_one_built_by_its_constructor() -> None:
    parsed = ExportBucketAWS.from_dict(BUCKET)
    built = ExportBucketAWS(
        "6b0c20cc57792e7196c5830b",
        "b-1",
        "668c5f0ed436263134491592",
        [Link(href="https://cloud.mongodb.com/api/atlas/v2/x", rel="self")],
    )
    assert parsed == built
    assert parsed.additional_properties == {}
    assert parsed.to_dict() == BUCKET


def test_every_field_is_set_also_when_absent() -> None:
    link = Link.from_dict({})
    assert link.href is UNSET and link.rel is UNSET
    assert attrs.asdict(link, recurse=False) == {"href": UNSET, "rel": UNSET, "additional_properties": {}}


def test_extra_keys_are_kept_in_their_order_and_the_source_is_not_touched() -> None:
    source = {"zeta": 1, "href": "https://x", "alpha": {"nested": [1, 2]}, "rel": "self", "mid": None}
    before = copy.deepcopy(source)
    link = Link.from_dict(source)
    assert source == before
    assert list(link.additional_properties) == ["zeta", "alpha", "mid"]
    assert link.additional_properties["alpha"] is source["alpha"]
    assert link.to_dict() == source
    # The extras are the model's own dict: changing them does not change the source.
    link["new"] = 2
    assert "new" not in source


def test_each_model_gets_its_own_additional_properties() -> None:
    first, second = Link.from_dict({"href": "a"}), Link.from_dict({"href": "b"})
    first["x"] = 1
    assert second.additional_properties == {}


def test_a_subclass_is_built_by_calling_it() -> None:
    @attrs.define
    class AuditedLink(Link):
        audited: bool = True

    link = AuditedLink.from_dict({"href": "https://x", "rel": "self", "extra": 1})
    assert type(link) is AuditedLink
    assert link.audited is True  # set by the subclass's __init__
    assert (link.href, link.rel, link.additional_properties) == ("https://x", "self", {"extra": 1})


def test_required_enum_and_nested_models_round_trip_exactly() -> None:
    page = PaginatedFlexClusterDescription.from_dict(FLEX)
    assert not isinstance(page.results, type(UNSET))
    item = page.results[0]
    assert item.cluster_type is FlexClusterDescriptionClusterType.REPLICASET
    assert json.dumps(page.to_dict(), sort_keys=True) == json.dumps(FLEX, sort_keys=True)


def _bucket(provider: Any, **extra: Any) -> dict[str, Any]:
    return {**BUCKET, "cloudProvider": provider, **extra}


def test_discriminated_list_items_pick_their_variant_or_stay_unknown() -> None:
    source = {
        "results": [
            _bucket("AWS"),
            {"_id": "1", "bucketName": "b", "cloudProvider": "AZURE", "roleId": "r", "serviceUrl": "https://s"},
            _bucket("OTHER", more=1),
        ]
    }
    page = PaginatedExportBucket.from_dict(source)
    assert not isinstance(page.results, type(UNSET))
    kinds = [type(item).__name__ for item in page.results]
    assert kinds == ["ExportBucketAWS", "ExportBucketAzure", "UnknownVariant"]
    unknown = page.results[2]
    assert isinstance(unknown, UnknownVariant)
    assert unknown.discriminator == "OTHER" and unknown.raw == _bucket("OTHER", more=1)
    assert page.to_dict() == source


def test_extra_keys_are_found_by_counting_fields_also_when_one_takes_a_missing_fields_place() -> None:
    # Models with few optional fields compare the number of keys with the number of fields read (issue #18): an
    # extra key in place of an absent field gives the same number of keys as the full documented shape.
    link = Link.from_dict({"href": "https://x", "extra": 1})
    assert link.rel is UNSET and link.additional_properties == {"extra": 1}
    assert link.to_dict() == {"href": "https://x", "extra": 1}
    # A field sent as null is present (it is not UNSET): counted, and written back as received.
    assert Link.from_dict({"href": None, "rel": "self"}).to_dict() == {"href": None, "rel": "self"}
    # Only required fields: the dict has exactly that many keys or extras.
    tag = ResourceTag.from_dict({"key": "k", "value": "v", "note": "n"})
    assert (tag.key, tag.value, tag.additional_properties) == ("k", "v", {"note": "n"})
    assert ResourceTag.from_dict({"key": "k", "value": "v"}).additional_properties == {}


def test_module_level_bindings_are_the_objects_from_dict_would_look_up() -> None:
    module = sys.modules[FlexClusterDescription.__module__]
    assert module._FlexClusterDescriptionClusterType_by_value == FlexClusterDescriptionClusterType._members_by_value.get
    assert module._Link_from_dict == Link.from_dict
    assert module._NEW_INSTANCE is object.__new__
    parsed = PaginatedFlexClusterDescription.from_dict(copy.deepcopy(FLEX))
    assert parsed.to_dict() == FLEX
