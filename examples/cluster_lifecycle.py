"""Cluster lifecycle: create a cluster, wait until it is IDLE, add a database user and an IP access-list
entry, then tear them all down and wait until the cluster is gone.

    MONGODB_ATLAS_CLIENT_ID=... MONGODB_ATLAS_CLIENT_SECRET=... MONGODB_ATLAS_GROUP_ID=... \
        python examples/cluster_lifecycle.py --allow-billing

An M10 cluster is billed by the hour, so against the real Atlas the script wants ``--allow-billing``;
against FakeAtlas (``python -m atlas_admin.testing`` and ``MONGODB_ATLAS_BASE_URL=http://127.0.0.1:8080``)
it runs as is, and the fake's cluster takes a few seconds instead of minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys

from atlas_admin import AtlasClient, AtlasNotFoundError, wait_until, wait_until_gone
from atlas_admin.models import CloudDatabaseUser, ClusterDescription20240805, NetworkPermissionEntry

REAL_ATLAS = "https://cloud.mongodb.com"


async def main(cluster_name: str, interval: float, timeout: float) -> None:
    group_id = os.environ.get("MONGODB_ATLAS_GROUP_ID", "32b6e34b3d91647abb20e7b8")
    async with AtlasClient.from_env() as atlas:
        # 1. A cluster: Atlas answers at once, with the cluster still CREATING.
        requested = ClusterDescription20240805.from_dict(
            {
                "name": cluster_name,
                "clusterType": "REPLICASET",
                "replicationSpecs": [
                    {
                        "regionConfigs": [
                            {
                                "providerName": "AWS",
                                "regionName": "US_EAST_1",
                                "priority": 7,
                                "electableSpecs": {"instanceSize": "M10", "nodeCount": 3},
                            }
                        ]
                    }
                ],
            }
        )
        cluster = await atlas.clusters.create_cluster(group_id, body=requested)
        print(f"created cluster {cluster.name}: {cluster.state_name}")

        # 2. Wait until it is usable; the waiter polls with backoff and gives up at the deadline.
        cluster = await wait_until(
            lambda: atlas.clusters.get_cluster(group_id, cluster_name),
            lambda c: c.state_name == "IDLE",
            timeout=timeout,
            interval=interval,
            description=f"cluster {cluster_name} to be IDLE",
        )
        print(f"cluster {cluster.name} is {cluster.state_name}")

        # 3. A database user and an IP access-list entry for the application.
        user = await atlas.database_users.create_database_user(
            group_id,
            body=CloudDatabaseUser.from_dict(
                {
                    "groupId": group_id,
                    "databaseName": "admin",
                    "username": "app-user",
                    "password": secrets.token_urlsafe(16),
                    "roles": [{"databaseName": "app", "roleName": "readWrite"}],
                }
            ),
        )
        print(f"created database user {user.username} on {user.database_name}")
        await atlas.project_ip_access_list.create_access_list_entry(
            group_id, body=[NetworkPermissionEntry.from_dict({"cidrBlock": "192.0.2.0/24", "comment": "app servers"})]
        )
        entry = await atlas.project_ip_access_list.get_access_list_entry(group_id, "192.0.2.0/24")
        print(f"access list entry {entry.cidr_block}: {entry.comment}")

        # 4. Tear down, the other way round; the cluster is DELETING for a while, then gone.
        await atlas.project_ip_access_list.delete_access_list_entry(group_id, "192.0.2.0/24")
        print("deleted access list entry 192.0.2.0/24")
        await atlas.database_users.delete_database_user(group_id, "admin", "app-user")
        print("deleted database user app-user")
        await atlas.clusters.delete_cluster(group_id, cluster_name)
        print(f"deleting cluster {cluster_name}")
        await wait_until_gone(
            lambda: atlas.clusters.get_cluster(group_id, cluster_name),
            timeout=timeout,
            interval=interval,
            description=f"cluster {cluster_name} to be deleted",
        )
        print(f"cluster {cluster_name} is gone")
        try:
            await atlas.database_users.get_database_user(group_id, "admin", "app-user")
        except AtlasNotFoundError:
            print("database user app-user is gone")


def _arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--name", default="lifecycle-demo", help="the cluster's name")
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between the first checks")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds to wait for each change")
    parser.add_argument("--allow-billing", action="store_true", help="needed to create a cluster on the real Atlas")
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = _arguments()
    if os.environ.get("MONGODB_ATLAS_BASE_URL", REAL_ATLAS).rstrip("/") == REAL_ATLAS and not arguments.allow_billing:
        sys.exit("This creates a billed M10 cluster on Atlas: pass --allow-billing (or point it at FakeAtlas).")
    asyncio.run(main(arguments.name, arguments.interval, arguments.timeout))
