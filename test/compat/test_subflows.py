"""Nested subflows: the SDK creates a parent task run over REST (POST /task_runs/) in the parent flow run,
then the child flow run with parent_task_run_id; the server mirrors the child's states onto that task run."""
import pytest

from conftest import flow_run_id, read_task_runs_of, run_scenario, sdk_env, wait_task_runs

SCRIPT = """
from prefect import flow, task

@task
def leaf(x):
    return x * 10

@flow
def grandchild(x: int):
    return x + 1

@flow
def child(x: int):
    return leaf(x) + grandchild(x)

@flow
def parent():
    return [child(1), child(2)]

@flow
def failing_child():
    raise ValueError("child broke")

@flow
def tolerant_parent():
    state = failing_child(return_state=True)
    return state.type.value

record("parent", parent)
record("tolerant", tolerant_parent)
"""


@pytest.fixture(scope="module")
def runs(server, tmp_path_factory):
    return run_scenario(SCRIPT, sdk_env(server, tmp_path_factory.mktemp("subflows-home")))


def children_of(client, flow_run_id: str):
    """Child flow runs found the way the SDK and UI do: through their parent task runs."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId
    from prefect.client.schemas.sorting import FlowRunSort

    return client.read_flow_runs(
        flow_run_filter=FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[flow_run_id])),
        sort=FlowRunSort.EXPECTED_START_TIME_ASC,
    )


def test_parent_and_child_flow_runs_complete(runs, client):
    parent_id = flow_run_id(runs, "parent")
    assert client.read_flow_run(parent_id).state.type.value == "COMPLETED"
    kids = children_of(client, parent_id)
    assert len(kids) == 2
    assert [k.parameters for k in kids] == [{"x": 1}, {"x": 2}]
    for k in kids:
        assert k.state.type.value == "COMPLETED"
        assert client.read_flow(k.flow_id).name == "child"
        assert [s.name for s in client.read_flow_run_states(k.id)] == ["Pending", "Running", "Completed"]


def test_child_flow_run_points_at_a_parent_task_run_in_the_parent_flow_run(runs, client):
    parent_id = flow_run_id(runs, "parent")
    for kid in children_of(client, parent_id):
        assert kid.parent_task_run_id is not None
        tr = client.read_task_run(kid.parent_task_run_id)
        assert str(tr.flow_run_id) == parent_id
        assert tr.task_key.startswith("child")
        assert tr.state.type.value == "COMPLETED"
        assert str(tr.state.state_details.child_flow_run_id) == str(kid.id)


def test_parent_task_run_state_history_mirrors_the_child(runs, client):
    for kid in children_of(client, flow_run_id(runs, "parent")):
        names = [s.name for s in client.read_task_run_states(kid.parent_task_run_id)]
        # its own Pending from POST /task_runs/, then a copy of each child flow-run state
        assert names == ["Pending", "Pending", "Running", "Completed"]


def test_child_is_found_by_its_parent_task_run_id(runs, client):
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentTaskRunId

    for kid in children_of(client, flow_run_id(runs, "parent")):
        found = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(parent_task_run_id=FlowRunFilterParentTaskRunId(any_=[kid.parent_task_run_id]))
        )
        assert [f.id for f in found] == [kid.id]


def test_parent_flow_run_has_only_the_subflow_task_runs(runs, client):
    parent_id = flow_run_id(runs, "parent")
    trs = wait_task_runs(client, parent_id, 2)
    assert sorted(t.task_key.split("-")[0] for t in trs) == ["child", "child"]
    assert {t.id for t in trs} == {k.parent_task_run_id for k in children_of(client, parent_id)}


def test_tasks_and_grandchildren_belong_to_the_child_flow_run(runs, client):
    for kid in children_of(client, flow_run_id(runs, "parent")):
        trs = wait_task_runs(client, str(kid.id), 2)
        assert sorted(t.task_key.split("-")[0] for t in trs) == ["grandchild", "leaf"], [t.name for t in trs]
        assert all(t.state.type.value == "COMPLETED" for t in trs)
        [grand] = children_of(client, str(kid.id))
        assert client.read_flow(grand.flow_id).name == "grandchild"
        assert grand.state.type.value == "COMPLETED"
        assert grand.parent_task_run_id in {t.id for t in trs}


def test_failed_child_fails_its_parent_task_run_but_not_a_tolerant_parent(runs, client):
    parent_id = flow_run_id(runs, "tolerant")
    assert client.read_flow_run(parent_id).state.type.value == "COMPLETED"
    [kid] = children_of(client, parent_id)
    assert kid.state.type.value == "FAILED"
    assert "child broke" in kid.state.message
    tr = client.read_task_run(kid.parent_task_run_id)
    assert tr.state.type.value == "FAILED"
    assert [s.name for s in client.read_task_run_states(tr.id)] == ["Pending", "Pending", "Running", "Failed"]


def test_subflow_parent_task_runs_are_not_lost_among_plain_ones(runs, client):
    from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterSubFlowRuns

    parent_id = flow_run_id(runs, "parent")
    kid = children_of(client, parent_id)[0]
    wait_task_runs(client, str(kid.id), 2)
    only_subflows = TaskRunFilter(subflow_runs=TaskRunFilterSubFlowRuns(exists_=True))
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    in_child = client.read_task_runs(
        flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[str(kid.id)])), task_run_filter=only_subflows
    )
    assert [t.task_key.split("-")[0] for t in in_child] == ["grandchild"]
    assert len(read_task_runs_of(client, str(kid.id))) == 2
