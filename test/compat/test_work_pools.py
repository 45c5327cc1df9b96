"""Work pools, work queues and workers with the real SDK and CLI (issue 13).

A project directory with a local flow file and a prefect.yaml (local storage: its only pull step is
`set_working_directory`) is deployed with `prefect deploy -n …` and `prefect deploy --all` onto pools made
with `prefect work-pool create -t process`; runs made with `prefect deployment run` are executed by
`prefect worker start --run-once` and end Completed (worker labels and `infrastructure_pid` recorded),
Failed (the flow raises) or Crashed (the flow's process is SIGKILLed). Cancelling a running worker run ends
Cancelled with its process gone, with PREFECT_WORKER_ENABLE_CANCELLATION on and off: in 3.9.1 the kill is
done by the FlowRunExecutorContext the process worker opens per run (it watches `/events/out` for
`prefect.flow-run.Cancelling`, polling as a fallback) in both modes; the setting only adds a worker-level
observer for runs cancelled before their process started (`BaseWorker._cancel_run` returns early for a run
with a start_time). Queue priority orders what a worker gets, a pool concurrency limit of 1 keeps the second
run Scheduled until the first ends, a paused pool (or queue) hands out nothing, and a worker that stops
heartbeating goes OFFLINE and its pool NOT_READY (Prefect's foreman: no heartbeat for 3 × the worker's
heartbeat_interval_seconds), with `prefect.work-pool.ready` / `.not-ready` events. Then the `work-pool` and
`work-queue` commands and their bad input: unknown pools and queues, unknown worker types, negative limits,
reserved and duplicate names.

The module starts its own server per database (same params as conftest's `server`) so the foreman can run
every second; everything else shares one project, one deploy and a handful of pools.
"""
import contextlib
import json
import os
import re
import subprocess
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from conftest import (
    AGAINST_PREFECT, DATABASES, PREFECT_CLI, Server, run_cli, run_cli_parallel, sdk_env, server_log_errors, wait_for,
)

LABEL = uuid.uuid4().hex[:8]
MAIN = f"wp-main-{LABEL}"
PRIO = f"wp-prio-{LABEL}"
CONC = f"wp-conc-{LABEL}"
PAUSE = f"wp-pause-{LABEL}"
CLI_POOL = f"wp-cli-{LABEL}"
FOREMAN_POOL = f"wp-foreman-{LABEL}"
MISSING = f"wp-missing-{LABEL}"

OK_FLOW = f"wp-ok-{LABEL}"
FAIL_FLOW = f"wp-fail-{LABEL}"
CRASH_FLOW = f"wp-crash-{LABEL}"
SLEEP_FLOW = f"wp-sleep-{LABEL}"

FLOWS = """
import os, signal, time
from prefect import flow

@flow(name="OK_FLOW", log_prints=True)
def ok_flow(n: int = 1):
    print("ok", n)
    return n * 2

@flow(name="FAIL_FLOW")
def fail_flow():
    raise ValueError("boom from a worker's flow")

@flow(name="CRASH_FLOW")
def crash_flow():
    os.kill(os.getpid(), signal.SIGKILL)

@flow(name="SLEEP_FLOW")
def sleep_flow(marker: str = "", seconds: float = 120):
    if marker:
        with open(marker + ".tmp", "w") as f:
            f.write(str(os.getpid()))
        os.replace(marker + ".tmp", marker)
    time.sleep(seconds)
"""
for _name in ("OK_FLOW", "FAIL_FLOW", "CRASH_FLOW", "SLEEP_FLOW"):
    FLOWS = FLOWS.replace(_name, globals()[_name])

# (deployment name, entrypoint function, pool, queue or None for the pool's default queue)
DEPLOYMENTS = [
    ("ok", "ok_flow", MAIN, None),
    ("fail", "fail_flow", MAIN, None),
    ("crash", "crash_flow", MAIN, None),
    ("sleep-on", "sleep_flow", MAIN, "q-on"),
    ("sleep-off", "sleep_flow", MAIN, "q-off"),
    ("hi", "ok_flow", PRIO, "hi"),
    ("lo", "ok_flow", PRIO, "lo"),
    ("conc", "sleep_flow", CONC, None),
    ("paused", "ok_flow", PAUSE, None),
    ("cli", "ok_flow", CLI_POOL, None),
]
FLOW_OF = {"ok_flow": OK_FLOW, "fail_flow": FAIL_FLOW, "crash_flow": CRASH_FLOW, "sleep_flow": SLEEP_FLOW}


def full_name(deployment: str) -> str:
    fn = next(d[1] for d in DEPLOYMENTS if d[0] == deployment)
    return f"{FLOW_OF[fn]}/{deployment}"


def prefect_yaml(project: Path) -> str:
    lines = [
        "name: wp-project",
        "prefect-version: 3.9.1",
        "build: null",
        "push: null",
        "pull:",
        "- prefect.deployments.steps.set_working_directory:",
        f"    directory: {json.dumps(str(project))}",
        "deployments:",
    ]
    for name, fn, pool, queue in DEPLOYMENTS:
        lines += [f"- name: {name}", f"  entrypoint: flows.py:{fn}", "  work_pool:", f"    name: {pool}"]
        if queue:
            lines.append(f"    work_queue_name: {queue}")
    return "\n".join(lines) + "\n"


UUID_LINE = re.compile(r"UUID: ([0-9a-f-]{36})")
CREATED_DEPLOYMENT = re.compile(r"Deployment '([^']+)' successfully created with id '([0-9a-f-]{36})'")


@pytest.fixture(scope="module", params=DATABASES)
def server(request, tmp_path_factory):
    """conftest's server, started with the foreman looping every second (Prefect's default is 15 s) and
    without the late-runs service."""
    s = Server(
        request.param,
        tmp_path_factory.mktemp(f"wp-srv-{request.param}"),
        extra_env={
            "PREFECT_SERVER_SERVICES_FOREMAN_LOOP_SECONDS": "1",
            # Runs left Scheduled on purpose would be marked Late mid-test, racing the workers (on Prefect's own
            # SQLite server that race is a "database is locked" error in the log).
            "PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED": "false",
        },
    )
    yield s
    s.stop()


def log_errors(server, text: str) -> list[str]:
    """server_log_errors, except (against Prefect's own server on SQLite only) the "database is locked" its
    background services (the foreman, every second here) log when they lose a lock race to a request: the
    tests hold prefect-lite to a clean log, not Prefect."""
    if AGAINST_PREFECT and server.database == "sqlite":
        blocks = re.split(r"\n(?=\d\d:\d\d:\d\d\.\d{3} \|)", text)
        text = "\n".join(b for b in blocks if not ("database is locked" in b and "docket" in b))
    return server_log_errors(text)


@pytest.fixture(autouse=True)
def _server_log_is_clean(server):
    offset = server.log_size()
    yield
    assert log_errors(server, server.log_since(offset)) == []


@contextlib.contextmanager
def sync_client(server):
    """A synchronous client for module-scoped fixtures (conftest's `client` is per test)."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: server.api_url}), get_client(sync_client=True) as c:
        yield c


def worker_env(server, home: Path, **extra: str) -> dict:
    return sdk_env(server, home, PREFECT_WORKER_QUERY_SECONDS="1", PREFECT_WORKER_PREFETCH_SECONDS="1", **extra)


# What a worker may log at WARNING or above here: the failing flow's own exception, and a flow process's
# events client still flushing when the process exits (a busy machine). Anything else (the events stream
# failing over to polling, "Failed to setup cancellation handling", an infrastructure_pid that could not be
# stored, a heartbeat that failed) is a server answer the SDK did not accept.
EXPECTED_WORKER_ERRORS = (
    "boom from a worker's flow",
    "Engine execution exited with unexpected exception",
    "EventsWorker - Still processing items",
)


def worker_problems(output: str) -> list[str]:
    return [
        line for line in output.splitlines()
        if re.search(r"\| (WARNING|ERROR|CRITICAL) +\|", line) and not any(e in line for e in EXPECTED_WORKER_ERRORS)
    ]


class Worker:
    """`prefect worker start …` in the background, its output in a file."""

    def __init__(self, env: dict, log_path: Path, pool: str, *args: str):
        self.log_path = log_path
        self._log = open(log_path, "w")
        self.proc = subprocess.Popen(
            [PREFECT_CLI, "worker", "start", "--pool", pool, *args], env=env, stdout=self._log, stderr=subprocess.STDOUT
        )

    def output(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def wait(self, timeout: float = 60) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            pytest.fail(f"worker did not exit within {timeout}s:\n{self.output()[-6000:]}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self._log.close()


def run_worker_once(env: dict, log_path: Path, pool: str, *args: str, timeout: float = 90) -> str:
    w = Worker(env, log_path, pool, "--run-once", *args)
    rc = w.wait(timeout)
    out = w.output()
    w.stop()
    assert rc == 0, out[-6000:]
    assert worker_problems(out) == []
    return out


def cli_ok(res: subprocess.CompletedProcess) -> str:
    assert res.returncode == 0, res.stdout + res.stderr
    return res.stdout


def cli_error(res: subprocess.CompletedProcess) -> str:
    """Output of a command that must fail: Prefect's CLI exits 1 for a refused request."""
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    return out


def run_id_of(res: subprocess.CompletedProcess) -> str:
    m = UUID_LINE.search(cli_ok(res))
    assert m, res.stdout
    return m.group(1)


def scheduled_ids(client, pool: str, queues: list[str] | None = None) -> list[str]:
    """What a worker polling `pool` would be handed now, in order."""
    got = client.get_scheduled_flow_runs_for_work_pool(
        work_pool_name=pool,
        work_queue_names=queues,
        scheduled_before=datetime.now(timezone.utc) + timedelta(seconds=30),
    )
    return [str(r.flow_run.id) for r in got]


def state_names(client, flow_run_id: str) -> list[str]:
    return [s.name for s in client.read_flow_run_states(flow_run_id) if s.name != "Late"]


def events_of(server, resource_id: str, names: list[str]) -> list[dict]:
    r = httpx.post(
        f"{server.api_url}/events/filter",
        json={"filter": {"event": {"name": names}, "resource": {"id": [resource_id]}, "order": "ASC"}, "limit": 50},
    )
    assert r.status_code == 200, r.text
    return r.json()["events"]


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(scope="module")
def project(server, tmp_path_factory):
    """MAIN made with `work-pool create -t process` and PRIO's `hi` queue with `work-queue create` (the other
    pools and `lo` through the client, to keep the module quick), then one deployment with
    `prefect deploy -n ok` and all of them with `prefect deploy --all`."""
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.workers.process import ProcessWorker

    root = tmp_path_factory.mktemp("wp-project")
    (root / "flows.py").write_text(FLOWS)
    (root / "prefect.yaml").write_text(prefect_yaml(root))
    env = sdk_env(server, root / ".cli-home", PREFECT_CLI_PROMPT="false")
    template = ProcessWorker.get_default_base_job_template()

    def deploy(*args: str) -> subprocess.Popen:
        return subprocess.Popen([PREFECT_CLI, "--no-prompt", "deploy", *args], env=env, cwd=root,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def deployed(proc: subprocess.Popen) -> str:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, out + err
        return out

    with sync_client(server) as c:
        for pool, limit in ((PRIO, None), (CONC, 1), (PAUSE, None), (CLI_POOL, None)):
            c.create_work_pool(
                WorkPoolCreate(name=pool, type="process", base_job_template=template, concurrency_limit=limit)
            )
        # Priorities are unique within a pool: hi takes 1 (bumping default to 2), then lo takes 2 (default to 3).
        made = run_cli_parallel(
            {
                "pool": ["work-pool", "create", MAIN, "-t", "process"],
                "hi": ["work-queue", "create", "hi", "--pool", PRIO, "--priority", "1"],
            },
            env,
        )
        assert f"Created work pool {MAIN!r}!" in cli_ok(made["pool"])
        assert "Created work queue with properties" in cli_ok(made["hi"])
        single = deploy("-n", "ok")
        c.create_work_queue(name="lo", work_pool_name=PRIO, priority=2)
        single_out = deployed(single)
    everything = deployed(deploy("--all"))
    return {"root": root, "env": env, "single": single_out, "all": everything}


def test_deploy_binds_deployments_to_their_pools_and_queues(project, client):
    single = CREATED_DEPLOYMENT.findall(project["single"])
    assert [name for name, _ in single] == [full_name("ok")]
    everything = dict(CREATED_DEPLOYMENT.findall(project["all"]))
    assert sorted(everything) == sorted(full_name(d[0]) for d in DEPLOYMENTS)
    assert everything[full_name("ok")] == single[0][1]  # deploying again updates the same deployment
    for name, fn, pool, queue in DEPLOYMENTS:
        dep = client.read_deployment_by_name(full_name(name))
        assert str(dep.id) == everything[full_name(name)]
        assert (dep.work_pool_name, dep.work_queue_name) == (pool, queue or "default"), name
        assert dep.entrypoint == f"flows.py:{fn}"
        assert dep.pull_steps == [
            {"prefect.deployments.steps.set_working_directory": {"directory": str(project["root"])}}
        ]
    # The queues the deployments name were made in their pool when the deployments were created.
    queues = {q.name: q for q in client.read_work_queues(work_pool_name=MAIN)}
    assert sorted(queues) == ["default", "q-off", "q-on"]
    pool = client.read_work_pool(MAIN)
    assert pool.type == "process" and pool.default_queue_id == queues["default"].id
    assert "{{ command }}" in json.dumps(pool.base_job_template["job_configuration"])


@pytest.fixture(scope="module")
def executed(project, server, tmp_path_factory):
    """Runs of three deployments (`prefect deployment run` for one), then one `worker start --run-once` runs
    them all at once."""
    tmp = tmp_path_factory.mktemp("wp-executed")
    env = project["env"]
    ids = {"ok": run_id_of(run_cli(["deployment", "run", full_name("ok"), "--param", "n=21"], env))}
    with sync_client(server) as c:
        for key in ("fail", "crash"):
            ids[key] = str(c.create_flow_run_from_deployment(c.read_deployment_by_name(full_name(key)).id).id)
    name = f"worker-{LABEL}"
    out = run_worker_once(worker_env(server, tmp / "home"), tmp / "worker.log", MAIN, "-q", "default", "--name", name)
    return {"ids": ids, "worker": name, "output": out}


def test_worker_runs_a_deployment_to_completed(executed, client, server):
    run = client.read_flow_run(executed["ids"]["ok"])
    assert run.state.type.value == "COMPLETED", (run.state, executed["output"][-4000:])
    assert run.parameters == {"n": 21}
    assert state_names(client, run.id) == ["Scheduled", "Pending", "Submitting", "Running", "Completed"]
    assert (run.work_pool_name, run.work_queue_name) == (MAIN, "default")
    pool = client.read_work_pool(MAIN)
    assert {k: run.labels.get(k) for k in ("prefect.worker.name", "prefect.worker.type", "prefect.work-pool.name",
                                            "prefect.work-pool.id")} == {
        "prefect.worker.name": executed["worker"],
        "prefect.worker.type": "process",
        "prefect.work-pool.name": MAIN,
        "prefect.work-pool.id": str(pool.id),
    }
    assert run.infrastructure_pid and run.infrastructure_pid.isdigit(), run.infrastructure_pid
    assert run.start_time is not None and run.end_time is not None
    workers = {w.name: w for w in client.read_workers_for_work_pool(MAIN)}
    assert workers[executed["worker"]].status.value == "ONLINE"
    # Polling marks the queue and the deployments in it READY.
    queue = wait_for(lambda: client.read_work_queue_by_name("default", work_pool_name=MAIN),
                     lambda q: q.status.value == "READY")
    assert queue.status.value == "READY" and queue.last_polled is not None
    dep = wait_for(lambda: client.read_deployment(run.deployment_id), lambda d: d.status.value == "READY")
    assert dep.status.value == "READY"
    # The state events name the run's pool and queue (what a worker's cancellation observer filters on).
    events = wait_for(lambda: events_of(server, f"prefect.flow-run.{run.id}", ["prefect.flow-run.Completed"]), len)
    assert len(events) == 1, events
    related = {r["prefect.resource.id"]: r["prefect.resource.role"] for r in events[0]["related"]}
    assert related[f"prefect.work-pool.{pool.id}"] == "work-pool"
    assert related[f"prefect.work-queue.{pool.default_queue_id}"] == "work-queue"


def test_worker_run_of_a_flow_that_raises_ends_failed(executed, client):
    run = client.read_flow_run(executed["ids"]["fail"])
    assert run.state.type.value == "FAILED", run.state
    assert "boom from a worker's flow" in run.state.message
    assert state_names(client, run.id) == ["Scheduled", "Pending", "Submitting", "Running", "Failed"]
    assert run.infrastructure_pid


def test_worker_run_whose_process_is_killed_ends_crashed(executed, client):
    run = client.read_flow_run(executed["ids"]["crash"])
    assert run.state.type.value == "CRASHED", run.state
    assert "status code: -9" in run.state.message
    assert state_names(client, run.id) == ["Scheduled", "Pending", "Submitting", "Running", "Crashed"]


def test_cancelling_a_worker_run_stops_its_process_with_worker_cancellation_on_and_off(
    project, server, client, tmp_path
):
    """Both modes at once: a worker per queue, each with one sleeping run; one cancelled with
    `prefect flow-run cancel`, the other by setting Cancelling through the client."""
    from prefect.states import Cancelling

    env = project["env"]
    ids = {
        mode: str(client.create_flow_run_from_deployment(
            client.read_deployment_by_name(full_name(f"sleep-{mode}")).id, parameters={"marker": str(tmp_path / mode)}
        ).id)
        for mode in ("on", "off")
    }
    workers = {
        mode: Worker(
            worker_env(server, tmp_path / f"home-{mode}", PREFECT_WORKER_ENABLE_CANCELLATION=flag),
            tmp_path / f"worker-{mode}.log",
            MAIN,
            "-q", f"q-{mode}", "--run-once",
        )
        for mode, flag in (("on", "true"), ("off", "false"))
    }
    pids: dict[str, int] = {}
    left_running = []
    try:
        wait_for(lambda: all((tmp_path / m).exists() for m in ids), bool, timeout=60, interval=0.2)
        assert all((tmp_path / m).exists() for m in ids), {m: w.output()[-3000:] for m, w in workers.items()}
        pids.update({m: int((tmp_path / m).read_text()) for m in ids})
        for mode in ids:
            run = client.read_flow_run(ids[mode])
            assert run.state.type.value == "RUNNING", run.state
            assert run.infrastructure_pid == str(pids[mode])
        cancelled = run_cli(["flow-run", "cancel", ids["on"]], env)
        assert f"Flow run '{ids['on']}' was successfully scheduled for cancellation." in cli_ok(cancelled)
        assert client.set_flow_run_state(ids["off"], Cancelling()).status.value == "ACCEPT"
        for mode, w in workers.items():
            assert w.wait(60) == 0, w.output()[-6000:]
            assert worker_problems(w.output()) == [], mode
    finally:
        for w in workers.values():
            w.stop()
        for mode, pid in pids.items():  # a flow process the cancellation did not stop
            if pid_alive(pid):
                left_running.append(mode)
                os.kill(pid, 9)
    assert left_running == []
    for mode in ids:
        run = client.read_flow_run(ids[mode])
        assert (run.state.type.value, run.state.name) == ("CANCELLED", "Cancelled"), (mode, run.state)
        assert state_names(client, run.id)[-3:] == ["Running", "Cancelling", "Cancelled"]


def test_queue_priority_decides_what_a_worker_gets_first(project, server, client, tmp_path):
    queues = {q.name: q.priority for q in client.read_work_queues(work_pool_name=PRIO)}
    assert queues == {"hi": 1, "lo": 2, "default": 3}
    lo = client.read_deployment_by_name(full_name("lo"))
    hi = client.read_deployment_by_name(full_name("hi"))
    # lo's run is older, so only the queues' priorities put hi's first.
    lo_run = str(client.create_flow_run_from_deployment(lo.id).id)
    time.sleep(0.05)
    hi_run = str(client.create_flow_run_from_deployment(hi.id).id)
    assert scheduled_ids(client, PRIO) == [hi_run, lo_run]
    assert scheduled_ids(client, PRIO, ["lo"]) == [lo_run]
    listed = cli_ok(run_cli(["work-queue", "ls", "--pool", PRIO], project["env"]))
    rows = dict(re.findall(r"│ (hi|lo|default) +│ (\d+) +│", listed))
    assert rows == {"hi": "1", "lo": "2", "default": "3"}, listed
    out = run_worker_once(worker_env(server, tmp_path / "home"), tmp_path / "worker.log", PRIO, "--limit", "1")
    assert client.read_flow_run(hi_run).state.type.value == "COMPLETED", out[-4000:]
    assert client.read_flow_run(lo_run).state.type.value == "SCHEDULED"
    assert scheduled_ids(client, PRIO) == [lo_run]


def test_pool_concurrency_limit_holds_the_second_run_until_the_first_ends(project, server, client, tmp_path):
    assert client.read_work_pool(CONC).concurrency_limit == 1
    dep = client.read_deployment_by_name(full_name("conc"))
    def make(marker: str) -> str:
        params = {"marker": str(tmp_path / marker), "seconds": 3}
        return str(client.create_flow_run_from_deployment(dep.id, parameters=params).id)

    first = make("first")
    time.sleep(0.05)
    second = make("second")
    assert scheduled_ids(client, CONC) == [first]
    w = Worker(worker_env(server, tmp_path / "home"), tmp_path / "worker.log", CONC, "--run-once")
    try:
        wait_for(lambda: (tmp_path / "first").exists(), bool, timeout=60, interval=0.2)
        assert (tmp_path / "first").exists(), w.output()[-4000:]
        assert client.read_flow_run(first).state.type.value == "RUNNING"
        assert scheduled_ids(client, CONC) == []
        assert client.read_flow_run(second).state.type.value == "SCHEDULED"
        assert w.wait(60) == 0, w.output()[-6000:]
        assert worker_problems(w.output()) == []
    finally:
        w.stop()
    assert client.read_flow_run(first).state.type.value == "COMPLETED"
    assert client.read_flow_run(second).state.type.value == "SCHEDULED"
    assert not (tmp_path / "second").exists()
    assert scheduled_ids(client, CONC) == [second]


def test_a_paused_pool_or_queue_hands_out_nothing(project, server, client):
    env = project["env"]
    dep = client.read_deployment_by_name(full_name("paused"))
    run = str(client.create_flow_run_from_deployment(dep.id).id)
    assert scheduled_ids(client, PAUSE) == [run]

    assert cli_ok(run_cli(["work-pool", "pause", PAUSE], env)).strip().endswith(f"Paused work pool {PAUSE!r}")
    pool = client.read_work_pool(PAUSE)
    assert (pool.is_paused, pool.status.value) == (True, "PAUSED")
    assert scheduled_ids(client, PAUSE) == []

    assert f"Resumed work pool {PAUSE!r}" in cli_ok(run_cli(["work-pool", "resume", PAUSE], env))
    pool = client.read_work_pool(PAUSE)
    assert (pool.is_paused, pool.status.value) == (False, "NOT_READY")
    assert scheduled_ids(client, PAUSE) == [run]

    paused = run_cli(["work-queue", "pause", "default", "--pool", PAUSE], env)
    assert f"Work queue 'default' in work pool {PAUSE!r} paused" in cli_ok(paused)
    queue = client.read_work_queue_by_name("default", work_pool_name=PAUSE)
    assert (queue.is_paused, queue.status.value) == (True, "PAUSED")
    assert scheduled_ids(client, PAUSE) == []
    resumed = run_cli(["work-queue", "resume", "default", "--pool", PAUSE], env)
    assert f"Work queue 'default' in work pool {PAUSE!r} resumed" in cli_ok(resumed)
    assert client.read_work_queue_by_name("default", work_pool_name=PAUSE).is_paused is False
    assert scheduled_ids(client, PAUSE) == [run]
    assert client.read_flow_run(run).state.type.value == "SCHEDULED"

    names = ["prefect.work-pool.paused", "prefect.work-pool.not-ready"]
    events = wait_for(lambda: events_of(server, f"prefect.work-pool.{pool.id}", names),
                      lambda evs: [e["event"] for e in evs][-2:] == names)
    assert [e["event"] for e in events][-2:] == names, events
    assert events[-1]["follows"] == events[-2]["id"]
    events = wait_for(lambda: events_of(server, f"prefect.work-queue.{queue.id}", ["prefect.work-queue.paused"]), len)
    assert len(events) == 1, events
    assert events[0]["resource"]["prefect.resource.name"] == "default"
    assert {r["prefect.resource.id"]: r["prefect.resource.role"] for r in events[0]["related"]} == {
        f"prefect.work-pool.{pool.id}": "work-pool"
    }


def test_a_worker_that_stops_heartbeating_goes_offline_and_its_pool_not_ready(server, client, tmp_path):
    """The worker makes its pool (`--type process`, the pool does not exist yet), heartbeats every second
    and stays ONLINE past 3 s; once it is killed the foreman marks it OFFLINE and the pool NOT_READY."""
    name = f"beater-{LABEL}"
    env = worker_env(server, tmp_path / "home", PREFECT_WORKER_HEARTBEAT_SECONDS="1")
    w = Worker(env, tmp_path / "worker.log", FOREMAN_POOL, "--type", "process", "--name", name)

    def status():
        try:
            pool = client.read_work_pool(FOREMAN_POOL)
        except Exception as exc:  # the worker has not made the pool yet
            if type(exc).__name__ != "ObjectNotFound":
                raise
            return None, None
        workers = {x.name: x for x in client.read_workers_for_work_pool(FOREMAN_POOL)}
        return pool, workers.get(name)

    try:
        pool, worker = wait_for(
            status, lambda s: s[1] is not None and s[0].status.value == "READY", timeout=60, interval=0.2
        )
        assert worker is not None and pool.status.value == "READY", w.output()[-4000:]
        assert pool.type == "process"
        assert (worker.status.value, worker.heartbeat_interval_seconds) == ("ONLINE", 1)
        time.sleep(4.5)  # longer than 3 heartbeats plus a foreman loop: heartbeats keep it ONLINE
        pool, worker = status()
        assert (worker.status.value, pool.status.value) == ("ONLINE", "READY"), w.output()[-4000:]
        assert w.proc.poll() is None, w.output()[-4000:]
        assert worker_problems(w.output()) == []
    finally:
        w.stop()
    killed = time.monotonic()
    pool, worker = wait_for(status, lambda s: s[1].status.value == "OFFLINE" and s[0].status.value == "NOT_READY",
                            timeout=20, interval=0.2)
    assert (worker.status.value, pool.status.value) == ("OFFLINE", "NOT_READY")
    assert time.monotonic() - killed < 15  # 3 x 1 s, not the 30 s fallback (which would take 90 s)
    names = ["prefect.work-pool.ready", "prefect.work-pool.not-ready"]
    events = wait_for(lambda: events_of(server, f"prefect.work-pool.{pool.id}", names),
                      lambda evs: [e["event"] for e in evs][-2:] == names)
    assert [e["event"] for e in events][-2:] == names, events
    ready, not_ready = events[-2:]
    assert ready["occurred"] < not_ready["occurred"]
    for e in (ready, not_ready):
        assert e["resource"]["prefect.resource.name"] == FOREMAN_POOL
        assert e["resource"]["prefect.work-pool.type"] == "process"


def test_work_pool_and_work_queue_commands(project, client):
    env = project["env"]
    a, b = f"wp-cli-a-{LABEL}", f"wp-cli-b-{LABEL}"
    run = str(client.create_flow_run_from_deployment(client.read_deployment_by_name(full_name("cli")).id).id)

    one = run_cli_parallel(
        {
            "create a": ["work-pool", "create", a, "-t", "process"],
            "create b": ["work-pool", "create", b, "-t", "process", "--paused"],
            "ls": ["work-pool", "ls"],
            "inspect json": ["work-pool", "inspect", MAIN, "-o", "json"],
            "preview": ["work-pool", "preview", CLI_POOL],
            "queue inspect json": ["work-queue", "inspect", "hi", "--pool", PRIO, "-o", "json"],
            "queue preview": ["work-queue", "preview", "default", "--pool", CLI_POOL],
        },
        env,
    )
    cli_ok(one["create a"])
    assert f"Created work pool {b!r}!" in cli_ok(one["create b"])
    listed = cli_ok(one["ls"])
    for pool in (MAIN, PRIO, CONC, PAUSE, CLI_POOL):
        assert pool in listed
    conc_row = next(line for line in listed.splitlines() if CONC in line)
    assert "process" in conc_row and str(client.read_work_pool(CONC).id) in conc_row and "│ 1 " in conc_row, conc_row
    main = json.loads(cli_ok(one["inspect json"]))
    assert (main["name"], main["type"], main["is_paused"]) == (MAIN, "process", False)
    assert main["id"] == str(client.read_work_pool(MAIN).id)
    assert run in cli_ok(one["preview"])
    hi = json.loads(cli_ok(one["queue inspect json"]))
    assert (hi["name"], hi["priority"], hi["work_pool_name"]) == ("hi", 1, PRIO)
    assert hi["work_pool_id"] == str(client.read_work_pool(PRIO).id)
    assert "status_details" in hi
    assert run in cli_ok(one["queue preview"])
    assert client.read_work_pool(b).is_paused is True

    two = run_cli_parallel(
        {
            "update a": ["work-pool", "update", a, "--description", f"described {LABEL}", "--concurrency-limit", "3"],
            "queue create": ["work-queue", "create", "qa", "--pool", b, "--limit", "2"],
            "limit b": ["work-pool", "set-concurrency-limit", b, "7"],
        },
        env,
    )
    assert f"Updated work pool {a!r}" in cli_ok(two["update a"])
    assert "concurrency limit - 2" in cli_ok(two["queue create"])
    assert f"Set concurrency limit for work pool {b!r} to 7" in cli_ok(two["limit b"])
    pool_a = client.read_work_pool(a)
    assert (pool_a.description, pool_a.concurrency_limit) == (f"described {LABEL}", 3)
    assert client.read_work_pool(b).concurrency_limit == 7
    qa = client.read_work_queue_by_name("qa", work_pool_name=b)
    assert (qa.concurrency_limit, qa.priority) == (2, 2)

    three = run_cli_parallel(
        {
            "clear a": ["work-pool", "clear-concurrency-limit", a],
            "queue limit": ["work-queue", "set-concurrency-limit", "qa", "5", "--pool", b],
        },
        env,
    )
    assert f"Cleared concurrency limit for work pool {a!r}" in cli_ok(three["clear a"])
    assert f"Concurrency limit of 5 set on work queue 'qa' in work pool {b!r}" in cli_ok(three["queue limit"])
    assert client.read_work_pool(a).concurrency_limit is None
    assert client.read_work_queue_by_name("qa", work_pool_name=b).concurrency_limit == 5

    four = run_cli_parallel(
        {
            "delete queue": ["work-queue", "delete", "qa", "--pool", b],
            "delete a": ["work-pool", "delete", a],
        },
        env,
    )
    assert f"Successfully deleted work queue 'qa' in work pool {b!r}" in cli_ok(four["delete queue"])
    assert f"Deleted work pool {a!r}" in cli_ok(four["delete a"])
    assert "qa" not in {q.name for q in client.read_work_queues(work_pool_name=b)}
    assert a not in {p.name for p in client.read_work_pools()}


RESERVED = "Work pools starting with 'Prefect' are reserved for internal use."


def test_bad_input_is_refused_with_prefects_messages(project, server, client):
    env = project["env"]
    reserved = f"prefect-{LABEL}"
    res = run_cli_parallel(
        {
            "unknown type": ["work-pool", "create", f"wp-typo-{LABEL}", "-t", "no-such-type"],
            "reserved": ["work-pool", "create", reserved, "-t", "process"],
            "duplicate": ["work-pool", "create", MAIN, "-t", "process"],
            "negative": ["work-pool", "set-concurrency-limit", MAIN, "-1"],
            "inspect missing": ["work-pool", "inspect", MISSING],
            "queue in missing pool": ["work-queue", "create", "q", "--pool", MISSING],
            "queues of missing pool": ["work-queue", "ls", "--pool", MISSING],
            "missing queue": ["work-queue", "inspect", "nope", "--pool", MAIN],
            "duplicate queue": ["work-queue", "create", "default", "--pool", MAIN],
        },
        env,
    )
    out = cli_error(res["unknown type"])
    assert "Unknown work pool type 'no-such-type'. Please choose from" in out
    assert re.search(r"Please choose from [^.]*\bprocess\b", out), out
    assert RESERVED in cli_error(res["reserved"])
    assert f"Work pool named {MAIN!r} already exists. Use --overwrite to update it." in cli_error(res["duplicate"])
    out = cli_error(res["negative"])  # the server's 422, printed by the CLI (pydantic's wording or TypeBox's)
    assert "422 Unprocessable Entity" in out and re.search(r"greater (than )?or equal to 0", out), out
    assert f"Work pool {MISSING!r} not found!" in cli_error(res["inspect missing"])
    assert f"Work pool with name: {MISSING!r} not found." in cli_error(res["queue in missing pool"])
    assert f"No work pool found: {MISSING!r}" in cli_error(res["queues of missing pool"])
    assert f"No work queue named 'nope' found in work pool {MAIN!r}." in cli_error(res["missing queue"])
    assert "Work queue with name: 'default' already exists." in cli_error(res["duplicate queue"])
    names = {p.name for p in client.read_work_pools()}
    assert reserved not in names and f"wp-typo-{LABEL}" not in names and MISSING not in names
    assert client.read_work_pool(MAIN).concurrency_limit is None

    api = server.api_url
    for name in (reserved, f"Prefect-{LABEL}", f"PREFECT{LABEL}"):
        r = httpx.post(f"{api}/work_pools/", json={"name": name, "type": "process"})
        assert (r.status_code, r.json()) == (403, {"detail": RESERVED}), name
    r = httpx.post(f"{api}/work_pools/", json={"name": MAIN, "type": "process"})
    assert (r.status_code, r.json()) == (409, {"detail": "A work pool with this name already exists."})
    for r in (
        httpx.post(f"{api}/work_pools/", json={"name": f"wp-neg-{LABEL}", "type": "process", "concurrency_limit": -1}),
        httpx.patch(f"{api}/work_pools/{MAIN}", json={"concurrency_limit": -1}),
    ):
        assert r.status_code == 422, r.text
        body = r.json()
        assert body["exception_message"] == "Invalid request received."
        assert [d["loc"] for d in body["exception_detail"]] == [["body", "concurrency_limit"]], r.text
        assert re.search(r"greater (than )?or equal to 0", body["exception_detail"][0]["msg"]), r.text
    assert f"wp-neg-{LABEL}" not in {p.name for p in client.read_work_pools()}
    assert client.read_work_pool(MAIN).concurrency_limit is None
    for method, path, body in (
        ("GET", f"/work_pools/{MISSING}", None),
        ("PATCH", f"/work_pools/{MISSING}", {"concurrency_limit": 3}),
        ("DELETE", f"/work_pools/{MISSING}", None),
        ("POST", f"/work_pools/{MISSING}/get_scheduled_flow_runs", {}),
        ("POST", f"/work_pools/{MISSING}/queues", {"name": "q"}),
    ):
        r = httpx.request(method, f"{api}{path}", json=body)
        assert (r.status_code, r.json()) == (404, {"detail": f'Work pool "{MISSING}" not found.'}), (method, path)
    r = httpx.get(f"{api}/work_pools/{MAIN}/queues/nope")
    assert (r.status_code, r.json()) == (404, {"detail": f"Work pool queue '{MAIN}/nope' not found."})
