// A variable's page: its facts, the form that edits its value and tags (problems by their fields,
// nothing written unless all are right), and delete (asked first).
import { ActionsCard, PostButton } from "../components/actions.tsx";
import { DetailHeader, IdFacts } from "../components/detail-header.tsx";
import { Tags } from "../components/tags.tsx";
import { Time } from "../components/time.tsx";
import { VariableForm, type VariableFormErrors, type VariableFormValues } from "../components/variable-form.tsx";
import { Layout } from "../layout.tsx";
import { type VariableRow, variableHref } from "./variables.tsx";

export interface VariablePageProps {
  variable: VariableRow & { created: string };
  form: VariableFormValues;
  errors: VariableFormErrors;
  notice?: string;
  csrfToken: string;
}

export function VariablePage(p: VariablePageProps) {
  const v = p.variable;
  return (
    <Layout title={v.name} section="variables" csrfToken={p.csrfToken}>
      <DetailHeader crumbs={[{ href: "/variables", label: "Variables" }]} title={v.name}>
        <dl class="facts">
          <dt>Tags</dt>
          <dd>
            <Tags tags={v.tags} none="none" />
          </dd>
          <dt>Created</dt>
          <dd>
            <Time ts={v.created} />
          </dd>
          <IdFacts id={v.id} updated={v.updated} />
        </dl>
      </DetailHeader>
      <ActionsCard notice={p.notice}>
        <PostButton
          action={`${variableHref(v.name)}/delete`}
          confirm={`Delete the variable "${v.name}"? Flows that read it get their default.`}
          label="Delete variable"
          danger
          csrfToken={p.csrfToken}
        />
      </ActionsCard>
      <section class="card" aria-labelledby="edit-h">
        <h2 id="edit-h">Edit</h2>
        <VariableForm
          id="edit-variable"
          action={variableHref(v.name)}
          values={p.form}
          errors={p.errors}
          withName={false}
          submit="Save variable"
          csrfToken={p.csrfToken}
        />
      </section>
    </Layout>
  );
}
