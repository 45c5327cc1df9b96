"""Logs from flows and tasks: shipped by the SDK's APILogWorker (POST /logs/), read back in order through
get_client().read_logs and through `prefect flow-run logs <id>`."""
import re
import uuid

import pytest

from conftest import flow_run_id, run_cli_parallel, run_scenario, sdk_env, wait_for, wait_task_runs

LABEL = uuid.uuid4().hex[:8]
RUN_NAME = f"logs-{LABEL}"
ODD = "naïve ✓ 日本 [bold]not markup[/bold] {braces} %s"

SCRIPT = """
from prefect import flow, task, get_run_logger

@task
def talk(i):
    get_run_logger().info("task message %d", i)
    return i

@flow(flow_run_name="RUN_NAME", log_prints=True)
def chatty():
    log = get_run_logger()
    log.info("flow message 1")
    talk(1)
    log.warning("flow warning 2")
    talk(2)
    log.error("flow error 3")
    log.debug("debug is below the default level")
    log.info(ODD)
    log.info("first line\\nsecond line")
    print("printed 4")
    return "done"

record("chatty", chatty)
""".replace("RUN_NAME", RUN_NAME).replace("ODD", repr(ODD))

CUSTOM = [
    ("INFO", "flow message 1"),
    ("INFO", "task message 1"),
    ("WARNING", "flow warning 2"),
    ("INFO", "task message 2"),
    ("ERROR", "flow error 3"),
    ("INFO", ODD),
    ("INFO", "first line\nsecond line"),
    ("INFO", "printed 4"),
]
LEVELS = {10: "DEBUG", 20: "INFO", 30: "WARNING", 40: "ERROR", 50: "CRITICAL"}


@pytest.fixture(scope="module")
def runs(server, tmp_path_factory):
    return run_scenario(SCRIPT, sdk_env(server, tmp_path_factory.mktemp("logs-home")))


@pytest.fixture(scope="module")
def cli_env(server, tmp_path_factory):
    return sdk_env(server, tmp_path_factory.mktemp("logs-cli-home"))


def read_logs(client, flow_run_id, **filters):
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.client.schemas.sorting import LogSort

    return client.read_logs(
        log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id]), **filters), sort=LogSort.TIMESTAMP_ASC
    )


def all_logs(client, flow_run_id):
    """Logs are flushed when the script exits; wait until the last one is there."""
    return wait_for(lambda: read_logs(client, flow_run_id), lambda logs: any("Finished in state" in l.message and l.task_run_id is None for l in logs))


def test_flow_and_task_logs_come_back_in_order_with_levels(runs, client):
    logs = all_logs(client, flow_run_id(runs, "chatty"))
    custom = [(LEVELS[l.level], l.message) for l in logs if (LEVELS[l.level], l.message) in CUSTOM]
    assert custom == CUSTOM
    assert [l.timestamp for l in logs] == sorted(l.timestamp for l in logs)
    assert not any("below the default level" in l.message for l in logs)


def test_engine_logs_open_and_close_the_run(runs, client):
    logs = all_logs(client, flow_run_id(runs, "chatty"))
    assert logs[0].message == f"Beginning flow run '{RUN_NAME}' for flow 'chatty'"
    assert logs[-1].message == "Finished in state Completed()"
    assert logs[0].name == "prefect.flow_runs"


def test_task_logs_carry_their_task_run_id_and_flow_logs_none(runs, client):
    fr_id = flow_run_id(runs, "chatty")
    trs = wait_task_runs(client, fr_id, 2)
    logs = all_logs(client, fr_id)
    by_msg = {l.message: l for l in logs}
    task_ids = {t.id for t in trs}
    assert by_msg["task message 1"].task_run_id in task_ids
    assert by_msg["task message 2"].task_run_id in task_ids
    assert by_msg["task message 1"].task_run_id != by_msg["task message 2"].task_run_id
    assert by_msg["flow message 1"].task_run_id is None
    assert all(str(l.flow_run_id) == fr_id for l in logs)


def test_logs_are_filtered_by_level_and_by_task_run(runs, client):
    from prefect.client.schemas.filters import LogFilterLevel, LogFilterTaskRunId

    fr_id = flow_run_id(runs, "chatty")
    all_logs(client, fr_id)
    loud = read_logs(client, fr_id, level=LogFilterLevel(ge_=30))
    assert [l.message for l in loud] == ["flow warning 2", "flow error 3"]
    first_task = next(l.task_run_id for l in read_logs(client, fr_id) if l.message == "task message 1")
    own = read_logs(client, fr_id, task_run_id=LogFilterTaskRunId(any_=[first_task]))
    assert [l.message for l in own] == ["task message 1", "Finished in state Completed()"]


def test_unicode_markup_and_multiline_messages_round_trip(runs, client):
    messages = [l.message for l in all_logs(client, flow_run_id(runs, "chatty"))]
    assert ODD in messages
    assert "first line\nsecond line" in messages


@pytest.fixture(scope="module")
def cli(runs, server, cli_env):
    """The CLI commands, run concurrently once every log has landed."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    fr_id = flow_run_id(runs, "chatty")
    with temporary_settings({PREFECT_API_URL: server.api_url}), get_client(sync_client=True) as c:
        all_logs(c, fr_id)
    return run_cli_parallel(
        {
            "logs": ["flow-run", "logs", fr_id],
            "tail": ["flow-run", "logs", fr_id, "--tail", "-n", "2"],
        },
        cli_env,
    )


def test_cli_flow_run_logs_prints_every_line_in_order(runs, client, cli):
    expected = [l.message for l in all_logs(client, flow_run_id(runs, "chatty"))]
    r = cli["logs"]
    assert r.returncode == 0, r.stdout + r.stderr
    line = re.compile(rf"^\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{{3}} \| (INFO|WARNING|ERROR)\s* \| Flow run '{RUN_NAME}' - (.*)$")
    printed = [m.groups() for m in map(line.match, r.stdout.splitlines()) if m]
    single_line = [m for m in expected if "\n" not in m]
    assert [msg for _, msg in printed if msg in single_line] == single_line
    assert ("WARNING", "flow warning 2") in printed and ("ERROR", "flow error 3") in printed
    assert "second line" in r.stdout


def test_cli_flow_run_logs_tail_prints_the_last_lines_oldest_first(runs, client, cli):
    # --tail reads with limit=N and sort TIMESTAMP_DESC, then prints the page re-reversed
    expected = [l.message for l in all_logs(client, flow_run_id(runs, "chatty"))][-2:]
    r = cli["tail"]
    assert r.returncode == 0, r.stdout + r.stderr
    printed = [line.split(f"Flow run '{RUN_NAME}' - ", 1)[1] for line in r.stdout.splitlines()]
    assert printed == expected


STREAMING = """
import time
from prefect import flow, get_run_logger

@flow(name="streams-LABEL")
def streams():
    log = get_run_logger()
    for i in range(40):
        log.info("tick-LABEL-%d", i)
        time.sleep(0.25)

streams()
""".replace("LABEL", LABEL)


def test_logs_out_streams_a_running_flows_logs(server, sdk, tmp_path):
    """The SDK's get_logs_subscriber over /logs/out sees a flow's lines while it runs, in order, and
    only the level the filter asks for."""
    import asyncio
    import subprocess
    import sys

    from prefect.client.schemas.filters import LogFilter, LogFilterLevel
    from prefect.logging.clients import get_logs_subscriber

    async def watch():
        seen = []
        async with get_logs_subscriber(filter=LogFilter(level=LogFilterLevel(ge_=20))) as sub:
            proc = subprocess.Popen(
                [sys.executable, "-c", STREAMING], env=sdk_env(server, tmp_path / "home"),
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            try:
                async def collect():
                    async for log in sub:
                        if f"tick-{LABEL}-" in log.message:
                            seen.append(log)
                            if len(seen) == 5:
                                return

                await asyncio.wait_for(collect(), timeout=60)
                # Still running when its first lines arrived: they were streamed, not read back.
                running = proc.poll() is None
            finally:
                proc.kill()
        return seen, running

    seen, running = asyncio.run(watch())
    assert running
    assert [log.message for log in seen] == [f"tick-{LABEL}-{i}" for i in range(5)]
    assert len({log.flow_run_id for log in seen}) == 1 and seen[0].flow_run_id is not None
    assert all(log.level == 20 for log in seen)
