"""Discriminated unions: an export bucket is AWS, Azure or GCP, and `match` tells them apart.

A provider newer than this SDK arrives as `UnknownVariant` (with the raw payload) instead of failing.

    MONGODB_ATLAS_CLIENT_ID=... MONGODB_ATLAS_CLIENT_SECRET=... MONGODB_ATLAS_GROUP_ID=... python examples/unions.py
"""

from __future__ import annotations

import asyncio
import os
from typing import assert_never

from atlas_admin import AtlasClient, UnknownVariant, paginate
from atlas_admin.models import ExportBucket, ExportBucketAWS, ExportBucketAzure, ExportBucketGCP


def describe(bucket: ExportBucket) -> str:
    # ExportBucket = ExportBucketAWS | ExportBucketAzure | ExportBucketGCP | UnknownVariant: mypy checks that
    # the cases below cover every member (assert_never fails to type-check if one is missing).
    match bucket:
        case ExportBucketAWS(bucket_name=name, iam_role_id=role):
            return f"AWS: s3://{name} via IAM role {role}"
        case ExportBucketAzure(service_url=url, bucket_name=name):
            return f"AZURE: container {name} at {url}"
        case ExportBucketGCP(bucket_name=name):
            return f"GCP: gs://{name}"
        case UnknownVariant(discriminator=provider, raw=raw):
            return f"UNKNOWN provider {provider!r}: {raw.get('bucketName')} (raw keys: {sorted(raw)})"
        case _:
            assert_never(bucket)


async def main() -> None:
    group_id = os.environ.get("MONGODB_ATLAS_GROUP_ID", "32b6e34b3d91647abb20e7b8")
    async with AtlasClient.from_env() as atlas:
        async for bucket in paginate(atlas.cloud_backups.list_export_buckets, group_id):
            print(describe(bucket))


if __name__ == "__main__":
    asyncio.run(main())
