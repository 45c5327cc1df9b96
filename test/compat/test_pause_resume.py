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


def _paused_run(client, name, timeout=30):
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    runs = wait_for(
        lambda: client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=[name]))),
        lambda rs: bool(rs) and rs[0].state is not None and rs[0].state.is_paused(),
        timeout=timeout,
        interval=0.3,
    )
    assert runs and runs[0].state.is_paused(), runs
    return runs[0]


def _start(code, server, tmp_path):
    return subprocess.Popen(
        [sys.executable, "-c", code], env=sdk_env(server, tmp_path / "home"), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )


WAITS_FOR_INPUT = f"""
from prefect import flow
from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput

class Person(RunInput):
    name: str
    age: int

@flow(name="asks-{LABEL}")
def asks():
    person = pause_flow_run(wait_for_input=Person, timeout=90, poll_interval=1)
    return f"{{person.name}} is {{person.age}}"

print("RESULT", asks())
"""


def test_input_that_fits_the_schema_resumes_the_run_and_the_flow_receives_it(server, client, tmp_path):
    import pytest
    from prefect.flow_runs import resume_flow_run

    proc = _start(WAITS_FOR_INPUT, server, tmp_path)
    try:
        run = _paused_run(client, f"asks-{LABEL}")
        # Input that does not fit: refused with the field named, and the run stays paused.
        with pytest.raises(RuntimeError, match="age"):
            resume_flow_run(run.id, run_input={"name": "Ada", "age": "not a number"})
        with pytest.raises(RuntimeError, match="name"):
            resume_flow_run(run.id, run_input={"age": 36})
        assert client.read_flow_run(run.id).state.is_paused()
        resume_flow_run(run.id, run_input={"name": "Ada", "age": 36})
        out, _ = proc.communicate(timeout=60)
        assert "RESULT Ada is 36" in out, out[-3000:]
        assert client.read_flow_run(run.id).state.is_completed()
    finally:
        if proc.poll() is None:
            proc.kill()


def test_a_pause_that_times_out_ends_failed(server, client, sdk, tmp_path):
    code = f"""
from prefect import flow
from prefect.flow_runs import pause_flow_run

@flow(name="times-out-{LABEL}")
def times_out():
    pause_flow_run(timeout=2, poll_interval=1)

record("times_out", times_out)
"""
    run_id = flow_run_id(run_scenario(code, sdk_env(server, tmp_path / "home")), "times_out")
    run = client.read_flow_run(run_id)
    assert run.state.is_failed(), run.state
    # A timed-out pause can no longer be resumed: the server says ABORT (not paused any more).
    assert client.resume_flow_run(run_id).status.value == "ABORT"


RECEIVES = f"""
from prefect import flow
from prefect.input import receive_input

@flow(name="receives-{LABEL}")
def receives():
    got = []
    for message in receive_input(str, timeout=60, poll_interval=0.5):
        got.append(message)
        if len(got) == 2:
            break
    return " + ".join(got)

print("RESULT", receives())
"""


def test_send_input_reaches_a_flow_that_receives_it(server, client, tmp_path):
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName
    from prefect.input import send_input

    proc = _start(RECEIVES, server, tmp_path)
    try:
        runs = wait_for(
            lambda: client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=[f"receives-{LABEL}"]))),
            lambda rs: bool(rs) and rs[0].state is not None and rs[0].state.is_running(),
            timeout=30,
            interval=0.3,
        )
        run_id = runs[0].id
        send_input("first", flow_run_id=run_id)
        send_input("second", flow_run_id=run_id)
        out, _ = proc.communicate(timeout=60)
        assert "RESULT first + second" in out, out[-3000:]
        # The messages stay with the run, under receive_input's prefix, oldest first.
        stored = client.filter_flow_run_input(flow_run_id=run_id, key_prefix="", limit=10, exclude_keys=set())
        assert len(stored) == 2, stored
    finally:
        if proc.poll() is None:
            proc.kill()


SUSPENDS = f"""
import os
from prefect import flow
from prefect.flow_runs import suspend_flow_run
from prefect.input import RunInput

class Answer(RunInput):
    word: str

@flow(name="suspends-{LABEL}")
def suspends():
    answer = suspend_flow_run(wait_for_input=Answer, timeout=120, key="ask")
    with open(os.environ["OUT"], "a") as f:
        f.write(answer.word)

if __name__ == "__main__":
    suspends.serve(name="served")
"""


def test_a_suspended_deployment_run_resumes_on_its_infrastructure(server, client, tmp_path):
    """suspend_flow_run() ends the run's process (Paused "Suspended", rescheduled on resume); resume with
    input → Scheduled "Resuming" → serve() starts it again, the suspend is not repeated, and the flow
    gets the input and completes."""
    from prefect.flow_runs import resume_flow_run

    script = tmp_path / "suspends.py"
    script.write_text(SUSPENDS)
    out = tmp_path / "out.txt"
    env = sdk_env(server, tmp_path / "home", PREFECT_RUNNER_POLL_FREQUENCY="1", OUT=str(out))
    log = open(tmp_path / "serve.log", "w")
    proc = subprocess.Popen([sys.executable, str(script)], env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    try:
        def deployment():
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()[-4000:]
            try:
                return client.read_deployment_by_name(f"suspends-{LABEL}/served")
            except Exception:
                return None

        dep = wait_for(deployment, lambda d: d is not None, timeout=60, interval=0.3)
        run = client.create_flow_run_from_deployment(dep.id)
        suspended = wait_for(
            lambda: client.read_flow_run(run.id), lambda r: r.state.is_paused(), timeout=60, interval=0.3
        )
        assert suspended.state.name == "Suspended", suspended.state
        assert suspended.state.state_details.pause_reschedule is True
        resume_flow_run(run.id, run_input={"word": "hello"})
        done = wait_for(lambda: client.read_flow_run(run.id), lambda r: r.state.is_final(), timeout=90, interval=0.5)
        assert done.state.is_completed(), (done.state, (tmp_path / "serve.log").read_text()[-4000:])
        assert out.read_text() == "hello"
        names = [s.name for s in client.read_flow_run_states(run.id)]
        assert "Resuming" in names, names
    finally:
        proc.kill()
        proc.wait(timeout=10)
        log.close()
