"""Runs the real `prefect` SDK and CLI against the built prefect-lite binary.

Each test module gets a fresh server on a free port, once per database: SQLite always, PostgreSQL when
TEST_PG_URL is set (test/run.ts starts one). Tests talk to it exactly as a user would: PREFECT_API_URL.
"""
import os
import socket
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("PREFECT_LITE_BIN", str(ROOT / "dist" / "prefect-lite"))
PG_URL = os.environ.get("TEST_PG_URL", "")

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


class Server:
    def __init__(self, database: str, tmp: Path, extra_env: dict | None = None):
        self.port = free_port()
        self.home = tmp / "server-home"
        url = f"sqlite+aiosqlite:///{tmp / 'prefect-lite.db'}" if database == "sqlite" else fresh_pg_url()
        env = {
            "PATH": os.environ["PATH"],
            "HOME": os.environ.get("HOME", "/root"),
            "PREFECT_HOME": str(self.home),
            "PREFECT_API_DATABASE_CONNECTION_URL": url,
            **(extra_env or {}),
        }
        self.log = open(tmp / "server.log", "w")
        self.proc = subprocess.Popen([BIN, "server", "start", "--port", str(self.port)], env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        deadline = time.time() + 20
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
        self.proc.wait(timeout=10)
        self.log.close()


@pytest.fixture(scope="module", params=DATABASES)
def server(request, tmp_path_factory):
    s = Server(request.param, tmp_path_factory.mktemp(f"srv-{request.param}"))
    yield s
    s.stop()


@pytest.fixture
def client_env(server, tmp_path):
    """Environment for a separate SDK process pointed at the server, with its own PREFECT_HOME."""
    return {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "client-home"),
        "PREFECT_API_URL": server.api_url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }


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
