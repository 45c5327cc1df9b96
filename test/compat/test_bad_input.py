"""Bad input through the real HTTP server, on the routes the SDK uses: malformed JSON and wrong types are
422, unknown ids are 404, never a 5xx. Expected statuses are what Prefect 3.9.1's own server answers."""
import json
import uuid

import httpx
import pytest

UNKNOWN = str(uuid.uuid4())
HEADERS = {"X-PREFECT-API-VERSION": "0.8.4", "User-Agent": "prefect/3.9.1 (API 0.8.4)"}
LOG = {"level": 20, "name": "x", "message": "m", "timestamp": "2026-01-01T00:00:00Z"}

POST_ROUTES = [
    "/flows/",
    "/flow_runs/",
    f"/flow_runs/{UNKNOWN}/set_state",
    "/task_runs/",
    "/logs/",
    "/flow_runs/filter",
    "/task_runs/filter",
    "/logs/filter",
    "/events/filter",
]
CREATE_ROUTES = ["/flows/", "/flow_runs/", "/task_runs/", "/logs/", f"/flow_runs/{UNKNOWN}/set_state"]
FILTER_ROUTES = ["/flow_runs/filter", "/task_runs/filter", "/logs/filter", "/events/filter"]
MALFORMED = {"truncated": b'{"name": ', "trailing-comma": b'{"limit": 1,}', "not-utf8": b"\xff\xfe", "bare-word": b"nope"}

WRONG_TYPES = [
    ("POST", "/flows/", {"name": ["x"]}),
    ("POST", "/flows/", {"name": 5}),
    ("POST", "/flows/", {"name": "ok", "tags": "x"}),
    ("POST", "/flows/", []),
    ("POST", "/flows/", "x"),
    ("POST", "/flows/", None),
    ("POST", "/flow_runs/", {"flow_id": "not-a-uuid"}),
    ("POST", "/flow_runs/", {"flow_id": UNKNOWN, "parameters": "x"}),
    ("POST", "/flow_runs/", {"flow_id": UNKNOWN, "state": {"type": "NOPE"}}),
    ("POST", f"/flow_runs/{UNKNOWN}/set_state", {"state": {"type": "NOPE"}}),
    ("POST", f"/flow_runs/{UNKNOWN}/set_state", {}),
    ("POST", f"/flow_runs/{UNKNOWN}/set_state", {"state": {"type": "RUNNING"}, "force": "maybe"}),
    ("POST", "/task_runs/", {"task_key": 1, "dynamic_key": "0"}),
    ("POST", "/task_runs/", {"task_key": "k", "dynamic_key": "0", "flow_run_id": "x"}),
    ("POST", "/logs/", [{**LOG, "level": "high"}]),
    ("POST", "/logs/", [{**LOG, "timestamp": "yesterday"}]),
    ("POST", "/logs/", LOG),
    ("POST", "/flow_runs/filter", {"flow_runs": {"id": {"any_": ["nope"]}}}),
    ("POST", "/flow_runs/filter", {"flow_runs": {"id": {"any_": "notalist"}}}),
    ("POST", "/flow_runs/filter", {"flow_runs": "x"}),
    ("POST", "/flow_runs/filter", {"flow_runs": {"tags": {"all_": "x"}}}),
    ("POST", "/flow_runs/filter", {"flow_runs": {"name": {"any_": [5]}}}),
    ("POST", "/flow_runs/filter", {"sort": "NOPE"}),
    ("POST", "/task_runs/filter", {"task_runs": {"state": {"type": {"any_": ["NOPE"]}}}}),
    ("POST", "/task_runs/filter", {"sort": "NOPE"}),
    ("POST", "/task_runs/filter", {"task_runs": {"id": {"any_": "notalist"}}}),
    ("POST", "/task_runs/filter", {"flow_runs": {"id": {"any_": [1]}}}),
    ("POST", "/logs/filter", {"logs": {"level": {"ge_": "x"}}}),
    ("POST", "/logs/filter", {"sort": "NOPE"}),
    ("POST", "/logs/filter", {"logs": {"flow_run_id": {"any_": "x"}}}),
    ("POST", "/events/filter", {"filter": "x"}),
    ("POST", "/events/filter", {"filter": {"occurred": {"since": "bad"}}}),
    ("POST", "/events/filter", {"filter": {"order": "SIDEWAYS"}}),
    ("POST", "/events/filter", {"filter": {"any_resource": {"id": "x"}}}),
    ("PATCH", f"/flow_runs/{UNKNOWN}", {"name": 3}),
    # Typed fields the SDK reads back into its models (issue 10, item 3).
    ("POST", "/flows/", {"name": "lab", "labels": {"a": {"nested": [1, 2]}}}),
    ("POST", "/flow_runs/", {"flow_id": UNKNOWN, "labels": {"a": [1]}}),
    ("POST", "/flow_runs/", {"flow_id": UNKNOWN, "empirical_policy": {"retries": "many"}}),
    ("POST", "/task_runs/", {"task_key": "k", "dynamic_key": "0", "task_inputs": {"x": "y"}}),
    ("POST", "/task_runs/", {"task_key": "k", "dynamic_key": "0", "task_inputs": {"x": [{"input_type": "task_run", "id": "no"}]}}),
    ("POST", "/task_runs/", {"task_key": "k", "dynamic_key": "0", "empirical_policy": {"retry_delay": "soon"}}),
] + [("POST", route, body) for route in FILTER_ROUTES for body in ({"limit": "many"}, {"limit": -1}, {"limit": 201}, [])] + [
    ("POST", route, {"offset": -1}) for route in FILTER_ROUTES if route != "/events/filter"
]

UNKNOWN_IDS = [
    ("GET", f"/flow_runs/{UNKNOWN}", None),
    ("GET", f"/task_runs/{UNKNOWN}", None),
    ("GET", f"/flows/{UNKNOWN}", None),
    ("GET", f"/flow_runs/{UNKNOWN.upper()}", None),
    ("DELETE", f"/flow_runs/{UNKNOWN}", None),
    ("DELETE", f"/task_runs/{UNKNOWN}", None),
    ("DELETE", f"/flows/{UNKNOWN}", None),
    ("PATCH", f"/flow_runs/{UNKNOWN}", {"name": "renamed"}),
    ("POST", f"/flow_runs/{UNKNOWN}/set_state", {"state": {"type": "RUNNING"}, "force": False}),
    ("POST", f"/task_runs/{UNKNOWN}/set_state", {"state": {"type": "RUNNING"}, "force": False}),
    ("GET", "/flow_runs/not-a-uuid", None),  # Prefect's {id:uuid} route converter does not match: 404
    ("GET", "/task_runs/not-a-uuid", None),
    ("GET", "/flows/not-a-uuid", None),
]

# Rows that point at rows that do not exist: Prefect answers 409 (foreign key), any 4xx is fine for the SDK.
DANGLING = [
    ("POST", "/flow_runs/", {"flow_id": UNKNOWN}),
    ("POST", "/task_runs/", {"task_key": "k", "dynamic_key": "0", "flow_run_id": UNKNOWN}),
]

# Odd but valid requests that Prefect accepts and that clients really send.
ACCEPTED = [
    ("POST", "/flows/filter", {"limit": None}),  # `prefect flow-run ls`
    ("POST", "/logs/filter", {"limit": None}),  # `prefect flow-run logs`
    ("POST", "/flow_runs/filter", {"limit": None}),
    ("POST", "/flow_runs/filter", {"limit": 0}),
    ("POST", "/flow_runs/filter", {"offset": 10**12}),
    ("POST", "/logs/", [{**LOG, "flow_run_id": UNKNOWN}]),  # logs have no foreign key
    ("POST", "/logs/", []),
] + [("POST", route, None) for route in FILTER_ROUTES]  # an empty body means "no filter"


@pytest.fixture(scope="module")
def http(server):
    with httpx.Client(base_url=server.api_url, headers=HEADERS, timeout=30) as c:
        yield c


def case_id(method, path, body=None) -> str:
    """Stable test ids: the random unknown id is shown as {id}."""
    text = f"{method} {path}" + ("" if body is None else f" {json.dumps(body)}")
    return text.replace(UNKNOWN.upper(), "{ID}").replace(UNKNOWN, "{id}")


def send(http, method, path, body):
    if body is None:
        return http.request(method, path)
    return http.request(method, path, json=body)


def show(r: httpx.Response) -> str:
    return f"{r.request.method} {r.request.url.path} -> {r.status_code} {r.text[:300]}"


@pytest.mark.parametrize("kind", MALFORMED)
@pytest.mark.parametrize("route", POST_ROUTES, ids=[case_id("POST", r) for r in POST_ROUTES])
def test_malformed_json_is_422(http, route, kind):
    r = http.post(route, content=MALFORMED[kind], headers={"Content-Type": "application/json"})
    assert r.status_code == 422, show(r)


@pytest.mark.parametrize("route", CREATE_ROUTES, ids=[case_id("POST", r) for r in CREATE_ROUTES])
def test_missing_body_on_a_create_route_is_422(http, route):
    r = http.post(route, content=b"", headers={"Content-Type": "application/json"})
    assert r.status_code == 422, show(r)


@pytest.mark.parametrize("method,path,body", WRONG_TYPES, ids=[case_id(m, p, b) if b is not None else f"{m} {p} null" for m, p, b in WRONG_TYPES])
def test_wrong_types_are_422(http, method, path, body):
    if body is None:
        r = http.request(method, path, content=b"null", headers={"Content-Type": "application/json"})
    else:
        r = send(http, method, path, body)
    assert r.status_code == 422, show(r)


@pytest.mark.parametrize("method,path,body", UNKNOWN_IDS, ids=[case_id(m, p) for m, p, _ in UNKNOWN_IDS])
def test_unknown_ids_are_404(http, method, path, body):
    r = send(http, method, path, body)
    assert r.status_code == 404, show(r)


@pytest.mark.parametrize("method,path,body", DANGLING, ids=[case_id(m, p) for m, p, _ in DANGLING])
def test_references_to_missing_rows_are_a_client_error(http, method, path, body):
    r = send(http, method, path, body)
    assert 400 <= r.status_code < 500, show(r)


@pytest.mark.parametrize("method,path,body", ACCEPTED, ids=[case_id(*c) for c in ACCEPTED])
def test_odd_but_valid_requests_are_accepted(http, method, path, body):
    r = send(http, method, path, body)
    assert 200 <= r.status_code < 300, show(r)


def test_json_body_without_content_type_is_accepted(http):
    # clients before 3.6.19 sent JSON bodies without the header; Prefect's server parses them anyway
    name = f"no-content-type-{uuid.uuid4().hex[:8]}"
    r = http.post("/flows/", content=f'{{"name": "{name}"}}'.encode())
    assert r.status_code == 201, show(r)
    assert r.json()["name"] == name
    r = http.post("/flows/filter", content=b'{"limit": 1}')
    assert r.status_code == 200 and len(r.json()) == 1, show(r)


def test_refused_writes_leave_every_sdk_listing_readable(http, client):
    """A flow with nested labels used to be stored, and then read_flows() raised ValidationError."""
    for method, path, body in WRONG_TYPES[-6:]:
        assert send(http, method, path, body).status_code == 422
    flow = http.post("/flows/", json={"name": f"readable-{uuid.uuid4().hex[:8]}", "labels": {"team": "data", "n": 1, "ok": True}})
    assert flow.status_code == 201, show(flow)
    run = http.post("/flow_runs/", json={"flow_id": flow.json()["id"], "empirical_policy": {"retries": 1, "retry_delay": 2}})
    assert run.status_code == 201, show(run)
    task = http.post("/task_runs/", json={"task_key": "k", "dynamic_key": "r", "flow_run_id": run.json()["id"], "task_inputs": {"x": [{"input_type": "parameter", "name": "p"}]}})
    assert task.status_code == 201, show(task)
    assert any(f.labels.get("team") == "data" for f in client.read_flows())
    assert any(r.empirical_policy.retries == 1 for r in client.read_flow_runs())
    assert any(t.task_inputs["x"][0].name == "p" for t in client.read_task_runs())
