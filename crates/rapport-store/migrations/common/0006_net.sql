-- The network overview reads every live tie of a workspace: both ends, kind, strength and
-- when it last changed. Without an index holding those columns both engines read each
-- tie's row, document included, to use a fifth of it. With this covering index the read
-- is one range scan of the index.
CREATE INDEX ties_network ON ties (workspace_id, from_person_id, to_person_id, kind, strength, updated_at)
    WHERE deleted_at IS NULL;
-- Its mirror, by the other end. The warm-introduction search reads the ties of a few
-- people by each end (`ties_around`); without statistics SQLite would answer the
-- to-end half from the index above, by the workspace alone: a pass over every tie per
-- read. With both, each half is a seek by (workspace, end) in a covering index.
CREATE INDEX ties_network_to ON ties (workspace_id, to_person_id, from_person_id, kind, strength, updated_at)
    WHERE deleted_at IS NULL;
