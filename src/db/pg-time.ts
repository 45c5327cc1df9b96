// PostgreSQL prints timestamptz as "2026-08-21 12:00:00.1234+00" (UTC session); the rest of the code keeps
// "2026-08-21T12:00:00.123400Z". The session time zone is pinned to UTC in open.ts, so the offset is +00.
export function normalizePgTimestamp(v: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?(?:\+00(?::?00)?|Z)$/.exec(v);
  if (!m) return v;
  return `${m[1]}T${m[2]}.${(m[3] ?? "").padEnd(6, "0")}Z`;
}
