-- The network overview's derived data (see `rapport_core::network::NetworkSnapshot`).
-- `IF NOT EXISTS`: a database rewound to an older version (as the backfill tests do)
-- applies this again.
-- `network_generations` counts, per workspace, the committed transactions that wrote a
-- person, a tie or an interaction: the write path bumps it in the same transaction. A
-- workspace without a row is at generation 0.
CREATE TABLE IF NOT EXISTS network_generations (
    workspace_id TEXT PRIMARY KEY,
    generation BIGINT NOT NULL
);
-- The snapshot last computed, and the generation it was computed at: it is read only
-- while that is still the workspace's generation.
CREATE TABLE IF NOT EXISTS network_snapshots (
    workspace_id TEXT PRIMARY KEY,
    generation BIGINT NOT NULL,
    doc TEXT NOT NULL
);
