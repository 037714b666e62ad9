-- The agenda's row of every live relationship (trashed ones have none): its own
-- columns beside its subject's name and preferred channel and the subject's last live
-- contact (from subject_activity), so that the check-ins that may be due are one range
-- of one covering index, with no joins, and a relationship read by id is one seek. The
-- write path keeps each row equal to what the query below computes from the records
-- (rapport-store's AGENDA_ROWS), and a bulk build fills the table with it once.
CREATE TABLE agenda_relationships (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    status TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    importance BIGINT NOT NULL,
    cadence_days BIGINT,
    owner_id TEXT,
    visibility TEXT NOT NULL,
    started_on TEXT,
    last_at BIGINT,
    name TEXT,
    preferred_channel TEXT
) WITHOUT ROWID;
CREATE INDEX agenda_relationships_due ON agenda_relationships
    (workspace_id, status, kind, importance, cadence_days, last_at, id, subject_kind,
     subject_id, owner_id, visibility, started_on, name, preferred_channel);
INSERT INTO agenda_relationships (id, workspace_id, status, subject_kind, subject_id, kind,
    importance, cadence_days, owner_id, visibility, started_on, last_at, name, preferred_channel)
SELECT r.id, r.workspace_id, r.status, r.subject_kind, r.subject_id, r.kind,
    r.importance, r.cadence_days, r.owner_id, r.visibility, r.started_on, a.last_at,
    COALESCE(p.name, o.name), p.preferred_channel
FROM relationships r
LEFT JOIN subject_activity a ON a.subject_id = r.subject_id AND a.workspace_id = r.workspace_id
LEFT JOIN people p ON r.subject_kind = 'person' AND p.id = r.subject_id AND p.workspace_id = r.workspace_id
LEFT JOIN organizations o ON r.subject_kind = 'organization' AND o.id = r.subject_id AND o.workspace_id = r.workspace_id
WHERE r.deleted_at IS NULL;
