// Row codecs come from the tables themselves (schema/pg.ts), one per table, merged for joins.
import { describe, expect, test } from "bun:test";
import { ANY_ROW, decodeRow, rowCodec, TABLE_CODECS } from "../../src/db/rows.ts";
import * as tables from "../../src/db/schema/pg.ts";

describe("row codecs", () => {
  test("each table's columns decode by their declared types", () => {
    const run = TABLE_CODECS.flow_run;
    expect(run.get("tags")).toBe("json");
    expect(run.get("parameters")).toBe("json");
    expect(run.get("expected_start_time")).toBe("timestamp");
    expect(run.get("run_count")).toBe("number");
    expect(run.get("total_run_time")).toBe("number");
    expect(run.get("auto_scheduled")).toBe("boolean");
    expect(run.get("name")).toBeUndefined();
    expect(TABLE_CODECS.log.get("level")).toBe("number");
    expect(TABLE_CODECS.events.get("payload")).toBe("json");
    expect(Object.keys(TABLE_CODECS)).toEqual(
      expect.arrayContaining(["flow", "flow_run", "task_run", "log", "events"]),
    );
  });

  test("a join takes the second table under a prefix, as run queries alias their state", () => {
    const codec = rowCodec(tables.flowRun, [tables.flowRunState, "state_"]);
    expect(codec.get("state_state_details")).toBe("json");
    expect(codec.get("state_data")).toBe("json");
    expect(codec.get("state_created")).toBe("timestamp");
    expect(codec.get("state_message")).toBeUndefined();
  });

  test("decoding per dialect: SQLite's text JSON and 0/1, PostgreSQL's timestamps and bigint counts", () => {
    const codec = rowCodec(tables.flowRun, { count: "number" });
    expect(decodeRow({ tags: '["a"]', auto_scheduled: 1, name: "[not json]" }, "sqlite", codec)).toEqual({
      tags: ["a"],
      auto_scheduled: true,
      name: "[not json]",
    });
    expect(decodeRow({ start_time: "2026-08-21 12:00:00.1+00", count: "12" }, "pg", codec)).toEqual({
      start_time: "2026-08-21T12:00:00.100000Z",
      count: 12,
    });
    // Without a codec, any table's column names apply, and aggregates the stores select.
    expect(decodeRow({ labels: "{}", count: "3" }, "pg")).toEqual({ labels: "{}", count: 3 });
    expect(ANY_ROW.get("state_state_details")).toBe("json");
  });
});
