"""Automations with the real SDK and CLI (issue 16): Automation(...).create() with event, compound and
sequence triggers and Prefect's actions, read by id and by name, update, disable/enable, delete; the
owner's automations (what flow.serve() and deploy() do with their triggers=); a bad template refused
with a 422; `prefect automation ls|inspect|pause|resume|delete`; and Proactive, compound and sequence
automations firing, their prefect.automation.triggered/resolved events on /events/out and in the
events API."""
import asyncio
import json
import threading
import time
import uuid
from datetime import timedelta

import httpx
import pytest

from conftest import AGAINST_PREFECT, run_cli, sdk_env, wait_for

LABEL = uuid.uuid4().hex[:8]
BLOCK = uuid.UUID("00000000-0000-4000-8000-000000000001")


def name(suffix: str) -> str:
    return f"auto-{LABEL}-{suffix}"


def reactive():
    from prefect.events import EventTrigger

    return EventTrigger(
        expect={"prefect.flow-run.Failed"},
        match={"prefect.resource.id": "prefect.flow-run.*"},
        match_related={"prefect.resource.id": "prefect.tag.daily-etl"},
        posture="Reactive",
        threshold=1,
        within=timedelta(0),
    )


def test_create_read_update_disable_delete(sdk):
    from prefect.automations import Automation
    from prefect.events.actions import CancelFlowRun, SendNotification

    a = Automation(
        name=name("crud"),
        trigger=reactive(),
        actions=[SendNotification(block_document_id=BLOCK, body="{{ flow_run.name }} failed"), CancelFlowRun()],
    ).create()
    assert a.id is not None
    got = Automation.read(id=a.id)
    assert got.name == name("crud") and got.enabled
    assert got.trigger.expect == {"prefect.flow-run.Failed"}
    assert got.actions[0].subject == "Prefect automated notification"
    assert Automation.read(name=name("crud")).id == a.id

    got.description = "changed"
    got.update()
    assert Automation.read(id=a.id).description == "changed"
    assert got.disable() is True
    assert Automation.read(id=a.id).enabled is False
    assert got.enable() is True
    assert Automation.read(id=a.id).enabled is True
    assert got.delete() is True
    with pytest.raises(ValueError):
        Automation.read(id=a.id)


def test_proactive_compound_and_sequence_triggers_round_trip(sdk):
    from prefect.automations import Automation
    from prefect.events import CompoundTrigger, EventTrigger, SequenceTrigger
    from prefect.events.actions import DoNothing, PauseDeployment

    pro = EventTrigger(expect={"prefect.flow-run.Completed"}, posture="Proactive", within=timedelta(minutes=5))
    compound = CompoundTrigger(require="all", within=timedelta(minutes=1), triggers=[reactive(), pro])
    seq = SequenceTrigger(within=timedelta(minutes=1), triggers=[reactive(), reactive()])
    for suffix, trigger in {"compound": compound, "sequence": seq, "pro": pro}.items():
        a = Automation(name=name(suffix), trigger=trigger, actions=[DoNothing(), PauseDeployment(source="inferred")]).create()
        back = Automation.read(id=a.id)
        assert type(back.trigger) is type(trigger)
        assert back.actions[1].source == "inferred"
    assert Automation.read(name=name("pro")).trigger.within == timedelta(minutes=5)
    assert Automation.read(name=name("compound")).trigger.require == "all"


def test_owner_resource_and_delete_owned(client):
    from prefect.events.actions import DoNothing
    from prefect.events.schemas.automations import AutomationCore

    owner = f"prefect.deployment.{uuid.uuid4()}"
    core = AutomationCore(name=name("owned"), trigger=reactive(), actions=[DoNothing()])
    body = core.model_dump(mode="json") | {"owner_resource": owner}
    r = client.request("POST", "/automations/", json=body)
    assert r.status_code == 201
    related = client.read_resource_related_automations(owner)
    assert [a.name for a in related] == [name("owned")]
    client.delete_resource_owned_automations(owner)
    assert client.read_resource_related_automations(owner) == []


def test_bad_template_is_refused(sdk, client_env):
    from prefect.automations import Automation
    from prefect.events.actions import SendNotification

    with pytest.raises(Exception) as err:
        Automation(
            name=name("bad"), trigger=reactive(), actions=[SendNotification(block_document_id=BLOCK, body="{{ oops ")]
        ).create()
    assert "422" in str(err.value)
    r = httpx.post(f"{client_env['PREFECT_API_URL']}/templates/validate", json="{{ flow_run.name }}")
    assert r.status_code == 204
    r = httpx.post(f"{client_env['PREFECT_API_URL']}/templates/validate", json="{% if %}")
    assert r.status_code == 422 and r.json()["error"]["source"] == "{% if %}"


def test_cli_ls_inspect_pause_resume_delete(sdk, client_env):
    from prefect.automations import Automation
    from prefect.events.actions import DoNothing

    a = Automation(name=name("cli"), trigger=reactive(), actions=[DoNothing()]).create()
    ls = run_cli(["automation", "ls"], client_env)
    assert ls.returncode == 0, ls.stderr
    assert name("cli") in ls.stdout
    inspect = run_cli(["automation", "inspect", "--id", str(a.id), "--json"], client_env)
    assert inspect.returncode == 0, inspect.stderr
    assert json.loads(inspect.stdout)["name"] == name("cli")
    paused = run_cli(["automation", "pause", "--id", str(a.id)], client_env)
    assert paused.returncode == 0, paused.stdout + paused.stderr
    assert Automation.read(id=a.id).enabled is False
    resumed = run_cli(["automation", "resume", "--id", str(a.id)], client_env)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert Automation.read(id=a.id).enabled is True
    deleted = run_cli(["--no-prompt", "automation", "delete", "--id", str(a.id)], client_env)
    assert deleted.returncode == 0, deleted.stdout + deleted.stderr
    with pytest.raises(ValueError):
        Automation.read(id=a.id)


class EventsOut:
    """The SDK's own /events/out subscriber in a thread, collecting the automation events it is sent."""

    def __init__(self, api_url: str):
        self.seen: list = []
        self.ready = threading.Event()
        self._stop = False
        self._api_url = api_url
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)
        self._thread.start()
        assert self.ready.wait(10), "the subscriber did not connect"

    async def _run(self):
        from prefect.events.clients import PrefectEventSubscriber
        from prefect.events.filters import EventFilter, EventNameFilter

        f = EventFilter(event=EventNameFilter(prefix=["prefect.automation.triggered", "prefect.automation.resolved"]))
        async with PrefectEventSubscriber(api_url=self._api_url, filter=f) as sub:
            self.ready.set()
            while not self._stop:
                try:
                    self.seen.append(await asyncio.wait_for(sub.__anext__(), 0.5))
                except asyncio.TimeoutError:
                    pass

    def about(self, automation_id, event: str):
        rid = f"prefect.automation.{automation_id}"
        return [e for e in self.seen if e.event == event and e.resource.id == rid]

    def close(self):
        self._stop = True
        self._thread.join(5)


def test_proactive_compound_and_sequence_automations_fire(sdk, client, client_env):
    """A Proactive automation fires when nothing arrives in its 10 s window (the shortest Prefect allows)
    and resolves when the event comes; a compound (all) and a sequence fire on their children's events,
    the sequence only in order. Prefect's proactive loop runs every 5 s, so this waits up to ~20 s."""
    from prefect.automations import Automation
    from prefect.events import CompoundTrigger, Event, EventTrigger, SequenceTrigger
    from prefect.events.actions import DoNothing
    from prefect.events.filters import EventAnyResourceFilter, EventFilter, EventNameFilter

    thing = f"compat.{LABEL}"

    def on(event: str, posture: str = "Reactive", **kw):
        return EventTrigger(
            expect={f"{thing}.{event}"}, match={"prefect.resource.id": thing}, posture=posture, threshold=1, **kw
        )

    def emit(event: str):
        e = Event(event=f"{thing}.{event}", resource={"prefect.resource.id": thing})
        assert client.request("POST", "/events", json=[e.model_dump(mode="json")]).status_code == 204

    out = EventsOut(client_env["PREFECT_API_URL"])
    try:
        quiet = Automation(
            name=name("quiet"),
            trigger=on("heartbeat", "Proactive", within=timedelta(seconds=10)),
            actions=[DoNothing()],
            actions_on_resolve=[DoNothing()],
        ).create()
        both = Automation(
            name=name("both"),
            trigger=CompoundTrigger(require="all", within=timedelta(minutes=1), triggers=[on("a"), on("b")]),
            actions=[DoNothing()],
        ).create()
        ordered = Automation(
            name=name("ordered"),
            trigger=SequenceTrigger(within=timedelta(minutes=1), triggers=[on("b"), on("a")]),
            actions=[DoNothing()],
        ).create()
        time.sleep(0.5)
        emit("a")
        emit("b")  # both: a and b have fired; ordered: b after a is the wrong order
        assert len(wait_for(lambda: out.about(both.id, "prefect.automation.triggered"), bool)) == 1
        time.sleep(0.3)  # a firing of `ordered` would have come with the one of `both`, from the same event
        assert out.about(ordered.id, "prefect.automation.triggered") == []
        emit("a")  # ordered: a after b
        assert len(wait_for(lambda: out.about(ordered.id, "prefect.automation.triggered"), bool)) == 1
        assert out.about(both.id, "prefect.automation.triggered")[0].resource.get("prefect.posture") is None

        # The Proactive automation: no heartbeat ever arrives.
        fired = wait_for(lambda: out.about(quiet.id, "prefect.automation.triggered"), bool, timeout=25)
        assert len(fired) == 1, [e.event for e in out.seen]
        triggered = fired[0]
        assert triggered.resource["prefect.posture"] == "Proactive"
        assert triggered.payload == {"triggering_labels": {}, "triggering_event": None}
        emit("heartbeat")
        # Prefect's open-source server never resolves (only Prefect Cloud documents it); ours does.
        if not AGAINST_PREFECT:
            resolved = wait_for(lambda: out.about(quiet.id, "prefect.automation.resolved"), bool)
            assert len(resolved) == 1
            assert resolved[0].follows == triggered.id
            assert resolved[0].payload["triggering_event"]["event"] == f"{thing}.heartbeat"
            assert resolved[0].resource_in_role["triggering-event"].id.startswith("prefect.event.")

        # The same events through the events API.
        def stored():
            f = EventFilter(
                any_resource=EventAnyResourceFilter(id=[f"prefect.automation.{a.id}" for a in (quiet, both, ordered)]),
                event=EventNameFilter(name=["prefect.automation.triggered", "prefect.automation.resolved"]),
            )
            return sorted((e.resource["prefect.resource.name"], e.event) for e in client.read_events(filter=f, limit=50).events)

        expected = sorted(
            [
                (name("both"), "prefect.automation.triggered"),
                (name("ordered"), "prefect.automation.triggered"),
                (name("quiet"), "prefect.automation.triggered"),
            ]
            + ([] if AGAINST_PREFECT else [(name("quiet"), "prefect.automation.resolved")])
        )
        assert wait_for(stored, lambda got: got == expected) == expected
        for a in (quiet, both, ordered):
            a.delete()
    finally:
        out.close()
