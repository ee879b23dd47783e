"""Every request and response model of the API (generated from the spec), under one import.

Usage::

    from atlas_admin.models import ExportBucketRequestAWS

Importing this module loads every model class; `atlas_admin` itself does not, to keep its import fast.
"""

from atlas_admin_api.models import *  # noqa: F403
from atlas_admin_api.models import __all__ as __all__
