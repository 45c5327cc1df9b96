"""The same scenario run by 8 processes at once: concurrent flow upserts, run creation, set_state, task-run
events (and a subflow's REST task run), logs. No server error, nothing lost."""
import uuid

import pytest

from conftest import (
    finish_scenario,
    flow_run_id,
    read_task_runs_of,
    sdk_env,
    server_log_errors,
    start_scenario,
    wait_for,
    wait_task_runs,
)

PROCESSES = 8
LABEL = uuid.uuid4().hex[:8]
FLOW = f"crowd-{LABEL}"

SCRIPT = """
import os
from prefect import flow, task, get_run_logger

@task
def work(x):
    get_run_logger().info(f"work {x}")
    return x * 2

@flow(name="FLOW-child")
def child(x: int):
    return x

@flow(name="FLOW")
def crowd(worker: int):
    log = get_run_logger()
    log.info(f"worker {worker} starts")
    submitted = [work.submit(i) for i in range(3)]
    mapped = work.map([10, 11, 12])
    direct = work(99)
    kid = child(worker)
    log.info(f"worker {worker} ends")
    return sum(f.result() for f in submitted) + sum(m.result() for m in mapped) + direct + kid

record("crowd", crowd, worker=int(os.environ["WORKER"]))
""".replace("FLOW", FLOW)

TASK_RUNS = 3 + 3 + 1 + 1  # submitted, mapped, direct, the subflow's parent task run


@pytest.fixture(scope="module")
def crowd(server, tmp_path_factory):
    """Starts all processes together, then collects them; the server log is sliced to this scenario."""
    offset = server.log_size()
    procs = [
        start_scenario(SCRIPT, sdk_env(server, tmp_path_factory.mktemp(f"crowd-home-{i}"), WORKER=str(i)))
        for i in range(PROCESSES)
    ]
    results = [finish_scenario(p, timeout=180) for p in procs]
    return {"results": results, "log_offset": offset}


def test_every_process_completes_its_flow_run(crowd, client):
    ids = [flow_run_id(r, "crowd") for r in crowd["results"]]
    assert len(set(ids)) == PROCESSES
    for r in crowd["results"]:
        assert r["crowd"]["type"] == "COMPLETED", r["crowd"]
    runs = {str(fr.id): fr for fr in client.read_flow_runs(flow_run_filter=_by_ids(ids))}
    assert set(runs) == set(ids)
    assert all(fr.state.type.value == "COMPLETED" and fr.run_count == 1 for fr in runs.values())
    assert sorted(fr.parameters["worker"] for fr in runs.values()) == list(range(PROCESSES))


def test_concurrent_runs_share_one_flow(crowd, client):
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    ids = [flow_run_id(r, "crowd") for r in crowd["results"]]
    flows = client.read_flows(flow_filter=FlowFilter(name=FlowFilterName(any_=[FLOW, f"{FLOW}-child"])))
    assert sorted(f.name for f in flows) == [FLOW, f"{FLOW}-child"]
    parent_flow = next(f.id for f in flows if f.name == FLOW)
    assert {fr.flow_id for fr in client.read_flow_runs(flow_run_filter=_by_ids(ids))} == {parent_flow}


def test_no_task_run_is_lost(crowd, client):
    for r in crowd["results"]:
        fr_id = flow_run_id(r, "crowd")
        trs = wait_task_runs(client, fr_id, TASK_RUNS, timeout=20)
        assert len(trs) == TASK_RUNS, (fr_id, sorted(t.name for t in trs))
        assert all(t.state.type.value == "COMPLETED" for t in trs), [(t.name, t.state_name) for t in trs]


def test_every_subflow_is_recorded_under_its_parent(crowd, client):
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId

    for r in crowd["results"]:
        fr_id = flow_run_id(r, "crowd")
        kids = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[fr_id]))
        )
        assert len(kids) == 1 and kids[0].state.type.value == "COMPLETED"
        assert kids[0].parent_task_run_id in {t.id for t in read_task_runs_of(client, fr_id)}


def test_no_log_line_is_lost(crowd, client):
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    for r in crowd["results"]:
        fr_id = flow_run_id(r, "crowd")
        logs = wait_for(
            lambda: client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[fr_id]))),
            lambda ls: sum(l.message.startswith("work ") for l in ls) >= 7,
        )
        messages = [l.message for l in logs]
        assert sorted(m for m in messages if m.startswith("work ")) == sorted(f"work {x}" for x in (0, 1, 2, 10, 11, 12, 99))
        assert sum(m.startswith("worker ") for m in messages) == 2, messages


def test_flow_runs_page_with_limit_and_offset(crowd, client):
    from prefect.client.schemas.sorting import FlowRunSort

    ids = [flow_run_id(r, "crowd") for r in crowd["results"]]
    whole = client.read_flow_runs(flow_run_filter=_by_ids(ids), sort=FlowRunSort.EXPECTED_START_TIME_ASC)
    pages = [
        client.read_flow_runs(flow_run_filter=_by_ids(ids), sort=FlowRunSort.EXPECTED_START_TIME_ASC, limit=3, offset=o)
        for o in (0, 3, 6)
    ]
    assert [len(p) for p in pages] == [3, 3, 2]
    assert [fr.id for p in pages for fr in p] == [fr.id for fr in whole]
    assert [fr.expected_start_time for fr in whole] == sorted(fr.expected_start_time for fr in whole)
    assert client.count_flow_runs(flow_run_filter=_by_ids(ids)) == PROCESSES


def test_server_logged_no_errors_under_load(crowd, server, client):
    # let late events and logs land before reading the log
    for r in crowd["results"]:
        wait_task_runs(client, flow_run_id(r, "crowd"), TASK_RUNS, timeout=20)
    assert server_log_errors(server.log_since(crowd["log_offset"])) == []


def _by_ids(ids):
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    return FlowRunFilter(id=FlowRunFilterId(any_=ids))
