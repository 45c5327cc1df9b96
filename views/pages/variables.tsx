// The variables list, searchable by name, with the form that creates one and, per variable, its value,
// tags, last change, an edit link and delete (asked first).
import { PostButton } from "../components/actions.tsx";
import { Empty } from "../components/empty.tsx";
import { Flash } from "../components/flash.tsx";
import { Pagination } from "../components/pagination.tsx";
import { Table } from "../components/table.tsx";
import { Tags } from "../components/tags.tsx";
import { Time } from "../components/time.tsx";
import { VariableForm, type VariableFormErrors, type VariableFormValues } from "../components/variable-form.tsx";
import { Layout } from "../layout.tsx";

export interface VariableRow {
  id: string;
  name: string;
  value: unknown;
  tags: string[];
  updated: string;
}

export const variableHref = (name: string) => `/variables/${encodeURIComponent(name)}`;

/** A value short enough for a list row. */
export const valueSummary = (v: unknown) => {
  const text = JSON.stringify(v) ?? "null";
  return text.length > 100 ? `${text.slice(0, 99)}…` : text;
};

export interface VariablesPageProps {
  variables: VariableRow[];
  q: string;
  page: number;
  hasNext: boolean;
  form: VariableFormValues;
  errors: VariableFormErrors;
  notice?: string;
  csrfToken: string;
}

export function VariablesPage(p: VariablesPageProps) {
  return (
    <Layout title="Variables" section="variables" csrfToken={p.csrfToken}>
      <h1>Variables</h1>
      <Flash notice={p.notice} />
      <form class="filters" method="get" action="/variables" aria-label="Search variables">
        <label>
          Name contains <input type="search" name="q" value={p.q} maxlength="255" />
        </label>
        <button type="submit">Search</button>
      </form>
      {p.variables.length ? (
        <Table class="variables" columns={["Name", "Value", "Tags", "Updated", ""]}>
          {p.variables.map((v) => (
            <tr>
              <td>
                <a href={variableHref(v.name)} safe>
                  {v.name}
                </a>
              </td>
              <td>
                <code class="small" safe>
                  {valueSummary(v.value)}
                </code>
              </td>
              <td>
                <Tags tags={v.tags} />
              </td>
              <td>
                <Time ts={v.updated} />
              </td>
              <td>
                <PostButton
                  action={`${variableHref(v.name)}/delete`}
                  confirm={`Delete the variable "${v.name}"? Flows that read it get their default.`}
                  label="Delete"
                  danger
                  csrfToken={p.csrfToken}
                />
              </td>
            </tr>
          ))}
        </Table>
      ) : (
        <Empty
          title={p.q ? "No variable matches" : "No variables yet"}
          hint="Create one below, with `prefect variable set`, or with Variable.set in a flow."
        />
      )}
      <Pagination path="/variables" query={p.q ? { q: p.q } : {}} page={p.page} hasNext={p.hasNext} />
      <section class="card" aria-labelledby="new-h">
        <h2 id="new-h">New variable</h2>
        <VariableForm
          id="new-variable"
          action="/variables"
          values={p.form}
          errors={p.errors}
          withName
          submit="Create variable"
          csrfToken={p.csrfToken}
        />
      </section>
    </Layout>
  );
}
