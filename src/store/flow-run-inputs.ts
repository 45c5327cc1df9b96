// Flow run inputs: keyed text values attached to a run. A pause that waits for input stores its JSON
// schema under the keyset's "schema" key, POST /flow_runs/{id}/resume stores the validated answer under
// "response" (in the transition's own transaction), and send_input/receive_input keep messages here.
import { AppError } from "../core/errors.ts";
import { nowTimestamp } from "../core/time.ts";
import type { Driver, Op } from "../db/driver.ts";
import { exec, row, rows } from "../db/driver.ts";
import { TABLE_CODECS } from "../db/rows.ts";
import { sql } from "../db/sql-tag.ts";
import { list } from "./sql.ts";

export interface FlowRunInput {
  id: string;
  created: string;
  updated: string;
  flow_run_id: string;
  key: string;
  value: string;
  sender: string | null;
}

export interface FlowRunInputCreate {
  key: string;
  value: string;
  sender?: string | null;
}

const COLUMNS = sql`id, created, updated, flow_run_id, key, value, sender`;
const CODEC = TABLE_CODECS.flow_run_input;

/** Inserts one input; a key the run already has is Prefect's 409, and so is nothing else. */
export function* createInputOp(flowRunId: string, input: FlowRunInputCreate, now: string): Op<FlowRunInput> {
  const made = yield* row<FlowRunInput>(
    sql`
    INSERT INTO flow_run_input (id, created, updated, flow_run_id, key, value, sender)
    VALUES (${Bun.randomUUIDv7()}, ${now}, ${now}, ${flowRunId}, ${input.key}, ${input.value}, ${input.sender ?? null})
    ON CONFLICT (flow_run_id, key) DO NOTHING RETURNING ${COLUMNS}`,
    CODEC,
  );
  if (!made) throw new AppError("conflict", "A flow run input with this key already exists.");
  return made;
}

/** A pause that fires again drops what earlier attempts stored under its keys (rules/pausing.ts). */
export function* deleteInputsOp(flowRunId: string, keys: string[]): Op<void> {
  if (!keys.length) return;
  yield* exec(sql`DELETE FROM flow_run_input WHERE flow_run_id = ${flowRunId} AND key IN (${list(keys)})`);
}

export function* readInputOp(flowRunId: string, key: string): Op<FlowRunInput | null> {
  return (
    (yield* row<FlowRunInput>(
      sql`SELECT ${COLUMNS} FROM flow_run_input WHERE flow_run_id = ${flowRunId} AND key = ${key}`,
      CODEC,
    )) ?? null
  );
}

export function flowRunInputsStore(driver: Driver) {
  return {
    /** Null when the run does not exist (Prefect's 404 "Flow run not found"). */
    create(flowRunId: string, input: FlowRunInputCreate): Promise<FlowRunInput | null> {
      return driver.tx(function* () {
        const run = yield* row(sql`SELECT id FROM flow_run WHERE id = ${flowRunId}`);
        if (!run) return null;
        return yield* createInputOp(flowRunId, input, nowTimestamp());
      });
    },

    read(flowRunId: string, key: string): Promise<FlowRunInput | null> {
      return driver.read(() => readInputOp(flowRunId, key));
    },

    /**
     * Inputs whose key starts with `prefix` (compared as text, so `_` and `%` are themselves, unlike
     * Prefect's LIKE), oldest first, without `excludeKeys` (receive_input's already-seen keys).
     */
    filter(flowRunId: string, prefix: string, limit: number, excludeKeys: string[]): Promise<FlowRunInput[]> {
      return driver.read(function* () {
        const exclude = excludeKeys.length ? sql`AND key NOT IN (${list(excludeKeys)})` : sql``;
        return yield* rows<FlowRunInput>(
          sql`
          SELECT ${COLUMNS} FROM flow_run_input
          WHERE flow_run_id = ${flowRunId} AND substr(key, 1, ${prefix.length}) = ${prefix} ${exclude}
          ORDER BY created, id LIMIT ${limit}`,
          CODEC,
        );
      });
    },

    delete(flowRunId: string, key: string): Promise<boolean> {
      return driver.tx(function* () {
        return (yield* exec(sql`DELETE FROM flow_run_input WHERE flow_run_id = ${flowRunId} AND key = ${key}`)) > 0;
      });
    },
  };
}

export type FlowRunInputsStore = ReturnType<typeof flowRunInputsStore>;
