// The memory trim runs once after a busy spell goes quiet, never while idle or busy, on both databases.
import { describe, expect, test } from "bun:test";
import { memoryTrimmer, QUIET_REQUESTS } from "../../src/db/memory-trim.ts";
import { openDatabase } from "../../src/db/open.ts";
import { parseDatabaseUrl } from "../../src/db/url.ts";
import { DIALECTS } from "../support/databases.ts";

describe.each(DIALECTS)("memory trim on $name", ({ url }) => {
  test("quiet from the start: nothing; busy: nothing; busy then quiet: one trim; quiet again: nothing", async () => {
    const db = await openDatabase(parseDatabaseUrl(await url()));
    try {
      let requests = 0;
      const tick = memoryTrimmer(db, () => requests);
      requests += QUIET_REQUESTS - 1;
      expect(tick()).toBeUndefined();
      requests += 500;
      expect(tick()).toBeUndefined();
      requests += 500;
      expect(tick()).toBeUndefined();
      requests += 2; // a health check or two is still quiet
      expect(tick()).toMatch(/^trimmed after load: RSS \d+ → \d+ MB$/);
      expect(tick()).toBeUndefined();
      expect(tick()).toBeUndefined();
    } finally {
      await db.close();
    }
  });
});
