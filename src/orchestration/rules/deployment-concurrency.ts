// Deployment concurrency limits (Prefect's core_policy.py): a run of a deployment with a limit takes a
// slot on entering PENDING, under a lease whose id travels in state_details.deployment_concurrency_lease_id
// and which the flow process renews; leaving PENDING/RUNNING/CANCELLING gives the slot back. The store
// pre-loads the deployment's limit (context.ts DeploymentConcurrency) and performs the effects these
// rules ask for in the same transaction, so the decision and the slot it takes cannot drift apart.
import {
  abort,
  accept,
  exceptFrom,
  reject,
  states,
  type FlowRunSnapshot,
  type Rule,
  type Transform,
} from "../context.ts";
import { makeDraft, type StateType } from "../states.ts";
import { addSeconds } from "../../core/time.ts";

const LIMIT_REACHED = "Deployment concurrency limit reached.";

/** Clients from 3.4.11 renew their deployment lease; older ones cannot (Prefect's dependencies.py). */
const LEASING_CLIENT = [3, 4, 11];

export function clientRenewsLeases(version: string | null): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version ?? "");
  if (!m) return false;
  const v = [Number(m[1]), Number(m[2]), Number(m[3])];
  for (let i = 0; i < 3; i++) if (v[i] !== LEASING_CLIENT[i]) return v[i]! > LEASING_CLIENT[i]!;
  return true;
}

/** Workers re-propose states without the lease id; losing it would leak the slot. */
export const PreserveDeploymentConcurrencyLeaseId: Transform = {
  name: "PreserveDeploymentConcurrencyLeaseId",
  universal: true,
  before({ initial, proposed }) {
    const leaseId = initial?.state_details.deployment_concurrency_lease_id;
    if (!proposed || !leaseId || proposed.state_details.deployment_concurrency_lease_id) return proposed;
    return { ...proposed, state_details: { ...proposed.state_details, deployment_concurrency_lease_id: leaseId } };
  },
};

/**
 * Carries the lease id from PENDING to RUNNING. For clients that renew leases, the lease is renewed
 * here; one the repossessor took while the worker provisioned is taken again if a slot is free, and
 * otherwise the run is cancelled (its infrastructure is up, it cannot go back to waiting).
 */
export const ValidateDeploymentConcurrencyAtRunning: Rule = {
  name: "ValidateDeploymentConcurrencyAtRunning",
  from: states("PENDING"),
  to: states("RUNNING"),
  before({ initial, proposed, deploymentConcurrency: dc, clientVersion }) {
    if (!initial) return accept();
    const leaseId = initial.state_details.deployment_concurrency_lease_id ?? null;
    const carried = {
      ...proposed,
      state_details: { ...proposed.state_details, deployment_concurrency_lease_id: leaseId },
    };
    if (!leaseId || !clientRenewsLeases(clientVersion) || !dc?.limit || dc.leaseAlive) return accept(carried);
    if (dc.limit.active_slots + 1 <= dc.limit.limit)
      return accept({
        ...carried,
        state_details: { ...carried.state_details, deployment_concurrency_lease_id: dc.newLeaseId },
      });
    return reject(
      makeDraft("CANCELLED", {
        message: "Deployment concurrency slot lost during provisioning - no slots available to continue execution",
      }),
      "Deployment concurrency limit reached after lease expiry.",
    );
  },
  after({ initial, validated, deploymentConcurrency: dc }) {
    const leaseId = validated?.state_details.deployment_concurrency_lease_id;
    if (!dc?.limit || !leaseId || validated?.type !== "RUNNING") return {};
    if (leaseId === dc.newLeaseId)
      return {
        effects: [
          {
            kind: "take_deployment_concurrency_slot",
            limit_id: dc.limit.id,
            lease_id: leaseId,
            lease_seconds: dc.leaseSeconds,
          },
        ],
      };
    if (leaseId === initial?.state_details.deployment_concurrency_lease_id && dc.leaseAlive)
      return {
        effects: [{ kind: "renew_deployment_concurrency_lease", lease_id: leaseId, lease_seconds: dc.leaseSeconds }],
      };
    return {};
  },
};

/**
 * Entering PENDING takes a slot of the deployment's limit under a new lease. A full limit REJECTs into
 * Scheduled/"AwaitingConcurrencySlot" a little later (ENQUEUE, the default) or into Cancelled
 * (CANCEL_NEW); a limit of 0 or a deployment that is gone ABORTs.
 */
export const SecureFlowConcurrencySlots: Rule = {
  name: "SecureFlowConcurrencySlots",
  from: exceptFrom("PENDING", "RUNNING", "CANCELLING"),
  to: states("PENDING"),
  before({ proposed, deploymentConcurrency: dc, now }) {
    if (!dc) return accept();
    if (!dc.found) return abort("Deployment not found.");
    if (!dc.limit) return accept();
    if (dc.limit.limit === 0)
      return abort("The deployment concurrency limit is 0. The flow will deadlock if submitted again.");
    if (dc.limit.active_slots + 1 <= dc.limit.limit)
      return accept({
        ...proposed,
        state_details: { ...proposed.state_details, deployment_concurrency_lease_id: dc.newLeaseId },
      });
    if (dc.strategy === "CANCEL_NEW") return reject(makeDraft("CANCELLED", { message: LIMIT_REACHED }), LIMIT_REACHED);
    return reject(
      makeDraft("SCHEDULED", {
        name: "AwaitingConcurrencySlot",
        state_details: { scheduled_time: addSeconds(now, dc.slotWaitSeconds) },
      }),
      LIMIT_REACHED,
    );
  },
  after({ validated, deploymentConcurrency: dc }) {
    if (!dc?.limit || validated?.state_details.deployment_concurrency_lease_id !== dc.newLeaseId) return {};
    return {
      effects: [
        {
          kind: "take_deployment_concurrency_slot",
          limit_id: dc.limit.id,
          lease_id: dc.newLeaseId,
          lease_seconds: dc.leaseSeconds,
        },
      ],
    };
  },
};

/** Clients older than 3.4.11 cannot renew the lease: it goes (the slot is given back when the run ends). */
export const RemoveDeploymentConcurrencyLeaseForOldClientVersions: Rule = {
  name: "RemoveDeploymentConcurrencyLeaseForOldClientVersions",
  from: states("PENDING"),
  to: states("RUNNING", "CANCELLING"),
  before: () => accept(),
  after({ initial, clientVersion }) {
    const leaseId = initial?.state_details.deployment_concurrency_lease_id;
    if (!leaseId || clientRenewsLeases(clientVersion)) return {};
    return { effects: [{ kind: "drop_deployment_concurrency_lease", lease_id: leaseId }] };
  },
};

/**
 * MarkLateRunsPolicy: a run going Late whose CANCEL_NEW deployment's limit is full is cancelled instead,
 * as it would be on reaching PENDING.
 */
export const EnforceDeploymentConcurrencyOnLate: Rule = {
  name: "EnforceDeploymentConcurrencyOnLate",
  from: states("SCHEDULED"),
  to: states("SCHEDULED"),
  before({ proposed, deploymentConcurrency: dc }) {
    if (proposed.name !== "Late" || !dc?.limit || dc.strategy !== "CANCEL_NEW") return accept();
    if (dc.limit.active_slots < dc.limit.limit) return accept();
    return reject(makeDraft("CANCELLED", { message: LIMIT_REACHED }), LIMIT_REACHED);
  },
};

const HOLDS_SLOT = new Set<StateType | null>(["PENDING", "RUNNING", "CANCELLING"]);

/**
 * Leaving PENDING/RUNNING/CANCELLING for anything else gives the deployment slot back, except for an
 * in-process retry (RetryFailedFlows' AwaitingRetry): that process keeps renewing its lease through the
 * delay, and revoking it would cancel the run mid-retry. The store performs the release.
 */
export const ReleaseFlowConcurrencySlots: Transform = {
  name: "ReleaseFlowConcurrencySlots",
  universal: true,
  after({ initial, validated, run, status }) {
    const deploymentId = (run as FlowRunSnapshot).deployment_id;
    if (!validated || !initial || !deploymentId) return {};
    if (!HOLDS_SLOT.has(initial.type) || HOLDS_SLOT.has(validated.type)) return {};
    if (validated.type === "SCHEDULED" && validated.name === "AwaitingRetry" && status === "REJECT") return {};
    return {
      effects: [
        {
          kind: "release_deployment_concurrency_slot",
          deployment_id: deploymentId,
          lease_id: initial.state_details.deployment_concurrency_lease_id ?? null,
        },
      ],
    };
  },
};
