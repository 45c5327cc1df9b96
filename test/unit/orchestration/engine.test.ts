import { describe, expect, test } from "bun:test";
import {
  abort,
  accept,
  ALL_FROM,
  ALL_STATES,
  reject,
  states,
  type PolicyEntry,
  type Rule,
  type RuleContext,
} from "../../../src/orchestration/context.ts";
import { runAfterPass, runBeforePass } from "../../../src/orchestration/engine.ts";
import { makeDraft, type StateDraft, type StateType } from "../../../src/orchestration/states.ts";
import { flowRun, state, T0 } from "./helpers.ts";

const base = (initialType: StateType | null): Omit<RuleContext, "proposed"> => ({
  kind: "flow_run",
  run: flowRun(),
  initial: initialType ? state(initialType) : null,
  now: T0,
  clientVersion: null,
  flowRun: null,
  cachedState: null,
  deploymentConcurrency: null,
  tagConcurrency: null,
  random: null,
  maxCacheKeyLength: 2000,
});

/** A rule that records that it ran and returns a fixed outcome. */
function probe(name: string, to: StateType[], outcome: ReturnType<typeof accept>, log: string[]): Rule {
  return {
    name,
    from: ALL_FROM,
    to: new Set(to),
    before: () => {
      log.push(name);
      return outcome;
    },
    after: () => {
      log.push(`after:${name}`);
      return {};
    },
  };
}

describe("rule mechanics", () => {
  test("rules fire in order when FROM and TO match", () => {
    const log: string[] = [];
    const entries = [
      probe("a", ["RUNNING"], accept(), log),
      probe("b", ["COMPLETED"], accept(), log),
      { ...probe("c", ["RUNNING"], accept(), log), from: states("SCHEDULED") },
      probe("d", ["RUNNING"], accept(), log),
    ];
    const r = runBeforePass(entries, base("PENDING"), makeDraft("RUNNING"));
    expect(log).toEqual(["a", "d"]);
    expect(r.fired).toEqual(["a", "d"]);
    expect(r.status).toBe("ACCEPT");
  });

  test("after a rejection into another type, later rules no longer match", () => {
    const log: string[] = [];
    const entries = [
      probe("retry", ["FAILED"], reject(makeDraft("SCHEDULED", { name: "AwaitingRetry" }), "Retrying"), log),
      probe("onFailed", ["FAILED"], accept(), log),
      probe("onScheduled", ["SCHEDULED"], accept(), log), // the intended type was FAILED
    ];
    const r = runBeforePass(entries, base("RUNNING"), makeDraft("FAILED"));
    expect(log).toEqual(["retry"]);
    expect(r.status).toBe("REJECT");
    expect(r.proposed?.name).toBe("AwaitingRetry");
  });

  test("a rejection that keeps the type lets later rules run", () => {
    const log: string[] = [];
    const entries = [
      probe("same", ["COMPLETED"], reject(makeDraft("COMPLETED", { name: "Again" }), "same type"), log),
      probe("later", ["COMPLETED"], accept(), log),
    ];
    const r = runBeforePass(entries, base("RUNNING"), makeDraft("COMPLETED"));
    expect(log).toEqual(["same", "later"]);
    expect(r.status).toBe("REJECT");
    expect(r.details).toEqual({ type: "reject_details", reason: "same type" });
  });

  test("wait and abort stop everything after them", () => {
    for (const outcome of [abort("no"), { decision: { kind: "wait" as const, delaySeconds: 3.9, reason: "later" } }]) {
      const log: string[] = [];
      const r = runBeforePass(
        [probe("x", ["RUNNING"], outcome, log), probe("y", ["RUNNING"], accept(), log)],
        base("PENDING"),
        makeDraft("RUNNING"),
      );
      expect(log).toEqual(["x"]);
      expect(r.proposed).toBeNull();
    }
    const waited = runBeforePass(
      [probe("w", ["RUNNING"], { decision: { kind: "wait", delaySeconds: 3.9, reason: "later" } }, [])],
      base("PENDING"),
      makeDraft("RUNNING"),
    );
    expect(waited.details).toEqual({ type: "wait_details", delay_seconds: 3, reason: "later" });
  });

  test("a rule whose transition was changed by a later rule fizzles: its updates are undone, no after hook", () => {
    const log: string[] = [];
    const entries: PolicyEntry[] = [
      { ...probe("first", ["RUNNING"], accept(undefined, { run_count: 99 }), log) },
      probe("second", ["RUNNING"], abort("stop"), log),
    ];
    const r = runBeforePass(entries, base("PENDING"), makeDraft("RUNNING"));
    expect(r.run.run_count).toBe(0);
    expect(r.entered.map((e) => e.entry.name)).toEqual(["second"]);
    runAfterPass(r.entered, base("PENDING"), r.status, r.run, null);
    expect(log).toEqual(["first", "second", "after:second"]);
  });

  test("updates of rules that stay valid are visible to later rules and kept", () => {
    const seen: number[] = [];
    const entries: Rule[] = [
      { name: "set", from: ALL_FROM, to: ALL_STATES, before: () => accept(undefined, { run_count: 7 }) },
      {
        name: "read",
        from: ALL_FROM,
        to: ALL_STATES,
        before: (ctx) => {
          seen.push(ctx.run.run_count);
          return accept();
        },
      },
    ];
    const r = runBeforePass(entries, base("PENDING"), makeDraft("RUNNING"));
    expect(seen).toEqual([7]);
    expect(r.run.run_count).toBe(7);
  });

  test("after hooks run in reverse order", () => {
    const log: string[] = [];
    const entries = [probe("a", ["RUNNING"], accept(), log), probe("b", ["RUNNING"], accept(), log)];
    const r = runBeforePass(entries, base("PENDING"), makeDraft("RUNNING"));
    runAfterPass(r.entered, base("PENDING"), r.status, r.run, null);
    expect(log).toEqual(["a", "b", "after:b", "after:a"]);
  });

  test("transforms see every transition, even a nullified one", () => {
    const seen: (string | null)[] = [];
    const entries: PolicyEntry[] = [
      { name: "stop", from: ALL_FROM, to: ALL_STATES, before: () => abort("x") },
      {
        name: "t",
        universal: true,
        before: (ctx: { proposed: StateDraft | null }) => {
          seen.push(ctx.proposed?.type ?? null);
          return ctx.proposed;
        },
      },
    ];
    runBeforePass(entries, base("PENDING"), makeDraft("RUNNING"));
    expect(seen).toEqual([null]);
  });

  test("misbehaving rules are programming errors", () => {
    const retype: Rule = { name: "retype", from: ALL_FROM, to: ALL_STATES, before: () => accept(makeDraft("FAILED")) };
    expect(() => runBeforePass([retype], base("PENDING"), makeDraft("RUNNING"))).toThrow(/must reject instead/);
    const rejectNone: Rule = { name: "none", from: ALL_FROM, to: ALL_STATES, before: () => reject(null, "x") };
    expect(() => runBeforePass([rejectNone], base(null), makeDraft("RUNNING"))).toThrow(/no state/);
  });
});
