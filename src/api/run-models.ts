// Request models shared by the flow-run and task-run routes: lenient (unknown fields pass, for newer
// clients) but typed, so wrong types are a 422 before anything is stored.
import { t } from "elysia";
import { AppError, invalid } from "../core/errors.ts";
import { normalizeTimestamp, nowTimestamp, prepareProposal, type StateCreate } from "../orchestration/index.ts";
import type { TransitionOptions } from "../orchestration/transitions.ts";
import { StateCreateModel } from "../schemas/runs.ts";
import type { SetStateOutcome } from "../store/run-states.ts";

export const SetStateBody = t.Object(
  { state: StateCreateModel, force: t.Optional(t.Boolean()), orchestration_parameters: t.Optional(t.Any()) },
  { additionalProperties: true },
);

/** A datetime field in Prefect's normalised form, or a 422 that names the field. */
export function checkedTimestamp(value: string, loc: Array<string | number>): string {
  const ts = normalizeTimestamp(value);
  if (!ts)
    throw invalid("Input should be a valid datetime", [
      { loc, msg: "Input should be a valid datetime", type: "datetime_parsing", input: value },
    ]);
  return ts;
}

/** Catches what the schema cannot (datetimes inside state_details) as a 422 rather than an ABORT. */
export function checkedState(state: StateCreate | null | undefined, where: string): StateCreate | null {
  if (!state) return null;
  const prepared = prepareProposal(state, nowTimestamp());
  if (typeof prepared === "string")
    throw invalid(prepared, [{ loc: ["body", where], msg: prepared, type: "value_error" }]);
  return state;
}

const UA = /^prefect\/(\S+) \(API \S+\)$/;
export const clientVersionOf = (headers: Headers) => UA.exec(headers.get("user-agent") ?? "")?.[1] ?? null;

/** OrchestrationResult; 201 when a new state was written, 200 otherwise (contract §4). */
export function orchestrationResponse(outcome: SetStateOutcome) {
  const { result } = outcome;
  return new Response(JSON.stringify({ state: result.responseState, status: result.status, details: result.details }), {
    status: result.stateToWrite ? 201 : 200,
    headers: { "content-type": "application/json" },
  });
}

interface SetStateContext {
  params: { id: string };
  body: { state: unknown; force?: boolean };
  request: Request;
}

/** The POST /{id}/set_state handler for either run kind, over the transition entry point. */
export function setStateHandler(
  what: string,
  setState: (id: string, proposed: StateCreate, opts: TransitionOptions) => Promise<SetStateOutcome | null>,
) {
  return async ({ params, body, request }: SetStateContext) => {
    const proposed = checkedState(body.state as StateCreate, "state")!;
    const outcome = await setState(params.id, proposed, {
      force: body.force ?? false,
      clientVersion: clientVersionOf(request.headers),
    });
    if (!outcome) throw new AppError("not_found", `${what} not found`);
    return orchestrationResponse(outcome);
  };
}
