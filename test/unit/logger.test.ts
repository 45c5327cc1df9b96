// The server's logger: one line per message, an error's stack only at DEBUG, passwords masked.
import { afterEach, describe, expect, test } from "bun:test";
import { errorText, log, setLogLevel, setLogSink } from "../../src/core/logger.ts";

const capture = () => {
  const lines: string[] = [];
  setLogSink((l) => void lines.push(l));
  return lines;
};
afterEach(() => {
  setLogSink(null);
  setLogLevel("WARNING");
});

describe("logger", () => {
  test("an unexpected error at the default level is one line with its message, no stack", () => {
    const lines = capture();
    setLogLevel("WARNING");
    const e = new TypeError("boom\n    at frame (file.ts:1:1)");
    log.error("POST /api/x failed", e);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} \| ERROR {4}\| prefect\.server - POST \/api\/x failed: TypeError: boom at frame/,
    );
    expect(lines[0]).not.toContain("\n");
  });

  test("at DEBUG the stack follows on its own line", () => {
    const lines = capture();
    setLogLevel("DEBUG");
    log.error("failed", new Error("boom"));
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain("at ");
  });

  test("levels filter, and passwords in messages and errors are masked", () => {
    const lines = capture();
    setLogLevel("WARNING");
    log.info("hidden");
    log.debug("hidden");
    log.warn("could not reach postgresql://u:TopSecret99@db/x", new Error("for postgres://u:TopSecret99@db/x"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain("TopSecret99");
    expect(lines[0]).toContain("u:********@db");
    expect(errorText("plain")).toBe("plain");
  });
});
