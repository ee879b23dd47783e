"""Quick start: log in, create an export bucket on each cloud, list them page by page, see a call retried
(when the server answers a 429 or 5xx, as make demo's FakeAtlas does once), catch a typed 404.

    MONGODB_ATLAS_CLIENT_ID=... MONGODB_ATLAS_CLIENT_SECRET=... MONGODB_ATLAS_GROUP_ID=... \
        python examples/quickstart.py [--read-only]

``MONGODB_ATLAS_BASE_URL`` points it elsewhere than cloud.mongodb.com: ``make demo`` runs it against
FakeAtlas on loopback. ``--read-only`` skips creating buckets (what ``make demo`` does against real Atlas).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys

from atlas_admin import AtlasClient, AtlasNotFoundError, UnknownVariant, is_error_code, iter_pages
from atlas_admin.models import (
    ExportBucketAWS,
    ExportBucketAzure,
    ExportBucketGCP,
    ExportBucketRequestAWS,
    ExportBucketRequestAzure,
    ExportBucketRequestGCP,
)

ROLE_ID = "32b6e34b3d91647abb20e7b9"  # a cloud provider access role id; use your own


def describe(bucket: object) -> str:
    match bucket:
        case ExportBucketAWS(bucket_name=name, iam_role_id=role):
            return f"AWS    s3://{name} (IAM role {role})"
        case ExportBucketAzure(bucket_name=name, service_url=url):
            return f"AZURE  {url}/{name}"
        case ExportBucketGCP(bucket_name=name):
            return f"GCP    gs://{name}"
        case UnknownVariant(discriminator=provider, raw=raw):
            return f"{provider} {raw.get('bucketName')} (a provider this SDK version does not know)"
        case _:
            return f"unexpected {bucket!r}"


async def main(read_only: bool) -> None:
    group_id = os.environ.get("MONGODB_ATLAS_GROUP_ID", "32b6e34b3d91647abb20e7b8")
    async with AtlasClient.from_env() as atlas:
        print(f"client: {atlas!r}")

        if not read_only:
            print("\n-- create one export bucket per cloud provider")
            requests: list[ExportBucketRequestAWS | ExportBucketRequestAzure | ExportBucketRequestGCP] = [
                ExportBucketRequestAWS(bucket_name="demo-s3-bucket", iam_role_id=ROLE_ID),
                ExportBucketRequestAzure(
                    bucket_name="demo-container", role_id=ROLE_ID, service_url="https://demo.blob.core.windows.net"
                ),
                ExportBucketRequestGCP(bucket_name="demo-gcs-bucket", role_id=ROLE_ID),
            ]
            for request in requests:
                created = await atlas.cloud_backups.create_export_bucket(group_id, body=request)
                print(f"created {type(created).__name__}: {describe(created)}")

        print("\n-- list export buckets, two per page")
        async for page in iter_pages(atlas.cloud_backups.list_export_buckets, group_id, items_per_page=2):
            print(f"page {page.page_num} (total {page.total_count}):")
            for bucket in page.items:
                print(f"  {type(bucket).__name__:<18} {describe(bucket)}")

        print("\n-- a call that is retried if Atlas answers 429 or 5xx")
        with atlas.capture_responses() as responses:
            roles = await atlas.custom_database_roles.list_custom_database_roles(group_id)
        print(f"custom roles: {[role.role_name for role in roles]}")
        print(f"status {responses[-1].status_code}, retries_taken={responses[-1].retries_taken}")

        print("\n-- a typed 404")
        try:
            await atlas.custom_database_roles.get_custom_database_role(group_id, "no-such-role")
        except AtlasNotFoundError as exc:
            print(f"{type(exc).__name__}: status={exc.status} error_code={exc.error_code}")
            print(f"is_error_code(exc, 'RESOURCE_NOT_FOUND') -> {is_error_code(exc, 'RESOURCE_NOT_FOUND')}")


if __name__ == "__main__":
    logging.basicConfig(stream=sys.stdout, format="  [log] %(name)s: %(message)s", level=logging.WARNING)
    logging.getLogger("atlas_admin").setLevel(logging.INFO)  # shows each retry
    asyncio.run(main(read_only="--read-only" in sys.argv[1:]))
