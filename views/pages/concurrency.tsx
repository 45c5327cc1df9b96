// The Concurrency page: global limits (slots in use against the limit, decay, active or not, and the
// leases holding them) and tag limits (with the task runs holding them), each with its edit, reset and
// delete forms (asked first), and the forms that create them. A refused form comes back with what was
// typed and each problem next to its field.
import { Empty } from "../components/empty.tsx";
import { Flash } from "../components/flash.tsx";
import { Table } from "../components/table.tsx";
import { Time } from "../components/time.tsx";
import { Layout } from "../layout.tsx";

export interface HolderView {
  leaseId: string;
  /** flow_run, task_run or deployment; null for a lease taken without a holder. */
  type: string | null;
  id: string | null;
  slots: number;
  expiration: string;
}

export interface LimitView {
  id: string;
  name: string;
  limit: number;
  activeSlots: number;
  slotDecayPerSecond: number;
  active: boolean;
  holders: HolderView[];
}

export interface TagLimitView {
  id: string;
  tag: string;
  limit: number;
  activeSlots: number;
  holders: HolderView[];
}

/** A refused form: which one, what was typed, and the problem of each field (or of the whole form). */
export interface FormProblem {
  form: string;
  values: Record<string, string>;
  errors: Record<string, string>;
}

export interface ConcurrencyPageProps {
  limits: LimitView[];
  tags: TagLimitView[];
  notice?: string;
  problem?: FormProblem;
  csrfToken: string;
}

const HOLDER_HREF: Record<string, (id: string) => string> = {
  task_run: (id) => `/task-runs/${id}`,
  flow_run: (id) => `/runs/${id}`,
  deployment: (id) => `/deployments/${id}`,
};
const HOLDER_LABEL: Record<string, string> = { task_run: "task run", flow_run: "flow run", deployment: "deployment" };

function Holders({ holders }: { holders: HolderView[] }) {
  if (!holders.length) return <span class="small">none</span>;
  return (
    <ul class="holders">
      {holders.map((h) => {
        const href = h.type && h.id ? HOLDER_HREF[h.type]?.(h.id) : undefined;
        const what = h.type ? (HOLDER_LABEL[h.type] ?? h.type) : "lease";
        return (
          <li>
            {href ? (
              <a href={href} safe>{`${what} ${h.id!.slice(0, 8)}`}</a>
            ) : (
              <span safe>{`${what} ${h.leaseId.slice(0, 8)}`}</span>
            )}
            <span class="small" safe>{` · ${h.slots} slot${h.slots === 1 ? "" : "s"} · until `}</span>
            <Time ts={h.expiration} />
          </li>
        );
      })}
    </ul>
  );
}

interface FieldProps {
  form: string;
  name: string;
  label: string;
  value: string;
  problem?: FormProblem;
  numeric?: boolean;
  hint?: string;
}

function Field(p: FieldProps) {
  const id = `${p.form}-${p.name}`;
  const mine = p.problem?.form === p.form ? p.problem : undefined;
  const error = mine?.errors[p.name];
  const value = mine ? (mine.values[p.name] ?? "") : p.value;
  const described = [p.hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ");
  return (
    <div class="field">
      <label for={id} safe>
        {p.label}
      </label>
      <input
        id={id}
        name={p.name}
        type="text"
        inputmode={p.numeric ? "decimal" : undefined}
        value={value}
        size={p.numeric ? "8" : "24"}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={described || undefined}
      />
      {p.hint ? (
        <span id={`${id}-hint`} class="small" safe>
          {p.hint}
        </span>
      ) : (
        ""
      )}
      {error ? (
        <p id={`${id}-error`} class="field-error" role="alert" safe>
          {error}
        </p>
      ) : (
        ""
      )}
    </div>
  );
}

function FormError({ form, problem }: { form: string; problem?: FormProblem }) {
  const error = problem?.form === form ? problem.errors.form : undefined;
  return error ? (
    <p class="error" role="alert" safe>
      {error}
    </p>
  ) : (
    ""
  );
}

function ActionButton(p: { action: string; label: string; confirm?: string; csrfToken: string; value?: string }) {
  return (
    <form method="post" action={p.action} class="inline-form" data-confirm={p.confirm}>
      <input type="hidden" name="csrf" value={p.csrfToken} />
      {p.value !== undefined ? <input type="hidden" name="active" value={p.value} /> : ""}
      <button type="submit" safe>
        {p.label}
      </button>
    </form>
  );
}

const limitHref = (id: string) => `/concurrency/limits/${id}`;

export function ConcurrencyPage(p: ConcurrencyPageProps) {
  const { csrfToken, problem } = p;
  return (
    <Layout title="Concurrency" section="concurrency" csrfToken={csrfToken}>
      <h1>Concurrency</h1>
      <Flash notice={p.notice} />

      <section aria-labelledby="global-limits">
        <h2 id="global-limits">Global concurrency limits</h2>
        {p.limits.length ? (
          <Table class="concurrency-limits" columns={["Name", "Slots", "Decay", "State", "Held by", "Change"]}>
            {p.limits.map((l) => (
              <tr id={`limit-${l.id}`}>
                <td>
                  <code safe>{l.name}</code>
                </td>
                <td class="slots" safe>{`${l.activeSlots} / ${l.limit}`}</td>
                <td>{l.slotDecayPerSecond ? `${Number(l.slotDecayPerSecond)}/s` : "—"}</td>
                <td>{l.active ? "active" : "inactive"}</td>
                <td>
                  <Holders holders={l.holders} />
                </td>
                <td>
                  <form
                    method="post"
                    action={`${limitHref(l.id)}/edit`}
                    class="state-form limit-form"
                    data-confirm={`Change the limit "${l.name}"?`}
                    novalidate
                  >
                    <input type="hidden" name="csrf" value={csrfToken} />
                    <FormError form={`edit-${l.id}`} problem={problem} />
                    <Field
                      form={`edit-${l.id}`}
                      name="limit"
                      label="Limit"
                      value={String(l.limit)}
                      problem={problem}
                      numeric
                    />
                    <Field
                      form={`edit-${l.id}`}
                      name="slot_decay_per_second"
                      label="Decay per second"
                      value={String(l.slotDecayPerSecond)}
                      problem={problem}
                      numeric
                    />
                    <button type="submit">Save</button>
                  </form>
                  <ActionButton
                    action={`${limitHref(l.id)}/active`}
                    label={l.active ? "Deactivate" : "Activate"}
                    value={l.active ? "false" : "true"}
                    csrfToken={csrfToken}
                  />
                  <ActionButton
                    action={`${limitHref(l.id)}/delete`}
                    label="Delete"
                    confirm={`Delete the limit "${l.name}"? Its holders lose their slots.`}
                    csrfToken={csrfToken}
                  />
                </td>
              </tr>
            ))}
          </Table>
        ) : (
          <Empty
            title="No global concurrency limits"
            hint="Create one below or with `prefect gcl create NAME --limit N`."
          />
        )}
        <form method="post" action="/concurrency/limits" class="state-form limit-form" id="create-limit" novalidate>
          <h3>New global limit</h3>
          <input type="hidden" name="csrf" value={csrfToken} />
          <FormError form="create-limit" problem={problem} />
          <Field form="create-limit" name="name" label="Name" value="" problem={problem} />
          <Field form="create-limit" name="limit" label="Limit" value="" problem={problem} numeric />
          <Field
            form="create-limit"
            name="slot_decay_per_second"
            label="Decay per second"
            value="0"
            problem={problem}
            numeric
            hint="More than 0 makes it a rate limit."
          />
          <button type="submit">Create limit</button>
        </form>
      </section>

      <section aria-labelledby="tag-limits">
        <h2 id="tag-limits">Tag concurrency limits</h2>
        {p.tags.length ? (
          <Table class="tag-limits" columns={["Tag", "Slots", "Task runs holding a slot", "Change"]}>
            {p.tags.map((l) => (
              <tr id={`tag-${l.id}`}>
                <td>
                  <code safe>{l.tag}</code>
                </td>
                <td class="slots" safe>{`${l.activeSlots} / ${l.limit}`}</td>
                <td>
                  <Holders holders={l.holders} />
                </td>
                <td>
                  <form
                    method="post"
                    action={`${limitHref(l.id)}/edit`}
                    class="state-form limit-form"
                    data-confirm={`Change the limit of tag "${l.tag}"?`}
                    novalidate
                  >
                    <input type="hidden" name="csrf" value={csrfToken} />
                    <FormError form={`edit-${l.id}`} problem={problem} />
                    <Field
                      form={`edit-${l.id}`}
                      name="limit"
                      label="Limit"
                      value={String(l.limit)}
                      problem={problem}
                      numeric
                    />
                    <button type="submit">Save</button>
                  </form>
                  <ActionButton
                    action={`/concurrency/tags/${encodeURIComponent(l.tag)}/reset`}
                    label="Reset"
                    confirm={`Reset tag "${l.tag}"? Every task run holding a slot loses it.`}
                    csrfToken={csrfToken}
                  />
                  <ActionButton
                    action={`${limitHref(l.id)}/delete`}
                    label="Delete"
                    confirm={`Delete the limit of tag "${l.tag}"?`}
                    csrfToken={csrfToken}
                  />
                </td>
              </tr>
            ))}
          </Table>
        ) : (
          <Empty
            title="No tag concurrency limits"
            hint="Create one below or with `prefect concurrency-limit create TAG N`."
          />
        )}
        <form method="post" action="/concurrency/tags" class="state-form limit-form" id="create-tag" novalidate>
          <h3>New tag limit</h3>
          <input type="hidden" name="csrf" value={csrfToken} />
          <FormError form="create-tag" problem={problem} />
          <Field form="create-tag" name="tag" label="Tag" value="" problem={problem} />
          <Field form="create-tag" name="limit" label="Limit" value="" problem={problem} numeric />
          <button type="submit">Create tag limit</button>
        </form>
      </section>
    </Layout>
  );
}
