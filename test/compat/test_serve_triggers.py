"""`serve()` with `triggers=` (issue 16): the runner registers its deployment's DeploymentEventTrigger as
an automation owned by the deployment, an event from outside fires it, and the run-deployment action
starts a run that the serving process executes with the parameters templated from the event."""
import subprocess
import sys
import time
import uuid

import pytest

from conftest import sdk_env, wait_for

LABEL = uuid.uuid4().hex[:8]

SERVE = """
import os
from prefect import flow
from prefect.events import DeploymentEventTrigger

@flow(name="triggered-LABEL")
def triggered(n: int = 0):
    with open(os.path.join(os.environ["MARKERS"], f"ran-{n}"), "w") as f:
        f.write(str(n))
    return n

if __name__ == "__main__":
    triggered.serve(
        name="on-go",
        triggers=[
            DeploymentEventTrigger(
                expect={"external.go-LABEL"},
                match={"prefect.resource.id": "external.thing-LABEL"},
                parameters={"n": "{{ event.payload.n }}"},
            )
        ],
    )
""".replace("LABEL", LABEL)


@pytest.fixture
def served(server, tmp_path):
    script = tmp_path / "served.py"
    script.write_text(SERVE)
    markers = tmp_path / "markers"
    markers.mkdir()
    env = sdk_env(server, tmp_path / "home", PREFECT_RUNNER_POLL_FREQUENCY="1", MARKERS=str(markers))
    log = open(tmp_path / "serve.log", "w")
    proc = subprocess.Popen([sys.executable, str(script)], env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    yield {"proc": proc, "markers": markers, "log": tmp_path / "serve.log"}
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def test_serve_triggers_run_the_deployment_on_an_event(served, client):
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
    from prefect.events import Event

    def deployment():
        assert served["proc"].poll() is None, served["log"].read_text()[-4000:]
        try:
            return client.read_deployment_by_name(f"triggered-{LABEL}/on-go")
        except Exception as exc:  # not registered yet
            if type(exc).__name__ != "ObjectNotFound":
                raise
            return None

    dep = wait_for(deployment, bool, timeout=60, interval=0.3)
    owned = wait_for(
        lambda: client.read_resource_related_automations(f"prefect.deployment.{dep.id}"), bool, timeout=20
    )
    assert len(owned) == 1, owned
    automation = owned[0]
    assert automation.trigger.expect == {f"external.go-{LABEL}"}
    assert [a.type for a in automation.actions] == ["run-deployment"]
    time.sleep(0.5)  # the server reloads its automations when told of a change

    e = Event(event=f"external.go-{LABEL}", resource={"prefect.resource.id": f"external.thing-{LABEL}"}, payload={"n": 5})
    assert client.request("POST", "/events", json=[e.model_dump(mode="json")]).status_code == 204

    def runs():
        return client.read_flow_runs(deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[dep.id])))

    done = wait_for(
        runs, lambda rs: any(r.state and r.state.is_completed() for r in rs), timeout=60, interval=0.5
    )
    completed = [r for r in done if r.state.is_completed()]
    assert len(completed) == 1, [(r.name, r.state.name) for r in done]
    assert completed[0].parameters == {"n": 5}
    assert (served["markers"] / "ran-5").exists(), served["log"].read_text()[-4000:]
