"""Errors and retries: a typed 404, `is_error_code`, and a 503 that the default retries absorb.

    MONGODB_ATLAS_CLIENT_ID=... MONGODB_ATLAS_CLIENT_SECRET=... MONGODB_ATLAS_GROUP_ID=... \
        python examples/errors_and_retries.py

(Against FakeAtlas, tests/examples arms one 503 on listCustomDatabaseRoles first.)
"""

from __future__ import annotations

import asyncio
import os

from atlas_admin import AtlasApiError, AtlasClient, AtlasError, AtlasNotFoundError, is_error_code


async def main() -> None:
    group_id = os.environ.get("MONGODB_ATLAS_GROUP_ID", "32b6e34b3d91647abb20e7b8")
    async with AtlasClient.from_env() as atlas:
        # A missing resource is a typed exception carrying Atlas's error code.
        try:
            await atlas.custom_database_roles.get_custom_database_role(group_id, "no-such-role")
        except AtlasNotFoundError as exc:
            print(f"404: {type(exc).__name__} error_code={exc.error_code} detail={exc.detail!r}")
            print(f"is_error_code(exc, 'RESOURCE_NOT_FOUND') = {is_error_code(exc, 'RESOURCE_NOT_FOUND')}")
            assert isinstance(exc, AtlasApiError) and isinstance(exc, AtlasError)

        # Retryable answers (429, 500, 502, 503, 504) are retried for idempotent calls (2 retries by default).
        with atlas.capture_responses() as responses:
            roles = await atlas.custom_database_roles.list_custom_database_roles(group_id)
        last = responses[-1]
        print(f"listCustomDatabaseRoles: status {last.status_code} after retries_taken={last.retries_taken}")
        print(f"roles: {[role.role_name for role in roles]}")

        # Per call, `with_options` changes the settings: no retries, a short timeout.
        strict = atlas.with_options(max_retries=0, timeout=5)
        roles = await strict.custom_database_roles.list_custom_database_roles(group_id)
        print(f"with_options(max_retries=0): {len(roles)} role(s)")


if __name__ == "__main__":
    asyncio.run(main())
