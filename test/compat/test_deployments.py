"""Deployments with the real SDK and CLI: `serve()` of several flows at once (scheduled runs executed by the
serving process, cancellation that kills the run's process and runs its hooks, a run whose process dies
ending Crashed, pause on shutdown), `run_deployment()` from a parent flow, cron schedules matching the
SDK's own computation, slugged and unslugged schedules across re-registrations, `prefect deployment …`
and `prefect deployment schedule …`, and bad parameters refused."""
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from conftest import AGAINST_PREFECT, PG_URL, Server, fresh_pg_url, run_cli, run_scenario, sdk_env, server_log_errors, wait_for

LABEL = uuid.uuid4().hex[:8]

SERVE = """
import os, sys, time
from prefect import flow, serve

MARKER_DIR = os.environ["SERVE_MARKERS"]

@flow(name="tick-LABEL", log_prints=True)
def tick(n: int = 1):
    print("tick", n)
    return n

def note_cancelled(flow, flow_run, state):
    with open(os.path.join(MARKER_DIR, f"cancelled-{flow_run.id}"), "w") as f:
        f.write(state.name)

@flow(name="sleeper-LABEL", on_cancellation=[note_cancelled])
def sleeper(seconds: int = 120):
    with open(os.path.join(MARKER_DIR, f"pid-{os.getpid()}"), "w") as f:
        f.write(str(os.getpid()))
    time.sleep(seconds)

@flow(name="child-LABEL")
def child(x: int):
    return x * 2

@flow(name="crasher-LABEL")
def crasher():
    os._exit(3)

@flow(name="typed-LABEL")
def typed(n: int, flag: bool = False, label: str = "x"):
    return {"n": n, "flag": flag, "label": label}

if __name__ == "__main__":
    serve(
        tick.to_deployment(name="ticker", interval=3, parameters={"n": 7}),
        sleeper.to_deployment(name="sleeper"),
        child.to_deployment(name="child"),
        crasher.to_deployment(name="crasher"),
        typed.to_deployment(name="typed"),
    )
""".replace("LABEL", LABEL)


def deployment_runs(client, deployment_id):
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    return client.read_flow_runs(deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])))


@pytest.fixture(scope="module")
def served(server, tmp_path_factory):
    """One `serve()` process for the module, polling every second."""
    tmp = tmp_path_factory.mktemp("serve")
    script = tmp / "served_flows.py"
    script.write_text(SERVE)
    markers = tmp / "markers"
    markers.mkdir()
    env = sdk_env(server, tmp / "home", PREFECT_RUNNER_POLL_FREQUENCY="1", SERVE_MARKERS=str(markers))
    log = open(tmp / "serve.log", "w")
    proc = subprocess.Popen(
        [sys.executable, str(script)], env=env, cwd=tmp, stdout=log, stderr=subprocess.STDOUT
    )
    info = {"proc": proc, "markers": markers, "env": env, "log": tmp / "serve.log", "tmp": tmp}
    yield info
    if proc.poll() is None:
        proc.kill()
        proc.wait(timeout=10)
    log.close()


@pytest.fixture(scope="module")
def served_ids(served, server):
    """The served deployments' ids, once serve() has registered all five."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    names = ["ticker", "sleeper", "child", "crasher", "typed"]
    flows = {"ticker": "tick", "sleeper": "sleeper", "child": "child", "crasher": "crasher", "typed": "typed"}
    with temporary_settings({PREFECT_API_URL: server.api_url}):
        with get_client(sync_client=True) as c:
            ids = {}
            deadline = time.monotonic() + 40
            while len(ids) < len(names) and time.monotonic() < deadline:
                assert served["proc"].poll() is None, served["log"].read_text()[-4000:]
                for n in names:
                    if n in ids:
                        continue
                    try:
                        ids[n] = str(c.read_deployment_by_name(f"{flows[n]}-{LABEL}/{n}").id)
                    except Exception:
                        pass
                time.sleep(0.2)
    assert len(ids) == len(names), served["log"].read_text()[-4000:]
    return ids


def test_served_interval_runs_three_times_within_20_seconds(served_ids, client, served):
    runs = wait_for(
        lambda: deployment_runs(client, served_ids["ticker"]),
        lambda rs: sum(r.state.is_completed() for r in rs) >= 3,
        timeout=20,
        interval=0.5,
    )
    done = [r for r in runs if r.state.is_completed()]
    assert len(done) >= 3, [(r.name, r.state.name) for r in runs]
    for r in done:
        assert r.auto_scheduled is True
        assert "auto-scheduled" in r.tags
        assert r.parameters == {"n": 7}
        assert r.created_by is not None and r.created_by.type == "SCHEDULE"
        assert r.idempotency_key.startswith(f"scheduled {served_ids['ticker']} ")
    # Each run is made once: no two runs of the schedule share a start time.
    starts = [r.expected_start_time for r in runs if r.auto_scheduled]
    assert len(starts) == len(set(starts))
    deployment = client.read_deployment(served_ids["ticker"])
    assert deployment.status.value == "READY"
    assert deployment.last_polled is not None


def test_run_deployment_from_a_parent_flow(served_ids, server, tmp_path):
    code = f"""
from prefect import flow
from prefect.deployments import run_deployment

@flow(name="parent-{LABEL}")
def parent():
    done = run_deployment("child-{LABEL}/child", parameters={{"x": 21}}, poll_interval=0.5, timeout=60)
    queued = run_deployment("child-{LABEL}/child", parameters={{"x": 1}}, timeout=0)
    return {{"done_id": str(done.id), "done": done.state.type.value, "parent_task": str(done.parent_task_run_id),
            "queued": queued.state.type.value}}

record("parent", parent)
import json
from prefect import get_client
"""
    res = run_scenario(code, sdk_env(server, tmp_path / "home"), timeout=120)
    assert res["parent"].get("type") == "COMPLETED", res["parent"]


def test_run_deployment_child_is_a_subflow_by_deployment(served_ids, client):
    runs = wait_for(
        lambda: deployment_runs(client, served_ids["child"]),
        lambda rs: len(rs) >= 2 and any(r.state.is_completed() for r in rs),
        timeout=30,
    )
    completed = [r for r in runs if r.state.is_completed() and r.parameters == {"x": 21}]
    assert completed, [(r.parameters, r.state.name) for r in runs]
    child = completed[0]
    assert child.parent_task_run_id is not None
    assert child.deployment_id is not None
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    task_run = client.read_task_run(child.parent_task_run_id)
    parent = client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[task_run.flow_run_id])))
    assert parent and parent[0].name
    # timeout=0 returned at once; the serving process then runs it too.
    queued = [r for r in runs if r.parameters == {"x": 1}]
    assert queued


def test_cancelling_a_served_run_kills_its_process_and_ends_cancelled(served_ids, client, served, server):
    run = client.create_flow_run_from_deployment(served_ids["sleeper"], parameters={"seconds": 120})
    running = wait_for(lambda: client.read_flow_run(run.id), lambda r: r.state.is_running(), timeout=30, interval=0.3)
    assert running.state.is_running(), running.state
    pids = wait_for(lambda: list(served["markers"].glob("pid-*")), lambda ps: len(ps) >= 1, timeout=10)
    assert pids
    pid = int(pids[-1].read_text())
    res = run_cli(["flow-run", "cancel", str(run.id)], served["env"])
    assert res.returncode == 0, res.stdout + res.stderr
    final = wait_for(lambda: client.read_flow_run(run.id), lambda r: r.state.is_final(), timeout=40, interval=0.3)
    assert final.state.type.value == "CANCELLED", final.state
    # The run's process is gone and its on_cancellation hook ran.
    def alive():
        try:
            os.kill(pid, 0)
            return True
        except ProcessLookupError:
            return False

    assert wait_for(alive, lambda a: not a, timeout=10) is False
    assert wait_for(
        lambda: (served["markers"] / f"cancelled-{run.id}").exists(), lambda x: x, timeout=10
    ), served["log"].read_text()[-3000:]


def test_a_run_whose_process_dies_ends_crashed(served_ids, client):
    run = client.create_flow_run_from_deployment(served_ids["crasher"])
    final = wait_for(lambda: client.read_flow_run(run.id), lambda r: r.state.is_final(), timeout=40, interval=0.3)
    assert final.state.type.value == "CRASHED", final.state


def test_deployment_run_with_typed_params_and_watch(served_ids, served):
    res = run_cli(
        ["deployment", "run", f"typed-{LABEL}/typed", "--param", "n=5", "--param", "flag=true", "--watch",
         "--watch-interval", "1"],
        served["env"],
        timeout=90,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Completed" in res.stdout, res.stdout


def test_deployment_run_with_a_bad_parameter_is_refused(served_ids, client, served):
    before = len(deployment_runs(client, served_ids["typed"]))
    res = run_cli(["deployment", "run", f"typed-{LABEL}/typed", "--param", "n=abc"], served["env"])
    assert res.returncode != 0, res.stdout
    out = res.stdout + res.stderr
    assert "n" in out and ("integer" in out or "Validation" in out), out
    assert len(deployment_runs(client, served_ids["typed"])) == before


@pytest.mark.skipif(AGAINST_PREFECT, reason="Prefect answers 409 with the message only; we name the field in a 422")
def test_bad_parameter_is_a_422_naming_it(served_ids, server):
    import httpx

    r = httpx.post(f"{server.api_url}/deployments/{served_ids['typed']}/create_flow_run", json={"parameters": {"n": "x"}})
    assert r.status_code == 422, r.text
    assert ["body", "parameters", "n"] in [d["loc"] for d in r.json()["exception_detail"]]


def test_deployment_run_start_in_schedules_later(served_ids, client, served):
    res = run_cli(["deployment", "run", f"typed-{LABEL}/typed", "--param", "n=1", "--start-in", "10 minutes"],
                  served["env"])
    assert res.returncode == 0, res.stdout + res.stderr
    runs = [r for r in deployment_runs(client, served_ids["typed"]) if r.state.is_scheduled()]
    assert runs, "no scheduled run"
    later = max(r.expected_start_time for r in runs)
    ahead = (later - datetime.now(timezone.utc)).total_seconds()
    assert 8 * 60 < ahead <= 10 * 60 + 5, ahead
    for r in runs:
        client.delete_flow_run(r.id)


def test_deployment_ls_and_inspect(served_ids, served):
    ls = run_cli(["deployment", "ls"], served["env"])
    assert ls.returncode == 0, ls.stderr
    for name in ("ticker", "sleeper", "child", "crasher", "typed"):
        assert name in ls.stdout
    inspect = run_cli(["deployment", "inspect", f"tick-{LABEL}/ticker"], served["env"])
    assert inspect.returncode == 0, inspect.stderr
    assert served_ids["ticker"] in inspect.stdout
    assert "interval" in inspect.stdout
    missing = run_cli(["deployment", "inspect", f"tick-{LABEL}/nope"], served["env"])
    assert missing.returncode != 0


def test_pause_stops_new_runs_and_resume_restores_them(served_ids, client, served):
    # prefect 3.9.1's CLI has no `deployment pause`; the SDK's client (and the dashboard) pause.
    dep = served_ids["ticker"]
    client.pause_deployment(dep)
    assert client.read_deployment(dep).paused is True
    # Its scheduled runs are gone, and the scheduler makes none while it is paused.
    scheduled = [r for r in deployment_runs(client, dep) if r.state.is_scheduled()]
    assert scheduled == [], [(r.name, r.state.name) for r in scheduled]
    time.sleep(6)
    assert [r for r in deployment_runs(client, dep) if r.state.is_scheduled()] == []
    client.resume_deployment(dep)
    assert client.read_deployment(dep).paused is False
    runs = wait_for(
        lambda: [r for r in deployment_runs(client, dep) if r.state.is_scheduled()],
        lambda rs: len(rs) >= 3,
        timeout=15,
        interval=0.5,
    )
    assert len(runs) >= 3


def test_shutdown_pauses_the_served_deployments(served_ids, client, served, server):
    offset = server.log_size()
    proc = served["proc"]
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    for dep in served_ids.values():
        assert client.read_deployment(dep).paused is True
    assert server_log_errors(server.log_since(offset)) == []


CRON_FLOW = """
from prefect import flow
from prefect.schedules import Cron, Interval

@flow(name="cron-LABEL")
def cron_flow():
    pass
"""


def apply_deployment(server, tmp_path, name, schedules_code):
    code = (
        CRON_FLOW.replace("LABEL", LABEL)
        + f"""
import json
dep_id = cron_flow.to_deployment(name="{name}", schedules={schedules_code}).apply()
print("@@ID@@" + str(dep_id))
"""
    )
    path = tmp_path / f"apply_{uuid.uuid4().hex[:6]}.py"
    path.write_text(code)
    res = subprocess.run([sys.executable, str(path)], env=sdk_env(server, tmp_path / "home"), capture_output=True,
                         text=True, timeout=60, cwd=tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    return [line[6:] for line in res.stdout.splitlines() if line.startswith("@@ID@@")][0]


def test_cron_upcoming_runs_match_the_sdk(server, client, tmp_path):
    from prefect.server.schemas.schedules import CronSchedule

    dep = apply_deployment(server, tmp_path, "cron-paris", '[Cron("7 */6 * * *", timezone="Europe/Paris")]')
    runs = wait_for(
        lambda: [r for r in deployment_runs(client, dep) if r.state.is_scheduled()],
        lambda rs: len(rs) >= 3,
        timeout=15,
        interval=0.5,
    )
    got = sorted(r.expected_start_time for r in runs)
    import asyncio

    want = asyncio.run(CronSchedule(cron="7 */6 * * *", timezone="Europe/Paris").get_dates(len(got)))
    assert [g.timestamp() for g in got] == [w.timestamp() for w in want]


def test_slugged_schedules_keep_their_identity_and_unslugged_are_replaced(server, client, tmp_path):
    slugged = '[Cron("0 9 * * *", slug="morning"), Interval(3600, slug="hourly")]'
    first = apply_deployment(server, tmp_path, "slugs", slugged)
    ids = {s.slug: s.id for s in client.read_deployment(first).schedules}
    again = apply_deployment(server, tmp_path, "slugs", '[Cron("0 10 * * *", slug="morning"), Interval(3600, slug="hourly")]')
    assert again == first
    after = client.read_deployment(first).schedules
    assert {s.slug: s.id for s in after} == ids
    assert {s.slug: s.schedule.cron for s in after if s.slug == "morning"} == {"morning": "0 10 * * *"}

    plain = apply_deployment(server, tmp_path, "plain", '[Cron("0 9 * * *")]')
    before_ids = {s.id for s in client.read_deployment(plain).schedules}
    apply_deployment(server, tmp_path, "plain", '[Cron("0 9 * * *")]')
    after_ids = {s.id for s in client.read_deployment(plain).schedules}
    assert len(after_ids) == 1 and after_ids.isdisjoint(before_ids)


def test_deployment_schedule_commands(server, client, tmp_path):
    dep = apply_deployment(server, tmp_path, "sched-cli", "[]")
    env = sdk_env(server, tmp_path / "cli-home")
    name = f"cron-{LABEL}/sched-cli"
    made = run_cli(["deployment", "schedule", "create", name, "--cron", "0 9 * * *", "--timezone", "Europe/Paris"], env)
    assert made.returncode == 0, made.stdout + made.stderr
    made = run_cli(["deployment", "schedule", "create", name, "--interval", "600"], env)
    assert made.returncode == 0, made.stdout + made.stderr
    schedules = client.read_deployment(dep).schedules
    assert len(schedules) == 2
    ls = run_cli(["deployment", "schedule", "ls", name], env)
    assert ls.returncode == 0 and "0 9 * * *" in ls.stdout, ls.stdout + ls.stderr
    cron_id = [s.id for s in schedules if getattr(s.schedule, "cron", None)][0]
    paused = run_cli(["deployment", "schedule", "pause", name, str(cron_id)], env)
    assert paused.returncode == 0, paused.stdout + paused.stderr
    assert [s.active for s in client.read_deployment(dep).schedules if s.id == cron_id] == [False]
    resumed = run_cli(["deployment", "schedule", "resume", name, str(cron_id)], env)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert [s.active for s in client.read_deployment(dep).schedules if s.id == cron_id] == [True]
    deleted = run_cli(["deployment", "schedule", "delete", name, str(cron_id), "-y"], env)
    assert deleted.returncode == 0, deleted.stdout + deleted.stderr
    assert len(client.read_deployment(dep).schedules) == 1
    bad = run_cli(["deployment", "schedule", "create", name, "--cron", "not a cron"], env)
    assert bad.returncode != 0
    assert len(client.read_deployment(dep).schedules) == 1
    cleared = run_cli(["deployment", "schedule", "clear", name, "-y"], env)
    assert cleared.returncode == 0, cleared.stdout + cleared.stderr
    assert client.read_deployment(dep).schedules == []
    gone = run_cli(["deployment", "delete", name], env)
    assert gone.returncode == 0, gone.stdout + gone.stderr
    again = run_cli(["deployment", "inspect", name], env)
    assert again.returncode != 0


@pytest.mark.skipif(not PG_URL or AGAINST_PREFECT, reason="two prefect-lite servers need PostgreSQL")
def test_two_servers_on_one_postgres_never_make_a_duplicate_run(tmp_path):
    """Both servers' schedulers race over the same deployments (fast loops, a 1-second interval and a
    minutely cron); every (schedule, start time) has exactly one run."""
    import httpx

    fast = {
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "0.2",
        "PREFECT_SERVER_SERVICES_SCHEDULER_RECENT_DEPLOYMENTS_LOOP_SECONDS": "0.1",
        "PREFECT_SERVER_SERVICES_SCHEDULER_MIN_SCHEDULED_TIME": "30",
    }
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    url = fresh_pg_url()
    a = Server("postgres", tmp_path / "a", extra_env=fast, url=url)
    b = Server("postgres", tmp_path / "b", extra_env=fast, url=url)
    try:
        flow = httpx.post(f"{a.api_url}/flows/", json={"name": f"race-{LABEL}"}).json()
        ids = []
        for i, schedule in enumerate([{"interval": 1}, {"cron": "* * * * *"}, {"interval": 7, "timezone": "Europe/Paris"}]):
            r = httpx.post(
                f"{(a if i % 2 else b).api_url}/deployments/",
                json={"name": f"race-{i}", "flow_id": flow["id"], "schedules": [{"schedule": schedule}]},
            )
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])
        # Changes made through one server while both schedule: the replaced runs never come back twice.
        time.sleep(2)
        r = httpx.patch(f"{b.api_url}/deployments/{ids[0]}", json={"schedules": [{"schedule": {"interval": 2}}]})
        assert r.status_code == 204, r.text
        time.sleep(3)
        runs = httpx.post(
            f"{a.api_url}/flow_runs/filter", json={"deployments": {"id": {"any_": ids}}, "limit": 200}
        ).json()
        assert len(runs) >= 20, len(runs)
        keys = [(r["deployment_id"], (r["created_by"] or {}).get("id"), r["expected_start_time"]) for r in runs]
        assert len(keys) == len(set(keys)), sorted(keys)
        for s in (a, b):
            assert server_log_errors(s.log_path.read_text()) == []
    finally:
        a.stop()
        b.stop()
