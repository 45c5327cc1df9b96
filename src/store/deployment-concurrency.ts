// The store's half of deployment concurrency (orchestration/rules/deployment-concurrency.ts): inside a
// flow run's set_state transaction, load the deployment's limit (locked) for the rules, and carry out the
// effects they ask for. A deployment with concurrency_limit N has the global limit "deployment:<id>"
// (Prefect's name), made or brought in line with N here, when a run first needs it; a deployment linked to
// a global limit (global_concurrency_limit_id) uses that one. Slots are only ever held by leases, so a
// release ends the run's lease and nothing else.
import { addSeconds, nowTimestamp } from "../core/time.ts";
import type { Op } from "../db/driver.ts";
import { exec, row } from "../db/driver.ts";
import { sql } from "../db/sql-tag.ts";
import { decayed } from "../orchestration/concurrency-slots.ts";
import type { DeploymentConcurrency, Effect, FlowRunSnapshot, State, StateCreate } from "../orchestration/index.ts";
import type { ConcurrencyConfig } from "../settings/server-config.ts";
import { acquireOp, type LimitRow, lockLimitsOp, revokeLeasesOp, V1_LEASE_SECONDS } from "./concurrency-slots.ts";
import { type Fragments, list } from "./sql.ts";

const HOLDS_SLOT = new Set(["PENDING", "RUNNING", "CANCELLING"]);

/** Whether the rules of this transition look at the deployment's limit. */
function needed(run: FlowRunSnapshot, initial: State | null, proposed: StateCreate, force: boolean): boolean {
  if (force || !run.deployment_id) return false;
  if (proposed.type === "PENDING") return !HOLDS_SLOT.has(initial?.type ?? "");
  if (proposed.type === "RUNNING") return initial?.type === "PENDING";
  return proposed.type === "SCHEDULED" && proposed.name === "Late" && initial?.type === "SCHEDULED";
}

export function* loadDeploymentConcurrencyOp(
  run: FlowRunSnapshot,
  initial: State | null,
  proposed: StateCreate,
  force: boolean,
  settings: ConcurrencyConfig,
  d: Fragments,
): Op<DeploymentConcurrency | null> {
  if (!needed(run, initial, proposed, force)) return null;
  const dep = yield* row<{
    id: string;
    concurrency_limit: number | null;
    concurrency_options: { collision_strategy?: string; grace_period_seconds?: number | null } | null;
    global_concurrency_limit_id: string | null;
  }>(sql`
    SELECT id, concurrency_limit, concurrency_options, global_concurrency_limit_id FROM deployment
    WHERE id = ${run.deployment_id}`);
  const base = {
    found: Boolean(dep),
    limit: null,
    strategy: dep?.concurrency_options?.collision_strategy === "CANCEL_NEW" ? "CANCEL_NEW" : "ENQUEUE",
    leaseSeconds: dep?.concurrency_options?.grace_period_seconds ?? settings.initialDeploymentLeaseSeconds,
    slotWaitSeconds: settings.deploymentSlotWaitSeconds,
    leaseAlive: false,
    newLeaseId: Bun.randomUUIDv7(),
  } satisfies DeploymentConcurrency;
  if (!dep) return base;
  const limit = yield* deploymentLimitOp(dep, d);
  // An inactive limit limits nothing.
  if (!limit?.active) return base;
  const now = nowTimestamp();
  const leaseId = initial?.state_details.deployment_concurrency_lease_id;
  const alive = leaseId
    ? Boolean(yield* row(sql`SELECT 1 AS n FROM concurrency_lease WHERE id = ${leaseId} AND expiration > ${now}`))
    : false;
  const counters = decayed(limit, now, settings);
  return {
    ...base,
    limit: { id: limit.id, limit: Number(limit.limit), active_slots: counters.active_slots },
    leaseAlive: alive,
  };
}

/** The deployment's limit row, locked: its linked global limit, or "deployment:<id>" kept at its concurrency_limit. */
function* deploymentLimitOp(
  dep: { id: string; concurrency_limit: number | null; global_concurrency_limit_id: string | null },
  d: Fragments,
): Op<LimitRow | null> {
  if (dep.global_concurrency_limit_id) {
    const [linked] = yield* lockLimitsOp("id", [dep.global_concurrency_limit_id], d);
    return linked ?? null;
  }
  if (dep.concurrency_limit === null || dep.concurrency_limit === undefined) return null;
  const name = `deployment:${dep.id}`;
  const now = nowTimestamp();
  // Two runs of one deployment may both be first: the unique name lets one insert and both lock it.
  yield* exec(sql`
    INSERT INTO concurrency_limit_v2 (id, created, updated, active, name, "limit")
    VALUES (${Bun.randomUUIDv7()}, ${now}, ${now}, ${true}, ${name}, ${dep.concurrency_limit})
    ON CONFLICT (name) DO NOTHING`);
  const [limit] = yield* lockLimitsOp("name", [name], d);
  if (!limit) return null;
  if (Number(limit.limit) === dep.concurrency_limit) return limit;
  yield* exec(sql`UPDATE concurrency_limit_v2 SET "limit" = ${dep.concurrency_limit} WHERE id = ${limit.id}`);
  return { ...limit, limit: dep.concurrency_limit };
}

/** A deleted deployment's own limit goes with it (Prefect deletes the related limit too). */
export function* deleteDeploymentLimitsOp(deploymentIds: string[]): Op<void> {
  if (!deploymentIds.length) return;
  yield* exec(
    sql`DELETE FROM concurrency_limit_v2 WHERE name IN (${list(deploymentIds.map((id) => `deployment:${id}`))})`,
  );
}

type DeploymentEffect = Extract<
  Effect,
  {
    kind:
      | "take_deployment_concurrency_slot"
      | "renew_deployment_concurrency_lease"
      | "drop_deployment_concurrency_lease"
      | "release_deployment_concurrency_slot";
  }
>;

export const isDeploymentEffect = (e: Effect): e is DeploymentEffect =>
  e.kind === "take_deployment_concurrency_slot" ||
  e.kind === "renew_deployment_concurrency_lease" ||
  e.kind === "drop_deployment_concurrency_lease" ||
  e.kind === "release_deployment_concurrency_slot";

export function* deploymentConcurrencyEffectOp(
  effect: DeploymentEffect,
  runId: string,
  settings: ConcurrencyConfig,
  d: Fragments,
): Op<void> {
  const now = nowTimestamp();
  switch (effect.kind) {
    case "take_deployment_concurrency_slot": {
      // The limit row is still locked from the load, and the rule saw a free slot: this cannot be denied.
      const [limit] = yield* lockLimitsOp("id", [effect.limit_id], d);
      if (!limit) return;
      yield* acquireOp(
        {
          names: [limit.name],
          slots: 1,
          mode: "concurrency",
          leaseSeconds: effect.lease_seconds,
          holder: { type: "flow_run", id: runId },
          leaseId: effect.lease_id,
        },
        now,
        settings,
        d,
      );
      return;
    }
    case "renew_deployment_concurrency_lease":
      yield* exec(sql`
        UPDATE concurrency_lease SET expiration = ${addSeconds(now, effect.lease_seconds)}, updated = ${now}
        WHERE id = ${effect.lease_id}`);
      return;
    case "drop_deployment_concurrency_lease":
      // Prefect revokes it; here it stops expiring instead, so the slot it holds still comes back when
      // the run leaves (the release below ends it).
      yield* exec(sql`
        UPDATE concurrency_lease SET expiration = ${addSeconds(now, V1_LEASE_SECONDS)}, updated = ${now}
        WHERE id = ${effect.lease_id}`);
      return;
    case "release_deployment_concurrency_slot":
      if (effect.lease_id) yield* revokeLeasesOp([effect.lease_id], now, settings, d);
      return;
  }
}
