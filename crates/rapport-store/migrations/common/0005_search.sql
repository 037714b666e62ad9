-- Each vocabulary word reversed: typo correction finds the words that end like a query
-- word through an index range on it, as it finds those that start like it through the
-- primary key (see search.rs). Filled by each engine's script, then indexed.
ALTER TABLE search_terms ADD COLUMN reversed TEXT;
