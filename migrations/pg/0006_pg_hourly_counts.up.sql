-- Per-hour run counts for the dashboard on PostgreSQL, as SQLite keeps them since 0005 (a 30-day window
-- at a million runs took 1.7 s to aggregate), but written so that concurrent transitions never wait on
-- each other: the triggers only append signed deltas, one row per hour and state that a statement moves
-- runs into or out of, and never update a shared row. The server folds an hour's deltas into one row now
-- and then (`compact` in src/store/dashboard.ts). Readers sum whatever rows an hour has, so a
-- count is exact whether or not it was folded. `hour` is '2026-11-25T09' in UTC, '' when there is none;
-- a missing state type or name is ''.

-- The hour key of an expected start time; plain SQL, so PostgreSQL inlines it into each query.
CREATE FUNCTION run_hour(ts TIMESTAMPTZ) RETURNS TEXT LANGUAGE sql STABLE AS $$
  SELECT coalesce(to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24'), '')
$$;

CREATE TABLE flow_run_hourly_count (
  hour TEXT NOT NULL,
  state_type TEXT NOT NULL,
  state_name TEXT NOT NULL,
  runs INTEGER NOT NULL
);
CREATE INDEX ix_flow_run_hourly_count__hour ON flow_run_hourly_count (hour, state_type, state_name);

INSERT INTO flow_run_hourly_count (hour, state_type, state_name, runs)
SELECT run_hour(expected_start_time), coalesce(state_type, ''), coalesce(state_name, ''), count(*)
FROM flow_run GROUP BY 1, 2, 3;

-- Statement-level with transition tables: a bulk insert or delete writes one delta per hour and state,
-- and an update that moves no run between hours or states writes none.
CREATE FUNCTION flow_run_hourly_count_delta() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO flow_run_hourly_count (hour, state_type, state_name, runs)
    SELECT run_hour(expected_start_time), coalesce(state_type, ''), coalesce(state_name, ''), count(*)
    FROM new_rows GROUP BY 1, 2, 3;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO flow_run_hourly_count (hour, state_type, state_name, runs)
    SELECT run_hour(expected_start_time), coalesce(state_type, ''), coalesce(state_name, ''), -count(*)
    FROM old_rows GROUP BY 1, 2, 3;
  ELSE
    INSERT INTO flow_run_hourly_count (hour, state_type, state_name, runs)
    SELECT hour, state_type, state_name, sum(runs) FROM (
      SELECT run_hour(expected_start_time) AS hour, coalesce(state_type, '') AS state_type, coalesce(state_name, '') AS state_name, -1 AS runs FROM old_rows
      UNION ALL
      SELECT run_hour(expected_start_time), coalesce(state_type, ''), coalesce(state_name, ''), 1 FROM new_rows
    ) AS moved GROUP BY 1, 2, 3 HAVING sum(runs) <> 0;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER tr_flow_run_hourly_count_insert AFTER INSERT ON flow_run
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION flow_run_hourly_count_delta();
CREATE TRIGGER tr_flow_run_hourly_count_update AFTER UPDATE ON flow_run
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION flow_run_hourly_count_delta();
CREATE TRIGGER tr_flow_run_hourly_count_delete AFTER DELETE ON flow_run
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION flow_run_hourly_count_delta();

-- The same for task runs, per state type (the dashboard shows no task state names).
CREATE TABLE task_run_hourly_count (
  hour TEXT NOT NULL,
  state_type TEXT NOT NULL,
  runs INTEGER NOT NULL
);
CREATE INDEX ix_task_run_hourly_count__hour ON task_run_hourly_count (hour, state_type);

INSERT INTO task_run_hourly_count (hour, state_type, runs)
SELECT run_hour(expected_start_time), coalesce(state_type, ''), count(*)
FROM task_run GROUP BY 1, 2;

CREATE FUNCTION task_run_hourly_count_delta() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO task_run_hourly_count (hour, state_type, runs)
    SELECT run_hour(expected_start_time), coalesce(state_type, ''), count(*)
    FROM new_rows GROUP BY 1, 2;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO task_run_hourly_count (hour, state_type, runs)
    SELECT run_hour(expected_start_time), coalesce(state_type, ''), -count(*)
    FROM old_rows GROUP BY 1, 2;
  ELSE
    INSERT INTO task_run_hourly_count (hour, state_type, runs)
    SELECT hour, state_type, sum(runs) FROM (
      SELECT run_hour(expected_start_time) AS hour, coalesce(state_type, '') AS state_type, -1 AS runs FROM old_rows
      UNION ALL
      SELECT run_hour(expected_start_time), coalesce(state_type, ''), 1 FROM new_rows
    ) AS moved GROUP BY 1, 2 HAVING sum(runs) <> 0;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER tr_task_run_hourly_count_insert AFTER INSERT ON task_run
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION task_run_hourly_count_delta();
CREATE TRIGGER tr_task_run_hourly_count_update AFTER UPDATE ON task_run
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION task_run_hourly_count_delta();
CREATE TRIGGER tr_task_run_hourly_count_delete AFTER DELETE ON task_run
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION task_run_hourly_count_delta();
