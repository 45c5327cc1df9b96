"""Artifacts with the real SDK and CLI (issue 15): inside a flow and its task, every create_*_artifact
helper (markdown, table, link, progress, image) is stored with its type, data and the runs it belongs
to; update_progress_artifact moves a progress artifact (and its key's latest); a key's history and its
latest (`Artifact.get`, `/artifacts/{key}/latest`); and `prefect artifact ls|inspect|delete`."""
import json
import uuid

import httpx

from conftest import AGAINST_PREFECT, flow_run_id, run_cli, run_cli_parallel, run_scenario, sdk_env, wait_task_runs

LABEL = uuid.uuid4().hex[:8]
MD = f"md-{LABEL}"
TABLE = f"table-{LABEL}"
LINK = f"link-{LABEL}"
PROGRESS = f"progress-{LABEL}"
IMAGE = f"image-{LABEL}"
TASK_MD = f"task-md-{LABEL}"

SCRIPT = """
from prefect import flow, task
from prefect.artifacts import (
    create_image_artifact, create_link_artifact, create_markdown_artifact, create_progress_artifact,
    create_table_artifact, update_progress_artifact,
)

@task
def in_task():
    create_markdown_artifact("from the *task*", key="TASK_MD", description="task side")

@flow
def reporting(version: int):
    create_markdown_artifact(f"# Report {version}", key="MD", description="the report")
    create_table_artifact([{"a": 1, "b": "x"}, {"a": 2, "b": "y"}], key="TABLE")
    create_link_artifact("https://example.com/data", link_text="the data", key="LINK")
    create_image_artifact("https://example.com/chart.png", key="IMAGE")
    pid = create_progress_artifact(0.0, key="PROGRESS", description="half way")
    update_progress_artifact(pid, 50.0)
    update_progress_artifact(pid, 75.0)
    in_task()
    return str(pid)

record("first", reporting, 1)
record("second", reporting, 2)
"""
for k, v in {"TASK_MD": TASK_MD, "MD": MD, "TABLE": TABLE, "LINK": LINK, "IMAGE": IMAGE, "PROGRESS": PROGRESS}.items():
    SCRIPT = SCRIPT.replace(f'"{k}"', f'"{v}"')


def test_helpers_inside_a_flow(server, client, client_env):
    results = run_scenario(SCRIPT, client_env)
    first, second = flow_run_id(results, "first"), flow_run_id(results, "second")
    assert results["second"]["type"] == "COMPLETED", results["second"]
    api = server.api_url

    def of_run(run_id):
        r = httpx.post(f"{api}/artifacts/filter", json={"flow_runs": {"id": {"any_": [run_id]}}, "sort": "KEY_ASC"})
        r.raise_for_status()
        return {a["key"]: a for a in r.json()}

    arts = of_run(second)
    assert set(arts) == {MD, TABLE, LINK, IMAGE, PROGRESS, TASK_MD}
    assert arts[MD]["type"] == "markdown" and arts[MD]["data"] == "# Report 2"
    assert arts[MD]["description"] == "the report"
    assert arts[TABLE]["type"] == "table" and json.loads(arts[TABLE]["data"]) == [
        {"a": 1, "b": "x"},
        {"a": 2, "b": "y"},
    ]
    assert arts[LINK]["type"] == "markdown" and arts[LINK]["data"] == "[the data](https://example.com/data)"
    assert arts[IMAGE]["type"] == "image" and arts[IMAGE]["data"] == "https://example.com/chart.png"
    assert arts[PROGRESS]["type"] == "progress" and arts[PROGRESS]["data"] == 75.0
    assert all(a["flow_run_id"] == second for a in arts.values())
    # The task's artifact names its task run, and that task run belongs to the flow run.
    trs = wait_task_runs(client, second, 1)
    assert arts[TASK_MD]["task_run_id"] in {str(t.id) for t in trs}
    assert arts[MD]["task_run_id"] is None

    # Each key's latest is the second run's; the history keeps both.
    latest = httpx.post(f"{api}/artifacts/latest/filter", json={"artifacts": {"key": {"any_": [MD]}}}).json()
    assert [(c["latest_id"], c["data"]) for c in latest] == [(arts[MD]["id"], "# Report 2")]
    # GET /{key}/latest answers with the Artifact model read from the collection row (no latest_id).
    by_key = httpx.get(f"{api}/artifacts/{MD}/latest").json()
    assert by_key["data"] == "# Report 2" and by_key["key"] == MD and "latest_id" not in by_key
    assert httpx.get(f"{api}/artifacts/{PROGRESS}/latest").json()["data"] == 75.0
    history = httpx.post(f"{api}/artifacts/filter", json={"artifacts": {"key": {"any_": [MD]}}}).json()
    assert [a["flow_run_id"] for a in history] == [second, first]
    assert httpx.post(f"{api}/artifacts/latest/count", json={"artifacts": {"key": {"like_": LABEL}}}).json() == 6
    assert httpx.post(f"{api}/artifacts/count", json={"artifacts": {"key": {"like_": LABEL}}}).json() == 12

    # The dashboard shows what the SDK made, each kind as itself (prefect-lite's pages only).
    if not AGAINST_PREFECT:
        base = api.removesuffix("/api")
        pages = {k: httpx.get(f"{base}/artifacts/{arts[k]['id']}") for k in (MD, TABLE, LINK, PROGRESS, IMAGE)}
        assert {k: r.status_code for k, r in pages.items()} == {k: 200 for k in pages}
        assert "<h3>Report 2</h3>" in pages[MD].text
        assert '<table class="artifact-table">' in pages[TABLE].text and "<td>y</td>" in pages[TABLE].text
        assert 'href="https://example.com/data"' in pages[LINK].text
        assert '<progress max="100" value="75"' in pages[PROGRESS].text
        assert 'src="https://example.com/chart.png"' in pages[IMAGE].text
        run_page = httpx.get(f"{base}/runs/{second}").text
        assert all(key in run_page for key in (MD, TABLE, LINK, PROGRESS, IMAGE, TASK_MD))

    from prefect.artifacts import Artifact

    got = Artifact.get(MD)
    assert got is not None and got.data == "# Report 2"
    assert Artifact.get(f"missing-{LABEL}") is None


def test_cli_artifact_commands(server, tmp_path):
    env = sdk_env(server, tmp_path / "home")
    key = f"cli-{LABEL}"
    api = server.api_url
    ids = [
        httpx.post(f"{api}/artifacts/", json={"key": key, "type": "markdown", "data": f"v{i}"}).json()["id"]
        for i in range(3)
    ]
    got = run_cli_parallel(
        {
            "ls": ["artifact", "ls"],
            "ls_all": ["artifact", "ls", "--all"],
            "inspect": ["artifact", "inspect", key, "-o", "json"],
            "missing": ["artifact", "inspect", f"missing-{LABEL}"],
        },
        env,
    )
    assert got["ls"].returncode == 0, got["ls"].stdout + got["ls"].stderr
    assert key in got["ls"].stdout
    assert got["ls_all"].stdout.count(key) == 3
    shown = json.loads(got["inspect"].stdout)
    assert [a["data"] for a in shown] == ["v2", "v1", "v0"]
    assert got["missing"].returncode == 1 and "not found" in got["missing"].stdout
    one = run_cli(["artifact", "delete", "--id", ids[2]], env)
    assert one.returncode == 0 and "Deleted artifact with id" in one.stdout, one.stdout + one.stderr
    latest = httpx.post(f"{api}/artifacts/latest/filter", json={"artifacts": {"key": {"any_": [key]}}}).json()
    assert [c["latest_id"] for c in latest] == [ids[1]]
    rest = run_cli(["artifact", "delete", key], env)
    assert rest.returncode == 0 and "Deleted 2 artifact(s)" in rest.stdout, rest.stdout + rest.stderr
    assert httpx.get(f"{api}/artifacts/{key}/latest").status_code == 404
    again = run_cli(["artifact", "delete", "--id", ids[2]], env)
    assert again.returncode == 1 and "not found" in again.stdout
