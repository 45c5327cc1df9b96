// Prefect's CancellationCleanup service, three sweeps each run:
//   - a run that stayed Cancelling longer than …_CANCELLING_TIMEOUT_SECONDS (its process ignored the
//     cancel, or there was none) is marked Cancelled;
//   - the unfinished task runs of a run cancelled in the last day are cancelled (forced);
//   - unfinished subflows of a cancelled run are cancelled: Cancelling when they have a deployment
//     (their own infrastructure must stop them), Cancelled otherwise.
import { addSeconds, nowTimestamp } from "../core/time.ts";
import type { Transitions } from "../orchestration/transitions.ts";
import type { RunSweepsStore } from "../store/run-sweeps.ts";
import type { RunSummary } from "./service.ts";

const BATCH = 200;
export const CANCELLING_TIMEOUT_MESSAGE = "Flow run cancellation timed out; marked this flow run as Cancelled.";
export const PARENT_CANCELLED_MESSAGE = "The parent flow run was cancelled.";

export function cleanUpCancellations(deps: {
  sweeps: RunSweepsStore;
  transitions: Transitions;
  cancellingTimeoutSeconds: number;
}) {
  const { sweeps, transitions } = deps;

  /** Runs `each` over every row a keyset-paged query returns; counts the accepted transitions. */
  async function sweep<R extends { id: string }>(
    page: (after: string | null) => Promise<R[]>,
    each: (row: R) => Promise<boolean>,
  ): Promise<number> {
    let n = 0;
    for (let after: string | null = null; ; ) {
      const batch = await page(after);
      for (const row of batch) if (await each(row)) n++;
      if (batch.length < BATCH) return n;
      after = batch.at(-1)!.id;
    }
  }

  const accepted = (o: { result: { status: string } } | null) => o?.result.status === "ACCEPT";

  return async (now = nowTimestamp()): Promise<RunSummary> => {
    const timedOut = await sweep(
      (after) => sweeps.cancellingSince(addSeconds(now, -deps.cancellingTimeoutSeconds), after, BATCH),
      async (run) =>
        accepted(await transitions.setFlowRunState(run.id, { type: "CANCELLED", message: CANCELLING_TIMEOUT_MESSAGE })),
    );
    let tasks = 0;
    await sweep(
      (after) => sweeps.cancelledWithOpenTasks(addSeconds(now, -86_400), after, BATCH),
      async (run) => {
        for (const task of await sweeps.openTaskRuns(run.id, 1000)) {
          if (
            accepted(
              await transitions.setTaskRunState(
                task.id,
                { type: "CANCELLED", message: PARENT_CANCELLED_MESSAGE },
                { force: true },
              ),
            )
          )
            tasks++;
        }
        return true;
      },
    );
    const subflows = await sweep(
      (after) => sweeps.subflowsOfCancelled(after, BATCH),
      async (sub) => {
        // A deployed subflow already Cancelling waits for its infrastructure, as in Prefect.
        if (sub.deployment_id && sub.state_type === "CANCELLING") return false;
        const type = sub.deployment_id ? "CANCELLING" : "CANCELLED";
        return accepted(await transitions.setFlowRunState(sub.id, { type, message: PARENT_CANCELLED_MESSAGE }));
      },
    );
    return `${timedOut} timed-out cancellation(s), ${tasks} task run(s), ${subflows} subflow(s) cancelled`;
  };
}
