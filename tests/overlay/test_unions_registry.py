"""The overlay's union registry (atlas_admin._unions) over the spec's discriminator mappings."""

from __future__ import annotations

import httpx
import pytest
from atlas_admin import (
    AtlasClient,
    AtlasResponseError,
    DiscriminatorError,
    UnknownVariant,
    parse_union,
    union_names,
    variant_class,
)
from atlas_admin_api._operations import UNIONS


def test_every_mapping_value_names_a_class_whose_discriminator_is_that_value() -> None:
    assert union_names() == sorted(UNIONS)
    for union in union_names():
        for value, component in UNIONS[union].mapping:
            model = variant_class(union, value)
            assert model is not None and model.__name__ == component


def test_unknown_values_and_unknown_unions() -> None:
    assert variant_class("ExportBucket", "ORACLE") is None
    with pytest.raises(KeyError, match="not a discriminated union"):
        variant_class("NoSuchUnion", "AWS")


def test_parse_union_dispatches_and_keeps_unknown_variants() -> None:
    azure = {"_id": "32b6e34b3d91647abb20e7b8", "bucketName": "c", "cloudProvider": "AZURE", "roleId": "r"}
    assert type(parse_union("ExportBucket", azure)).__name__ == "ExportBucketAzure"
    oracle = {"cloudProvider": "ORACLE", "bucketName": "b", "compartment": "x"}
    parsed = parse_union("ExportBucket", oracle)
    assert isinstance(parsed, UnknownVariant)
    assert parsed.discriminator == "ORACLE"
    assert parsed.to_dict() == oracle
    with pytest.raises(DiscriminatorError) as info:
        parse_union("ExportBucket", {"bucketName": "b"})
    assert info.value.property_name == "cloudProvider"


async def test_a_body_without_its_discriminator_is_a_response_error_naming_the_path_when_strict() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body = {"results": [{"_id": "32b6e34b3d91647abb20e7b8", "bucketName": "b"}], "totalCount": 1}
        return httpx.Response(200, json=body, headers={"Content-Type": "application/vnd.atlas.2024-05-30+json"})

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    atlas = AtlasClient(access_token="t", base_url="https://atlas.test", http_client=http, strict=True)
    with pytest.raises(AtlasResponseError) as info:
        await atlas.cloud_backups.list_export_buckets("32b6e34b3d91647abb20e7b8")
    assert info.value.json_path == "$.results[0].cloudProvider"
    assert not isinstance(info.value, KeyError)
    # Lenient (the default): the item is kept as an UnknownVariant holding what was received.
    page = await atlas.with_options(strict=False).cloud_backups.list_export_buckets("32b6e34b3d91647abb20e7b8")
    assert isinstance(page.results, list)
    [item] = page.results
    assert isinstance(item, UnknownVariant) and item.discriminator is None
    assert item.raw == {"_id": "32b6e34b3d91647abb20e7b8", "bucketName": "b"}


def test_each_union_has_a_type_alias_with_its_variants() -> None:
    import typing

    from atlas_admin import models

    for union in union_names():
        alias = getattr(models, union)
        members = set(typing.get_args(alias)) or {alias}
        variants = {variant_class(union, value) for value, _ in UNIONS[union].mapping}
        assert variants <= members
        # Several variants: a value the spec does not list parses to UnknownVariant, so the alias admits it.
        assert (UnknownVariant in members) == (len(variants) > 1)
