import { describe, expect, test } from "bun:test";
import {
  addMicroseconds,
  addSeconds,
  compareTimestamps,
  diffMicroseconds,
  diffSeconds,
  isNormalizedTimestamp,
  normalizeTimestamp,
  nowTimestamp,
} from "../../src/core/time.ts";

describe("normalizeTimestamp", () => {
  test.each([
    ["2026-08-21T12:00:00.123456Z", "2026-08-21T12:00:00.123456Z"],
    ["2026-08-21T12:00:00.123456+00:00", "2026-08-21T12:00:00.123456Z"],
    ["2026-08-21T12:00:00Z", "2026-08-21T12:00:00.000000Z"],
    ["2026-08-21T12:00:00", "2026-08-21T12:00:00.000000Z"], // naive is UTC
    ["2026-08-21 12:00:10.123456+00:00", "2026-08-21T12:00:10.123456Z"], // Python str(datetime)
    ["2026-08-21t12:00:00z", "2026-08-21T12:00:00.000000Z"],
    ["2026-08-21T12:00Z", "2026-08-21T12:00:00.000000Z"],
    ["2026-08-21", "2026-08-21T00:00:00.000000Z"],
    ["2026-08-21T12:00:00.1Z", "2026-08-21T12:00:00.100000Z"],
    ["2026-08-21T12:00:00.12345Z", "2026-08-21T12:00:00.123450Z"],
    ["2026-08-21T12:00:00.123456789Z", "2026-08-21T12:00:00.123456Z"], // truncated, not rounded
    ["2026-08-21T12:00:00.999999999Z", "2026-08-21T12:00:00.999999Z"],
    ["2026-08-21T12:00:00,5Z", "2026-08-21T12:00:00.500000Z"],
    ["  2026-08-21T12:00:00Z  ", "2026-08-21T12:00:00.000000Z"],
  ])("%s -> %s", (input, expected) => {
    expect(normalizeTimestamp(input)).toBe(expected);
  });

  test("converts offsets to UTC, keeping microseconds", () => {
    expect(normalizeTimestamp("2026-08-21T14:30:00.000001+02:30")).toBe("2026-08-21T12:00:00.000001Z");
    expect(normalizeTimestamp("2026-08-21T07:00:00.5-05:00")).toBe("2026-08-21T12:00:00.500000Z");
    expect(normalizeTimestamp("2026-08-21T12:00:00+0530")).toBe("2026-08-21T06:30:00.000000Z");
    expect(normalizeTimestamp("2026-08-21T12:00:00+05")).toBe("2026-08-21T07:00:00.000000Z");
  });

  test("offsets cross day, month and year boundaries", () => {
    expect(normalizeTimestamp("2026-08-21T23:30:00.250000-01:00")).toBe("2026-08-22T00:30:00.250000Z");
    expect(normalizeTimestamp("2026-09-01T00:15:00+01:00")).toBe("2026-08-31T23:15:00.000000Z");
    expect(normalizeTimestamp("2027-01-01T01:00:00.000007+02:00")).toBe("2026-12-31T23:00:00.000007Z");
    expect(normalizeTimestamp("2026-12-31T22:00:00-03:00")).toBe("2027-01-01T01:00:00.000000Z");
  });

  test("a normalised value comes back unchanged, and parses to the same instant as any other form", () => {
    expect(normalizeTimestamp("2024-02-29T23:59:59.999999Z")).toBe("2024-02-29T23:59:59.999999Z");
    expect(diffMicroseconds("2024-03-01T00:00:00.000000Z", "2024-02-29T23:59:59.999999Z")).toBe(1);
    expect(diffMicroseconds("2024-03-01T01:00:00+01:00", "2024-02-29T23:59:59.999999Z")).toBe(1);
    expect(diffSeconds("2001-01-01T00:00:00.000000Z", "2000-01-01T00:00:00.000000Z")).toBe(366 * 86_400);
  });

  test("leap years", () => {
    expect(normalizeTimestamp("2024-02-29T12:00:00Z")).toBe("2024-02-29T12:00:00.000000Z");
    expect(normalizeTimestamp("2000-02-29T00:00:00Z")).toBe("2000-02-29T00:00:00.000000Z");
    expect(normalizeTimestamp("2024-03-01T00:30:00+01:00")).toBe("2024-02-29T23:30:00.000000Z");
    expect(normalizeTimestamp("2023-03-01T00:30:00+01:00")).toBe("2023-02-28T23:30:00.000000Z");
    expect(normalizeTimestamp("2023-02-29T00:00:00Z")).toBeNull();
    expect(normalizeTimestamp("1900-02-29T00:00:00Z")).toBeNull();
  });

  test.each([
    "",
    "not a date",
    "2026-13-01T00:00:00Z",
    "2026-00-10T00:00:00Z",
    "2026-04-31T00:00:00Z",
    "2026-08-21T24:00:00Z",
    "2026-08-21T12:60:00Z",
    "2026-08-21T12:00:60Z",
    "2026-08-21T12:00:00+24:00",
    "2026-08-21T12:00:00.Z",
    "2026-08-21T12:00:00.1234567890Z",
    "2026-8-21T12:00:00Z",
    "0001-01-01T00:30:00+01:00", // year 0 after conversion
    "2026-08-21T12:00:00ZZ",
    // Already in the normalised shape, yet not a time (the fast path checks fields too).
    "2026-02-30T12:00:00.000000Z",
    "2023-02-29T00:00:00.000000Z",
    "0000-06-01T00:00:00.000000Z",
    "2026-13-01T00:00:00.000000Z",
    "2026-08-21T24:00:00.000000Z",
    "2026-08-21T12:00:60.000000Z",
  ])("rejects %p", (input) => {
    expect(normalizeTimestamp(input)).toBeNull();
  });

  test("non-strings are invalid", () => {
    expect(normalizeTimestamp(undefined as unknown as string)).toBeNull();
    expect(normalizeTimestamp(12 as unknown as string)).toBeNull();
  });

  test("isNormalizedTimestamp", () => {
    expect(isNormalizedTimestamp("2026-08-21T12:00:00.123456Z")).toBe(true);
    expect(isNormalizedTimestamp("2026-08-21T12:00:00Z")).toBe(false);
    expect(isNormalizedTimestamp("2026-02-30T12:00:00.000000Z")).toBe(false);
  });
});

describe("compareTimestamps", () => {
  test("orders by instant, not by text", () => {
    expect(compareTimestamps("2026-08-21T12:00:00.000001Z", "2026-08-21T12:00:00Z")).toBeGreaterThan(0);
    expect(compareTimestamps("2026-08-21T14:00:00+02:00", "2026-08-21T12:00:00Z")).toBe(0);
    expect(compareTimestamps("2026-08-21T13:00:00+02:00", "2026-08-21T12:00:00Z")).toBeLessThan(0);
    expect(compareTimestamps("2026-08-21 12:00:00.5", "2026-08-21T12:00:00.499999Z")).toBeGreaterThan(0);
  });

  test("throws on invalid input", () => {
    expect(() => compareTimestamps("nope", "2026-08-21T12:00:00Z")).toThrow(RangeError);
    // Normalised in shape, not a date: no text comparison lets it through.
    expect(() => compareTimestamps("2026-02-30T00:00:00.000000Z", "2026-08-21T12:00:00.000000Z")).toThrow(RangeError);
  });
});

describe("addSeconds / addMicroseconds", () => {
  test("keeps microseconds", () => {
    expect(addSeconds("2026-08-21T12:00:00.123456Z", 1)).toBe("2026-08-21T12:00:01.123456Z");
    expect(addSeconds("2026-08-21T12:00:00.123456Z", 0.000001)).toBe("2026-08-21T12:00:00.123457Z");
    expect(addSeconds("2026-08-21T12:00:00.123456Z", 2.5)).toBe("2026-08-21T12:00:02.623456Z");
  });

  test("carries microseconds into seconds, minutes, days, years", () => {
    expect(addMicroseconds("2026-08-21T12:00:00.999999Z", 1)).toBe("2026-08-21T12:00:01.000000Z");
    expect(addMicroseconds("2026-08-21T23:59:59.999999Z", 1)).toBe("2026-08-22T00:00:00.000000Z");
    expect(addMicroseconds("2026-12-31T23:59:59.999999Z", 1)).toBe("2027-01-01T00:00:00.000000Z");
    expect(addSeconds("2024-02-28T23:59:59.500000Z", 0.5)).toBe("2024-02-29T00:00:00.000000Z");
  });

  test("negative amounts borrow", () => {
    expect(addSeconds("2026-08-21T00:00:00.000000Z", -0.000001)).toBe("2026-08-20T23:59:59.999999Z");
    expect(addSeconds("2027-01-01T00:00:00.000000Z", -86400)).toBe("2026-12-31T00:00:00.000000Z");
    expect(addSeconds("2024-03-01T00:00:00Z", -1)).toBe("2024-02-29T23:59:59.000000Z");
  });

  test("accepts any valid input format and returns the normalised one", () => {
    expect(addSeconds("2026-08-21 14:00:00+02:00", 30)).toBe("2026-08-21T12:00:30.000000Z");
  });

  test("rounds sub-microsecond amounts", () => {
    expect(addSeconds("2026-08-21T12:00:00Z", 0.0000004)).toBe("2026-08-21T12:00:00.000000Z");
    expect(addSeconds("2026-08-21T12:00:00Z", 0.0000006)).toBe("2026-08-21T12:00:00.000001Z");
  });

  test("throws on bad input", () => {
    expect(() => addSeconds("bad", 1)).toThrow(RangeError);
    expect(() => addSeconds("2026-08-21T12:00:00Z", Number.NaN)).toThrow(RangeError);
    expect(() => addSeconds("9999-12-31T23:59:59.999999Z", 1)).toThrow(RangeError);
  });
});

describe("diffSeconds", () => {
  test("microsecond precision", () => {
    expect(diffSeconds("2026-08-21T12:00:01.000001Z", "2026-08-21T12:00:00Z")).toBe(1.000001);
    expect(diffSeconds("2026-08-21T12:00:00Z", "2026-08-21T12:00:01.5Z")).toBe(-1.5);
    expect(diffMicroseconds("2026-08-21T12:00:00.000001Z", "2026-08-21T12:00:00Z")).toBe(1);
  });

  test("across days and leap days, with offsets", () => {
    expect(diffSeconds("2024-03-01T00:00:00Z", "2024-02-28T00:00:00Z")).toBe(2 * 86400);
    expect(diffSeconds("2023-03-01T00:00:00Z", "2023-02-28T00:00:00Z")).toBe(86400);
    expect(diffSeconds("2026-08-22T01:00:00+02:00", "2026-08-21T22:00:00-01:00")).toBe(0);
  });

  test("large spans stay exact", () => {
    expect(diffSeconds("9999-12-31T00:00:00Z", "0001-01-01T00:00:00Z") / 86400).toBe(3652058);
    // 100 years with 24 leap days (2100 is not one).
    expect(diffSeconds("2126-08-21T12:00:00.000001Z", "2026-08-21T12:00:00Z")).toBe(3155673600.000001);
  });
});

describe("nowTimestamp", () => {
  test("is normalised and close to Date.now()", () => {
    const now = nowTimestamp();
    expect(isNormalizedTimestamp(now)).toBe(true);
    const ms = Date.parse(now);
    expect(Math.abs(ms - Date.now())).toBeLessThan(1000);
  });

  test("never reads backwards or twice the same, however fast it is called", () => {
    const seen = Array.from({ length: 20_000 }, () => nowTimestamp());
    for (let i = 1; i < seen.length; i++) expect(seen[i]! > seen[i - 1]!).toBe(true);
    expect(Math.abs(Date.parse(seen.at(-1)!) - Date.now())).toBeLessThan(1000);
  });
});
