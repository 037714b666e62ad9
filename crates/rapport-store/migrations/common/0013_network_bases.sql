-- The whole graph between people kept between requests (see
-- `rapport_core::network::PeopleGraph`), and what each network write touched since, so
-- that the first overview after a write patches the kept graph instead of reading every
-- tie again. `IF NOT EXISTS`: a database rewound to an older version applies this again.
-- The kept graph and the generation it is the graph of.
CREATE TABLE IF NOT EXISTS network_bases (
    workspace_id TEXT PRIMARY KEY,
    generation BIGINT NOT NULL,
    doc TEXT NOT NULL
);
-- Per generation the write made: the ids of the people it touched (the people written,
-- the ends of ties written, before and after, and who took part in interactions
-- written, before and after), separated by spaces. A write that touched too many, or
-- that cannot say, leaves no row: a generation without a row means "read it all again".
CREATE TABLE IF NOT EXISTS network_changes (
    workspace_id TEXT NOT NULL,
    generation BIGINT NOT NULL,
    people TEXT NOT NULL,
    PRIMARY KEY (workspace_id, generation)
);
