"""Discriminated unions: which variant class a discriminator value names, and parsing by that value.

The generated models already dispatch on the discriminator wherever a union appears in a body. This
module is the thin registry over the same table (``UNIONS``, read from the spec's ``discriminator.mapping``)
for code that holds a raw payload or a discriminator value itself.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from atlas_admin_api._operations import UNIONS
from atlas_admin_api.types import DiscriminatorError, UnknownVariant, discriminate


def _model(component: str) -> type[Any]:
    models = importlib.import_module("atlas_admin_api.models")
    model: type[Any] = getattr(models, component)
    return model


def union_names() -> list[str]:
    """The discriminated unions of the spec, by component name.

    Usage::

        >>> "ExportBucket" in union_names()
        True
    """
    return sorted(UNIONS)


def variant_class(union: str, value: str) -> type[Any] | None:
    """The variant class that ``value`` of the union's discriminator names, or None for a value the spec lacks.

    Usage::

        >>> variant_class("ExportBucketRequest", "GCP").__name__
        'ExportBucketRequestGCP'
        >>> variant_class("ExportBucketRequest", "ORACLE") is None
        True
    """
    if union not in UNIONS:
        raise KeyError(f"{union!r} is not a discriminated union of the spec; see union_names()")
    component = dict(UNIONS[union].mapping).get(value)
    return None if component is None else _model(component)


def parse_union(union: str, data: Mapping[str, Any]) -> Any:
    """Parse a raw payload of ``union`` into its variant, or `UnknownVariant` for a value the spec lacks.

    A missing or non-string discriminator raises `DiscriminatorError` naming the property.

    Usage::

        >>> parse_union("ExportBucket", {"_id": "32b6e34b3d91647abb20e7b8", "bucketName": "b",
        ...     "cloudProvider": "GCP", "roleId": "32b6e34b3d91647abb20e7b8"}).__class__.__name__
        'ExportBucketGCP'
    """
    if union not in UNIONS:
        raise KeyError(f"{union!r} is not a discriminated union of the spec; see union_names()")
    payload, value = discriminate(dict(data) if isinstance(data, Mapping) else data, UNIONS[union].property_name)
    model = variant_class(union, value)
    if model is None:
        return UnknownVariant(discriminator=value, raw=dict(payload))
    return model.from_dict(payload)


__all__ = ["DiscriminatorError", "UnknownVariant", "parse_union", "union_names", "variant_class"]
