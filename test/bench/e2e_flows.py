"""End-to-end scenarios for test/bench/e2e.ts, run with the venv's python against PREFECT_API_URL.

    python e2e_flows.py tasks250 | subflows20 | flows N

Imports prefect, prints READY, waits for a line on stdin (so import time is not measured and several
processes can start together), runs the scenario, prints one line: RESULT {json}.
"""

import asyncio
import json
import sys
import time

from prefect import flow, task


@task
def noop(i: int) -> int:
    return i


@flow(name="bench-250-tasks")
def tasks250() -> int:
    for i in range(250):
        noop(i)
    return 250


@flow(name="bench-subflow")
async def child(i: int) -> int:
    return i


@flow(name="bench-20-concurrent-subflows")
async def subflows20() -> int:
    results = await asyncio.gather(*[child(i) for i in range(20)])
    return len(results)


@flow(name="bench-small-flow")
def small(i: int) -> int:
    for k in range(3):
        noop(k)
    return i


def main() -> None:
    mode = sys.argv[1]
    print("READY", flush=True)
    sys.stdin.readline()
    states: list[str] = []
    error = None
    t0 = time.perf_counter()
    try:
        if mode == "tasks250":
            states.append(tasks250(return_state=True).type.value)
        elif mode == "subflows20":

            async def go():
                return await subflows20(return_state=True)

            states.append(asyncio.run(go()).type.value)
        elif mode == "flows":
            for i in range(int(sys.argv[2])):
                states.append(small(i, return_state=True).type.value)
        else:
            raise SystemExit(f"unknown mode {mode}")
    except BaseException as e:  # report, do not hang the harness
        error = f"{type(e).__name__}: {e}"
    elapsed = time.perf_counter() - t0
    ok = error is None and all(s == "COMPLETED" for s in states)
    if error is None and not ok:
        error = f"final states {states}"
    print("RESULT " + json.dumps({"ok": ok, "seconds": elapsed, "states": states, "error": error}), flush=True)


if __name__ == "__main__":
    main()
