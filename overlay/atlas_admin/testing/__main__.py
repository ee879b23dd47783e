"""``python -m atlas_admin.testing --port 8080``: run FakeAtlas on loopback until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from pathlib import Path
from typing import Any

from ._app import (
    DEFAULT_API_KEYS,
    DEFAULT_DELETION_DELAY,
    DEFAULT_PROVISIONING_DELAY,
    DEFAULT_SERVICE_ACCOUNTS,
    FakeAtlas,
)


def _load_spec(path: str) -> dict[str, Any]:
    text = Path(path).read_text(encoding="utf-8")
    if path.endswith((".yaml", ".yml")):
        import yaml  # only needed for YAML specs; the packaged spec is JSON

        loaded: dict[str, Any] = yaml.safe_load(text)
        return loaded
    spec: dict[str, Any] = json.loads(text)
    return spec


async def _run(fake: FakeAtlas, host: str, port: int) -> None:
    async with fake.serve(host, port) as base_url:
        (client_id, client_secret), *_ = DEFAULT_SERVICE_ACCOUNTS.items()
        (public_key, private_key), *_ = DEFAULT_API_KEYS.items()
        print(f"FakeAtlas serving at {base_url}", flush=True)
        print(f"  service account: client_id={client_id} client_secret={client_secret}", flush=True)
        print(f"  API key (digest): public={public_key} private={private_key}", flush=True)
        await asyncio.Event().wait()  # until Ctrl-C / SIGTERM


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line: where to listen, which spec, how long slow resources take."""
    parser = argparse.ArgumentParser(prog="python -m atlas_admin.testing", description="An in-memory Atlas Admin API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    parser.add_argument("--spec", help="an OpenAPI file (JSON or YAML) instead of the packaged spec")
    parser.add_argument(
        "--provisioning-delay",
        type=float,
        default=DEFAULT_PROVISIONING_DELAY,
        help="seconds a cluster stays CREATING/UPDATING (default %(default)s)",
    )
    parser.add_argument(
        "--deletion-delay",
        type=float,
        default=DEFAULT_DELETION_DELAY,
        help="seconds a cluster stays DELETING before it is gone (default %(default)s)",
    )
    return parser.parse_args(argv)


def build(arguments: argparse.Namespace) -> FakeAtlas:
    """The FakeAtlas the command line describes."""
    return FakeAtlas(
        spec=_load_spec(arguments.spec) if arguments.spec else None,
        provisioning_delay=arguments.provisioning_delay,
        deletion_delay=arguments.deletion_delay,
    )


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted."""
    args = parse_arguments(argv)
    try:
        fake = build(args)
    except FileNotFoundError as missing:
        print(f"error: {missing}", file=sys.stderr)
        return 1
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run(fake, args.host, args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
