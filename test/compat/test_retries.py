"""Failures and retries: task retries with retry_delay_seconds, flow retries (server-side RetryFailedFlows:
REJECT into AwaitingRetry), and flows/tasks that fail for good."""
import pytest

from conftest import flow_run_id, run_scenario, sdk_env, wait_task_runs

SCRIPT = """
from prefect import flow, task

ATTEMPTS = {"task": 0, "flow": 0, "doomed": 0}

@task(retries=2, retry_delay_seconds=0.2)
def flaky():
    ATTEMPTS["task"] += 1
    if ATTEMPTS["task"] < 3:
        raise ValueError(f"flaky attempt {ATTEMPTS['task']}")
    return ATTEMPTS["task"]

@flow
def task_retry_flow():
    return flaky()

@task
def broken():
    raise ValueError("task boom")

@flow
def task_failure_flow():
    return broken()

@flow(retries=1, retry_delay_seconds=0)
def flow_retry_flow():
    ATTEMPTS["flow"] += 1
    if ATTEMPTS["flow"] == 1:
        raise RuntimeError("first attempt fails")
    return "ok"

@flow
def doomed_flow():
    raise ValueError("boom permanent")

@flow(retries=1, retry_delay_seconds=0)
def doomed_retried_flow():
    ATTEMPTS["doomed"] += 1
    raise ValueError(f"still broken {ATTEMPTS['doomed']}")

record("task_retry", task_retry_flow)
record("task_failure", task_failure_flow)
record("flow_retry", flow_retry_flow)
record("doomed", doomed_flow)
record("doomed_retried", doomed_retried_flow)
"""


@pytest.fixture(scope="module")
def runs(server, tmp_path_factory):
    return run_scenario(SCRIPT, sdk_env(server, tmp_path_factory.mktemp("retries-home")))


def test_task_retried_twice_ends_completed_with_run_count_3(runs, client):
    fr_id = flow_run_id(runs, "task_retry")
    assert client.read_flow_run(fr_id).state.type.value == "COMPLETED"
    [tr] = wait_task_runs(client, fr_id, 1)
    assert tr.state.type.value == "COMPLETED" and tr.state.name == "Completed"
    assert tr.run_count == 3
    assert tr.empirical_policy.retries == 2 and tr.empirical_policy.retry_delay == 0.2
    states = [s.name for s in client.read_task_run_states(tr.id)]
    assert states == ["Pending", "Running", "AwaitingRetry", "Retrying", "AwaitingRetry", "Retrying", "Completed"]


def test_task_awaiting_retry_states_are_scheduled_for_a_time(runs, client):
    [tr] = wait_task_runs(client, flow_run_id(runs, "task_retry"), 1)
    awaiting = [s for s in client.read_task_run_states(tr.id) if s.name == "AwaitingRetry"]
    assert len(awaiting) == 2
    assert all(s.type.value == "SCHEDULED" and s.state_details.scheduled_time is not None for s in awaiting)


def test_task_failure_without_retries_fails_the_task_run_and_the_flow_run(runs, client):
    fr_id = flow_run_id(runs, "task_failure")
    fr = client.read_flow_run(fr_id)
    assert fr.state.type.value == "FAILED"
    [tr] = wait_task_runs(client, fr_id, 1)
    assert tr.state.type.value == "FAILED" and tr.state.name == "Failed"
    assert "task boom" in (tr.state.message or "")
    assert [s.name for s in client.read_task_run_states(tr.id)] == ["Pending", "Running", "Failed"]


def test_flow_retry_ends_completed_on_the_second_run(runs, client):
    fr_id = flow_run_id(runs, "flow_retry")
    fr = client.read_flow_run(fr_id)
    assert fr.state.type.value == "COMPLETED" and fr.state.name == "Completed"
    assert fr.run_count == 2
    assert fr.empirical_policy.retries == 1
    assert fr.empirical_policy.retry_type == "in_process"


def test_flow_retry_state_history_goes_through_awaiting_retry(runs, client):
    # Prefect 3.9.1's flow engine proposes a plain Running() after AwaitingRetry (only task runs are
    # renamed "Retrying"), and the server keeps the name.
    states = client.read_flow_run_states(flow_run_id(runs, "flow_retry"))
    assert [s.name for s in states] == ["Pending", "Running", "AwaitingRetry", "Running", "Completed"]
    awaiting = states[2]
    assert awaiting.type.value == "SCHEDULED"
    assert awaiting.state_details.scheduled_time is not None
    assert "first attempt fails" in (awaiting.message or "")


def test_flow_failing_permanently_is_failed_with_the_exception_message(runs, client):
    got = runs["doomed"]
    assert got.get("type") == "FAILED", got
    fr = client.read_flow_run(flow_run_id(runs, "doomed"))
    assert fr.state.type.value == "FAILED" and fr.state.name == "Failed"
    assert fr.state.message == "Flow run encountered an exception: ValueError: boom permanent"
    assert fr.run_count == 1
    assert fr.end_time is not None
    assert [s.name for s in client.read_flow_run_states(fr.id)] == ["Pending", "Running", "Failed"]


def test_flow_failing_after_its_retries_is_failed_with_run_count_2(runs, client):
    fr = client.read_flow_run(flow_run_id(runs, "doomed_retried"))
    assert fr.state.type.value == "FAILED"
    assert "still broken 2" in fr.state.message
    assert fr.run_count == 2
    assert [s.name for s in client.read_flow_run_states(fr.id)] == ["Pending", "Running", "AwaitingRetry", "Running", "Failed"]
