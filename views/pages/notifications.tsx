// The Notifications page: each notification as one sentence ("If a run of any flow with [tags] enters
// [states], send a notification to [channel]"), paused or active, its last deliveries and their
// outcome, pause/resume and delete; and the form that creates one. Stored as automations.
import { PostButton } from "../components/actions.tsx";
import { Empty } from "../components/empty.tsx";
import { Flash } from "../components/flash.tsx";
import { Time } from "../components/time.tsx";
import { Layout } from "../layout.tsx";

export const NOTIFY_STATES = ["Failed", "Crashed", "Completed", "Cancelled", "Late", "Running", "Scheduled", "Paused"];

export interface NotificationRow {
  id: string;
  name: string;
  enabled: boolean;
  state_names: string[];
  tags: string[];
  channel: string;
  deliveries: Array<{ triggered: string; status: string; error: string | null }>;
}

export interface NotificationFormValues {
  name: string;
  states: string[];
  tags: string;
  block: string;
  subject: string;
  body: string;
}

export interface NotificationsPageProps {
  notifications: NotificationRow[];
  channels: Array<{ id: string; label: string }>;
  form: NotificationFormValues;
  errors: Record<string, string>;
  notice?: string;
  csrfToken: string;
}

const list = (xs: string[], none: string) => (xs.length ? xs.join(", ") : none);

export function NotificationsPage(p: NotificationsPageProps) {
  return (
    <Layout title="Notifications" section="notifications" csrfToken={p.csrfToken}>
      <h1>Notifications</h1>
      <Flash notice={p.notice} />
      {p.notifications.length ? (
        <ul class="notifications">
          {p.notifications.map((n) => (
            <li class="card" data-notification={n.id}>
              <p>
                <strong safe>{n.name}</strong> {n.enabled ? "" : <span class="badge">Paused</span>}
              </p>
              <p class="sentence" safe>
                {`If a run of any flow ${n.tags.length ? `with tags ${n.tags.join(", ")} ` : ""}enters ${list(n.state_names, "any state")}, send a notification to ${n.channel}.`}
              </p>
              <form method="post" action={`/notifications/${n.id}/${n.enabled ? "pause" : "resume"}`} class="inline">
                <input type="hidden" name="csrf" value={p.csrfToken} />
                <button type="submit">{n.enabled ? "Pause" : "Resume"}</button>
              </form>
              <form method="post" action={`/notifications/${n.id}/test`} class="inline">
                <input type="hidden" name="csrf" value={p.csrfToken} />
                <button type="submit">Send test</button>
              </form>
              <PostButton
                action={`/notifications/${n.id}/delete`}
                confirm={`Delete the notification "${n.name}"?`}
                label="Delete"
                danger
                csrfToken={p.csrfToken}
              />
              {n.deliveries.length ? (
                <ul class="deliveries" aria-label="Last deliveries">
                  {n.deliveries.map((d) => (
                    <li>
                      <Time ts={d.triggered} /> <span safe>{d.status}</span>
                      {d.error ? <span class="small" safe>{` — ${d.error}`}</span> : ""}
                    </li>
                  ))}
                </ul>
              ) : (
                <p class="small">Nothing sent yet.</p>
              )}
            </li>
          ))}
        </ul>
      ) : (
        <Empty title="No notifications yet" hint="Create one below: pick states, optional tags and a channel block." />
      )}
      <section class="card" aria-labelledby="new-h">
        <h2 id="new-h">New notification</h2>
        <form method="post" action="/notifications" id="new-notification">
          <input type="hidden" name="csrf" value={p.csrfToken} />
          <label>
            Name <input name="name" value={p.form.name} required maxlength="255" />
          </label>
          {p.errors.name ? (
            <p class="error" safe>
              {p.errors.name}
            </p>
          ) : (
            ""
          )}
          <fieldset>
            <legend>If a run enters</legend>
            {NOTIFY_STATES.map((s) => (
              <label>
                <input type="checkbox" name="states" value={s} checked={p.form.states.includes(s)} />{" "}
                <span safe>{s}</span>
              </label>
            ))}
          </fieldset>
          {p.errors.states ? (
            <p class="error" safe>
              {p.errors.states}
            </p>
          ) : (
            ""
          )}
          <label>
            of any flow with tags (comma-separated, optional) <input name="tags" value={p.form.tags} />
          </label>
          <label>
            send a notification to{" "}
            <select name="block" required>
              <option value="">Choose a channel block…</option>
              {p.channels.map((c) => (
                <option value={c.id} selected={c.id === p.form.block} safe>
                  {c.label}
                </option>
              ))}
            </select>
          </label>
          {p.errors.block ? (
            <p class="error" safe>
              {p.errors.block}
            </p>
          ) : (
            ""
          )}
          <label>
            Subject (optional) <input name="subject" value={p.form.subject} />
          </label>
          {p.errors.subject ? (
            <p class="error" safe>
              {p.errors.subject}
            </p>
          ) : (
            ""
          )}
          <label>
            Body (optional; Prefect's default message when empty)
            <textarea name="body" rows="5" safe>
              {p.form.body}
            </textarea>
          </label>
          {p.errors.body ? (
            <p class="error" safe>
              {p.errors.body}
            </p>
          ) : (
            ""
          )}
          <button type="submit">Create notification</button>
        </form>
      </section>
    </Layout>
  );
}
