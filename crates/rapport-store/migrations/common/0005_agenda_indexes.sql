-- Covering indexes for the agenda (`today`): every live relationship as columns, and
-- each subject's name, preferred channel and last contact, read from the indexes alone
-- without touching the records' documents.
CREATE INDEX relationships_agenda ON relationships
    (workspace_id, deleted_at, subject_id, subject_kind, kind, status, importance,
     cadence_days, owner_id, visibility, id);
CREATE INDEX people_card ON people (id, workspace_id, name, preferred_channel);
CREATE INDEX organizations_card ON organizations (id, workspace_id, name);
CREATE INDEX subject_activity_last ON subject_activity (subject_id, workspace_id, last_at);
