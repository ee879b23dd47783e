"""Every request and response model of the API (generated from the spec), under one import.

Usage::

    from atlas_admin.models import ExportBucket, ExportBucketRequestAWS

Each discriminated union of the spec is a type alias here too (``ExportBucket`` is
``ExportBucketAWS | ExportBucketAzure | ExportBucketGCP | UnknownVariant``), for annotations and ``match``.

Importing this module loads every model class; `atlas_admin` itself does not, to keep its import fast.
"""

from atlas_admin_api.models import *  # noqa: F403
from atlas_admin_api.models import __all__ as _model_names
from atlas_admin_api.types import UnknownVariant
from atlas_admin_api.unions import *  # noqa: F403
from atlas_admin_api.unions import __all__ as _union_names

__all__ = [*_model_names, *_union_names, "UnknownVariant"]
