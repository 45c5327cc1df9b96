"""Generates test/unit/schedule-fixtures.json with the installed Prefect SDK, the reference for
src/schedules/: what Prefect's server models accept or refuse (prefect.server.schemas.schedules) and
the dates their get_dates(n, start=, end=) return, across DST changes in several zones.

    .venv/bin/python test/unit/schedule-fixtures.py           # rewrite the JSON
    .venv/bin/python test/unit/schedule-fixtures.py --check   # exit 1 when the JSON is stale

test/compat/test_schedule_fixtures.py runs build() and compares, so an SDK upgrade that changes
behaviour is caught.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import sys
import warnings
from pathlib import Path

from pydantic import ValidationError

warnings.filterwarnings("ignore")

from prefect.server.schemas.schedules import CronSchedule, IntervalSchedule, RRuleSchedule  # noqa: E402

OUT = Path(__file__).with_name("schedule-fixtures.json")
HOUR = 3600
DAY = 86400

# Spring-forward and fall-back in 2026: New York 8 Mar / 1 Nov (02:00), Paris 29 Mar (02:00) / 25 Oct
# (03:00), Sydney 4 Oct (02:00, spring) / 5 Apr (03:00, autumn).
ZONES = {
    "America/New_York": ("2026-03-08", "2026-11-01"),
    "Europe/Paris": ("2026-03-29", "2026-10-25"),
    "Australia/Sydney": ("2026-10-04", "2026-04-05"),
}


def ts(d: datetime.datetime) -> str:
    return d.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_dt(s: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))


def day_before(date: str, days: int = 2) -> str:
    return ts(parse_dt(f"{date}T00:00:00Z") - datetime.timedelta(days=days))


def model_for(json_schedule: dict):
    if "interval" in json_schedule:
        return IntervalSchedule
    if "cron" in json_schedule:
        return CronSchedule
    return RRuleSchedule


def dates_case(name: str, schedule: dict, start: str, n: int, end: str | None = None) -> dict:
    model = model_for(schedule).model_validate(schedule)
    got = asyncio.run(model.get_dates(n=n, start=parse_dt(start), end=parse_dt(end) if end else None))
    case = {"name": name, "schedule": schedule, "start": start, "n": n, "dates": [ts(d) for d in got]}
    if end:
        case["end"] = end
    return case


def validity_case(schedule: dict) -> dict:
    try:
        model = model_for(schedule).model_validate(schedule)
    except ValidationError as exc:
        err = exc.errors()[0]
        return {"schedule": schedule, "ok": False, "loc": list(err["loc"]), "msg": err["msg"][:160]}
    dumped = model.model_dump(mode="json")
    if "anchor_date" in dumped:
        dumped["anchor_date"] = ts(parse_dt(dumped["anchor_date"]))
    return {"schedule": schedule, "ok": True, "model": dumped}


def interval_cases() -> list[dict]:
    out = []
    for tz, (spring, autumn) in ZONES.items():
        for label, date in (("spring", spring), ("autumn", autumn)):
            anchor = day_before(date, 10)
            start = day_before(date, 1)
            for secs, what in ((HOUR, "hourly"), (15 * 60, "15 min"), (DAY, "daily"), (2 * DAY, "2-daily"),
                               (7 * DAY, "weekly"), (DAY + 6 * HOUR, "30 h")):
                out.append(dates_case(f"interval {what} {tz} {label}",
                                      {"interval": secs, "anchor_date": anchor, "timezone": tz}, start, 12))
            # A daily anchor at 02:30 local time: on the spring day that time does not exist.
            local_230 = {"America/New_York": "07:30", "Europe/Paris": "01:30", "Australia/Sydney": "15:30"}[tz]
            d = parse_dt(f"{date}T{local_230}:00Z") - datetime.timedelta(days=12)
            if tz == "Australia/Sydney":
                d -= datetime.timedelta(days=1)
            anchor_230 = ts(d)
            out.append(dates_case(f"interval daily 02:30 {tz} {label}",
                                  {"interval": DAY, "anchor_date": anchor_230, "timezone": tz}, start, 8))
            # Starting well after the change: the series has passed through it (in spring, 02:30 became 03:30).
            out.append(dates_case(f"interval daily 02:30 {tz} {label} start after the change",
                                  {"interval": DAY, "anchor_date": anchor_230, "timezone": tz}, day_before(date, -10), 4))
            out.append(dates_case(f"interval 2-daily 02:30 {tz} {label} start after the change",
                                  {"interval": 2 * DAY, "anchor_date": anchor_230, "timezone": tz},
                                  day_before(date, -10), 4))
            # Start before the anchor: dates are counted back from it.
            out.append(dates_case(f"interval daily start before anchor {tz} {label}",
                                  {"interval": DAY, "anchor_date": day_before(date, -5), "timezone": tz},
                                  day_before(date, 3), 10))
    out.append(dates_case("interval 1 s, n=5", {"interval": 1, "anchor_date": "2026-01-01T00:00:00Z"},
                          "2026-06-01T12:00:00.250000Z", 5))
    out.append(dates_case("interval 2.5 s fractional", {"interval": 2.5, "anchor_date": "2026-01-01T00:00:00Z"},
                          "2026-06-01T12:00:00Z", 5))
    out.append(dates_case("interval 1 s, n=2000 (candidate cap)",
                          {"interval": 1, "anchor_date": "2026-01-01T00:00:00Z"}, "2026-06-01T00:00:00Z", 2000))
    out.append(dates_case("interval hourly UTC with end", {"interval": HOUR, "anchor_date": "2026-01-01T00:30:00Z"},
                          "2026-06-01T00:00:00Z", 100, "2026-06-01T05:30:00Z"))
    out.append(dates_case("interval daily UTC", {"interval": DAY, "anchor_date": "2020-01-01T09:00:00Z"},
                          "2026-06-01T10:00:00Z", 3))
    out.append(dates_case("interval offset anchor, no timezone",
                          {"interval": DAY, "anchor_date": "2026-03-01T09:00:00+05:00"}, "2026-03-05T00:00:00Z", 3))
    out.append(dates_case("interval start equals a date", {"interval": HOUR, "anchor_date": "2026-01-01T00:00:00Z"},
                          "2026-06-01T03:00:00Z", 2))
    out.append(dates_case("interval end before start", {"interval": HOUR, "anchor_date": "2026-01-01T00:00:00Z"},
                          "2026-06-01T03:00:00Z", 5, "2026-06-01T01:00:00Z"))
    out.append(dates_case("interval 30 days New York across both changes",
                          {"interval": 30 * DAY, "anchor_date": "2025-12-20T14:00:00Z", "timezone": "America/New_York"},
                          "2026-01-01T00:00:00Z", 14))
    return out


def cron_cases() -> list[dict]:
    out = []
    for tz, (spring, autumn) in ZONES.items():
        for label, date in (("spring", spring), ("autumn", autumn)):
            start = day_before(date, 1)
            for cron in ("0 * * * *", "*/30 * * * *", "30 2 * * *", "0 2 * * *", "0 3 * * *", "30 1 * * *",
                         "15 2,3 * * *", "0 9 * * 1-5"):
                out.append(dates_case(f"cron {cron} {tz} {label}", {"cron": cron, "timezone": tz}, start, 30))
            # Starts inside the skipped or repeated hour (the local 02:xx / 01:xx, or 02:xx in Paris autumn).
            instant = {
                ("America/New_York", "spring"): "07:10", ("America/New_York", "autumn"): "06:10",
                ("Europe/Paris", "spring"): "01:10", ("Europe/Paris", "autumn"): "01:10",
                ("Australia/Sydney", "spring"): "16:10", ("Australia/Sydney", "autumn"): "16:10",
            }[(tz, label)]
            at = ts(parse_dt(f"{date}T{instant}:00Z") - datetime.timedelta(days=1 if tz == "Australia/Sydney" else 0))
            # Every 2 s: the repeated hour alone holds more than the 1,002 candidates Prefect looks at.
            for cron in ("*/20 * * * *", "0 * * * *", "30 2 * * *", "* * * * * */2"):
                out.append(dates_case(f"cron {cron} {tz} {label} start inside the change",
                                      {"cron": cron, "timezone": tz}, at, 8))
    out += [
        dates_case("cron 6-field seconds last", {"cron": "0 * * * * 30"}, "2026-06-01T00:00:00Z", 4),
        dates_case("cron 6-field every 15 s", {"cron": "* * * * * */15"}, "2026-06-01T00:00:07Z", 6),
        dates_case("cron 6-field New York spring", {"cron": "30 2 * * * 15", "timezone": "America/New_York"},
                   "2026-03-06T00:00:00Z", 4),
        dates_case("cron 7-field year", {"cron": "0 12 1 * * 0 2030"}, "2026-06-01T00:00:00Z", 3),
        dates_case("cron day_or true", {"cron": "0 0 13 * 5", "day_or": True}, "2026-01-01T00:00:00Z", 8),
        dates_case("cron day_or false", {"cron": "0 0 13 * 5", "day_or": False}, "2026-01-01T00:00:00Z", 4),
        dates_case("cron day_or false, dom star", {"cron": "0 0 * * 5", "day_or": False}, "2026-01-01T00:00:00Z", 3),
        dates_case("cron dom step with dow, day_or", {"cron": "0 0 */10 * 1"}, "2026-01-01T00:00:00Z", 6),
        dates_case("cron start with microseconds", {"cron": "* * * * *"}, "2026-06-01T00:00:00.500000Z", 3),
        dates_case("cron start on the minute", {"cron": "* * * * *"}, "2026-06-01T00:00:00Z", 3),
        dates_case("cron with end", {"cron": "0 * * * *"}, "2026-06-01T00:00:00Z", 100, "2026-06-01T04:00:00Z"),
        dates_case("cron every second, n=1500 (candidate cap)", {"cron": "* * * * * *"}, "2026-06-01T00:00:00Z", 1500),
        dates_case("cron names", {"cron": "0 8 * jan,jul mon-fri", "timezone": "Europe/Paris"},
                   "2026-06-28T00:00:00Z", 5),
        dates_case("cron last day", {"cron": "0 0 L * *"}, "2026-01-01T00:00:00Z", 4),
        dates_case("cron nth weekday", {"cron": "0 0 * * 5#2"}, "2026-01-01T00:00:00Z", 3),
        dates_case("cron last weekday", {"cron": "0 0 * * L5"}, "2026-01-01T00:00:00Z", 3),
        dates_case("cron @daily", {"cron": "@daily", "timezone": "Australia/Sydney"}, "2026-04-03T00:00:00Z", 4),
        dates_case("cron @hourly", {"cron": "@hourly"}, "2026-04-03T00:10:00Z", 2),
        dates_case("cron @weekly", {"cron": "@weekly"}, "2026-04-03T00:10:00Z", 2),
        dates_case("cron @monthly", {"cron": "@monthly"}, "2026-04-03T00:10:00Z", 2),
        dates_case("cron @yearly", {"cron": "@yearly"}, "2026-04-03T00:10:00Z", 2),
        dates_case("cron @annually", {"cron": "@annually"}, "2026-04-03T00:10:00Z", 2),
        dates_case("cron @midnight", {"cron": "@midnight"}, "2026-04-03T00:10:00Z", 2),
        dates_case("cron sunday as 7", {"cron": "0 0 * * 7"}, "2026-01-01T00:00:00Z", 2),
        dates_case("cron wrapping range", {"cron": "0 0 * * 6-1"}, "2026-01-01T00:00:00Z", 4),
        dates_case("cron value/step", {"cron": "5/20 * * * *"}, "2026-01-01T00:00:00Z", 4),
        dates_case("cron wrapping minute range", {"cron": "58-2 * * * *"}, "2026-01-01T00:00:00Z", 6),
        dates_case("cron step over range", {"cron": "*/90 * * * *"}, "2026-01-01T00:00:00Z", 3),
        dates_case("cron no timezone", {"cron": "0 9 * * *", "timezone": None}, "2026-01-01T00:00:00Z", 2),
    ]
    return out


def rrule_cases() -> list[dict]:
    out = []
    for tz, (spring, autumn) in ZONES.items():
        for label, date in (("spring", spring), ("autumn", autumn)):
            start = day_before(date, 1)
            dt = date.replace("-", "")
            prev = day_before(date, 5)[:10].replace("-", "")
            for rule in (f"DTSTART:{prev}T023000\nRRULE:FREQ=DAILY",
                         f"DTSTART:{prev}T013000\nRRULE:FREQ=DAILY",
                         f"DTSTART:{prev}T000000\nRRULE:FREQ=HOURLY",
                         f"DTSTART:{prev}T000000\nRRULE:FREQ=MINUTELY;INTERVAL=30",
                         f"DTSTART:{prev}T090000\nRRULE:FREQ=DAILY;BYHOUR=1,2,3;BYMINUTE=30",
                         f"DTSTART;TZID={tz}:{prev}T023000\nRRULE:FREQ=DAILY;COUNT=8",
                         f"DTSTART:{prev}T023000Z\nRRULE:FREQ=DAILY;UNTIL={dt}T235959Z",
                         "FREQ=HOURLY;INTERVAL=5",
                         f"DTSTART:{prev}T020000\nRRULE:FREQ=WEEKLY;BYDAY=SU,MO\nEXDATE:{dt}T020000\n"
                         f"RDATE:{dt}T023000,{dt}T120000"):
                out.append(dates_case(f"rrule {rule!r} {tz} {label}", {"rrule": rule, "timezone": tz}, start, 24))
    out += [
        dates_case("rrule no DTSTART daily", {"rrule": "FREQ=DAILY;BYHOUR=9"}, "2026-06-01T10:00:00Z", 3),
        dates_case("rrule no DTSTART minutely", {"rrule": "FREQ=MINUTELY;INTERVAL=7"}, "2026-06-01T10:00:00Z", 5),
        dates_case("rrule RRULE: prefix", {"rrule": "RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=8;BYMINUTE=15"},
                   "2026-06-01T00:00:00Z", 5),
        dates_case("rrule monthly last friday", {"rrule": "DTSTART:20260101T170000\nRRULE:FREQ=MONTHLY;BYDAY=-1FR",
                                                  "timezone": "Europe/Paris"}, "2026-02-01T00:00:00Z", 4),
        dates_case("rrule yearly", {"rrule": "DTSTART:20240229T120000\nRRULE:FREQ=YEARLY"}, "2025-01-01T00:00:00Z",
                   3),
        dates_case("rrule count exhausted", {"rrule": "DTSTART:20260101T000000\nRRULE:FREQ=DAILY;COUNT=3"},
                   "2026-06-01T00:00:00Z", 5),
        dates_case("rrule with end", {"rrule": "DTSTART:20260101T000000\nRRULE:FREQ=HOURLY"},
                   "2026-06-01T00:00:00Z", 50, "2026-06-01T03:00:00Z"),
        dates_case("rrule set two rules + EXRULE",
                   {"rrule": "DTSTART:20260601T090000\nRRULE:FREQ=DAILY;BYHOUR=9\nRRULE:FREQ=DAILY;BYHOUR=17\n"
                             "EXRULE:FREQ=WEEKLY;BYDAY=SA,SU;BYHOUR=9,17", "timezone": "America/New_York"},
                   "2026-06-01T00:00:00Z", 10),
        dates_case("rrule set RDATE only", {"rrule": "RDATE:20260701T100000Z,20260615T100000Z\nRDATE:20260801T100000Z",
                                            "timezone": "Europe/Paris"}, "2026-06-01T00:00:00Z", 5),
        dates_case("rrule EXDATE with TZID",
                   {"rrule": "DTSTART;TZID=Europe/Paris:20260601T080000\nRRULE:FREQ=DAILY;COUNT=5\n"
                             "EXDATE;TZID=Europe/Paris:20260602T080000,20260604T080000", "timezone": "Europe/Paris"},
                   "2026-05-01T00:00:00Z", 5),
        dates_case("rrule secondly every 10 s", {"rrule": "DTSTART:20260601T000000\nRRULE:FREQ=SECONDLY;INTERVAL=10"},
                   "2026-06-02T00:00:05Z", 4),
        dates_case("rrule BYSETPOS", {"rrule": "DTSTART:20260101T090000\nRRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;"
                                                "BYSETPOS=-1"}, "2026-01-01T00:00:00Z", 4),
        dates_case("rrule lowercase", {"rrule": "dtstart:20260101T090000\nrrule:freq=daily;interval=2"},
                   "2026-01-01T00:00:00Z", 3),
        dates_case("rrule hourly, no DTSTART, years of history",
                   {"rrule": "FREQ=HOURLY;INTERVAL=7;BYMINUTE=5", "timezone": "America/New_York"},
                   "2026-03-07T00:00:00Z", 12),
        dates_case("rrule weekly interval 3, no DTSTART", {"rrule": "FREQ=WEEKLY;INTERVAL=3;BYDAY=TU"},
                   "2026-06-01T00:00:00Z", 4),
        dates_case("rrule daily interval 9 BYMONTH, no DTSTART", {"rrule": "FREQ=DAILY;INTERVAL=9;BYMONTH=3,11",
                                                                  "timezone": "America/New_York"},
                   "2026-03-01T00:00:00Z", 6),
        dates_case("rrule n=1500 (candidate cap)", {"rrule": "DTSTART:20260601T000000\nRRULE:FREQ=MINUTELY"},
                   "2026-06-01T00:00:00Z", 1500),
    ]
    return out


VALIDITY = [
    # interval
    {"interval": 60},
    {"interval": 0.5, "anchor_date": "2026-01-01T00:00:00Z", "timezone": "Europe/Paris"},
    {"interval": 60, "anchor_date": "2026-01-01T00:00:00"},
    {"interval": 60, "anchor_date": "2026-01-01T00:00:00-04:00"},
    {"interval": 0},
    {"interval": -5},
    {"interval": "abc"},
    {"interval": True},
    {"interval": 60, "timezone": "Mars/Olympus"},
    {"interval": 60, "timezone": "america/new_york"},
    {"interval": 60, "timezone": "US/Eastern"},
    {"interval": 60, "anchor_date": "not a date"},
    # cron
    {"cron": "0 * * * *"},
    {"cron": "0 9 * * *", "timezone": "Europe/Paris", "day_or": False},
    {"cron": "0 9 * * *", "timezone": "Nowhere/Else"},
    {"cron": "0 9 * * *", "timezone": "UTC"},
]
CRONS = ["0 * * * *", "*/5 * * * *", "0 0 * * * 30", "0 0 * * * * 2030", "0 0 30 2 *", "0 0 31 4 *", "? * * * *",
         "0 0 L * *", "0 0 * * 5L", "0 0 * * 5#2", "0 0 * * L5", "0 0 * * sun", "0 0 * jan-mar mon-fri", "0 0 * * 7",
         "5/15 * * * *", "60 * * * *", "* 24 * * *", "0 0 0 * *", "0 0 * 13 *", "0 0 15W * *", "H * * * *",
         "h * * * *", "R * * * *", "@daily", "@hourly", "@weekly", "@monthly", "@yearly", "@annually", "@midnight",
         "@reboot", "1-5/2 * * * *", "*/0 * * * *", "* * * *", "* * * * * * * *", "0 0 1,15 * 1", "0 0 * * 1-7",
         "0 0 * * 6-2", "59-1 * * * *", "*/90 * * * *", " 0  0 * * * ", "0 0 1 1 * 0 1969", "0 0 * * * 0 2100",
         "0 0 * * 8", "0 0 * * mon#5", "0 0 LW * *", "0 0 l * *", "", "0 0 * * * 60", "a b c d e", "0-59/5 * * * *",
         "0 0 * * MON-FRI", "0 0 1-31/2 * *", "0,30 9-17 * * 1-5", "*/15 */2 * * *", "0 0 * * 0#1", "0 0 * * 1#6",
         "1,2-4,*/7 * * * *", "0 12 * * * 30 2030-2035", "@every 5m", "0 0 29 2 *", "0 0 */2 * * 5"]
RRULES = ["FREQ=DAILY", "RRULE:FREQ=DAILY", "FREQ=DAILY;COUNT=3", "FREQ=DAILY;UNTIL=20300101T000000Z",
          "FREQ=DAILY;UNTIL=20300101T000000", "DTSTART:20260101T000000Z\nRRULE:FREQ=DAILY;UNTIL=20300101T000000Z",
          "FREQ=SOMETIMES", "not an rrule", "", "FREQ=DAILY;BYHOUR=25", "FREQ=WEEKLY;BYDAY=XX",
          "DTSTART:20260101T000000\nRRULE:FREQ=DAILY\nEXDATE:20260102T000000", "RDATE:20260101T000000",
          "EXDATE:20260101T000000", "FREQ=DAILY;INTERVAL=0", "FREQ=DAILY;BYEASTER=0", "FREQ=DAILY;FOO=1",
          "DTSTART:2026\nRRULE:FREQ=DAILY", "FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=2",
          "FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO", "FREQ=DAILY;COUNT=2;UNTIL=20300101T000000"]
TIMEZONES = ["UTC", "Etc/UTC", "GMT", "EST", "America/New_York", "america/new_york", "Europe/Paris", "Mars/Olympus",
             "Asia/Calcutta", None]


def build() -> dict:
    validity = [validity_case(s) for s in VALIDITY]
    validity += [validity_case({"cron": c}) for c in CRONS]
    validity += [validity_case({"rrule": r}) for r in RRULES]
    validity += [validity_case({"rrule": "FREQ=DAILY", "timezone": tz}) for tz in TIMEZONES]
    validity = [{k: v for k, v in c.items() if not (k == "model" and "interval" in c["schedule"]
                                                     and "anchor_date" not in c["schedule"])}
                for c in validity]
    return {
        "prefect": __import__("prefect").__version__,
        "dates": interval_cases() + cron_cases() + rrule_cases(),
        "validity": validity,
    }


def render(data: dict) -> str:
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    text = render(build())
    if "--check" in sys.argv:
        sys.exit(0 if OUT.read_text() == text else 1)
    OUT.write_text(text)
    print(f"wrote {OUT}")
