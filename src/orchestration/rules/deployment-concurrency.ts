// Deployment concurrency limits hold a slot per run through a lease whose id travels in
// state_details.deployment_concurrency_lease_id. Taking, renewing and revoking leases is I/O on
// deployments and concurrency_limit_v2 rows, which do not exist yet: the rules below keep their place
// in CoreFlowPolicy and do the pure part (carrying the lease id, asking for a release) only.
import { accept, exceptFrom, states, type FlowRunSnapshot, type Rule, type Transform } from "../context.ts";
import type { StateType } from "../states.ts";

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
 * Carries the lease id from PENDING to RUNNING.
 * TODO(deployments): for clients >= 3.4.11 with a deployment limit, renew the lease; if it expired,
 * re-acquire a slot or REJECT into Cancelled ("slot lost during provisioning"). Needs leases.
 */
export const ValidateDeploymentConcurrencyAtRunning: Rule = {
  name: "ValidateDeploymentConcurrencyAtRunning",
  from: states("PENDING"),
  to: states("RUNNING"),
  before({ initial, proposed }) {
    if (!initial) return accept();
    return accept({
      ...proposed,
      state_details: {
        ...proposed.state_details,
        deployment_concurrency_lease_id: initial.state_details.deployment_concurrency_lease_id ?? null,
      },
    });
  },
};

/**
 * TODO(deployments): take a deployment concurrency slot + lease on entering PENDING; when full REJECT
 * into Scheduled/"AwaitingConcurrencySlot" (ENQUEUE) or Cancelled (CANCEL_NEW); ABORT on limit 0 or a
 * missing deployment. Needs deployments, concurrency_limit_v2 and lease storage. No-op for now.
 */
export const SecureFlowConcurrencySlots: Rule = {
  name: "SecureFlowConcurrencySlots",
  from: exceptFrom("PENDING", "RUNNING", "CANCELLING"),
  to: states("PENDING"),
  before: () => accept(),
};

/** TODO(deployments): revoke the lease for clients older than 3.4.11, which cannot renew it. No-op. */
export const RemoveDeploymentConcurrencyLeaseForOldClientVersions: Rule = {
  name: "RemoveDeploymentConcurrencyLeaseForOldClientVersions",
  from: states("PENDING"),
  to: states("RUNNING", "CANCELLING"),
  before: () => accept(),
};

/**
 * TODO(deployments): SCHEDULED -> Late with a CANCEL_NEW deployment whose limit is full REJECTs into
 * Cancelled (MarkLateRunsPolicy). No-op until deployments exist.
 */
export const EnforceDeploymentConcurrencyOnLate: Rule = {
  name: "EnforceDeploymentConcurrencyOnLate",
  from: states("SCHEDULED"),
  to: states("SCHEDULED"),
  before: () => accept(),
};

const HOLDS_SLOT = new Set<StateType | null>(["PENDING", "RUNNING", "CANCELLING"]);

/**
 * Leaving PENDING/RUNNING/CANCELLING for anything else gives the deployment slot back, except for an
 * in-process retry (RetryFailedFlows' AwaitingRetry): that process keeps renewing its lease through the
 * delay, and revoking it would cancel the run mid-retry. The decision is pure; the release itself is an
 * effect for the store (TODO(deployments): implement it there).
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
