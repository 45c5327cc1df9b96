"""The real `prefect` CLI against the server: flow ls, flow-run ls / inspect / delete (logs are in
test_logs.py). Assertions on content and exit codes; COLUMNS=200 so rich does not wrap tables."""
import json
import uuid

import pytest

from conftest import flow_run_id, read_task_runs_of, run_cli, run_cli_parallel, run_scenario, sdk_env, wait_task_runs

LABEL = uuid.uuid4().hex[:8]
FLOW = f"cli-flow-{LABEL}"

SCRIPT = """
from prefect import flow, task

@task
def step(x):
    return x

@flow(name="FLOW", flow_run_name="keep-{n}-LABEL")
def keep(n: int):
    return step(n)

@flow(name="FLOW", flow_run_name="fail-LABEL")
def failing():
    raise ValueError("cli failure")

@flow(name="FLOW", flow_run_name="victim-LABEL")
def victim():
    return [step(1), step(2)]

record("keep", keep, n=3)
record("failing", failing)
record("victim", victim)
""".replace("FLOW", FLOW).replace("LABEL", LABEL)


@pytest.fixture(scope="module")
def runs(server, tmp_path_factory):
    return run_scenario(SCRIPT, sdk_env(server, tmp_path_factory.mktemp("cli-home")))


@pytest.fixture(scope="module")
def cli_env(server, tmp_path_factory):
    return sdk_env(server, tmp_path_factory.mktemp("cli-cli-home"))


MISSING = str(uuid.uuid4())


@pytest.fixture(scope="module")
def cli(runs, cli_env):
    """The read-only commands, run concurrently once the flows have finished (the delete runs on its own)."""
    keep = flow_run_id(runs, "keep")
    flow_run_id(runs, "failing")
    return run_cli_parallel(
        {
            "flow ls": ["flow", "ls"],
            "flow-run ls": ["flow-run", "ls", "--flow-name", FLOW],
            "flow-run ls failed json": ["flow-run", "ls", "--flow-name", FLOW, "--state-type", "FAILED", "-o", "json"],
            "inspect json": ["flow-run", "inspect", keep, "-o", "json"],
            "inspect missing": ["flow-run", "inspect", MISSING],
        },
        cli_env,
    )


def ok(r) -> str:
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def row_with(stdout: str, *needles: str) -> str:
    rows = [line for line in stdout.splitlines() if all(n in line for n in needles)]
    assert rows, f"no row with {needles} in:\n{stdout}"
    return rows[0]


def test_flow_ls_lists_the_flow_with_its_id(runs, client, cli):
    flow_id = str(client.read_flow_run(flow_run_id(runs, "keep")).flow_id)
    out = ok(cli["flow ls"])
    assert "Flows" in out
    row_with(out, flow_id, FLOW)


def test_flow_run_ls_shows_each_run_with_flow_name_and_state(runs, cli):
    keep, failing = flow_run_id(runs, "keep"), flow_run_id(runs, "failing")
    out = ok(cli["flow-run ls"])
    assert "Flow Runs" in out
    row_with(out, keep, FLOW, f"keep-3-{LABEL}", "COMPLETED")
    row_with(out, failing, FLOW, f"fail-{LABEL}", "FAILED")


def test_flow_run_ls_filters_by_state_type_as_json(runs, cli):
    listed = json.loads(ok(cli["flow-run ls failed json"]))
    assert [fr["id"] for fr in listed] == [flow_run_id(runs, "failing")]
    assert listed[0]["name"] == f"fail-{LABEL}"
    assert listed[0]["state"]["type"] == "FAILED"
    assert "cli failure" in listed[0]["state"]["message"]


def test_flow_run_inspect_as_json_has_the_client_model_fields(runs, client, cli):
    # (the text form is the client's rich repr of the same model)
    keep = flow_run_id(runs, "keep")
    got = json.loads(ok(cli["inspect json"]))
    fr = client.read_flow_run(keep)
    assert got["id"] == keep
    assert got["flow_id"] == str(fr.flow_id)
    assert got["name"] == f"keep-3-{LABEL}"
    assert got["parameters"] == {"n": 3}
    assert got["state"]["type"] == "COMPLETED" and got["state"]["name"] == "Completed"
    assert got["run_count"] == 1
    assert got["state_type"] == "COMPLETED"


def test_flow_run_inspect_unknown_id_exits_1_with_not_found(cli):
    r = cli["inspect missing"]
    assert r.returncode == 1
    assert f"Flow run '{MISSING}' not found!" in r.stdout + r.stderr


def test_flow_run_delete_removes_the_run_and_its_task_runs(runs, client, cli_env):
    from prefect.exceptions import ObjectNotFound

    victim = flow_run_id(runs, "victim")
    trs = wait_task_runs(client, victim, 2)  # recorded before the delete, so late events cannot race it
    assert len(trs) == 2
    r = run_cli(["flow-run", "delete", victim], cli_env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"Successfully deleted flow run '{victim}'." in r.stdout
    with pytest.raises(ObjectNotFound):
        client.read_flow_run(victim)
    assert read_task_runs_of(client, victim) == []
    with pytest.raises(ObjectNotFound):
        client.read_task_run(trs[0].id)
    # the others are untouched
    assert client.read_flow_run(flow_run_id(runs, "keep")).state.type.value == "COMPLETED"

    again = run_cli(["flow-run", "delete", victim], cli_env)
    assert again.returncode == 1
    assert f"Flow run '{victim}' not found!" in again.stdout + again.stderr
