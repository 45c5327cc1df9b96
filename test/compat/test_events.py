"""Events: the server emits prefect.flow-run.<State> on every accepted transition; the SDK sends
prefect.task-run.<State> and heartbeats over /events/in. All are readable through POST /events/filter
(get_client().read_events) and paged with next_page."""
import pytest

from conftest import flow_run_id, run_scenario, sdk_env, wait_for, wait_task_runs

SCRIPT = """
from prefect import flow, task

@task
def step(x):
    return x

@flow
def evented():
    return [step(1), step.submit(2).result()]

record("evented", evented)
"""


@pytest.fixture(scope="module")
def runs(server, tmp_path_factory):
    return run_scenario(SCRIPT, sdk_env(server, tmp_path_factory.mktemp("events-home")))


def events_about(client, flow_run_id, *prefixes, order="ASC", limit=50):
    # Prefect caps `limit` at 50 here: read_events()'s own default of 100 gets a 422 from Prefect's server.
    from prefect.events.filters import EventAnyResourceFilter, EventFilter, EventNameFilter, EventOrder

    f = EventFilter(
        any_resource=EventAnyResourceFilter(id=[f"prefect.flow-run.{flow_run_id}"]),
        event=EventNameFilter(prefix=list(prefixes)) if prefixes else None,
        order=EventOrder(order),
    )
    return client.read_events(filter=f, limit=limit)


def wait_events(client, flow_run_id, *prefixes, expect: set[str]):
    """Events are persisted asynchronously; poll until every expected event name is there."""
    page = wait_for(
        lambda: events_about(client, flow_run_id, *prefixes),
        lambda p: expect <= {e.event for e in p.events},
    )
    return page.events


def test_flow_run_state_events_are_readable(runs, client):
    fr_id = flow_run_id(runs, "evented")
    fr = client.read_flow_run(fr_id)
    expect = {"prefect.flow-run.Pending", "prefect.flow-run.Running", "prefect.flow-run.Completed"}
    events = wait_events(client, fr_id, "prefect.flow-run.", expect=expect)
    states = [e for e in events if e.event != "prefect.flow-run.heartbeat"]
    assert [e.event for e in states] == ["prefect.flow-run.Pending", "prefect.flow-run.Running", "prefect.flow-run.Completed"]
    completed = states[-1]
    assert completed.resource.id == f"prefect.flow-run.{fr_id}"
    assert completed.resource["prefect.resource.name"] == fr.name
    assert completed.resource["prefect.state-name"] == "Completed"
    assert completed.resource["prefect.state-type"] == "COMPLETED"
    assert completed.payload["validated_state"]["type"] == "COMPLETED"
    assert completed.payload["intended"] == {"from": "RUNNING", "to": "COMPLETED"}
    assert completed.received is not None
    assert completed.follows == states[1].id
    assert f"prefect.flow.{fr.flow_id}" in {r.id for r in completed.related if r.role == "flow"}
    # the state events carry the ids of the states the server wrote
    assert completed.id == client.read_flow_run_states(fr_id)[-1].id


def test_task_run_events_are_related_to_their_flow_run(runs, client):
    fr_id = flow_run_id(runs, "evented")
    trs = wait_task_runs(client, fr_id, 2)
    events = wait_events(client, fr_id, "prefect.task-run.", expect={"prefect.task-run.Completed"})
    for tr in trs:
        own = [e for e in events if e.resource.id == f"prefect.task-run.{tr.id}"]
        assert [e.event for e in own] == ["prefect.task-run.Pending", "prefect.task-run.Running", "prefect.task-run.Completed"]
        completed = own[-1]
        assert completed.resource["prefect.orchestration"] == "client"
        assert completed.resource["prefect.state-type"] == "COMPLETED"
        assert f"prefect.flow-run.{fr_id}" in {r.id for r in completed.related if r.role == "flow-run"}
        assert completed.payload["task_run"]["task_key"] == tr.task_key
        # the recorder keeps the event id as the state id
        assert [s.id for s in client.read_task_run_states(tr.id)] == [e.id for e in own]


def test_heartbeat_event_is_stored(runs, client):
    fr_id = flow_run_id(runs, "evented")
    events = wait_events(client, fr_id, "prefect.flow-run.heartbeat", expect={"prefect.flow-run.heartbeat"})
    assert events and all(e.resource.id == f"prefect.flow-run.{fr_id}" for e in events)


def test_events_filter_by_exact_name_and_order(runs, client):
    from prefect.events.filters import EventAnyResourceFilter, EventFilter, EventNameFilter

    fr_id = flow_run_id(runs, "evented")
    wait_events(client, fr_id, expect={"prefect.flow-run.Completed", "prefect.task-run.Completed"})
    only = client.read_events(
        filter=EventFilter(
            any_resource=EventAnyResourceFilter(id=[f"prefect.flow-run.{fr_id}"]),
            event=EventNameFilter(name=["prefect.flow-run.Completed"]),
        ),
        limit=50,
    )
    assert [e.event for e in only.events] == ["prefect.flow-run.Completed"] and only.total == 1
    asc = events_about(client, fr_id, order="ASC").events
    desc = events_about(client, fr_id, order="DESC").events
    assert [e.id for e in asc] == [e.id for e in reversed(desc)]
    assert [e.occurred for e in asc] == sorted(e.occurred for e in asc)


def test_events_page_through_next_page(runs, client):
    fr_id = flow_run_id(runs, "evented")
    full = wait_events(client, fr_id, expect={"prefect.flow-run.Completed", "prefect.task-run.Completed"})
    first = events_about(client, fr_id, limit=3)
    assert first.total == len(full) and len(first.events) == 3
    assert first.next_page is not None
    seen = list(first.events)
    page = first
    while page.next_page is not None:
        page = client.read_events_page(page.next_page)
        seen.extend(page.events)
    assert [e.id for e in seen] == [e.id for e in full]
