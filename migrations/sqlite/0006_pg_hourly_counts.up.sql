-- Nothing to do on SQLite: its per-hour run counts have been kept by triggers since 0005. This revision
-- gives PostgreSQL the same counts (migrations/pg/0006), and keeps both dialects on one revision chain.
SELECT 1;
