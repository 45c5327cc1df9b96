"""Writes src/api/collection-views.json: what Prefect's server answers to GET /collections/views/{view}.

Prefect's route (prefect/server/api/collections.py) fetches a view from the prefect-collection-registry
on GitHub and, when that fails, falls back to the JSON files the `prefect` package ships under
prefect/server/api/collections_data/views/. prefect-lite works offline, so it answers what the offline
route answers: this script runs Prefect's own get_collection_view() for every view in its KNOWN_VIEWS
with the network refused, and writes {view: content} for each view that answers. A known view without
local data (Prefect 3.9.1: aggregate-block-metadata, aggregate-flow-metadata, demo-flows) is left out;
the server answers it as the offline route does (src/api/collections.ts).

aggregate-worker-metadata must list the `prefect` package's own `process` worker type with a default
base job template, as Prefect's server does: the shipped file has it, and if a later version's file
did not, the entry is built from the SDK's ProcessWorker.

The output is the views map and nothing else (every top-level key is a view name, and each view's own
top level is Prefect's shape, which the SDK iterates as collection -> worker type), with sorted keys.
Run it when the pinned Prefect version changes; test/api/collections.test.ts checks it is current:

    .venv/bin/python build/worker-metadata.py [OUTPUT]
"""

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import httpx

import prefect.server.api.collections as collections
from prefect.workers.process import ProcessWorker

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "src" / "api" / "collection-views.json"


class _Offline:
    """Stands in for httpx.AsyncClient: every request fails as it does without a network."""

    async def __aenter__(self) -> "_Offline":
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def get(self, url: str, **_: object) -> httpx.Response:
        raise httpx.ConnectError("offline", request=httpx.Request("GET", url))


def _process_entry() -> dict[str, Any]:
    """The registry's entry for the built-in process worker, from the SDK's own class."""
    return {
        "default_base_job_configuration": ProcessWorker.get_default_base_job_template(),
        "description": ProcessWorker._description,
        "display_name": ProcessWorker._display_name,
        "documentation_url": ProcessWorker._documentation_url,
        "install_command": "pip install prefect",
        "is_beta": False,
        "logo_url": ProcessWorker._logo_url,
        "type": ProcessWorker.type,
    }


async def offline_views() -> dict[str, Any]:
    collections.httpx.AsyncClient = _Offline  # type: ignore[attr-defined,assignment]
    views: dict[str, Any] = {}
    for view in sorted(collections.KNOWN_VIEWS):
        collections.GLOBAL_COLLECTIONS_VIEW_CACHE.clear()
        try:
            views[view] = await collections.get_collection_view(view)
        except httpx.ConnectError:
            continue  # no local data: the offline route fails
    return views


def main() -> None:
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT
    views = asyncio.run(offline_views())
    workers = views.setdefault("aggregate-worker-metadata", {})
    prefect_workers = workers.setdefault("prefect", {})
    if "process" not in prefect_workers:
        prefect_workers["process"] = _process_entry()
    process = prefect_workers["process"]
    template = process.get("default_base_job_configuration") or {}
    if not {"job_configuration", "variables"} <= template.keys():
        sys.exit("aggregate-worker-metadata: the process worker has no base job template")
    output.write_text(json.dumps(views, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
