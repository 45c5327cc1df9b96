"""A flow run's graph with the real SDK: tasks that take each other's results, a subflow and tasks run
inside another task come back from /flow_runs/{id}/graph-v2 as Prefect's Graph model (nodes, parents,
children, encapsulating, artifacts, states), and /graph as its DependencyResult list."""
import uuid

from conftest import AGAINST_PREFECT, flow_run_id, run_scenario, sdk_env

LABEL = uuid.uuid4().hex[:8]

CODE = f"""
from prefect import flow, task
from prefect.artifacts import create_progress_artifact

# Results that are objects of their own: Prefect tracks a dependency by the result's identity, which
# small ints (interned) do not have.
@task
def source(x):
    return {{"v": x}}

@task
def add(a, b):
    return {{"v": a["v"] + b["v"]}}

@flow(name="child-{LABEL}")
def child(n):
    return {{"v": n["v"] * 2}}

@task
def outer():
    return source(10)

@flow(name="graphed-{LABEL}")
def graphed():
    create_progress_artifact(50.0, key="graph-progress")
    a = source(1)
    b = source(2)
    c = add(a, b)
    d = child(c)
    return add(d, outer())

record("graphed", graphed)
"""


def test_graph_v2_has_nodes_edges_subflows_and_artifacts(server, client, sdk, tmp_path):
    from prefect.server.models.flow_runs import DependencyResult
    from prefect.server.schemas.graph import Graph

    run_id = flow_run_id(run_scenario(CODE, sdk_env(server, tmp_path / "home")), "graphed")
    r = client._client.get(f"/flow_runs/{run_id}/graph-v2")
    assert r.status_code == 200, r.text
    graph = Graph.model_validate(r.json())
    nodes = dict(graph.nodes)
    labels = {n.label: n for n in nodes.values()}
    adds = [n for n in nodes.values() if n.label.startswith("add-")]
    sources = sorted((n for n in nodes.values() if n.label.startswith("source-")), key=lambda n: n.start_time)
    subflow = [n for n in nodes.values() if n.kind == "flow-run"]
    assert len(adds) == 2 and len(sources) == 3 and len(subflow) == 1, labels.keys()
    assert subflow[0].label.startswith(f"child-{LABEL} / ")
    first_add = min(adds, key=lambda n: n.start_time)
    assert {e.id for e in first_add.parents} == {sources[0].id, sources[1].id}
    # The subflow took the first add's result; the last add took the subflow's.
    assert {e.id for e in subflow[0].parents} == {first_add.id}  # (Prefect repeats it: we do not)
    last_add = max(adds, key=lambda n: n.start_time)
    assert subflow[0].id in {e.id for e in last_add.parents}
    assert {e.id for e in sources[0].children} == {first_add.id}
    # The source run inside `outer` is encapsulated by it.
    outer = next(n for n in nodes.values() if n.label.startswith("outer-"))
    inner = next(n for n in sources if n.encapsulating)
    assert [e.id for e in inner.encapsulating] == [outer.id]
    assert set(graph.root_node_ids) >= {sources[0].id, sources[1].id}
    assert all(n.state_type.value == "COMPLETED" for n in nodes.values())
    assert [a.key for a in graph.artifacts] == ["graph-progress"] and graph.artifacts[0].data == 50.0
    assert [s.type.value for s in graph.states][-1] == "COMPLETED"

    # The dashboard draws the same graph from the SDK's run: every node, the subflow linked to its run.
    import httpx

    page = httpx.get(server.api_url.removesuffix("/api") + f"/runs/{run_id}", timeout=30)
    assert page.status_code == 200
    assert f'data-nodes="{len(nodes)}"' in page.text, page.text[-2000:]
    assert f'href="/runs/{subflow[0].id}"' in page.text

    # `since` keeps only what ended after it.
    later = client._client.get(f"/flow_runs/{run_id}/graph-v2", params={"since": "2999-01-01T00:00:00Z"})
    assert Graph.model_validate(later.json()).nodes == []

    # Prefect's own /graph answers 500 for a run with a subflow (a flow-run input fails its model).
    if not AGAINST_PREFECT:
        v1 = client._client.get(f"/flow_runs/{run_id}/graph")
        assert v1.status_code == 200, v1.text
        deps = [DependencyResult.model_validate(x) for x in v1.json()]
        assert len(deps) == 7  # six tasks and the subflow's parent task run
        by_id = {str(d.id): d for d in deps}
        assert {str(u.id) for u in by_id[str(first_add.id)].upstream_dependencies} == {
            str(sources[0].id),
            str(sources[1].id),
        }

    import pytest
    from prefect.exceptions import ObjectNotFound, PrefectHTTPStatusError

    with pytest.raises((ObjectNotFound, PrefectHTTPStatusError)) as missing:
        client._client.get(f"/flow_runs/{uuid.uuid4()}/graph-v2")
    assert "404" in str(missing.value)
