// retryConflictVictims (db/errors.ts): a transaction PostgreSQL made a deadlock's or serialization
// conflict's victim runs again, up to three times in all; any other error, or a fourth conflict, is
// the caller's at once.
import { expect, test } from "bun:test";
import { retryConflictVictims } from "../../src/db/errors.ts";

const failing = (codes: string[]) => {
  let calls = 0;
  const run = async () => {
    const code = codes[calls++];
    if (code) throw Object.assign(new Error(`failed with ${code}`), { code });
    return "done";
  };
  return { run, calls: () => calls };
};

test("deadlock and serialization victims run again", async () => {
  const f = failing(["40P01", "40001"]);
  expect(await retryConflictVictims(f.run)).toBe("done");
  expect(f.calls()).toBe(3);
});

test("other errors and a third conflict are thrown", async () => {
  const other = failing(["23505"]);
  await expect(retryConflictVictims(other.run)).rejects.toThrow("23505");
  expect(other.calls()).toBe(1);
  const stuck = failing(["40P01", "40P01", "40P01", "40P01"]);
  await expect(retryConflictVictims(stuck.run)).rejects.toThrow("40P01");
  expect(stuck.calls()).toBe(3);
});
