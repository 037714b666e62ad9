UPDATE search_terms SET reversed = reverse(term);
-- Byte-order (text_pattern_ops) indexes for the prefix and suffix ranges, whatever the
-- database's collation; covering, so the ranges are read from the indexes alone.
CREATE INDEX search_terms_prefix ON search_terms (workspace_id, term text_pattern_ops);
CREATE INDEX search_terms_suffix ON search_terms (workspace_id, reversed text_pattern_ops, term);
-- Corrections no longer look words up by trigram similarity.
DROP INDEX search_terms_trgm;
