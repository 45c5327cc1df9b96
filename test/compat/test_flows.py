"""Sync and async flows with tasks (direct calls, .submit(), .map()), run as user scripts; the server's
view of them read back with get_client(): flow runs, task runs, states, names, tags, parameters."""
import uuid
from collections import Counter

import pytest

from conftest import flow_run_id, read_task_runs_of, run_scenario, sdk_env, wait_task_runs

LABEL = uuid.uuid4().hex[:8]

SCRIPT = """
import asyncio
from prefect import flow, task, tags

@task
def double(x):
    return x * 2

@task
def add(a, b):
    return a + b

@flow(flow_run_name="sync-{label}")
def sync_flow(label: str, xs: list):
    one = double(1)
    sub = double.submit(2)
    mapped = double.map(xs)
    total = add(sub, 100)
    return [one, sub.result(), [m.result() for m in mapped], total]

@task
async def plus_one(x):
    await asyncio.sleep(0.01)
    return x + 1

@flow
async def async_flow(n: int):
    a = await plus_one(n)
    f = plus_one.submit(a)
    mapped = plus_one.map([10, 20])
    return [a, f.result(), [m.result() for m in mapped]]

with tags("compat", "nightly"):
    record("sync", sync_flow, label=LABEL, xs=[1, 2, 3])
record("async", async_flow, n=1)
""".replace("LABEL", repr(LABEL))

SYNC_TASK_RUNS = 6  # double(1), double.submit(2), double.map x3, add
ASYNC_TASK_RUNS = 4  # plus_one(n), plus_one.submit, plus_one.map x2


@pytest.fixture(scope="module")
def runs(server, tmp_path_factory):
    return run_scenario(SCRIPT, sdk_env(server, tmp_path_factory.mktemp("flows-home")))


def test_sync_flow_run_completes_with_its_name_parameters_and_tags(runs, client):
    fr = client.read_flow_run(flow_run_id(runs, "sync"))
    assert fr.state.type.value == "COMPLETED" and fr.state.name == "Completed"
    assert fr.state_type.value == "COMPLETED" and fr.state_name == "Completed"
    assert fr.name == f"sync-{LABEL}"
    assert fr.parameters == {"label": LABEL, "xs": [1, 2, 3]}
    assert {"compat", "nightly"} <= set(fr.tags)
    assert fr.run_count == 1
    assert fr.start_time is not None and fr.end_time is not None and fr.end_time >= fr.start_time
    assert fr.parent_task_run_id is None
    assert client.read_flow(fr.flow_id).name == "sync-flow"


def test_sync_flow_records_every_direct_submitted_and_mapped_task_run(runs, client):
    fr_id = flow_run_id(runs, "sync")
    trs = wait_task_runs(client, fr_id, SYNC_TASK_RUNS)
    assert len(trs) == SYNC_TASK_RUNS, [t.name for t in trs]
    assert Counter(t.task_key.rsplit("-", 1)[0] for t in trs) == {"double": 5, "add": 1}
    for t in trs:
        assert str(t.flow_run_id) == fr_id
        assert t.state.type.value == "COMPLETED" and t.state_name == "Completed", (t.name, t.state)
        assert t.run_count == 1
        assert {"compat", "nightly"} <= set(t.tags)
        assert t.start_time is not None and t.end_time is not None
    assert len({t.id for t in trs}) == SYNC_TASK_RUNS
    assert len({(t.task_key, t.dynamic_key) for t in trs}) == SYNC_TASK_RUNS


def test_task_inputs_link_a_task_run_to_the_future_it_received(runs, client):
    trs = wait_task_runs(client, flow_run_id(runs, "sync"), SYNC_TASK_RUNS)
    add = [t for t in trs if t.task_key.startswith("add-")]
    assert len(add) == 1, [t.name for t in trs]
    upstream = [i.id for i in add[0].task_inputs["a"]]
    assert len(upstream) == 1
    assert upstream[0] in {t.id for t in trs if t.task_key.startswith("double-")}
    assert add[0].task_inputs["b"] == []


def test_flow_run_state_history_is_pending_running_completed(runs, client):
    states = client.read_flow_run_states(flow_run_id(runs, "sync"))
    assert [s.name for s in states] == ["Pending", "Running", "Completed"]
    assert [s.timestamp for s in states] == sorted(s.timestamp for s in states)


def test_task_run_state_history_is_pending_running_completed(runs, client):
    trs = wait_task_runs(client, flow_run_id(runs, "sync"), SYNC_TASK_RUNS)
    for t in trs:
        states = client.read_task_run_states(t.id)
        assert [s.name for s in states] == ["Pending", "Running", "Completed"], t.name
        assert all(str(s.state_details.task_run_id) == str(t.id) for s in states)


def test_read_task_run_by_id_matches_the_filtered_list(runs, client):
    trs = wait_task_runs(client, flow_run_id(runs, "sync"), SYNC_TASK_RUNS)
    one = client.read_task_run(trs[0].id)
    assert one.id == trs[0].id and one.name == trs[0].name and one.task_key == trs[0].task_key
    assert one.state.type == trs[0].state.type and one.flow_run_id == trs[0].flow_run_id


def test_task_runs_are_filtered_by_state_and_counted(runs, client):
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterId,
        TaskRunFilter,
        TaskRunFilterState,
        TaskRunFilterStateType,
    )

    fr_id = flow_run_id(runs, "sync")
    wait_task_runs(client, fr_id, SYNC_TASK_RUNS)
    by_run = FlowRunFilter(id=FlowRunFilterId(any_=[fr_id]))

    def with_type(t):
        return TaskRunFilter(state=TaskRunFilterState(type=TaskRunFilterStateType(any_=[t])))

    assert len(client.read_task_runs(flow_run_filter=by_run, task_run_filter=with_type("COMPLETED"))) == SYNC_TASK_RUNS
    assert client.read_task_runs(flow_run_filter=by_run, task_run_filter=with_type("FAILED")) == []
    # the count route the UI uses, through the SDK's own HTTP client
    r = client._client.post("/task_runs/count", json={"flow_runs": by_run.model_dump(mode="json")})
    assert r.status_code == 200 and r.json() == SYNC_TASK_RUNS


def test_flow_runs_are_found_by_flow_name_tags_and_state(runs, client):
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterName,
        FlowRunFilterStateType,
        FlowRunFilterState,
        FlowRunFilterTags,
    )

    fr_id = flow_run_id(runs, "sync")
    by_flow = client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=["sync-flow"])))
    assert fr_id in {str(r.id) for r in by_flow}
    by_tags = client.read_flow_runs(flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=["compat", "nightly"])))
    assert fr_id in {str(r.id) for r in by_tags}
    by_name = client.read_flow_runs(flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[f"sync-{LABEL}"])))
    assert [str(r.id) for r in by_name] == [fr_id]
    completed = FlowRunFilter(
        name=FlowRunFilterName(any_=[f"sync-{LABEL}"]),
        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=["COMPLETED"])),
    )
    assert [str(r.id) for r in client.read_flow_runs(flow_run_filter=completed)] == [fr_id]
    assert client.count_flow_runs(flow_run_filter=completed) == 1
    not_failed = FlowRunFilter(
        name=FlowRunFilterName(any_=[f"sync-{LABEL}"]),
        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=["FAILED"])),
    )
    assert client.read_flow_runs(flow_run_filter=not_failed) == []


def test_async_flow_with_async_tasks_completes_with_all_task_runs(runs, client):
    fr_id = flow_run_id(runs, "async")
    fr = client.read_flow_run(fr_id)
    assert fr.state.type.value == "COMPLETED"
    assert fr.parameters == {"n": 1}
    assert client.read_flow(fr.flow_id).name == "async-flow"
    assert [s.name for s in client.read_flow_run_states(fr_id)] == ["Pending", "Running", "Completed"]
    trs = wait_task_runs(client, fr_id, ASYNC_TASK_RUNS)
    assert len(trs) == ASYNC_TASK_RUNS
    assert all(t.state.type.value == "COMPLETED" and t.task_key.startswith("plus_one-") for t in trs)


def test_flow_run_without_a_name_gets_a_generated_slug(runs, client):
    fr = client.read_flow_run(flow_run_id(runs, "async"))
    assert fr.name and "-" in fr.name and fr.name != "async-flow"


def test_task_runs_of_one_flow_run_do_not_leak_into_another(runs, client):
    sync_ids = {t.id for t in wait_task_runs(client, flow_run_id(runs, "sync"), SYNC_TASK_RUNS)}
    async_ids = {t.id for t in read_task_runs_of(client, flow_run_id(runs, "async"))}
    assert sync_ids and not sync_ids & async_ids
