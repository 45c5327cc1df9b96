// Public surface of the orchestration layer; the store and the API import from here.
export * from "./states.ts";
export * from "../core/time.ts";
export type {
  AnyRun,
  DeploymentConcurrency,
  EnclosingFlowRun,
  Effect,
  FlowRunPolicy,
  FlowRunSnapshot,
  RunBookkeeping,
  RunKind,
  RunPatch,
  TagConcurrency,
  TaskRunPolicy,
  TaskRunSnapshot,
} from "./context.ts";
export { applyBookkeeping, estimatedRunTime, estimatedStartTimeDelta } from "./bookkeeping.ts";
export { POLICIES, selectPolicy, type Policy, type PolicyName } from "./policies.ts";
export {
  DEFAULT_MAX_CACHE_KEY_LENGTH,
  orchestrate,
  prepareProposal,
  type FlowRunOrchestrateInput,
  type OrchestrateInput,
  type OrchestrateResult,
  type ResponseDetails,
  type SetStateStatus,
  type TaskRunOrchestrateInput,
} from "./orchestrate.ts";
