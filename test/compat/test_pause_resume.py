"""Pause and resume with the real SDK: a flow that calls pause_flow_run() waits Paused until another
process calls resume_flow_run(), then finishes; resuming a run that is not paused is refused by the SDK
(the server answers ABORT); a pause that timed out can no longer be resumed."""
import subprocess
import sys
import time
import uuid

from conftest import flow_run_id, run_scenario, sdk_env, wait_for

LABEL = uuid.uuid4().hex[:8]

PAUSING = f"""
from prefect import flow
from prefect.flow_runs import pause_flow_run

@flow(name="pausing-{LABEL}")
def pausing():
    pause_flow_run(timeout=60, poll_interval=1)
    return "resumed"

print("RESULT", pausing())
"""


def test_a_paused_run_waits_for_resume_and_then_finishes(server, client, tmp_path):
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName
    from prefect.flow_runs import resume_flow_run

    proc = subprocess.Popen(
        [sys.executable, "-c", PAUSING], env=sdk_env(server, tmp_path / "home"), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )
    try:
        runs = wait_for(
            lambda: client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=[f"pausing-{LABEL}"]))),
            lambda rs: bool(rs) and rs[0].state is not None and rs[0].state.is_paused(),
            timeout=30,
            interval=0.3,
        )
        assert runs and runs[0].state.is_paused(), runs
        # Still paused a moment later: nothing resumes it on its own.
        time.sleep(1.5)
        run = client.read_flow_run(runs[0].id)
        assert run.state.is_paused()
        resume_flow_run(run.id)
        out, _ = proc.communicate(timeout=60)
        assert "RESULT resumed" in out, out[-3000:]
        final = client.read_flow_run(run.id)
        assert final.state.is_completed(), final.state
    finally:
        if proc.poll() is None:
            proc.kill()


def test_resuming_a_run_that_is_not_paused_is_refused(server, client, sdk, tmp_path):
    import pytest
    from prefect.exceptions import NotPausedError
    from prefect.flow_runs import resume_flow_run

    code = f"""
from prefect import flow

@flow(name="not-paused-{LABEL}")
def quick():
    return 1

record("quick", quick)
"""
    run_id = flow_run_id(run_scenario(code, sdk_env(server, tmp_path / "home")), "quick")
    with pytest.raises(NotPausedError):
        resume_flow_run(run_id)
    # The server's own answer when asked anyway: ABORT, state unchanged.
    result = client.resume_flow_run(run_id)
    assert result.status.value == "ABORT"
    assert client.read_flow_run(run_id).state.is_completed()
