"""Concurrency limits with the real SDK and CLI: a tag limit of 1 and `concurrency("db", occupy=1)` each
serialise work across 4 processes (the intervals measured never overlap), `rate_limit` paces calls to the
limit's decay, a process killed while holding a slot frees it once its lease expires, and the
`prefect concurrency-limit …` and `prefect gcl …` commands."""
import json
import os
import signal
import sys
import subprocess
import time
import uuid

import pytest

from conftest import AGAINST_PREFECT, Server, finish_scenario, flow_run_id, run_cli, sdk_env, start_scenario, wait_for

PROCESSES = 4
LABEL = uuid.uuid4().hex[:8]

TAGGED = """
import os, time
from prefect import flow, task

@task(tags=["TAG"])
def guarded(i):
    start = time.time()
    time.sleep(0.3)
    with open(os.environ["OUT"], "a") as f:
        f.write(f"{start} {time.time()}\\n")
    return i

@flow(name="FLOW")
def tagged():
    return [guarded(i) for i in range(2)]

record("tagged", tagged)
"""

GLOBAL = """
import os, time
from prefect import flow
from prefect.concurrency.sync import concurrency

@flow(name="FLOW")
def guarded():
    for _ in range(2):
        with concurrency("NAME", occupy=1):
            start = time.time()
            time.sleep(0.3)
            with open(os.environ["OUT"], "a") as f:
                f.write(f"{start} {time.time()}\\n")

record("guarded", guarded)
"""


def _intervals(path):
    with open(path) as f:
        return sorted(tuple(map(float, line.split())) for line in f if line.strip())


def _overlap(intervals):
    """Seconds during which two of the intervals ran at once (zero when serialised)."""
    return sum(max(0.0, a_end - b_start) for (_, a_end), (b_start, _) in zip(intervals, intervals[1:]))


def _run_processes(server, tmp_path, script, key):
    out = tmp_path / "intervals.txt"
    procs = [
        start_scenario(script, sdk_env(server, tmp_path / f"home-{i}", OUT=str(out))) for i in range(PROCESSES)
    ]
    results = [finish_scenario(p, timeout=240) for p in procs]
    for r in results:
        flow_run_id(r, key)
        assert r[key]["type"] == "COMPLETED", r[key]
    return _intervals(out)


def test_tag_limit_of_one_serialises_tagged_tasks_across_processes(server, client, tmp_path):
    tag = f"db-{LABEL}"
    client.create_concurrency_limit(tag=tag, concurrency_limit=1)
    script = TAGGED.replace("TAG", tag).replace("FLOW", f"tagged-{LABEL}")
    intervals = _run_processes(server, tmp_path, script, "tagged")
    assert len(intervals) == PROCESSES * 2
    assert _overlap(intervals) == 0, intervals
    limit = client.read_concurrency_limit_by_tag(tag)
    assert limit.active_slots == []


def test_concurrency_context_serialises_processes(server, client, tmp_path):
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate

    name = f"gcl-{LABEL}"
    client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))
    script = GLOBAL.replace("NAME", name).replace("FLOW", f"global-{LABEL}")
    intervals = _run_processes(server, tmp_path, script, "guarded")
    assert len(intervals) == PROCESSES * 2
    assert _overlap(intervals) == 0, intervals
    assert client.read_global_concurrency_limit_by_name(name).active_slots == 0


def test_rate_limit_paces_calls_to_the_decay(server, client, client_env):
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate

    name = f"rate-{LABEL}"
    client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=2, slot_decay_per_second=4))
    code = f"""
import json, time
from prefect.concurrency.sync import rate_limit
times = []
for _ in range(10):
    rate_limit("{name}", occupy=1)
    times.append(time.time())
print(json.dumps(times))
"""
    r = subprocess.run([sys.executable, "-c", code], env=client_env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    times = json.loads(r.stdout.strip().splitlines()[-1])
    # Two at once, then four a second: the k-th call no sooner than (k - 2) / 4 s after the first.
    for k, at in enumerate(times):
        assert at - times[0] >= (k - 2) / 4 - 0.05, (k, [t - times[0] for t in times])
    assert times[-1] - times[0] < 10, [t - times[0] for t in times]


@pytest.fixture(scope="module")
def quick_repossessor(request, tmp_path_factory, server):
    """A server of its own whose repossessor looks every second (Prefect's default is 15 s)."""
    if AGAINST_PREFECT:
        pytest.skip("needs its own server settings")
    s = Server(
        server.database,
        tmp_path_factory.mktemp("repossessor"),
        extra_env={"PREFECT_SERVER_SERVICES_REPOSSESSOR_LOOP_SECONDS": "1"},
    )
    yield s
    s.stop()


def test_killed_holder_frees_its_slot_after_the_lease_ttl(quick_repossessor, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.settings import PREFECT_API_URL, temporary_settings

    server = quick_repossessor
    name = f"kill-{LABEL}"
    env = sdk_env(server, tmp_path / "holder-home")
    with temporary_settings({PREFECT_API_URL: server.api_url}), get_client(sync_client=True) as client:
        client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))
        code = f"""
import time
from prefect.concurrency.sync import concurrency
with concurrency("{name}", occupy=1, lease_duration=60):
    print("HOLDING", flush=True)
    time.sleep(600)
"""
        proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
        try:
            assert proc.stdout.readline().strip() == "HOLDING"
            held_at = time.time()
            assert client.read_global_concurrency_limit_by_name(name).active_slots == 1
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        time.sleep(2)
        assert client.read_global_concurrency_limit_by_name(name).active_slots == 1
        wait_for(
            lambda: client.read_global_concurrency_limit_by_name(name).active_slots,
            lambda slots: slots == 0,
            timeout=90,
            interval=1,
        )
        freed_after = time.time() - held_at
        assert 55 <= freed_after <= 75, freed_after


def _ok(r):
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    return r.stdout


def test_concurrency_limit_cli(server, client_env):
    tag = f"cli-{LABEL}"
    assert "Created concurrency limit" in _ok(run_cli(["concurrency-limit", "create", tag, "3"], client_env))
    assert tag in _ok(run_cli(["concurrency-limit", "inspect", tag], client_env))
    assert tag in _ok(run_cli(["concurrency-limit", "ls"], client_env))
    assert "Reset" in _ok(run_cli(["concurrency-limit", "reset", tag], client_env))
    assert "Deleted" in _ok(run_cli(["concurrency-limit", "delete", tag], client_env))
    missing = run_cli(["concurrency-limit", "inspect", tag], client_env)
    assert missing.returncode != 0 and "no concurrency limit found" in (missing.stdout + missing.stderr).lower()


def test_global_concurrency_limit_cli(server, client_env, client):
    name = f"gcl-cli-{LABEL}"
    assert "Created global concurrency limit" in _ok(
        run_cli(["gcl", "create", name, "--limit", "2", "--slot-decay-per-second", "0.5"], client_env)
    )
    inspected = json.loads(_ok(run_cli(["gcl", "inspect", name, "--output", "json"], client_env)))
    assert inspected["limit"] == 2 and inspected["slot_decay_per_second"] == 0.5 and inspected["active"] is True
    assert name in _ok(run_cli(["gcl", "ls"], client_env))
    _ok(run_cli(["gcl", "update", name, "--limit", "5"], client_env))
    assert client.read_global_concurrency_limit_by_name(name).limit == 5
    _ok(run_cli(["gcl", "disable", name], client_env))
    assert client.read_global_concurrency_limit_by_name(name).active is False
    _ok(run_cli(["gcl", "enable", name], client_env))
    assert client.read_global_concurrency_limit_by_name(name).active is True
    duplicate = run_cli(["gcl", "create", name, "--limit", "2"], client_env)
    assert duplicate.returncode != 0 and "already exists" in (duplicate.stdout + duplicate.stderr)
    _ok(run_cli(["gcl", "delete", name], client_env))
    gone = run_cli(["gcl", "inspect", name], client_env)
    assert gone.returncode != 0 and "not found" in (gone.stdout + gone.stderr).lower()
