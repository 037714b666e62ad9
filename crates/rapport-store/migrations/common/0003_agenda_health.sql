-- The agenda (`today`) and the health of every relationship read columns and covering
-- indexes, never documents. The new columns are filled from the documents by each
-- engine's part of this migration; from then on the write path keeps them.

-- When a relationship began: the agenda's last contact when there was none.
ALTER TABLE relationships ADD COLUMN started_on TEXT;
DROP INDEX relationships_agenda;
CREATE INDEX relationships_agenda ON relationships
    (workspace_id, deleted_at, status, subject_id, subject_kind, kind, importance,
     cadence_days, owner_id, visibility, started_on, id);
-- The same columns by id: the relationships that promises, conflicts, tasks and falling
-- health refer to.
CREATE INDEX relationships_card ON relationships
    (id, workspace_id, deleted_at, subject_id, subject_kind, kind, status, importance,
     cadence_days, owner_id, visibility, started_on);

-- The text of a commitment, so that open promises are read from an index.
ALTER TABLE commitments ADD COLUMN text TEXT;
DROP INDEX commitments_open;
CREATE INDEX commitments_open ON commitments
    (workspace_id, status, due, deleted_at, id, relationship_id, owed_by, text);

-- Each interaction's sentiment and liveness beside its subjects, so that the health of
-- every relationship reads its interactions from one index instead of parsing every
-- interaction document.
ALTER TABLE interaction_subjects ADD COLUMN sentiment BIGINT;
ALTER TABLE interaction_subjects ADD COLUMN live BIGINT NOT NULL DEFAULT 1;
UPDATE interaction_subjects SET
    sentiment = (SELECT i.sentiment FROM interactions i WHERE i.id = interaction_subjects.interaction_id),
    live = COALESCE((SELECT CASE WHEN i.deleted_at IS NULL THEN 1 ELSE 0 END
                     FROM interactions i WHERE i.id = interaction_subjects.interaction_id), 0);
CREATE INDEX interaction_subjects_health ON interaction_subjects
    (workspace_id, subject_id, at, interaction_id, sentiment, live);

-- The workspace's health scores by day, read from the index alone: the agenda looks for
-- falling relationships among the last 30 days' scores, `health` at today's.
CREATE INDEX health_history_ws_day ON health_history (workspace_id, day, relationship_id, score);
