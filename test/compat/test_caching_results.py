"""Task caching (decided client-side, reported as a "Cached" state) and persisted results: the server keeps
the result-record metadata in state.data, and the SDK reads the value back from a flow run fetched with
get_client()."""
import uuid

import pytest

from conftest import flow_run_id, run_scenario, sdk_env, wait_task_runs

KEY = uuid.uuid4().hex

COMMON = """
from prefect import flow, task
from prefect.cache_policies import INPUTS

@task(cache_policy=INPUTS)
def cached(x):
    return x * 10

@task(cache_key_fn=lambda ctx, params: "KEY-" + str(params["x"]))
def keyed(x):
    return x + 1

@flow
def cache_flow():
    return [cached(1), cached(1), keyed(5), keyed(5)]

@flow
def cache_again_flow():
    return keyed(5)
""".replace("KEY", KEY)

FIRST = COMMON + """
@task(persist_result=True)
def task_result():
    return {"task": [1, 2]}

@flow(persist_result=True)
def persisted_flow():
    task_result()
    return {"answer": 42}

@flow
def plain_flow():
    return "not kept"

record("cache", cache_flow)
record("persisted", persisted_flow)
record("plain", plain_flow)
"""

# a second process with the same PREFECT_HOME (same local result storage) and persistence on by default
SECOND = COMMON + """
@flow
def by_default_flow():
    return "by-default"

record("cache_again", cache_again_flow)
record("by_default", by_default_flow)
"""


@pytest.fixture(scope="module")
def runs(server, tmp_path_factory):
    home = tmp_path_factory.mktemp("caching-home")
    first = run_scenario(FIRST, sdk_env(server, home))
    second = run_scenario(SECOND, sdk_env(server, home, PREFECT_RESULTS_PERSIST_BY_DEFAULT="true"))
    return {**first, **second}


def by_task(trs, name):
    return [t for t in trs if t.task_key.startswith(name + "-")]


def test_second_call_with_the_same_inputs_is_cached(runs, client):
    trs = wait_task_runs(client, flow_run_id(runs, "cache"), 4)
    assert len(trs) == 4
    for name in ("cached", "keyed"):
        first, second = by_task(trs, name)
        assert first.state.name == "Completed", name
        assert second.state.name == "Cached" and second.state.type.value == "COMPLETED", name
        assert second.state_name == "Cached"
        assert [s.name for s in client.read_task_run_states(second.id)] == ["Pending", "Running", "Cached"], name


def test_cached_task_run_returns_the_original_result(runs, client):
    trs = wait_task_runs(client, flow_run_id(runs, "cache"), 4)
    assert [t.state.result() for t in by_task(trs, "cached")] == [10, 10]
    assert [t.state.result() for t in by_task(trs, "keyed")] == [6, 6]


def test_cache_key_fn_hits_across_processes_and_flow_runs(runs, client):
    [tr] = wait_task_runs(client, flow_run_id(runs, "cache_again"), 1)
    assert tr.state.name == "Cached"
    assert tr.state.result() == 6


def test_persisted_flow_result_is_read_back_from_the_fetched_flow_run(runs, client):
    fr = client.read_flow_run(flow_run_id(runs, "persisted"))
    assert fr.state.type.value == "COMPLETED"
    assert fr.state.data is not None and getattr(fr.state.data, "storage_key", None), fr.state.data
    assert fr.state.result() == {"answer": 42}
    # the Completed state in the history carries the same data
    completed = client.read_flow_run_states(fr.id)[-1]
    assert completed.name == "Completed" and completed.result() == {"answer": 42}


def test_persisted_task_result_is_read_back_from_the_task_run(runs, client):
    [tr] = wait_task_runs(client, flow_run_id(runs, "persisted"), 1)
    assert tr.state.data is not None
    assert tr.state.result() == {"task": [1, 2]}
    assert client.read_task_run(tr.id).state.result() == {"task": [1, 2]}


def test_results_persisted_by_default_setting_are_read_back(runs, client):
    fr = client.read_flow_run(flow_run_id(runs, "by_default"))
    assert fr.state.result() == "by-default"


def test_unpersisted_result_leaves_no_data_on_the_state(runs, client):
    fr = client.read_flow_run(flow_run_id(runs, "plain"))
    assert fr.state.type.value == "COMPLETED"
    assert fr.state.data is None
