// src/schedules/ against the installed Prefect SDK: test/unit/schedule-fixtures.json holds what
// prefect.server.schemas.schedules accepts and the dates its get_dates() returns (regenerate with
// `.venv/bin/python test/unit/schedule-fixtures.py`; test/compat/test_schedule_fixtures.py checks it is
// current). Plus the refusals' field paths, the defaults, the bounds and the speed.
import { describe, expect, test } from "bun:test";
import { AppError, isFieldIssues } from "../../src/core/errors";
import { describeSchedule, parseSchedule, scheduleDates, type Schedule } from "../../src/schedules";
import fixtures from "./schedule-fixtures.json";

interface DatesCase {
  name: string;
  schedule: Record<string, unknown>;
  start: string;
  end?: string;
  n: number;
  dates: string[];
}

interface ValidityCase {
  schedule: Record<string, unknown>;
  ok: boolean;
  model?: Record<string, unknown>;
  msg?: string;
}

const NOW = "2026-01-01T00:00:00.000000Z";

/** The refusal parseSchedule throws, as { path, msg, type }. */
function refusal(json: unknown, path: string[] = ["schedule"]) {
  try {
    parseSchedule(json, path, NOW);
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    const err = e as AppError;
    expect(err.kind).toBe("invalid");
    expect(isFieldIssues(err.detail)).toBe(true);
    const [issue] = (err.detail as { fields: Array<{ path: string[]; msg: string; type: string }> }).fields;
    expect(err.message).toBe(issue.msg);
    return issue;
  }
  throw new Error(`accepted: ${JSON.stringify(json)}`);
}

describe("dates match Prefect's get_dates", () => {
  for (const c of fixtures.dates as DatesCase[]) {
    test(c.name, () => {
      const schedule = parseSchedule(c.schedule, ["schedule"], NOW);
      expect(scheduleDates(schedule, { start: c.start, end: c.end, n: c.n })).toEqual(c.dates);
    });
  }

  test("the fixtures cover both DST changes in three zones for every kind", () => {
    const names = (fixtures.dates as DatesCase[]).map((c) => c.name);
    for (const kind of [
      "interval hourly",
      "interval daily",
      "interval 30 h",
      "cron 0 * * * *",
      "cron 30 2 * * *",
      "rrule",
    ]) {
      for (const zone of ["America/New_York", "Europe/Paris", "Australia/Sydney"]) {
        for (const season of ["spring", "autumn"]) {
          expect(names.some((n) => n.startsWith(kind) && n.includes(zone) && n.includes(season))).toBe(true);
        }
      }
    }
  });
});

// What prefect-lite refuses although Prefect accepts it: each would fail or spin when dates are computed
// (or, for `true`, is not a number of seconds).
const STRICTER: Record<string, string> = {
  '{"interval":true}': "Input should be a valid timedelta",
  '{"cron":"0 0 30 2 *"}': 'Value error, Cron string "0 0 30 2 *" never matches a date',
  '{"cron":"0 0 31 4 *"}': 'Value error, Cron string "0 0 31 4 *" never matches a date',
  '{"rrule":"FREQ=DAILY;INTERVAL=0"}': "INTERVAL must be a whole number of at least 1",
  '{"rrule":"FREQ=DAILY;BYEASTER=0"}': "BYEASTER is not supported",
  '{"rrule":"DTSTART:2026\\nRRULE:FREQ=DAILY"}': "unknown string format: 2026",
  '{"rrule":"FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=2"}': "it never fires",
};

describe("accepts and refuses what Prefect's models do", () => {
  for (const c of fixtures.validity as ValidityCase[]) {
    const key = JSON.stringify(c.schedule);
    test(key, () => {
      const stricter = STRICTER[key];
      if (stricter) {
        expect(refusal(c.schedule).msg).toContain(stricter);
        return;
      }
      if (c.ok) {
        const got = parseSchedule(c.schedule, ["schedule"], NOW);
        if (c.model) expect(got as unknown).toEqual(c.model);
        return;
      }
      const issue = refusal(c.schedule);
      // Prefect's timezone messages come from a pattern or a model validator; ours name the field.
      if (key.includes('"timezone"')) expect(issue.path).toEqual(["schedule", "timezone"]);
      else expect(issue.msg).toBe(c.msg!);
    });
  }
});

describe("parseSchedule", () => {
  test("each refusal names its field under the given path", { timeout: 30_000 }, () => {
    const at = ["deployment", "schedules", 0, "schedule"] as unknown as string[];
    expect(refusal({ interval: 0 }, at)).toEqual({
      path: [...at, "interval"],
      msg: "Value error, interval must be positive",
      type: "value_error",
    });
    expect(refusal({ interval: -1 }).path).toEqual(["schedule", "interval"]);
    expect(refusal({ interval: 1e-7 }).msg).toBe("Value error, interval must be positive");
    expect(refusal({ interval: "3600" })).toMatchObject({ path: ["schedule", "interval"], type: "time_delta_parsing" });
    expect(refusal({ interval: null })).toMatchObject({ path: ["schedule", "interval"], type: "time_delta_type" });
    expect(refusal({ interval: 1e12 }).path).toEqual(["schedule", "interval"]);
    expect(refusal({ interval: 60, anchor_date: "soon" })).toEqual({
      path: ["schedule", "anchor_date"],
      msg: "Value error, Unable to parse string [soon]",
      type: "value_error",
    });
    expect(refusal({ interval: 60, anchor_date: "1600-01-01T00:00:00Z" }).path).toEqual(["schedule", "anchor_date"]);
    expect(refusal({ interval: 60, timezone: "Mars/Olympus" })).toEqual({
      path: ["schedule", "timezone"],
      msg: 'Value error, Invalid timezone: "Mars/Olympus" (specify in IANA tzdata format, for example, America/New_York)',
      type: "value_error",
    });
    expect(refusal({ cron: "0 9 * * *", timezone: 5 })).toMatchObject({
      path: ["schedule", "timezone"],
      type: "string_type",
    });
    expect(refusal({ cron: "61 * * * *" })).toEqual({
      path: ["schedule", "cron"],
      msg: 'Value error, Invalid cron string: "61 * * * *"',
      type: "value_error",
    });
    expect(refusal({ cron: 5 })).toMatchObject({ path: ["schedule", "cron"], type: "string_type" });
    expect(refusal({ cron: "0 9 * * *", day_or: "yes" })).toMatchObject({
      path: ["schedule", "day_or"],
      type: "bool_type",
    });
    expect(refusal({ rrule: "FREQ=SOMETIMES" })).toEqual({
      path: ["schedule", "rrule"],
      msg: `Value error, Invalid RRule string "FREQ=SOMETIMES": invalid 'FREQ': SOMETIMES`,
      type: "value_error",
    });
    expect(refusal({ rrule: "INTERVAL=2" }).msg).toContain("FREQ is required");
    expect(refusal({ rrule: "DTSTART:20260101T000000\nRRULE:FREQ=DAILY\nX-FOO:1" }).msg).toContain(
      "unsupported property: X-FOO",
    );
    expect(refusal({ rrule: `RDATE:${Array(600).fill("20260101T000000").join(",")}` }).msg).toContain(
      "Max length is 6500",
    );
    expect(refusal({ rrule: "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30" }).msg).toContain("it never fires");
    expect(refusal({ rrule: "FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30" }).msg).toContain("it never fires");
    expect(refusal({ rrule: "FREQ=DAILY", timezone: "Nowhere" }).path).toEqual(["schedule", "timezone"]);
    expect(refusal({ every: "day" })).toMatchObject({ path: ["schedule"], type: "value_error" });
    expect(refusal("0 * * * *")).toMatchObject({ path: ["schedule"], type: "dict_type" });
    expect(refusal(null)).toMatchObject({ path: ["schedule"], type: "dict_type" });
  });

  test("Prefect's defaults", () => {
    expect(parseSchedule({ interval: 60 }, [], NOW)).toEqual({ interval: 60, anchor_date: NOW, timezone: "UTC" });
    expect(parseSchedule({ interval: 60, anchor_date: "2026-03-01T09:00:00+05:00" }, [])).toEqual({
      interval: 60,
      anchor_date: "2026-03-01T04:00:00.000000Z",
      timezone: "UTC",
    });
    expect(parseSchedule({ cron: "0 9 * * *" }, [])).toEqual({ cron: "0 9 * * *", timezone: null, day_or: true });
    expect(parseSchedule({ rrule: "FREQ=DAILY" }, [])).toEqual({ rrule: "FREQ=DAILY", timezone: "UTC" });
    expect(parseSchedule({ rrule: "FREQ=DAILY", timezone: null }, [])).toEqual({ rrule: "FREQ=DAILY", timezone: null });
    // Unknown keys are ignored rather than refused (newer clients keep working).
    expect(parseSchedule({ cron: "0 9 * * *", extra: 1 }, [])).toEqual({
      cron: "0 9 * * *",
      timezone: null,
      day_or: true,
    });
    // Without an anchor the default is the current time.
    const anchor = (parseSchedule({ interval: 60 }, []) as { anchor_date: string }).anchor_date;
    expect(anchor).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });
});

describe("scheduleDates is bounded", () => {
  const at = (s: Record<string, unknown>) => parseSchedule(s, [], NOW);

  test("n, end and the 1,002-candidate limit", { timeout: 30_000 }, () => {
    const everySecond = at({ interval: 1, anchor_date: NOW });
    expect(scheduleDates(everySecond, { start: NOW, n: 5 })).toHaveLength(5);
    expect(scheduleDates(everySecond, { start: NOW, n: 1_000_000 })).toHaveLength(1002);
    expect(scheduleDates(everySecond, { start: NOW, end: "2026-01-01T00:00:09Z", n: 100 })).toHaveLength(10);
    expect(scheduleDates(everySecond, { start: NOW, n: 0 })).toEqual([]);
    expect(scheduleDates(at({ cron: "* * * * * *" }), { start: NOW, n: 1_000_000 })).toHaveLength(1002);
    expect(scheduleDates(at({ rrule: "FREQ=SECONDLY" }), { start: NOW, n: 1_000_000 })).toHaveLength(1002);
  });

  test("nothing past the year 2199, and fast when nothing comes", { timeout: 30_000 }, () => {
    const t = performance.now();
    expect(scheduleDates(at({ interval: 86_400 * 3650, anchor_date: NOW }), { start: NOW, n: 100 })).toHaveLength(18);
    expect(scheduleDates(at({ cron: "0 0 29 2 *" }), { start: "2190-01-01T00:00:00Z", n: 100 })).toHaveLength(2);
    expect(scheduleDates(at({ rrule: "FREQ=DAILY;COUNT=3" }), { start: NOW, n: 5 })).toEqual([]);
    expect(
      scheduleDates(at({ rrule: "DTSTART:20260101T000000\nRRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29" }), {
        start: NOW,
        n: 3,
      }),
    ).toEqual(["2028-02-29T00:00:00.000000Z", "2032-02-29T00:00:00.000000Z", "2036-02-29T00:00:00.000000Z"]);
    expect(performance.now() - t).toBeLessThan(10_000);
  });

  test("an old high-frequency RRULE without DTSTART does not walk its history", () => {
    const t = performance.now();
    const dates = scheduleDates(at({ rrule: "FREQ=MINUTELY;INTERVAL=7", timezone: "Europe/Paris" }), {
      start: "2026-06-01T00:00:00Z",
      n: 100,
    });
    expect(dates).toHaveLength(100);
    expect(performance.now() - t).toBeLessThan(500);
  });

  test("speed: 100 dates for each of 1,000 schedules", { timeout: 60_000 }, () => {
    const zones = ["America/New_York", "Europe/Paris", "Australia/Sydney", "UTC", "Asia/Tokyo"];
    const schedules: Schedule[] = [];
    for (let i = 0; i < 1000; i++) {
      const timezone = zones[i % zones.length];
      const kind = i % 3;
      schedules.push(
        kind === 0
          ? at({
              interval: [60, 3600, 86_400][i % 3 === 0 ? (i / 3) % 3 : 0],
              anchor_date: "2024-01-01T00:00:00Z",
              timezone,
            })
          : kind === 1
            ? at({ cron: `${i % 60} ${i % 2 ? "*" : "9"} * * *`, timezone })
            : at({ rrule: `FREQ=HOURLY;INTERVAL=${(i % 5) + 1};BYMINUTE=${i % 60}`, timezone }),
      );
    }
    const t = performance.now();
    let total = 0;
    for (const s of schedules) total += scheduleDates(s, { start: "2026-03-01T00:00:00Z", n: 100 }).length;
    const ms = performance.now() - t;
    console.log(`schedules: 1,000 schedules × 100 dates in ${ms.toFixed(0)} ms`);
    expect(total).toBe(100_000);
    // ~0.5 s on an idle machine; the bound only catches a walk through history or a lost cache.
    expect(ms).toBeLessThan(15_000);
  });
});

describe("describeSchedule", () => {
  const words = (s: Record<string, unknown>) => describeSchedule(parseSchedule(s, [], NOW));
  test("in a few words", () => {
    expect(words({ interval: 3600 })).toBe("Every hour");
    expect(words({ interval: 3 })).toBe("Every 3 seconds");
    expect(words({ interval: 86_400 * 2 })).toBe("Every 2 days");
    expect(words({ interval: 604_800 })).toBe("Every week");
    expect(words({ interval: 1.5 })).toBe("Every 1.5 seconds");
    expect(words({ cron: "0 9 * * *", timezone: "Europe/Paris" })).toBe("At 09:00, Europe/Paris");
    expect(words({ cron: "*/15 * * * *" })).toBe("Every 15 minutes");
    expect(words({ cron: "0 * * * * 30" })).toBe("At 30 seconds past the minute, on the hour");
    expect(words({ cron: "0 0 * * L5" })).toBe("At 00:00, on the last Friday of the month");
    expect(words({ rrule: "FREQ=WEEKLY;BYDAY=MO,FR;BYHOUR=9", timezone: "America/New_York" })).toBe(
      "Every week on Monday, Friday at 9, America/New_York",
    );
    expect(words({ rrule: "RDATE:20260101T000000" })).toBe("On set dates");
  });
});
