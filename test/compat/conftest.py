"""Runs the real `prefect` SDK and CLI against the built prefect-lite binary.

Each test module gets a fresh server on a free port, once per database: SQLite always, PostgreSQL when
TEST_PG_URL is set (test/run.ts starts one). Tests talk to it exactly as a user would: PREFECT_API_URL.

COMPAT_AGAINST_PREFECT=1 runs the same tests against Prefect's own server (`prefect server start` from
the venv) instead of the binary, to check that the tests themselves describe Prefect's real behaviour.
Prefect takes ~10 s to start, so in that mode one server per database is shared by the whole session
(tests never assume an empty database).
"""
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("PREFECT_LITE_BIN", str(ROOT / "dist" / "prefect-lite"))
PG_URL = os.environ.get("TEST_PG_URL", "")
AGAINST_PREFECT = os.environ.get("COMPAT_AGAINST_PREFECT", "") not in ("", "0", "false")
PREFECT_CLI = str(Path(sys.executable).parent / "prefect")
# What must never appear in a server log while the SDK runs flows: a 500 status (not a time like 01:02:03.500
# or a piece of an id), Prefect's and prefect-lite's unexpected-error lines, SQLite lock contention.
SERVER_LOG_ERRORS = (
    r"(?<![\w.:-])500(?![\w.:-])",
    r"Internal Server Error",
    r"database is locked",
    r"Traceback \(most recent call last\)",
    r"\[prefect-lite\] .* failed:",
    # src/core/logger.ts: an unexpected error in a request or a background writer.
    r"\| (ERROR|CRITICAL) +\| prefect\.server - ",
)


def server_log_errors(text: str) -> list[str]:
    """Lines of a server log that match SERVER_LOG_ERRORS."""
    pattern = re.compile("|".join(SERVER_LOG_ERRORS))
    return [line for line in text.splitlines() if pattern.search(line)]

DATABASES = ["sqlite"] + (["postgres"] if PG_URL else [])
if not PG_URL:
    msg = "!!! TEST_PG_URL is not set: SDK tests on PostgreSQL are NOT running"
    if os.environ.get("CI"):
        raise RuntimeError(msg + " (CI requires PostgreSQL)")
    print(msg)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fresh_pg_url() -> str:
    """A new schema on the test cluster, so every server starts from an empty database."""
    schema = f"compat_{uuid.uuid4().hex[:12]}"
    psql_url = PG_URL
    subprocess.run(["psql", psql_url, "-qc", f"CREATE SCHEMA {schema}"], check=True, capture_output=True)
    sep = "&" if "?" in PG_URL else "?"
    return PG_URL.replace("postgresql://", "postgresql+asyncpg://") + f"{sep}search_path={schema}%2Cpublic"


def fresh_pg_database_url() -> str:
    """A new database on the test cluster (Prefect's own server cannot take a search_path in its URL)."""
    name = f"compat_{uuid.uuid4().hex[:12]}"
    subprocess.run(["psql", PG_URL, "-qc", f"CREATE DATABASE {name}"], check=True, capture_output=True)
    base, _, query = PG_URL.partition("?")
    base = base.rsplit("/", 1)[0] + "/" + name
    return base.replace("postgresql://", "postgresql+asyncpg://") + (f"?{query}" if query else "")


class Server:
    def __init__(self, database: str, tmp: Path, extra_env: dict | None = None, url: str | None = None):
        self.database = database
        self.port = free_port()
        self.home = tmp / "server-home"
        if url is not None:
            pass  # several servers on one database
        elif database == "sqlite":
            url = f"sqlite+aiosqlite:///{tmp / 'prefect-lite.db'}"
        else:
            url = fresh_pg_database_url() if AGAINST_PREFECT else fresh_pg_url()
        self.url = url
        env = {
            "PATH": os.environ["PATH"],
            "HOME": os.environ.get("HOME", "/root"),
            "PREFECT_HOME": str(self.home),
            "PREFECT_API_DATABASE_CONNECTION_URL": url,
            **(extra_env or {}),
        }
        cmd = [BIN, "server", "start", "--port", str(self.port)]
        if AGAINST_PREFECT:
            cmd = [PREFECT_CLI, "server", "start", "--port", str(self.port), "--no-ui"]
            # Prefect's persisters flush every 5 s by default; tests poll with a 10 s budget.
            env.update(
                PREFECT_SERVER_ANALYTICS_ENABLED="false",
                PREFECT_SERVER_SERVICES_EVENT_PERSISTER_FLUSH_INTERVAL="0.5",
                PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL="0.5",
            )
        self.log_path = tmp / "server.log"
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        deadline = time.time() + (90 if AGAINST_PREFECT else 20)
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {(tmp / 'server.log').read_text()}")
            try:
                with urllib.request.urlopen(f"{self.api_url}/health", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not start")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.log.close()

    def log_size(self) -> int:
        self.log.flush()
        return self.log_path.stat().st_size

    def log_since(self, offset: int) -> str:
        self.log.flush()
        with open(self.log_path, errors="replace") as f:
            f.seek(offset)
            return f.read()


@pytest.fixture(scope="session")
def _shared_servers():
    servers: dict[str, Server] = {}
    yield servers
    for s in servers.values():
        s.stop()


@pytest.fixture(scope="module", params=DATABASES)
def server(request, tmp_path_factory, _shared_servers):
    if AGAINST_PREFECT:
        if request.param not in _shared_servers:
            _shared_servers[request.param] = Server(request.param, tmp_path_factory.mktemp(f"prefect-{request.param}"))
        yield _shared_servers[request.param]
        return
    s = Server(request.param, tmp_path_factory.mktemp(f"srv-{request.param}"))
    yield s
    s.stop()


def sdk_env(server, home: Path, **extra: str) -> dict:
    """Environment for a separate SDK/CLI process pointed at the server, with its own PREFECT_HOME."""
    return {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": server.api_url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_TO_API_BATCH_INTERVAL": "0.3",
        "COLUMNS": "200",  # rich wraps CLI output at 80 columns when stdout is not a TTY
        **extra,
    }


@pytest.fixture
def client_env(server, tmp_path):
    """Environment for a separate SDK process pointed at the server, with its own PREFECT_HOME."""
    return sdk_env(server, tmp_path / "client-home")


@pytest.fixture
def sdk(client_env, monkeypatch):
    """Points the in-process SDK at the server for this test."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: client_env["PREFECT_API_URL"]}):
        yield


def run_python(code: str, env: dict, timeout: int = 120) -> subprocess.CompletedProcess:
    """Runs a flow script in its own interpreter, as a user would run `python flow.py`."""
    import sys

    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def client(sdk):
    """A synchronous `get_client()` in the test process, pointed at the server."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as c:
        yield c


# A scenario script runs flows as a user would (`python flow.py`) and reports what happened per flow:
# record("key", my_flow, *args) calls the flow with return_state=True (awaiting it for async flows) and
# keeps the flow run id and final state, or the exception if the SDK itself failed.
SCENARIO_PRELUDE = """
import asyncio, json, traceback
RESULTS = {}
def record(key, fn, *args, **kwargs):
    try:
        state = fn(*args, return_state=True, **kwargs)
        if asyncio.iscoroutine(state):
            state = asyncio.run(state)
        RESULTS[key] = {"id": str(state.state_details.flow_run_id), "type": state.type.value,
                        "name": state.name, "message": state.message}
    except BaseException as exc:
        RESULTS[key] = {"error": "".join(traceback.format_exception(exc))[-4000:]}
"""


def start_scenario(code: str, env: dict) -> subprocess.Popen:
    """Starts SCENARIO_PRELUDE + code in a fresh interpreter; finish_scenario() collects what it recorded."""
    script = SCENARIO_PRELUDE + code + "\nprint('@@RESULTS@@' + json.dumps(RESULTS))\n"
    return subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish_scenario(proc: subprocess.Popen, timeout: int = 120) -> dict:
    """{key: {id, type, name, message} | {error}} from a started scenario."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise RuntimeError(f"scenario script timed out after {timeout}s:\n{out[-3000:]}\n{err[-6000:]}")
    for line in out.splitlines():
        if line.startswith("@@RESULTS@@"):
            results = json.loads(line[len("@@RESULTS@@"):])
            for v in results.values():
                v["stderr"] = err[-4000:]
            return results
    raise RuntimeError(f"scenario script failed (exit {proc.returncode}):\n{out[-3000:]}\n{err[-6000:]}")


def run_scenario(code: str, env: dict, timeout: int = 120) -> dict:
    """Runs flows as a user script would and reports each recorded flow's run id and final state."""
    return finish_scenario(start_scenario(code, env), timeout)


def flow_run_id(results: dict, key: str) -> str:
    """The flow run id of a recorded flow, failing the test with the SDK's traceback if it raised."""
    got = results.get(key)
    if got is None:
        pytest.fail(f"scenario {key!r} did not run")
    if "error" in got:
        pytest.fail(f"the SDK raised while running {key!r}:\n{got['error']}")
    return got["id"]


def run_cli(args: list[str], env: dict, timeout: int = 60) -> subprocess.CompletedProcess:
    """The real `prefect` CLI from the venv."""
    return subprocess.run([PREFECT_CLI, *args], env=env, capture_output=True, text=True, timeout=timeout)


def run_cli_parallel(calls: dict[str, list[str]], env: dict, timeout: int = 60) -> dict[str, subprocess.CompletedProcess]:
    """Several independent CLI commands at once (each spends ~1 s importing prefect): {key: result}."""
    procs = {
        key: subprocess.Popen([PREFECT_CLI, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for key, args in calls.items()
    }
    done = {}
    for key, proc in procs.items():
        out, err = proc.communicate(timeout=timeout)
        done[key] = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    return done


def wait_for(fetch, ready, timeout: float = 10.0, interval: float = 0.1):
    """Calls fetch() until ready(value) or the timeout; returns the last value so asserts show what was seen.
    Exceptions from fetch() propagate at once (a missing route or a 5xx fails fast instead of polling)."""
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if ready(value) or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def read_task_runs_of(client, flow_run_id: str):
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.client.schemas.sorting import TaskRunSort

    return client.read_task_runs(
        flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])), sort=TaskRunSort.EXPECTED_START_TIME_ASC
    )


def wait_task_runs(client, flow_run_id: str, count: int, timeout: float = 10.0):
    """Task runs are recorded from events the SDK sends late (even after the flow finished): poll until
    `count` task runs of the flow run are all in a final state."""
    return wait_for(
        lambda: read_task_runs_of(client, flow_run_id),
        lambda trs: len(trs) >= count and all(t.state is not None and t.state.is_final() for t in trs),
        timeout,
    )
