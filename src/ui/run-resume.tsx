// A paused flow run's Resume form: generated from the input schema the paused flow stored
// (pause_flow_run(wait_for_input=…)) with the deployments' Run form, or a lone button for a plain
// pause. The answer goes through the same transition as POST /flow_runs/{id}/resume, so the form shows
// the API's refusal by the field it names and the run stays paused.
import { Elysia, t } from "elysia";
import { paramFields, RunForm, type RunFormProps } from "../../views/components/run-form.tsx";
import { AppError } from "../core/errors.ts";
import type { FlowRunJson } from "../store/run-shapes.ts";
import type { UiDeps } from "./deps.ts";
import { html } from "./html.ts";
import { parseRunForm } from "./run-params.ts";

const Form = t.Optional(t.Object({ csrf: t.Optional(t.String()) }, { additionalProperties: true }));

/** The form for a paused run (null for any other), with what was sent and the errors of the last try. */
export async function resumeFormOf(
  deps: UiDeps,
  run: FlowRunJson,
  extra: Partial<RunFormProps> = {},
): Promise<RunFormProps | null> {
  const state = run.state;
  if (state?.type !== "PAUSED") return null;
  const keyset = state.state_details?.run_input_keyset;
  let schema: Record<string, unknown> | null = null;
  if (keyset?.schema) {
    const stored = await deps.stores.flowRunInputs.read(run.id, keyset.schema);
    try {
      const parsed = stored ? JSON.parse(stored.value) : null;
      schema = parsed && typeof parsed === "object" && !Array.isArray(parsed) ? parsed : null;
    } catch {
      schema = null;
    }
  }
  return {
    deploymentId: run.deployment_id ?? "",
    action: `/runs/${run.id}/resume`,
    submit: "Resume run",
    noFields: keyset ? "The run's input form is not available yet." : "The run waits for nothing but this button.",
    fields: schema ? paramFields(schema, {}) : [],
    csrfToken: deps.csrf.token,
    ...extra,
  };
}

/** "… for field 'age'. …" → the field's name, for a REJECT reason of resumeFlowRun. */
const fieldOf = (reason: string) => /field '([^'.]+)/.exec(reason)?.[1] ?? "";

export function resumeRoutes(deps: UiDeps, page: (id: string, resume: RunFormProps) => Promise<Response>) {
  return new Elysia({ name: "ui.run-resume" }).post(
    "/runs/:id/resume",
    async ({ params, body, request }) => {
      deps.csrf.check(request, body);
      const run = await deps.stores.flowRuns.get(params.id);
      if (!run) throw new AppError("not_found", "Flow run not found");
      const form = await resumeFormOf(deps, run);
      if (!form)
        return Response.redirect(`/runs/${run.id}?notice=${encodeURIComponent("The run is not paused.")}`, 303);
      const htmx = Boolean(request.headers.get("hx-request"));
      const refuse = (values: Record<string, string>, errors: Record<string, string[]>) => {
        const again = { ...form, values, errors };
        return htmx ? html(<RunForm {...again} />, 422) : page(run.id, again);
      };
      const parsed = parseRunForm(form.fields, (body ?? {}) as Record<string, unknown>);
      if (Object.keys(parsed.errors).length) return refuse(parsed.values, parsed.errors);
      const outcome = await deps.transitions.resumeFlowRun(run.id, {
        runInput: form.fields.length ? parsed.parameters : null,
      });
      if (outcome?.kind !== "transition" || outcome.outcome.result.status !== "ACCEPT") {
        const reason =
          outcome?.kind === "transition"
            ? ((outcome.outcome.result.details as { reason?: string }).reason ?? "The run could not be resumed.")
            : (outcome?.reason ?? "Flow run not found");
        const field = fieldOf(reason);
        return refuse(parsed.values, { [form.fields.some((f) => f.name === field) ? field : ""]: [reason] });
      }
      const to = `/runs/${run.id}?notice=${encodeURIComponent("Flow run resumed.")}`;
      return htmx ? new Response(null, { status: 200, headers: { "hx-redirect": to } }) : Response.redirect(to, 303);
    },
    { body: Form },
  );
}
