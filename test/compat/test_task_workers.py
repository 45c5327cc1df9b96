"""Background tasks with the real SDK: task.delay() makes Scheduled task runs that `prefect task serve`
processes take over the /task_runs/subscriptions/scheduled socket. Ten runs served by two workers each
complete exactly once with their results readable; a worker killed while holding runs loses none (the
runs it had not started go to the other worker); /task_workers/filter lists the connected workers."""
import json
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from conftest import sdk_env, wait_for

LABEL = uuid.uuid4().hex[:8]

TASKS = """
import os, time
from prefect import task

@task(name="square-{label}")
def square(x: int) -> int:
    time.sleep(float(os.environ.get("BG_SLEEP", "0.2")))
    with open(os.environ["BG_LOG"], "a") as f:
        f.write(f"{{x}} {{os.getpid()}}\\n")
    return x * x
"""

SUBMIT = """
import json, sys
sys.path.insert(0, {dir!r})
from bg_tasks import square

futures = [square.delay(i) for i in range({n})]
print("IDS", json.dumps([str(f.task_run_id) for f in futures]), flush=True)
if {wait}:
    print("RESULTS", json.dumps([f.result(timeout=90) for f in futures]), flush=True)
"""


def _write_tasks(tmp_path: Path) -> Path:
    d = tmp_path / "tasks"
    d.mkdir(exist_ok=True)
    (d / "bg_tasks.py").write_text(TASKS.format(label=LABEL))
    return d


def _worker(server, tmp_path, d: Path, log: Path, name: str, **extra):
    env = sdk_env(server, tmp_path / "home", BG_LOG=str(log), PYTHONPATH=str(d), **extra)
    return subprocess.Popen(
        [sys.executable, "-m", "prefect", "task", "serve", str(d / "bg_tasks.py") + ":square"],
        env=env, cwd=d, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )


def _workers(client, n):
    return client._client.post("/task_workers/filter", json={}).json()


def _stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    return proc.stdout.read() if proc.stdout else ""


def test_ten_delayed_runs_served_by_two_workers_complete_exactly_once(server, client, sdk, tmp_path):
    d = _write_tasks(tmp_path)
    log = tmp_path / "ran.log"
    log.touch()
    workers = [_worker(server, tmp_path, d, log, f"w{i}") for i in range(2)]
    try:
        seen = wait_for(lambda: _workers(client, 2), lambda ws: len(ws) == 2, timeout=60, interval=0.5)
        assert len(seen) == 2, seen
        assert all(w["task_keys"] and w["identifier"] for w in seen), seen
        env = sdk_env(server, tmp_path / "home", BG_LOG=str(log))
        out = subprocess.run(
            [sys.executable, "-c", SUBMIT.format(dir=str(d), n=10, wait=True)], env=env, capture_output=True, text=True,
            timeout=150,
        )
        assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-4000:]
        results = [line for line in out.stdout.splitlines() if line.startswith("RESULTS")]
        assert results == ["RESULTS " + json.dumps([i * i for i in range(10)])], out.stdout[-2000:]
        lines = log.read_text().split()
        xs = sorted(int(x) for x in lines[0::2])
        assert xs == list(range(10)), lines  # each run once
        pids = set(lines[1::2])
        assert len(pids) == 2, f"both workers took runs: {lines}"
        ids = [line for line in out.stdout.splitlines() if line.startswith("IDS")][0]
        for rid in json.loads(ids[4:]):
            tr = wait_for(lambda: client.read_task_run(rid), lambda r: r.state.is_completed(), timeout=20, interval=0.3)
            assert tr.state.is_completed(), tr.state
    finally:
        outs = [_stop(w) for w in workers]
    # (SIGTERM itself ends the SDK's worker with a StopTaskWorker traceback: not ours to judge.)
    for o in outs:
        assert "Failed to submit" not in o and "Protocol violation" not in o and "Could not establish" not in o, o[-3000:]


def test_a_worker_killed_while_holding_runs_loses_none(server, client, sdk, tmp_path):
    d = _write_tasks(tmp_path)
    log = tmp_path / "ran.log"
    log.touch()
    # The first worker takes one run at a time and sleeps in it, so it holds runs it acknowledged but
    # has not started when it is killed.
    slow = subprocess.Popen(
        [sys.executable, "-m", "prefect", "task", "serve", str(d / "bg_tasks.py") + ":square", "--limit", "1"],
        env=sdk_env(server, tmp_path / "home", BG_LOG=str(log), PYTHONPATH=str(d), BG_SLEEP="30"),
        cwd=d, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    other = None
    try:
        wait_for(lambda: _workers(client, 1), lambda ws: len(ws) == 1, timeout=60, interval=0.5)
        env = sdk_env(server, tmp_path / "home", BG_LOG=str(log))
        submit = subprocess.run(
            [sys.executable, "-c", SUBMIT.format(dir=str(d), n=4, wait=False)], env=env, capture_output=True,
            text=True, timeout=60,
        )
        assert submit.returncode == 0, submit.stderr[-3000:]
        # The slow worker has started one run (Running) and holds the next.
        from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterName

        wait_for(
            lambda: client.read_task_runs(task_run_filter=TaskRunFilter(name=TaskRunFilterName(like_="square"))),
            lambda rs: sum(1 for r in rs if r.state and r.state.is_running()) >= 1,
            timeout=60,
            interval=0.3,
        )
        # A second worker joins and takes the run nobody holds; then the slow one is killed, holding one
        # run it acknowledged (waiting under its --limit) and one it was sent and never acknowledged.
        other = _worker(server, tmp_path, d, log, "other")
        wait_for(lambda: _workers(client, 2), lambda ws: len(ws) == 2, timeout=60, interval=0.5)
        wait_for(lambda: log.read_text().split(), lambda r: len(r) >= 2, timeout=60, interval=0.3)
        slow.kill()
        slow.wait(timeout=10)
        # The run the killed worker was in the middle of stays Running (as with Prefect: nothing can
        # tell a slow run from a dead one); every run it had not started completes on the other worker.
        ran = wait_for(lambda: [int(x) for x in log.read_text().split()[0::2]], lambda r: len(r) >= 3, timeout=60,
                       interval=0.3)
        assert len(ran) == 3 and len(set(ran)) == 3, ran
        time.sleep(1)
        assert len(log.read_text().split()[0::2]) == 3
    finally:
        if slow.poll() is None:
            slow.kill()
        if other:
            _stop(other)
