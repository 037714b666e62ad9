-- Leaner indexes: fewer and narrower B-trees to build and keep up to date, with every
-- read keeping a plan as good as before. Each step may run again (`IF EXISTS`): tests
-- roll a database back past later migrations and apply them once more.
--
-- No statement reads interactions by time (what is read by time goes through
-- `interaction_subjects`, which carries `at`): the (workspace_id, at) index was only
-- ever written.
DROP INDEX IF EXISTS interactions_ws_at;

-- The interactions of some subjects (a person's timeline, a subject's activity
-- recomputed after an edit) are read with the workspace as well, through the
-- (workspace_id, subject_id, at, …) index the health read uses; the (subject_id, at)
-- index held nothing that one does not.
DROP INDEX IF EXISTS interaction_subjects_subject;

-- Indexes read only with equality on every column need not lead with the workspace,
-- which is the same in every row of a one-workspace database and makes each comparison
-- of an index build look past it. Led by the column that tells rows apart, they give
-- the same seeks (the workspace still an equality of the same index) and sort faster.
DROP INDEX IF EXISTS interactions_source;
CREATE UNIQUE INDEX interactions_source ON interactions (source_id, source, workspace_id);

DROP INDEX IF EXISTS ties_network_to;
CREATE INDEX ties_network_to ON ties (to_person_id, workspace_id, from_person_id, kind, strength, updated_at)
    WHERE deleted_at IS NULL;

-- Every read of ties by one end asks for live ties of the workspace (the neighbourhood
-- reads, a merge's moves through `where_eq`): the two covering partial indexes above
-- answer each end with a seek. The plain indexes by each end would serve only the
-- foreign-key checks of deleting a person or changing a person's id, neither of which
-- any code does (people go to the trash).
DROP INDEX IF EXISTS ties_from;
DROP INDEX IF EXISTS ties_to;
