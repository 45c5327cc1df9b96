// Logs as they are stored, for the /logs/out WebSocket (`prefect deployment run --watch` and
// `flow-run watch` follow a run's logs live). In-process, like the event bus; nothing is kept.
import { log } from "../core/logger.ts";

export interface StreamedLog {
  id: string;
  created: string;
  updated: string;
  name: string;
  level: number;
  message: string;
  timestamp: string;
  flow_run_id: string | null;
  task_run_id: string | null;
}

export class LogStream {
  private listeners = new Set<(logs: StreamedLog[]) => void>();

  subscribe(listener: (logs: StreamedLog[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(logs: StreamedLog[]): void {
    if (!logs.length) return;
    for (const listener of this.listeners) {
      try {
        listener(logs);
      } catch (e) {
        log.error("log listener failed", e);
      }
    }
  }
}

/** Prefect's log_matches_filter (server/logs/stream.py) over a LogFilter as JSON; normalised timestamps. */
export function logMatches(filter: LogFilterJson, l: StreamedLog): boolean {
  const { level, timestamp, flow_run_id, task_run_id } = filter;
  if (level?.ge_ != null && l.level < level.ge_) return false;
  if (level?.le_ != null && l.level > level.le_) return false;
  if (timestamp?.before_ != null && l.timestamp > timestamp.before_) return false;
  if (timestamp?.after_ != null && l.timestamp < timestamp.after_) return false;
  if (flow_run_id?.any_ != null && !flow_run_id.any_.includes(l.flow_run_id ?? "")) return false;
  if (task_run_id?.any_ != null && !task_run_id.any_.includes(l.task_run_id ?? "")) return false;
  if (task_run_id?.is_null_ != null && task_run_id.is_null_ !== (l.task_run_id === null)) return false;
  return true;
}

export interface LogFilterJson {
  level?: { ge_?: number | null; le_?: number | null } | null;
  timestamp?: { before_?: string | null; after_?: string | null } | null;
  flow_run_id?: { any_?: string[] | null } | null;
  task_run_id?: { any_?: string[] | null; is_null_?: boolean | null } | null;
}
