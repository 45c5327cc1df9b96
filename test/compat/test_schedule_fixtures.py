"""The schedule fixtures (test/unit/schedule-fixtures.json), which test/unit/schedules.test.ts holds
src/schedules/ to, still describe the installed Prefect SDK: regenerated here and compared, so an SDK
upgrade that changes which schedules Prefect accepts or the dates it computes fails this test (rerun
test/unit/schedule-fixtures.py and look at the diff). Needs no server."""
import importlib.util
import json
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "unit" / "schedule-fixtures.py"


def load_generator():
    spec = importlib.util.spec_from_file_location("schedule_fixtures", FIXTURES)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_fixtures_match_the_installed_sdk():
    gen = load_generator()
    committed = json.loads(gen.OUT.read_text())
    fresh = json.loads(gen.render(gen.build()))
    by_name = {c["name"]: c for c in committed["dates"]}
    for case in fresh["dates"]:
        assert case == by_name.get(case["name"]), f"dates differ for {case['name']!r}"
    assert [c["name"] for c in fresh["dates"]] == [c["name"] for c in committed["dates"]]
    # The version the fixtures were made with is recorded, not compared: only a change in behaviour fails.
    assert fresh["validity"] == committed["validity"]
