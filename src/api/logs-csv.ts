// GET /flow_runs/{id}/logs/download: every log of the run as CSV, oldest first, written page by page so
// a run with a million lines never sits in memory whole. Columns and formatting as Prefect's (Python's
// csv module: fields quoted only when they need it, CRLF line ends, datetimes as str(datetime)).
import type { LogsStore } from "../store/logs.ts";

const PAGE = 2000;

const field = (v: unknown): string => {
  const s = v === null || v === undefined ? "" : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

const row = (values: unknown[]) => `${values.map(field).join(",")}\r\n`;

/** "2026-12-01T16:30:15.123456Z" → "2026-12-01 16:30:15.123456+00:00", as Python prints it. */
const pythonTime = (ts: string) => ts.replace("T", " ").replace(/Z$/, "+00:00");

export function logsCsv(logs: LogsStore, flowRunId: string): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let offset = 0;
  let started = false;
  return new ReadableStream({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(row(["timestamp", "level", "flow_run_id", "task_run_id", "message"])));
        return;
      }
      const page = await logs.filter(
        { logs: { flow_run_id: { any_: [flowRunId] } } },
        { limit: PAGE, offset, sort: "TIMESTAMP_ASC" },
      );
      offset += page.length;
      if (page.length)
        controller.enqueue(
          encoder.encode(
            page.map((l) => row([pythonTime(l.timestamp), l.level, l.flow_run_id, l.task_run_id, l.message])).join(""),
          ),
        );
      if (page.length < PAGE) controller.close();
    },
  });
}
