// A run's states, oldest first, with their messages.
import { StateBadge } from "./state-badge.tsx";
import { Time } from "./time.tsx";

export interface StateRow {
  id: string;
  type: string;
  name: string;
  timestamp: string;
  message: string | null;
}

export function StateTimeline({ states }: { states: StateRow[] }) {
  return (
    <ol class="timeline">
      {states.map((s) => (
        <li>
          <StateBadge type={s.type} name={s.name} /> <Time ts={s.timestamp} />
          {s.message ? (
            <p class="muted" safe>
              {s.message}
            </p>
          ) : (
            ""
          )}
        </li>
      ))}
    </ol>
  );
}
