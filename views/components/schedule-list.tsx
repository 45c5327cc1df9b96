// A deployment's schedules: each in words, whether it is active, its next few dates, and a pause or
// resume button that asks first.
import { PauseButton } from "./actions.tsx";
import { Time } from "./time.tsx";

export interface ScheduleRow {
  id: string;
  /** The schedule in words ("Every hour", "At 09:00, Europe/Paris"). */
  description: string;
  active: boolean;
  /** Its next dates from now (empty while the schedule or the deployment is paused). */
  next: string[];
}

export function ScheduleList(p: {
  deploymentId: string;
  schedules: ScheduleRow[];
  deploymentPaused: boolean;
  csrfToken: string;
}) {
  if (!p.schedules.length) return <p class="muted">No schedules: this deployment runs only when started.</p>;
  return (
    <ul class="schedules" style="list-style:none;padding:0;margin:0">
      {p.schedules.map((s) => (
        <li style="padding:.5rem 0;border-bottom:1px dashed var(--border)">
          <div class="section-head">
            <span>
              <strong safe>{s.description}</strong>{" "}
              <span class={`badge state-${s.active ? "completed" : "paused"}`}>{s.active ? "Active" : "Paused"}</span>
            </span>
            <PauseButton
              href={`/deployments/${p.deploymentId}/schedules/${s.id}`}
              paused={!s.active}
              noun="schedule"
              confirm={{ pause: "Pause this schedule?", resume: "Resume this schedule?" }}
              csrfToken={p.csrfToken}
            />
          </div>
          {s.next.length ? (
            <p class="muted small" style="margin:.25rem 0 0">
              Next:{" "}
              {s.next.map((d, i) => (
                <>
                  {i ? ", " : ""}
                  <Time ts={d} />
                </>
              ))}
            </p>
          ) : (
            <p class="muted small" style="margin:.25rem 0 0">
              {p.deploymentPaused ? "No runs while the deployment is paused." : s.active ? "No upcoming dates." : ""}
            </p>
          )}
        </li>
      ))}
    </ul>
  );
}
