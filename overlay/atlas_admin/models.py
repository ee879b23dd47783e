"""Every request and response model of the API (generated from the spec), under one import.

Usage::

    from atlas_admin.models import ExportBucketAWS, ExportBucketRequestAWS

Each discriminated union of the spec is a type alias here too (``ExportBucket`` is
``ExportBucketAWS | ExportBucketAzure | ExportBucketGCP | UnknownVariant``), for annotations and ``match``.

Names load on first access: ``from atlas_admin.models import X`` imports X's module only (the API has
thousands of models); ``from atlas_admin.models import *`` loads them all.
"""

from typing import TYPE_CHECKING, Any

from atlas_admin_api import models as _models
from atlas_admin_api._operations import UNIONS as _UNIONS
from atlas_admin_api.types import UnknownVariant

if TYPE_CHECKING:
    from atlas_admin_api.models import *  # noqa: F403
    from atlas_admin_api.unions import *  # noqa: F403

# The union aliases' names, without importing the aliases (that would import every variant model).
_UNION_NAMES: frozenset[str] = frozenset(_UNIONS)  # every alias of atlas_admin_api.unions has a UNIONS entry


def __getattr__(name: str) -> Any:
    if name in _UNION_NAMES:
        from atlas_admin_api import unions

        if hasattr(unions, name):
            value = getattr(unions, name)
            globals()[name] = value
            return value
    value = getattr(_models, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [*_models.__all__, *sorted(_UNION_NAMES), "UnknownVariant"]
