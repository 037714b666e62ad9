-- The people in the trash of a workspace, from an index of them alone: the warm-
-- introduction search reads them once per request (`Tx::trashed_people`), and with no
-- index holding `deleted_at` that read looked up every person's row of the workspace
-- (100,000 row reads for none found, a fifth of a far introduction). Partial, so that
-- only trashing and restoring a person write to it; `deleted_at` in the key, so that
-- SQLite (without statistics) takes it for `deleted_at IS NOT NULL` as a range. May run
-- again (`IF EXISTS`): tests roll a database back past later migrations.
DROP INDEX IF EXISTS people_trashed;
CREATE INDEX people_trashed ON people (workspace_id, deleted_at, id)
    WHERE deleted_at IS NOT NULL;
