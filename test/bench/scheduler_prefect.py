"""Prefect's own scheduler pass, timed, for test/bench/scheduler.ts.

Runs prefect.server.services.scheduler.schedule_deployments (the function the server's perpetual
service calls every loop_seconds; the decorator only registers it) against the database in
PREFECT_SERVER_DATABASE_CONNECTION_URL, which a stopped `prefect server start` left with the bench's
deployments: the first pass (the first fill), then `--steady` passes with nothing to insert, then
optionally a deep fill with min_runs = max_runs = `--deep-runs` and a 100-day minimum and `--steady`
passes over its runs. Prints one JSON line: {"first": {"runs", "seconds"}, "steady_ms": [...],
"steady_runs", "deep": {"runs", "seconds"} | null, "steady_deep_ms": [...], "total_runs"}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from datetime import timedelta

import sqlalchemy as sa

from prefect.server.database import provide_database_interface
from prefect.server.services.scheduler import schedule_deployments
from prefect.settings import (
    PREFECT_SERVER_SERVICES_SCHEDULER_MAX_RUNS,
    PREFECT_SERVER_SERVICES_SCHEDULER_MIN_RUNS,
    PREFECT_SERVER_SERVICES_SCHEDULER_MIN_SCHEDULED_TIME,
    temporary_settings,
)


async def count_runs(db) -> int:
    async with db.session_context() as session:
        return (await session.execute(sa.select(sa.func.count()).select_from(db.FlowRun))).scalar_one()


async def timed_pass(db) -> tuple[int, float]:
    before = await count_runs(db)
    t0 = time.perf_counter()
    await schedule_deployments()
    seconds = time.perf_counter() - t0
    return (await count_runs(db)) - before, seconds


async def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--steady", type=int, default=5)
    p.add_argument("--deep-runs", type=int, default=0)
    args = p.parse_args()

    db = provide_database_interface()
    await count_runs(db)  # opens the engine and its pool, as a running server has them

    runs, seconds = await timed_pass(db)
    out: dict = {
        "first": {"runs": runs, "seconds": seconds},
        "steady_ms": [],
        "steady_runs": 0,
        "deep": None,
        "steady_deep_ms": [],
    }
    for _ in range(args.steady):
        n, s = await timed_pass(db)
        out["steady_ms"].append(s * 1000)
        out["steady_runs"] += n
    if args.deep_runs:
        with temporary_settings(
            updates={
                PREFECT_SERVER_SERVICES_SCHEDULER_MIN_RUNS: args.deep_runs,
                PREFECT_SERVER_SERVICES_SCHEDULER_MAX_RUNS: args.deep_runs,
                PREFECT_SERVER_SERVICES_SCHEDULER_MIN_SCHEDULED_TIME: timedelta(days=100),
            }
        ):
            runs, seconds = await timed_pass(db)
        out["deep"] = {"runs": runs, "seconds": seconds}
        out["steady_deep_ms"] = []
        for _ in range(args.steady):
            n, s = await timed_pass(db)
            out["steady_deep_ms"].append(s * 1000)
            out["steady_runs"] += n
    out["total_runs"] = await count_runs(db)
    print(json.dumps(out))


if __name__ == "__main__":
    asyncio.run(main())
