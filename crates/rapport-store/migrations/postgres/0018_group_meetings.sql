-- The participant rows of the live interactions that have two or more subjects: the only
-- meetings that are evidence between two people (an interaction with one participant
-- is a tie to me alone, which `subject_activity` already counts). The cold network
-- read takes its meetings from here instead of every participant row of the workspace
-- (on the demo, a tenth of the interactions have a second participant). Derived: written
-- only by the write path beside `interaction_subjects`. Keyed by workspace and
-- interaction, so that the read is one range and a rewrite of one interaction one seek.
-- May run again (`IF EXISTS`): tests roll a database back past later migrations.
DROP TABLE IF EXISTS group_meetings;
CREATE TABLE group_meetings (
    workspace_id TEXT NOT NULL,
    interaction_id TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, interaction_id, subject_id)
);
INSERT INTO group_meetings (workspace_id, interaction_id, subject_id, at)
SELECT DISTINCT s.workspace_id, s.interaction_id, s.subject_id, s.at FROM interaction_subjects s
WHERE s.live = 1 AND s.interaction_id IN (SELECT interaction_id FROM interaction_subjects
                                          GROUP BY interaction_id
                                          HAVING COUNT(DISTINCT subject_id) > 1);
