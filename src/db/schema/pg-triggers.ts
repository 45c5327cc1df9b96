// Trigger state beyond the counting windows (migration 0016): the child firings a compound or sequence
// trigger holds, and the Proactive triggers that fired and wait for their events to resume. Both rows
// belong to an automation (ON DELETE CASCADE in the migration). Same shape as schema/sqlite-triggers.ts.
import { pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { base, type Json, json, ts } from "./pg-columns.ts";

export const compositeTriggerChildFiring = pgTable(
  "composite_trigger_child_firing",
  {
    ...base,
    automation_id: uuid("automation_id").notNull(),
    parent_trigger_id: text("parent_trigger_id").notNull(),
    child_trigger_id: text("child_trigger_id").notNull(),
    child_firing_id: uuid("child_firing_id").notNull(),
    child_fired_at: ts("child_fired_at").notNull(),
    child_firing: json<Json>("child_firing").notNull(),
  },
  (t) => [
    uniqueIndex("uq_composite_trigger_child_firing__a_id__pt_id__ct_id").on(
      t.automation_id,
      t.parent_trigger_id,
      t.child_trigger_id,
    ),
  ],
);

export const automationTriggerState = pgTable(
  "automation_trigger_state",
  {
    ...base,
    automation_id: uuid("automation_id").notNull(),
    trigger_id: text("trigger_id").notNull(),
    bucketing_key: text("bucketing_key").notNull(),
    triggered_at: ts("triggered_at").notNull(),
    triggered_event_id: uuid("triggered_event_id").notNull(),
    triggering_labels: json<Record<string, string>>("triggering_labels").notNull(),
  },
  (t) => [
    uniqueIndex("uq_automation_trigger_state__a_id__t_id__bucketing_key").on(
      t.automation_id,
      t.trigger_id,
      t.bucketing_key,
    ),
  ],
);
