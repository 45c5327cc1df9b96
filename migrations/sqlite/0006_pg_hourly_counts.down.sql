-- Nothing to undo on SQLite (see the up revision).
SELECT 1;
