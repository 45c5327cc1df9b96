"""Blocks with the real SDK and CLI (issue 15): save and load of Secret, String and DateTime blocks (user
classes: Prefect 3.9.1 ships neither), a LocalFileSystem, a SlackWebhook, and a block nesting saved blocks;
overwrite keeps secrets; secrets never appear in API responses or the server log unless include_secrets;
the built-in catalogue is there before any client registered it; and the `prefect block` commands: ls,
inspect, delete, register -m, type ls, type inspect, type delete (protected types refused).
"""
import json
import re
import uuid

import httpx
import pytest

from conftest import AGAINST_PREFECT, run_cli, run_python

LABEL = uuid.uuid4().hex[:8]
SECRET = f"sk-secret-{LABEL}-value"
SLACK_URL = f"https://hooks.slack.com/services/T000/B000/{LABEL}XYZ"
TOKEN = f"tok-{LABEL}-inner"

SAVE_AND_LOAD = f"""
import datetime, json
from typing import Optional
from pydantic import SecretStr
from prefect.blocks.core import Block
from prefect.blocks.system import Secret
from prefect.blocks.notifications import SlackWebhook
from prefect.filesystems import LocalFileSystem

class String(Block):
    value: str

class DateTime(Block):
    value: datetime.datetime

class Inner(Block):
    token: SecretStr
    n: int = 0

class Outer(Block):
    inner: Inner
    fs: LocalFileSystem
    label: Optional[str] = None

out = {{}}
Secret(value="{SECRET}").save("sec-{LABEL}")
out["secret"] = Secret.load("sec-{LABEL}").get()
String(value="hello").save("str-{LABEL}")
out["string"] = String.load("str-{LABEL}").value
when = datetime.datetime(2026, 5, 4, 3, 2, 1, 123456, tzinfo=datetime.timezone.utc)
DateTime(value=when).save("dt-{LABEL}")
out["datetime"] = DateTime.load("dt-{LABEL}").value.isoformat()
LocalFileSystem(basepath="/tmp/lfs-{LABEL}").save("lfs-{LABEL}")
out["lfs"] = LocalFileSystem.load("lfs-{LABEL}").basepath
SlackWebhook(url="{SLACK_URL}").save("slack-{LABEL}")
out["slack"] = SlackWebhook.load("slack-{LABEL}").url.get_secret_value()

inner = Inner(token="{TOKEN}", n=3)
inner.save("inner-{LABEL}")
fs = LocalFileSystem.load("lfs-{LABEL}")
Outer(inner=inner, fs=fs, label="x").save("outer-{LABEL}")
loaded = Outer.load("outer-{LABEL}")
out["outer"] = [loaded.inner.token.get_secret_value(), loaded.inner.n, loaded.fs.basepath, loaded.label]

# Saving again with overwrite keeps the secret; a taken name without overwrite is refused.
Secret(value="{SECRET}").save("sec-{LABEL}", overwrite=True)
out["again"] = Secret.load("sec-{LABEL}").get()
try:
    Secret(value="other").save("sec-{LABEL}")
    out["dup"] = "saved"
except ValueError as e:
    out["dup"] = "refused"
# An anonymous block (what the SDK makes for unsaved nested blocks).
import asyncio
out["anon"] = str(asyncio.run(String(value="anon")._save(is_anonymous=True)))
print("@@" + json.dumps(out))
"""

MODULE = """
from prefect.blocks.core import Block

class RegisteredThing(Block):
    '''A block registered with prefect block register -m.'''
    _logo_url = "https://example.com/logo.png"
    size: int = 1
"""


def results_of(proc) -> dict:
    for line in proc.stdout.splitlines():
        if line.startswith("@@"):
            return json.loads(line[2:])
    pytest.fail(f"script failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}")


@pytest.fixture(scope="module")
def saved(server, tmp_path_factory):
    from conftest import sdk_env

    env = sdk_env(server, tmp_path_factory.mktemp("blocks-home"))
    offset = server.log_size()
    proc = run_python(SAVE_AND_LOAD, env)
    return {"env": env, "out": results_of(proc), "log_offset": offset}


def test_builtin_types_are_there_before_any_client(server):
    types = httpx.post(f"{server.api_url}/block_types/filter", json={}).json()
    slugs = {t["slug"] for t in types}
    assert {"secret", "webhook", "local-file-system", "remote-file-system", "slack-webhook", "smb"} <= slugs
    assert {t["slug"] for t in types if t["is_protected"]} >= {"secret", "webhook", "local-file-system"}
    secret = httpx.get(f"{server.api_url}/block_types/slug/secret").json()
    assert httpx.delete(f"{server.api_url}/block_types/{secret['id']}").status_code == 403


def test_save_and_load(saved):
    out = saved["out"]
    assert out["secret"] == SECRET
    assert out["string"] == "hello"
    assert out["datetime"] == "2026-05-04T03:02:01.123456+00:00"
    assert out["lfs"] == f"/tmp/lfs-{LABEL}"
    assert out["slack"] == SLACK_URL
    assert out["outer"] == [TOKEN, 3, f"/tmp/lfs-{LABEL}", "x"]
    assert out["again"] == SECRET
    assert out["dup"] == "refused"


def test_nested_reference_is_resolved_and_recorded(server, saved):
    doc = httpx.get(f"{server.api_url}/block_types/slug/outer/block_documents/name/outer-{LABEL}").json()
    assert doc["data"]["inner"] == {"token": "********", "n": 3}
    assert doc["data"]["fs"]["basepath"] == f"/tmp/lfs-{LABEL}"
    refs = doc["block_document_references"]
    assert refs["inner"]["block_document"]["name"] == f"inner-{LABEL}"
    assert refs["fs"]["block_document"]["block_type"]["slug"] == "local-file-system"


def test_secrets_absent_from_responses_and_logs(server, saved):
    api = server.api_url
    texts = [
        httpx.post(f"{api}/block_documents/filter", json={}).text,
        httpx.get(f"{api}/block_types/slug/secret/block_documents/name/sec-{LABEL}").text,
        httpx.get(f"{api}/block_types/slug/slack-webhook/block_documents").text,
        httpx.get(f"{api}/block_types/slug/outer/block_documents/name/outer-{LABEL}").text,
        httpx.get(f"{api}/block_types/slug/inner/block_documents/name/inner-{LABEL}").text,
    ]
    for text in texts:
        for value in (SECRET, SLACK_URL, TOKEN):
            assert value not in text
    assert "********" in texts[1]
    shown = httpx.get(
        f"{api}/block_types/slug/secret/block_documents/name/sec-{LABEL}", params={"include_secrets": "true"}
    ).json()
    assert shown["data"]["value"] == SECRET
    everything = httpx.post(f"{api}/block_documents/filter", json={"include_secrets": True}).text
    assert SECRET in everything and SLACK_URL in everything
    log = server.log_since(0)
    for value in (SECRET, SLACK_URL, TOKEN):
        assert value not in log


def test_anonymous_blocks_are_hidden_from_lists(server, saved):
    anon = saved["out"]["anon"]
    listed = httpx.post(f"{server.api_url}/block_documents/filter", json={}).json()
    assert anon not in {d["id"] for d in listed}
    doc = httpx.get(f"{server.api_url}/block_documents/{anon}").json()
    assert doc["is_anonymous"] is True and doc["name"].startswith("anonymous-")


def test_cli_block_commands(server, saved, tmp_path):
    env = saved["env"]
    ls = run_cli(["block", "ls"], env)
    assert ls.returncode == 0, ls.stderr
    assert f"sec-{LABEL}" in ls.stdout and f"slack-{LABEL}" in ls.stdout
    assert SECRET not in ls.stdout

    inspect = run_cli(["block", "inspect", f"string/str-{LABEL}"], env)
    assert inspect.returncode == 0, inspect.stdout + inspect.stderr
    assert f"str-{LABEL}" in inspect.stdout
    missing = run_cli(["block", "inspect", f"string/nope-{LABEL}"], env)
    assert missing.returncode == 1 and "not found" in missing.stdout

    # `prefect block create` links to the dashboard's generated form, which is there.
    create = run_cli(["block", "create", "slack-webhook"], env)
    assert create.returncode == 0, create.stdout + create.stderr
    link = re.search(r"(http://\S+/blocks/catalog/slack-webhook/create)", create.stdout.replace("\n", ""))
    assert link, create.stdout
    if not AGAINST_PREFECT:  # Prefect's server started with --no-ui
        assert httpx.get(link.group(1), headers={"accept": "text/html"}).status_code == 200

    types = run_cli(["block", "type", "ls"], env)
    assert types.returncode == 0, types.stderr
    assert "secret" in types.stdout and "slack-webhook" in types.stdout
    tinspect = run_cli(["block", "type", "inspect", "slack-webhook"], env)
    assert tinspect.returncode == 0, tinspect.stdout + tinspect.stderr
    assert "url" in tinspect.stdout

    (tmp_path / f"blockmod_{LABEL}.py").write_text(MODULE)
    reg_env = {**env, "PYTHONPATH": str(tmp_path)}
    reg = run_cli(["block", "register", "-m", f"blockmod_{LABEL}"], reg_env)
    assert reg.returncode == 0, reg.stdout + reg.stderr
    assert "RegisteredThing" in reg.stdout or "registered-thing" in reg.stdout
    thing = httpx.get(f"{server.api_url}/block_types/slug/registeredthing").json()
    assert thing["logo_url"] == "https://example.com/logo.png"

    deleted = run_cli(["block", "delete", f"string/str-{LABEL}"], env)
    assert deleted.returncode == 0, deleted.stdout + deleted.stderr
    assert httpx.get(f"{server.api_url}/block_types/slug/string/block_documents/name/str-{LABEL}").status_code == 404

    protected = run_cli(["block", "type", "delete", "secret"], env)
    assert protected.returncode == 1 and "protected" in protected.stdout
    gone = run_cli(["block", "type", "delete", "registeredthing"], env)
    assert gone.returncode == 0, gone.stdout + gone.stderr
    assert httpx.get(f"{server.api_url}/block_types/slug/registeredthing").status_code == 404


def test_bad_input_answers_as_prefect(server, saved):
    """Refusals checked against Prefect's own server (COMPAT_AGAINST_PREFECT=1): status and detail."""
    api = server.api_url
    reserved = httpx.post(f"{api}/block_types/", json={"name": "Prefect Thing", "slug": f"pt-{LABEL}"})
    assert reserved.status_code == 403
    assert reserved.json()["detail"] == "Block type names beginning with 'Prefect' are reserved."
    bad_slug = httpx.post(f"{api}/block_types/", json={"name": f"Bad {LABEL}", "slug": "Not A Slug"})
    assert bad_slug.status_code == 422
    made = httpx.post(f"{api}/block_types/", json={"name": f"Dup {LABEL}", "slug": f"dup-{LABEL}"})
    assert made.status_code == 201
    # Only the slug is unique: the same name under another slug is a new type.
    assert httpx.post(f"{api}/block_types/", json={"name": f"Dup {LABEL}", "slug": f"dup2-{LABEL}"}).status_code == 201
    dup = httpx.post(f"{api}/block_types/", json={"name": f"Again {LABEL}", "slug": f"dup-{LABEL}"})
    assert dup.status_code == 409
    assert dup.json()["detail"] == f'Block type with name "Again {LABEL}" already exists'

    secret_type = httpx.get(f"{api}/block_types/slug/secret").json()
    schema = httpx.post(
        f"{api}/block_schemas/filter", json={"block_schemas": {"block_type_id": {"any_": [secret_type["id"]]}}}
    ).json()[0]
    again = httpx.post(
        f"{api}/block_schemas/", json={"block_type_id": secret_type["id"], "fields": schema["fields"], "version": schema["version"]}
    )
    assert again.status_code == 200 and again.json()["id"] == schema["id"]
    assert httpx.delete(f"{api}/block_schemas/{schema['id']}").status_code == 403

    doc = {"block_type_id": secret_type["id"], "block_schema_id": schema["id"], "data": {"value": "x"}}
    taken = httpx.post(f"{api}/block_documents/", json={**doc, "name": f"sec-{LABEL}"})
    assert taken.status_code == 409 and taken.json()["detail"] == "Block already exists"
    assert httpx.post(f"{api}/block_documents/", json={**doc, "name": "Upper Case"}).status_code == 422
    assert httpx.post(f"{api}/block_documents/", json=doc).status_code == 422
    no_ref_id = httpx.post(f"{api}/block_documents/", json={**doc, "name": f"ref-{LABEL}", "data": {"x": {"$ref": {}}}})
    assert no_ref_id.status_code == 400
    assert no_ref_id.json()["detail"] == "Received block reference without a block_document_id in key x"
    missing = uuid.uuid4()
    assert httpx.get(f"{api}/block_documents/{missing}").status_code == 404
    assert httpx.patch(f"{api}/block_documents/{missing}", json={"data": {}}).status_code == 404
    assert httpx.delete(f"{api}/block_documents/{missing}").status_code == 404
    assert httpx.get(f"{api}/block_types/{missing}").status_code == 404
    assert httpx.get(f"{api}/block_schemas/checksum/sha256:{LABEL}").status_code == 404
    assert httpx.get(f"{api}/block_types/slug/secret/block_documents/name/nope-{LABEL}").status_code == 404


RESULT_FLOW = """
import json, sys
from prefect import flow, task
from prefect.filesystems import LocalFileSystem

storage = LocalFileSystem(basepath=sys.argv[1])
storage.save(sys.argv[2], overwrite=True)

@task(persist_result=True, result_storage=storage)
def double(x):
    return x * 2

@flow(persist_result=True, result_storage=f"local-file-system/{sys.argv[2]}")
def results_flow(x: int):
    return double(x) + 1

state = results_flow(20, return_state=True)
print("@@" + json.dumps({"type": state.type.value, "result": state.result(), "id": str(state.state_details.flow_run_id)}))
"""


def test_results_in_a_local_file_system_block(server, saved, tmp_path):
    """A flow and a task persisting results to a saved LocalFileSystem (by object and by its
    "local-file-system/<name>" reference): the results are written there and read back through it."""
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-c", RESULT_FLOW, str(tmp_path / "results"), f"results-{LABEL}"],
        env=saved["env"], capture_output=True, text=True, timeout=120,
    )
    out = results_of(proc)
    assert out["type"] == "COMPLETED" and out["result"] == 41
    block = httpx.get(f"{server.api_url}/block_types/slug/local-file-system/block_documents/name/results-{LABEL}").json()
    assert block["data"]["basepath"] == str(tmp_path / "results")
    assert len(list((tmp_path / "results").iterdir())) >= 2  # the task's result and the flow's
