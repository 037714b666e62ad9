-- PostgreSQL search: pg_trgm GIN indexes on the same folded text, so that
-- LIKE '%fragment%' and similarity on the vocabulary use indexes, not row scans.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX search_docs_body ON search_docs USING gin (body gin_trgm_ops);
CREATE INDEX search_docs_ws ON search_docs (workspace_id);
CREATE INDEX search_terms_trgm ON search_terms USING gin (term gin_trgm_ops);
