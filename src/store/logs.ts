// Logs: batch inserts (the SDK ships up to ~3 MB per request) and filtered, stably ordered reads.
import { sql } from "../db/sql-tag.ts";
import type { Driver } from "../db/driver.ts";
import { exec, rows } from "../db/driver.ts";
import { nowTimestamp } from "../core/time.ts";
import { logWhere, orderBy } from "./filters.ts";
import type { FilterBody, Page } from "./page.ts";
import { fragmentsFor } from "./sql.ts";
import { TABLE_CODECS } from "../db/rows.ts";

export interface Log {
  id: string;
  created: string;
  updated: string;
  name: string;
  level: number;
  message: string;
  timestamp: string; // normalised
  flow_run_id: string | null;
  task_run_id: string | null;
}

/** A validated LogCreate: timestamp already normalised. */
export interface LogCreate {
  name: string;
  level: number;
  message: string;
  timestamp: string;
  flow_run_id?: string | null;
  task_run_id?: string | null;
}

const COLUMNS = sql`log.id, log.created, log.updated, log.name, log.level, log.message, log.timestamp, log.flow_run_id, log.task_run_id`;
// 9 parameters a row: 500 rows stay far below both dialects' bound-parameter limits.
const CHUNK = 500;

// PostgreSQL refuses NUL in text; Prefect strips it rather than losing the record.
const clean = (s: string) => (s.includes("\0") ? s.replaceAll("\0", "") : s);

export function logsStore(driver: Driver) {
  const d = fragmentsFor(driver.dialect);
  return {
    /**
     * Inserts every log in one transaction, in chunks. Ids are UUIDv7, which Bun makes monotonic, so
     * logs with equal timestamps keep the order they were sent in (the tie-breaker of every sort).
     */
    /** Stores the batch in one transaction; returns the logs as stored (for the /logs/out stream). */
    create(logs: LogCreate[]): Promise<Log[]> {
      if (!logs.length) return Promise.resolve([]);
      const now = nowTimestamp();
      const made: Log[] = logs.map((l) => ({
        id: Bun.randomUUIDv7(),
        created: now,
        updated: now,
        name: clean(l.name),
        level: l.level,
        message: clean(l.message),
        timestamp: l.timestamp,
        flow_run_id: l.flow_run_id ?? null,
        task_run_id: l.task_run_id ?? null,
      }));
      return driver.tx(function* () {
        for (let i = 0; i < made.length; i += CHUNK) {
          const values = made
            .slice(i, i + CHUNK)
            .map(
              (l) =>
                sql`(${l.id}, ${now}, ${now}, ${l.name}, ${l.level}, ${l.message}, ${l.timestamp}, ${l.flow_run_id}, ${l.task_run_id})`,
            );
          yield* exec(sql`
            INSERT INTO log (id, created, updated, name, level, message, timestamp, flow_run_id, task_run_id)
            VALUES ${sql.join(values, sql`, `)}`);
        }
        return made;
      });
    },

    filter(body: FilterBody, page: Page): Promise<Log[]> {
      return driver.read(function* () {
        return yield* rows<Log>(
          sql`
          SELECT ${COLUMNS} FROM log WHERE ${logWhere(body, d)}
          ORDER BY ${orderBy("log", page.sort, "TIMESTAMP_ASC")} LIMIT ${page.limit} OFFSET ${page.offset}`,
          TABLE_CODECS.log,
        );
      });
    },
  };
}

export type LogsStore = ReturnType<typeof logsStore>;
