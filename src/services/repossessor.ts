// Prefect's Repossessor (services/repossessor.py's monitor_expired_leases): every
// PREFECT_SERVER_SERVICES_REPOSSESSOR_LOOP_SECONDS it ends the concurrency leases whose holder stopped
// renewing them (a process killed while holding a slot) and gives their slots back. A lease renewed
// between the scan and the revocation is left alone (the store re-checks the expiry under the lock).
import type { ConcurrencyLimitsV2Store } from "../store/concurrency-limits-v2.ts";
import type { RunSummary } from "./service.ts";

/** Leases ended per transaction; a pass keeps going until no expired lease is left. */
const BATCH = 100;

export function revokeExpiredLeases(deps: { limits: ConcurrencyLimitsV2Store }) {
  return async (): Promise<RunSummary> => {
    let total = 0;
    for (;;) {
      const n = await deps.limits.repossess(BATCH);
      total += n;
      if (n < BATCH) break;
    }
    return `${total} expired lease(s) revoked`;
  };
}
