-- Covering indexes for the agenda (`today`): every live relationship as columns, and
-- each subject's name, preferred channel and last contact, read from the indexes alone
-- without touching the records' documents.
CREATE INDEX relationships_agenda ON relationships
    (workspace_id, deleted_at, subject_id, subject_kind, kind, status, importance,
     cadence_days, owner_id, visibility, id);
CREATE INDEX people_card ON people (id, workspace_id, name, preferred_channel);
CREATE INDEX organizations_card ON organizations (id, workspace_id, name);
CREATE INDEX subject_activity_last ON subject_activity (subject_id, workspace_id, last_at);

-- A relationship's conflicts by (relationship_id, workspace_id): with only
-- (relationship_id) the planner preferred conflicts_open (workspace_id, status) and
-- scanned every conflict of the workspace for each relationship's health.
DROP INDEX conflicts_rel;
CREATE INDEX conflicts_rel ON conflicts (relationship_id, workspace_id);
