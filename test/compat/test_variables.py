"""Variables with the real SDK and CLI (issue 15): Variable.set/get round-trip strings, numbers, booleans,
lists, objects and null; Variable.get of a missing name returns the default; overwrite and unset; bad
names and oversized values are refused with the SDK's own errors; and `prefect variable
set|get|ls|inspect|unset`, including its refusals."""
import json
import uuid

import pytest

from conftest import run_cli, run_cli_parallel, sdk_env

LABEL = uuid.uuid4().hex[:8]


def name(suffix: str) -> str:
    return f"v_{LABEL}_{suffix}"


VALUES = {
    "str": "hello world",
    "int": 42,
    "float": 2.5,
    "bool": True,
    "list": [1, "two", {"three": 3}],
    "obj": {"nested": {"deep": [True, None]}, "text": "x"},
    "null": None,
}


def test_set_and_get_round_trip_every_kind(sdk):
    from prefect.variables import Variable

    for suffix, value in VALUES.items():
        v = Variable.set(name(suffix), value, tags=["compat"])
        assert v.value == value
        assert Variable.get(name(suffix)) == value
    assert Variable.get(name("missing"), default="fallback") == "fallback"
    assert Variable.get(name("missing")) is None


def test_overwrite_unset_and_refusals(sdk):
    from prefect.variables import Variable

    n = name("over")
    Variable.set(n, "first")
    with pytest.raises(ValueError, match="already exists"):
        Variable.set(n, "second")
    Variable.set(n, {"second": 2}, overwrite=True)
    assert Variable.get(n) == {"second": 2}
    assert Variable.unset(n) is True
    assert Variable.get(n, default=0) == 0
    assert Variable.unset(n) is False


def test_async_variable_api(sdk):
    import asyncio

    from prefect.variables import Variable

    async def go():
        await Variable.aset(name("async"), [1, 2, 3])
        return await Variable.aget(name("async"))

    assert asyncio.run(go()) == [1, 2, 3]


def test_bad_names_and_oversized_values_are_refused(server, sdk):
    import httpx

    from prefect.variables import Variable

    api = server.api_url
    big = httpx.post(f"{api}/variables/", json={"name": name("big"), "value": "x" * 6000})
    assert big.status_code == 422 and "less than 5000 characters" in big.text
    bad = httpx.post(f"{api}/variables/", json={"name": "Not Valid", "value": 1})
    assert bad.status_code == 422 and "lowercase letters" in bad.text
    assert httpx.get(f"{api}/variables/name/{name('big')}").status_code == 404
    # The SDK checks the name itself before it sends anything.
    with pytest.raises(Exception, match="lowercase letters"):
        Variable.set("Not Valid", 1)


def test_cli_variable_commands(server, tmp_path):
    env = sdk_env(server, tmp_path / "home")
    n, m = name("cli"), name("cli_obj")
    set_ = run_cli(["variable", "set", n, "plain text", "--tag", "a", "--tag", "b"], env)
    assert set_.returncode == 0, set_.stdout + set_.stderr
    assert f"Set variable {n!r}." in set_.stdout
    obj = run_cli(["variable", "set", m, '{"k": [1, 2]}'], env)
    assert obj.returncode == 0, obj.stdout + obj.stderr
    again = run_cli(["variable", "set", n, "other"], env)
    assert again.returncode == 1 and "already exists" in again.stdout
    got = run_cli_parallel(
        {
            "get": ["variable", "get", n],
            "get_obj": ["variable", "get", m],
            "ls": ["variable", "ls"],
            "inspect": ["variable", "inspect", n, "-o", "json"],
            "missing": ["variable", "get", name("nope")],
            "inspect_missing": ["variable", "inspect", name("nope")],
        },
        env,
    )
    assert got["get"].stdout.strip() == json.dumps("plain text")
    assert json.loads(got["get_obj"].stdout) == {"k": [1, 2]}
    assert n in got["ls"].stdout and m in got["ls"].stdout
    shown = json.loads(got["inspect"].stdout)
    assert shown["name"] == n and shown["value"] == "plain text" and shown["tags"] == ["a", "b"]
    assert got["missing"].returncode == 1 and f"Variable {name('nope')!r} not found." in got["missing"].stdout
    assert got["inspect_missing"].returncode == 1
    over = run_cli(["variable", "set", n, "123", "--overwrite"], env)
    assert over.returncode == 0, over.stdout + over.stderr
    assert run_cli(["variable", "get", n], env).stdout.strip() == "123"
    unset = run_cli(["variable", "unset", n], env)
    assert unset.returncode == 0 and f"Unset variable {n!r}." in unset.stdout
    gone = run_cli(["variable", "unset", n], env)
    assert gone.returncode == 1 and "not found" in gone.stdout


def test_job_templates_resolve_variables(sdk):
    """What a worker does with `{{ prefect.variables.x }}` in a job template (prefect.utilities.templating)."""
    import asyncio

    from prefect.utilities.templating import resolve_variables
    from prefect.variables import Variable

    Variable.set(name("image"), "registry/app:1.2")
    Variable.set(name("env"), {"LEVEL": "debug"})
    template = {
        "image": "{{ prefect.variables.%s }}" % name("image"),
        "env": "{{ prefect.variables.%s }}" % name("env"),
        "command": "run --tag {{ prefect.variables.%s }}" % name("image"),
    }
    resolved = asyncio.run(resolve_variables(template))
    assert resolved == {"image": "registry/app:1.2", "env": {"LEVEL": "debug"}, "command": "run --tag registry/app:1.2"}
