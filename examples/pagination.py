"""Pagination: every item with `paginate`, page by page with `iter_pages`.

MONGODB_ATLAS_CLIENT_ID=... MONGODB_ATLAS_CLIENT_SECRET=... MONGODB_ATLAS_GROUP_ID=... python examples/pagination.py
"""

from __future__ import annotations

import asyncio
import os

from atlas_admin import AtlasClient, iter_pages, paginate


async def main() -> None:
    group_id = os.environ.get("MONGODB_ATLAS_GROUP_ID", "32b6e34b3d91647abb20e7b8")
    async with AtlasClient.from_env() as atlas:
        # Every item, across as many pages as it takes (itemsPerPage=2 to show the paging).
        names = [
            bucket.to_dict()["bucketName"]
            async for bucket in paginate(atlas.cloud_backups.list_export_buckets, group_id, items_per_page=2)
        ]
        print(f"paginate: {len(names)} buckets: {', '.join(names)}")

        # Page boundaries and the server's count.
        async for page in iter_pages(atlas.cloud_backups.list_export_buckets, group_id, items_per_page=2):
            print(f"iter_pages: page {page.page_num} has {len(page.items)} of {page.total_count}")

        # Stop early: max_items bounds the number of requests too.
        first = [b async for b in paginate(atlas.cloud_backups.list_export_buckets, group_id, max_items=3)]
        print(f"max_items=3: {len(first)} buckets")


if __name__ == "__main__":
    asyncio.run(main())
