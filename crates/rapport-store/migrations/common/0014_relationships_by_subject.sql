-- A subject's relationships by the subject first, with their ids: what each write to a
-- person or an organization recomputes the agenda rows of. Led by the workspace, the
-- index lost to `relationships_agenda` (covering, and leading with the workspace too)
-- in SQLite's plans without statistics, and every such write read all the workspace's
-- relationships (23 ms per new person at 100k people, 216 ms at 1M).
DROP INDEX IF EXISTS relationships_subject;
CREATE INDEX relationships_subject ON relationships (subject_id, workspace_id, id);
