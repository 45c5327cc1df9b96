// Compile-time check that the two dialects' tables have the same row types: drift is a tsc error.
import type * as pg from "./pg.ts";
import type * as lite from "./sqlite.ts";

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Check<T extends true> = T;
type Tables =
  | "flow"
  | "flowRun"
  | "flowRunState"
  | "taskRun"
  | "taskRunState"
  | "taskRunStateCache"
  | "log"
  | "events"
  | "eventResources"
  | "deployment"
  | "deploymentSchedule"
  | "flowRunInput"
  | "variable"
  | "artifact"
  | "artifactCollection"
  | "savedSearch"
  | "blockType"
  | "blockSchema"
  | "blockDocument"
  | "blockDocumentReference"
  | "concurrencyLimitV2"
  | "concurrencyLease"
  | "concurrencyLeaseLimit"
  | "automation"
  | "automationBucket"
  | "compositeTriggerChildFiring"
  | "automationTriggerState";
type RowParity = { [K in Tables]: Same<(typeof lite)[K]["$inferSelect"], (typeof pg)[K]["$inferSelect"]> };
type InsertParity = { [K in Tables]: Same<(typeof lite)[K]["$inferInsert"], (typeof pg)[K]["$inferInsert"]> };

export type SchemaParity = Check<RowParity[Tables]> | Check<InsertParity[Tables]>;
