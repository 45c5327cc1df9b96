"""Writes src/store/block-catalog.json: the block types Prefect's server registers when it starts.

Prefect's server (prefect/server/models/block_registration.py) installs Webhook, Secret and
LocalFileSystem as protected system block types, then registers every block class in the SDK's block
registry as it stands when the server imports its modules. prefect-lite has no Python at run time, so
this script imports the same modules, asks each block class for the block type and block schema it
would register (Block._to_block_type and Block._to_block_schema, the SDK's own code), and writes them
with sorted keys. The server embeds the file and upserts it at start (src/store/block-registration.ts),
so the dashboard can create a Secret or a SlackWebhook before any client registered one. prefect-lite's
own block types (build/lite_blocks.py: SMTP email) are registered the same way.

Each entry carries the SDK's checksum of its schema: test/store/blocks.test.ts checks that the server's
checksum (src/store/block-checksum.ts) computes the same value for every one. Run it when the pinned
Prefect version changes:

    .venv/bin/python build/block-catalog.py [OUTPUT]
"""

import json
import sys
from pathlib import Path

# The modules Prefect's server has imported when it registers the registry's blocks: every
# notification block (a later issue sends notifications through them), the file systems, Secret and
# Webhook.
import prefect.blocks.notifications  # noqa: F401
import prefect.blocks.system  # noqa: F401
import prefect.blocks.webhook  # noqa: F401
import prefect.filesystems  # noqa: F401
import prefect.server.api.server  # noqa: F401
from prefect.blocks.core import Block
from prefect.blocks.system import Secret
from prefect.blocks.webhook import Webhook
from prefect.filesystems import LocalFileSystem
from prefect.utilities.dispatch import get_registry_for_type

import lite_blocks  # noqa: F401  (prefect-lite's own block types join the registry)

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "src" / "store" / "block-catalog.json"
PROTECTED = {cls.get_block_type_slug() for cls in (Webhook, Secret, LocalFileSystem)}
TYPE_KEYS = ("name", "slug", "logo_url", "documentation_url", "description", "code_example")


def entry(cls: type[Block]) -> dict:
    block_type = cls._to_block_type().model_dump(mode="json")
    schema = cls._to_block_schema().model_dump(mode="json")
    slug = block_type["slug"]
    return {
        "block_type": {**{k: block_type.get(k) for k in TYPE_KEYS}, "is_protected": slug in PROTECTED},
        "block_schema": {
            "checksum": schema["checksum"],
            "fields": schema["fields"],
            "capabilities": sorted(schema["capabilities"]),
            "version": schema["version"],
        },
    }


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT
    registry = get_registry_for_type(Block) or {}
    entries = sorted((entry(cls) for cls in registry.values()), key=lambda e: e["block_type"]["slug"])
    missing = PROTECTED - {e["block_type"]["slug"] for e in entries}
    if missing:
        raise SystemExit(f"protected block types missing from the registry: {sorted(missing)}")
    out.write_text(json.dumps(entries, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    print(f"wrote {len(entries)} block types to {out}")


if __name__ == "__main__":
    main()
