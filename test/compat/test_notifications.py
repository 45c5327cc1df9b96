"""Notifications and automation actions end to end with the real SDK (issue 16): a flow tagged
daily-etl that fails sends the notification to a local HTTP receiver within 5 s through a
CustomWebhookNotificationBlock made by the SDK; an untagged one and a paused automation send nothing;
the automation events are stored; pause-deployment, run-deployment and cancel-flow-run take effect; a
notification accepted just before the server stops is delivered once after it restarts."""
import json
import threading
import time
import uuid
from pathlib import Path
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import AGAINST_PREFECT, Server, run_python, sdk_env, wait_for

LABEL = uuid.uuid4().hex[:8]
TAG = f"daily-etl-{LABEL}"


class Receiver:
    def __init__(self):
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length") or 0)).decode()
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def bodies(self, path: str) -> list[dict]:
        return [json.loads(r["body"]) for r in self.requests if r["path"] == path]


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


def webhook_block(receiver: Receiver, path: str) -> uuid.UUID:
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    block = CustomWebhookNotificationBlock(
        name=f"hook-{LABEL}",
        url=f"{receiver.url}{path}",
        json_data={"subject": "{{subject}}", "text": "{{body}}", "token": "{{token}}"},
        secrets={"token": "s3cret"},
    )
    return block.save(f"hook-{path.strip('/')}-{LABEL}", overwrite=True)


def notification(name: str, block_id: uuid.UUID, tag: str):
    from prefect.automations import Automation
    from prefect.events import EventTrigger
    from prefect.events.actions import SendNotification

    return Automation(
        name=name,
        trigger=EventTrigger(
            expect={"prefect.flow-run.Failed"},
            match={"prefect.resource.id": "prefect.flow-run.*"},
            match_related={"prefect.resource.id": f"prefect.tag.{tag}", "prefect.resource.role": "tag"},
            posture="Reactive",
            threshold=1,
        ),
        actions=[
            SendNotification(
                block_document_id=block_id,
                subject="{{ flow_run.name }} failed",
                body="Flow {{ flow.name }} run {{ flow_run.name }} entered {{ flow_run.state.name }}",
            )
        ],
    ).create()


def fail_a_flow(run_name: str, *tag_names: str):
    from prefect import flow, tags

    @flow(name=f"etl-{LABEL}", flow_run_name=run_name)
    def etl():
        raise ValueError("boom")

    with tags(*tag_names):
        etl(return_state=True)


@pytest.mark.skipif(AGAINST_PREFECT, reason="Prefect's server sends through apprise; the receiver path differs")
def test_tagged_failure_notifies_within_5s_untagged_and_paused_do_not(sdk, receiver, client, server):
    block_id = webhook_block(receiver, "/notify")
    a = notification(f"notify-{LABEL}", block_id, TAG)
    fail_a_flow(f"untagged-{LABEL}", "other")
    started = time.monotonic()
    fail_a_flow(f"tagged-{LABEL}", TAG)
    got = wait_for(lambda: receiver.bodies("/notify"), lambda b: len(b) >= 1, timeout=5)
    assert time.monotonic() - started < 5
    assert got == [
        {"subject": f"tagged-{LABEL} failed", "text": f"Flow etl-{LABEL} run tagged-{LABEL} entered Failed", "token": "s3cret"}
    ]
    time.sleep(1)
    assert len(receiver.bodies("/notify")) == 1  # the untagged run sent nothing, the tagged one once

    def automation_events():
        r = client.request("POST", "/events/filter", json={"filter": {"event": {"prefix": ["prefect.automation."]}}})
        return {e["event"] for e in r.json()["events"]}

    names = wait_for(automation_events, lambda n: "prefect.automation.action.executed" in n)
    assert {"prefect.automation.triggered", "prefect.automation.action.triggered"} <= names

    # The dashboard shows what the SDK made: the automation in the list, its delivered firing on its
    # page, and the failed run's page linking the automation that fired for it.
    import httpx
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName

    ui = server.api_url.removesuffix("/api")
    [run] = client.read_flow_runs(flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[f"tagged-{LABEL}"])))
    listing = httpx.get(f"{ui}/automations", timeout=30)
    assert listing.status_code == 200 and f"notify-{LABEL}" in listing.text
    detail = httpx.get(f"{ui}/automations/{a.id}", timeout=30)
    assert detail.status_code == 200 and "DELIVERED" in detail.text, detail.text[-2000:]
    run_page = httpx.get(f"{ui}/runs/{run.id}", timeout=30)
    assert run_page.status_code == 200 and f'href="/automations/{a.id}"' in run_page.text

    a.disable()
    time.sleep(0.5)
    fail_a_flow(f"paused-{LABEL}", TAG)
    time.sleep(2)
    assert len(receiver.bodies("/notify")) == 1
    a.delete()


def test_pause_deployment_run_deployment_and_cancel_flow_run(sdk, client):
    from prefect.automations import Automation
    from prefect.client.schemas.actions import DeploymentCreate
    from prefect.events import Event, EventTrigger

    def emit_event(name, resource, payload=None):
        # POST /events rather than the SDK's events worker: that is one per process, bound to the
        # first server the process talked to (this module runs against one server per database).
        e = Event(event=name, resource=resource, payload=payload or {})
        assert client.request("POST", "/events", json=[e.model_dump(mode="json")]).status_code == 204
    from prefect.events.actions import CancelFlowRun, PauseDeployment, RunDeployment

    flow_id = client.create_flow_from_name(f"target-{LABEL}")
    dep_id = client.create_deployment(flow_id=flow_id, name=f"dep-{LABEL}")

    trigger = lambda event: EventTrigger(  # noqa: E731
        expect={event}, match={"prefect.resource.id": f"my.thing.{LABEL}"}, posture="Reactive", threshold=1
    )
    Automation(name=f"pause-{LABEL}", trigger=trigger(f"pause.{LABEL}"), actions=[PauseDeployment(deployment_id=dep_id)]).create()
    Automation(
        name=f"run-{LABEL}",
        trigger=trigger(f"run.{LABEL}"),
        actions=[RunDeployment(deployment_id=dep_id, parameters={"x": "{{ event.payload.x }}"})],
    ).create()
    time.sleep(0.5)
    emit_event(f"run.{LABEL}", resource={"prefect.resource.id": f"my.thing.{LABEL}"}, payload={"x": 7})
    runs = wait_for(lambda: client.read_flow_runs(), lambda rs: any(r.deployment_id == dep_id for r in rs))
    run = next((r for r in runs if r.deployment_id == dep_id), None)
    assert run is not None
    # Prefect 3 upgrades a lone `{{ expr }}` to json-of-jinja with tojson: the value keeps its type.
    assert run.parameters == {"x": 7}
    emit_event(f"pause.{LABEL}", resource={"prefect.resource.id": f"my.thing.{LABEL}"})
    assert wait_for(lambda: client.read_deployment(dep_id).paused, bool) is True

    cancel_tag = f"cancel-me-{LABEL}"
    Automation(
        name=f"cancel-{LABEL}",
        trigger=EventTrigger(
            expect={"prefect.flow-run.Running"},
            match={"prefect.resource.id": "prefect.flow-run.*"},
            match_related={"prefect.resource.id": f"prefect.tag.{cancel_tag}"},
            posture="Reactive",
        ),
        actions=[CancelFlowRun()],
    ).create()
    time.sleep(0.5)
    from prefect.states import Running

    fr = client.create_flow_run_from_deployment(dep_id, tags=[cancel_tag])
    client.set_flow_run_state(fr.id, Running(), force=True)
    state = wait_for(lambda: client.read_flow_run(fr.id).state.type.value, lambda s: s in ("CANCELLING", "CANCELLED"))
    assert state in ("CANCELLING", "CANCELLED")


RESTART_SCRIPT = """
import sys
sys.path.insert(0, {here!r})
import test_notifications as t
t.LABEL = {label!r}
class R: url = {url!r}
block_id = t.webhook_block(R, "/restart")
t.notification("restart-" + t.LABEL, block_id, "r-" + t.LABEL)
import time; time.sleep(0.5)
t.fail_a_flow("restart-" + t.LABEL, "r-" + t.LABEL)
"""


@pytest.mark.skipif(AGAINST_PREFECT, reason="restarts prefect-lite's own binary")
def test_notification_accepted_before_a_stop_is_delivered_once_after_restart(server, receiver, tmp_path):
    # In its own process: the SDK keeps one events client per process, bound to the first server.
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = Server(server.database, tmp_path / "a", url=server.url if server.database != "sqlite" else None)
    try:
        code = RESTART_SCRIPT.format(here=str(Path(__file__).parent), label=LABEL, url=receiver.url)
        done = run_python(code, sdk_env(first, tmp_path / "home"))
        assert done.returncode == 0, done.stderr[-2000:]
    finally:
        first.stop()  # straight after the state change was accepted
    before = len(receiver.bodies("/restart"))
    second = Server(server.database, tmp_path / "b", url=first.url)
    try:
        got = wait_for(lambda: receiver.bodies("/restart"), lambda b: len(b) >= 1, timeout=10)
        time.sleep(2.5)
        assert len(receiver.bodies("/restart")) == 1, (before, got)
    finally:
        second.stop()
