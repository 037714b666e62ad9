-- SQLite has no reverse(): build each word back to front, one character at a time.
UPDATE search_terms SET reversed = (
    WITH RECURSIVE r(i, s) AS (
        SELECT length(search_terms.term), ''
        UNION ALL
        SELECT i - 1, s || substr(search_terms.term, i, 1) FROM r WHERE i > 0
    )
    SELECT s FROM r WHERE i = 0
);
-- Covering, so a range of word endings is read from the index alone.
CREATE INDEX search_terms_reversed ON search_terms (workspace_id, reversed, term);
-- Corrections no longer look words up by trigram.
DROP TABLE search_terms_fts;
