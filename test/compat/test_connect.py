"""The SDK connects: version check, CSRF probe, and the CLI's view of profiles we write."""
import os
import subprocess
import sys
from pathlib import Path

from conftest import BIN, run_python

VENV_BIN = Path(sys.executable).parent


def test_sdk_version_check_and_health(client_env):
    code = """
import asyncio
from prefect.client.orchestration import get_client

async def main():
    async with get_client() as client:
        assert await client.api_healthcheck() is None, "healthcheck failed"
        print("admin", await client.api_version())
        print("api", (await client._client.get('/version')).json())

asyncio.run(main())
"""
    r = run_python(code, client_env)
    assert r.returncode == 0, r.stderr
    assert "api 0.8.4" in r.stdout
    assert "admin 3.9.1" in r.stdout
    assert "incompatible" not in (r.stdout + r.stderr).lower()


def test_profiles_written_by_prefect_lite_are_read_by_prefect(tmp_path):
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PREFECT_HOME": str(tmp_path / "home")}
    r = subprocess.run([BIN, "config", "set", "PREFECT_API_URL=http://127.0.0.1:4999/api", "PREFECT_LOGGING_LEVEL=DEBUG"], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    view = subprocess.run([str(VENV_BIN / "prefect"), "config", "view"], env=env, capture_output=True, text=True)
    assert view.returncode == 0, view.stderr
    assert "PREFECT_API_URL='http://127.0.0.1:4999/api' (from profile)" in view.stdout
    assert "PREFECT_LOGGING_LEVEL='DEBUG' (from profile)" in view.stdout
    assert "not recognized" not in view.stdout + view.stderr


def test_profiles_written_by_prefect_are_read_by_prefect_lite(tmp_path):
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PREFECT_HOME": str(tmp_path / "home")}
    prefect = str(VENV_BIN / "prefect")
    assert subprocess.run([prefect, "profile", "create", "shared"], env=env, capture_output=True).returncode == 0
    assert subprocess.run([prefect, "profile", "use", "shared"], env=env, capture_output=True).returncode in (0, 1)
    r = subprocess.run([prefect, "config", "set", "PREFECT_SERVER_API_PORT=4777", "PREFECT_API_DATABASE_CONNECTION_URL=sqlite+aiosqlite:///x.db"], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    view = subprocess.run([BIN, "config", "view", "--show-secrets"], env=env, capture_output=True, text=True)
    assert view.returncode == 0, view.stderr
    assert "PREFECT_PROFILE='shared'" in view.stdout
    assert "PREFECT_SERVER_API_PORT='4777' (from profile)" in view.stdout
    assert "PREFECT_SERVER_DATABASE_CONNECTION_URL='sqlite+aiosqlite:///x.db' (from profile)" in view.stdout
    # and our write keeps what Prefect wrote
    assert subprocess.run([BIN, "config", "set", "PREFECT_SERVER_API_HOST=0.0.0.0"], env=env, capture_output=True).returncode == 0
    again = subprocess.run([prefect, "config", "view"], env=env, capture_output=True, text=True)
    assert "PREFECT_SERVER_API_PORT='4777' (from profile)" in again.stdout
    assert "PREFECT_SERVER_API_HOST='0.0.0.0' (from profile)" in again.stdout
