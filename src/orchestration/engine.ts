// The rule runner: Prefect's nested rule contexts (rules.py) flattened into two passes.
//
// Before pass, in policy order. A rule is entered when the initial type is in its FROM set, the
// *intended* type (the proposal's type before any rule ran) is in its TO set, and the proposal still
// has that type. So once a rule rejects into another type, or nullifies the proposal (reject with
// "current state", wait, abort), later rules stay out; a rejection that keeps the type (CacheInsertion)
// lets later rules run. This is the installed Prefect's behaviour, which the contract's wording of
// "re-matched against the new type" simplifies.
//
// Fizzling: a rule entered for (from -> intended) whose own decision did not produce the final
// proposal's type "fizzles". Its run updates are undone (Prefect's cleanup()) and its after hook
// does not run. A rule that rejected/waited/aborted owns the change and does not fizzle.
//
// After pass, in reverse order (context managers unwinding): after hooks of the rules that stayed
// valid, and of universal transforms, see the written state (or null) and the bookkept run.
import type {
  AfterContext,
  AfterOutcome,
  AnyRun,
  Effect,
  PolicyEntry,
  ResponseDetails,
  Rule,
  RuleContext,
  RunPatch,
  SetStateStatus,
  Transform,
} from "./context.ts";
import type { State, StateDraft, StateType } from "./states.ts";

export type { ResponseDetails, SetStateStatus } from "./context.ts";

export interface Entered {
  entry: PolicyEntry;
  /** The type this rule expects the final proposal to have; null after it nullified the proposal. */
  toType: StateType | null;
  runUpdates?: RunPatch;
}

export interface BeforePassResult {
  status: SetStateStatus;
  details: ResponseDetails;
  /** The proposal to write, or null when nothing is written. */
  proposed: StateDraft | null;
  /** The run with the updates of every rule that did not fizzle. */
  run: AnyRun;
  /** Entries whose after hooks may run, in entry order. */
  entered: Entered[];
  /** Names of the rules that were entered (for debugging and tests). */
  fired: string[];
}

export function isTransform(entry: PolicyEntry): entry is Transform {
  return (entry as Transform).universal === true;
}

/** Shallow merge; nested objects such as empirical_policy are replaced whole by the rules that set them. */
export function applyPatch<T extends AnyRun>(run: T, patch: RunPatch | undefined): T {
  return patch ? ({ ...run, ...patch } as T) : run;
}

export function runBeforePass(
  entries: readonly PolicyEntry[],
  base: Omit<RuleContext, "proposed">,
  proposal: StateDraft,
): BeforePassResult {
  const initialType = base.initial?.type ?? null;
  const intended = proposal.type;
  let proposed: StateDraft | null = proposal;
  let run = base.run;
  let status: SetStateStatus = "ACCEPT";
  let details: ResponseDetails = { type: "accept_details" };
  const entered: Entered[] = [];
  const fired: string[] = [];

  for (const entry of entries) {
    if (isTransform(entry)) {
      if (entry.before) proposed = entry.before({ ...base, run, proposed });
      entered.push({ entry, toType: null });
      continue;
    }
    if (!entry.from.has(initialType) || !entry.to.has(intended)) continue;
    if (proposed === null || proposed.type !== intended) continue;

    const outcome = entry.before({ ...base, run, proposed });
    fired.push(entry.name);
    const record: Entered = { entry, toType: intended, runUpdates: outcome.runUpdates };
    run = applyPatch(run, outcome.runUpdates);
    const decision = outcome.decision;
    switch (decision.kind) {
      case "accept":
        if (outcome.proposed) {
          if (outcome.proposed.type !== intended) {
            throw new Error(`${entry.name} changed the proposed type while accepting; it must reject instead.`);
          }
          proposed = outcome.proposed;
        }
        break;
      case "reject":
        if (decision.state === null && base.initial === null) {
          throw new Error(`${entry.name}: the run has no state; a rejection must provide a new state.`);
        }
        proposed = decision.state;
        record.toType = decision.state?.type ?? null;
        status = "REJECT";
        details = { type: "reject_details", reason: decision.reason };
        break;
      case "wait":
        proposed = null;
        record.toType = null;
        status = "WAIT";
        details = { type: "wait_details", delay_seconds: Math.trunc(decision.delaySeconds), reason: decision.reason };
        break;
      case "abort":
        proposed = null;
        record.toType = null;
        status = "ABORT";
        details = { type: "abort_details", reason: decision.reason };
        break;
    }
    entered.push(record);
  }

  const finalType = proposed?.type ?? null;
  const valid = entered.filter((e) => isTransform(e.entry) || e.toType === finalType);
  if (valid.length !== entered.length) {
    run = base.run;
    for (const e of valid) run = applyPatch(run, e.runUpdates);
  }
  return { status, details, proposed, run, entered: valid, fired };
}

export interface AfterPassResult {
  run: AnyRun;
  effects: Effect[];
  emitEvent: boolean;
}

export function runAfterPass(
  entered: readonly Entered[],
  base: Omit<AfterContext, "run" | "validated" | "status">,
  status: SetStateStatus,
  run: AnyRun,
  validated: State | null,
): AfterPassResult {
  const effects: Effect[] = [];
  let emitEvent = false;
  for (const { entry } of [...entered].reverse()) {
    const hook = (entry as Rule | Transform).after;
    if (!hook) continue;
    const out: AfterOutcome = hook({ ...base, run, validated, status });
    run = applyPatch(run, out.runUpdates);
    if (out.effects) effects.push(...out.effects);
    if (out.emitEvent) emitEvent = true;
  }
  return { run, effects, emitEvent };
}
