-- The days on which a relationship's recorded health score fell at least the core's
-- FALL_POINTS (10) below the best score of the FALL_WINDOW_DAYS (30) days before it.
-- Health can be falling today only if such a day lies in today's window, so the agenda
-- reads these few rows instead of every score of the window. The write path of health
-- scores keeps them (rapport-core's `fall_days` decides); each engine's part of this
-- migration fills them from the scores already recorded.
CREATE TABLE health_falls (
    workspace_id TEXT NOT NULL,
    relationship_id TEXT NOT NULL REFERENCES relationships(id),
    day TEXT NOT NULL,
    PRIMARY KEY (relationship_id, day)
);
CREATE INDEX health_falls_ws_day ON health_falls (workspace_id, day, relationship_id);
