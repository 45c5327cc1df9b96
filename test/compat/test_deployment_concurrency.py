"""Deployment concurrency with the real SDK: `serve()` of a deployment with concurrency_limit=1 (ENQUEUE)
runs three runs one after another (their measured intervals never overlap; the waiting ones pass through
AwaitingConcurrencySlot), and a CANCEL_NEW deployment cancels the run that finds its slot taken."""
import os
import subprocess
import sys
import time
import uuid

import pytest

from conftest import AGAINST_PREFECT, Server, sdk_env, wait_for

LABEL = uuid.uuid4().hex[:8]

SERVE = """
import os, time
from prefect import flow, serve
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy

OUT = os.environ["OUT"]

@flow(name="queued-LABEL")
def queued(seconds: float = 1.0):
    start = time.time()
    time.sleep(seconds)
    with open(OUT, "a") as f:
        f.write(f"{start} {time.time()}\\n")

@flow(name="exclusive-LABEL")
def exclusive(seconds: float = 4.0):
    time.sleep(seconds)

if __name__ == "__main__":
    serve(
        queued.to_deployment(name="one-at-a-time", concurrency_limit=1),
        exclusive.to_deployment(
            name="cancel-new",
            concurrency_limit=ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW),
        ),
    )
""".replace("LABEL", LABEL)


@pytest.fixture(scope="module")
def limited(server, tmp_path_factory):
    """A server of its own that reschedules runs refused a slot 1 s ahead (Prefect's default is 30 s),
    and one serve() process for both deployments, polling every second."""
    if AGAINST_PREFECT:
        pytest.skip("needs its own server settings")
    tmp = tmp_path_factory.mktemp("deployment-concurrency")
    s = Server(server.database, tmp, extra_env={"PREFECT_SERVER_DEPLOYMENTS_CONCURRENCY_SLOT_WAIT_SECONDS": "1"})
    script = tmp / "limited_flows.py"
    script.write_text(SERVE)
    out = tmp / "intervals.txt"
    env = sdk_env(s, tmp / "home", PREFECT_RUNNER_POLL_FREQUENCY="1", OUT=str(out))
    log = open(tmp / "serve.log", "w")
    proc = subprocess.Popen([sys.executable, str(script)], env=env, cwd=tmp, stdout=log, stderr=subprocess.STDOUT)
    yield {"server": s, "proc": proc, "out": out, "log": tmp / "serve.log"}
    proc.kill()
    proc.wait(timeout=10)
    log.close()
    s.stop()


@pytest.fixture
def limited_client(limited):
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: limited["server"].api_url}), get_client(sync_client=True) as c:
        yield c


def _deployment(client, limited, name):
    def read():
        assert limited["proc"].poll() is None, limited["log"].read_text()[-4000:]
        try:
            return client.read_deployment_by_name(name)
        except Exception:
            return None

    return wait_for(read, lambda d: d is not None, timeout=40, interval=0.3)


def _runs(client, deployment_id):
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    return client.read_flow_runs(deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])))


def _states(client, run_id):
    return [s.name for s in client.read_flow_run_states(run_id)]


def test_enqueue_runs_one_after_another(limited, limited_client):
    client = limited_client
    deployment = _deployment(client, limited, f"queued-{LABEL}/one-at-a-time")
    runs = [client.create_flow_run_from_deployment(deployment.id) for _ in range(3)]
    done = wait_for(
        lambda: _runs(client, deployment.id),
        lambda rs: sum(r.state.is_completed() for r in rs) == 3,
        timeout=90,
        interval=0.5,
    )
    assert all(r.state.is_completed() for r in done), [(r.name, r.state.name) for r in done]
    with open(limited["out"]) as f:
        intervals = sorted(tuple(map(float, line.split())) for line in f if line.strip())
    assert len(intervals) == 3
    overlap = sum(max(0.0, a_end - b_start) for (_, a_end), (b_start, _) in zip(intervals, intervals[1:]))
    assert overlap == 0, intervals
    # At least one run had to wait for the slot.
    assert any("AwaitingConcurrencySlot" in _states(client, r.id) for r in runs)
    limit = client.read_global_concurrency_limit_by_name(f"deployment:{deployment.id}")
    assert limit.limit == 1 and limit.active_slots == 0


def test_cancel_new_cancels_the_extra_run(limited, limited_client):
    client = limited_client
    deployment = _deployment(client, limited, f"exclusive-{LABEL}/cancel-new")
    first = client.create_flow_run_from_deployment(deployment.id)
    wait_for(lambda: client.read_flow_run(first.id), lambda r: r.state.is_running(), timeout=30, interval=0.3)
    extra = client.create_flow_run_from_deployment(deployment.id)
    cancelled = wait_for(lambda: client.read_flow_run(extra.id), lambda r: r.state.is_final(), timeout=30, interval=0.3)
    assert cancelled.state.type.value == "CANCELLED", cancelled.state
    assert cancelled.state.message == "Deployment concurrency limit reached."
    completed = wait_for(lambda: client.read_flow_run(first.id), lambda r: r.state.is_final(), timeout=30, interval=0.3)
    assert completed.state.is_completed(), completed.state
