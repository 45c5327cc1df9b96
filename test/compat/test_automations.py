"""Automations with the real SDK and CLI (issue 16): Automation(...).create() with event, compound and
sequence triggers and Prefect's actions, read by id and by name, update, disable/enable, delete; the
owner's automations (what flow.serve() and deploy() do with their triggers=); a bad template refused
with a 422; and `prefect automation ls|inspect|pause|resume|delete`."""
import json
import uuid
from datetime import timedelta

import httpx
import pytest

from conftest import run_cli, sdk_env

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
