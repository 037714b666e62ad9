-- Search by whole words on PostgreSQL. A common word (a tag in thousands of documents) is
-- found through the trigram index by intersecting the posting lists of all its trigrams,
-- some of which are in most documents (`est`, `tor` for `investor`): a bitmap of every
-- match is built before the first of them is read. The documents holding one of a few
-- vocabulary words are instead the union of those words' posting lists in this index of
-- each document's words, a fraction of the work. search.rs uses it for a query whose
-- words are vocabulary words contained in few others, and checks each candidate's text
-- as before, so the candidates (and their order, the table's) are the same.
--
-- A document's words are its runs of ASCII letters and digits, which are exactly the runs
-- `rapport_store::search::terms` makes of ASCII text. Any other document (non-ASCII text,
-- or a run longer than the vocabulary keeps) is listed under `-`, which no vocabulary word
-- is, and which every such lookup includes: it is a candidate for every word.
-- (Written so that it can run again, as the conformance tests' backfill checks do.)
CREATE OR REPLACE FUNCTION search_words(body TEXT) RETURNS TEXT[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
        SELECT CASE WHEN body ~ '[^\u0001-\u007f]|[A-Za-z0-9]{41}' THEN ARRAY['-']
                    ELSE regexp_split_to_array(body, '[^A-Za-z0-9]+') END
    $$;
CREATE INDEX IF NOT EXISTS search_docs_words ON search_docs USING gin (search_words(body))
    WITH (gin_pending_list_limit = 256);
-- The vocabulary words that contain a query word (`investor` in `investors`).
CREATE INDEX IF NOT EXISTS search_terms_fragments ON search_terms USING gin (term gin_trgm_ops)
    WITH (gin_pending_list_limit = 256);
-- The planner's statistics of the new expression, so that a word's share of the
-- documents is estimated from the start.
ANALYZE search_docs;
