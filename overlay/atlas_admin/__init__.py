"""atlas-admin: an async Python SDK for the MongoDB Atlas Administration API v2.

Usage::

    import asyncio
    from atlas_admin import AtlasClient

    async def main() -> None:
        async with AtlasClient.from_env() as atlas:
            roles = await atlas.custom_database_roles.list_custom_database_roles("32b6e34b3d91647abb20e7b8")
            print(roles)

    asyncio.run(main())

Models (request and response bodies) live in `atlas_admin.models`; the in-memory fake API for tests in
`atlas_admin.testing`.
"""

import logging as _logging

from atlas_admin_api._operations import InvalidArgumentError
from atlas_admin_api.types import UNSET, Unset

from ._auth import BearerAuth, DigestAuth, InMemoryTokenStore, ServiceAccountAuth, Token, TokenStore
from ._client import NOT_GIVEN, AtlasClient, RawResponse
from ._errors import (
    AtlasApiError,
    AtlasAuthenticationError,
    AtlasBadRequestError,
    AtlasClientClosedError,
    AtlasConfigurationError,
    AtlasConflictError,
    AtlasConnectionError,
    AtlasCredentialError,
    AtlasDeprecationWarning,
    AtlasError,
    AtlasNotFoundError,
    AtlasPermissionError,
    AtlasRateLimitError,
    AtlasResponseError,
    AtlasServerError,
    AtlasTimeoutError,
    AtlasTransportError,
    FieldError,
    is_error_code,
)
from ._pagination import Page, iter_pages, paginate
from ._parsing import Deviation, find_deviations
from ._retry import RetryPolicy
from ._unions import DiscriminatorError, UnknownVariant, parse_union, union_names, variant_class
from ._version import __version__
from ._waiter import AtlasWaitTimeoutError, wait_until, wait_until_gone

__all__ = [
    "NOT_GIVEN",
    "UNSET",
    "AtlasApiError",
    "AtlasAuthenticationError",
    "AtlasBadRequestError",
    "AtlasClient",
    "AtlasClientClosedError",
    "AtlasConfigurationError",
    "AtlasConflictError",
    "AtlasConnectionError",
    "AtlasCredentialError",
    "AtlasDeprecationWarning",
    "AtlasError",
    "AtlasNotFoundError",
    "AtlasPermissionError",
    "AtlasRateLimitError",
    "AtlasResponseError",
    "AtlasServerError",
    "AtlasTimeoutError",
    "AtlasTransportError",
    "AtlasWaitTimeoutError",
    "BearerAuth",
    "Deviation",
    "DigestAuth",
    "DiscriminatorError",
    "FieldError",
    "InMemoryTokenStore",
    "InvalidArgumentError",
    "Page",
    "RawResponse",
    "RetryPolicy",
    "ServiceAccountAuth",
    "Token",
    "TokenStore",
    "UnknownVariant",
    "Unset",
    "__version__",
    "find_deviations",
    "is_error_code",
    "iter_pages",
    "paginate",
    "parse_union",
    "union_names",
    "variant_class",
    "wait_until",
    "wait_until_gone",
]

# Exceptions print as atlas_admin.X (where users import them from), not as the private module that defines them.
# Pickling still works: it looks the class up by this module and name.
for _name in __all__:
    _value = globals()[_name]
    if isinstance(_value, type) and issubclass(_value, (BaseException, Warning)):
        _value.__module__ = __name__
del _name, _value

# A library's records go where the application sends them; with no handler configured they go nowhere
# (rather than to stderr through logging's last-resort handler).
_logging.getLogger("atlas_admin").addHandler(_logging.NullHandler())
