-- SQLite search: FTS5 trigram indexes over the portable tables' text (external
-- content), so substring matching uses an index. The write path (entity.rs) keeps them
-- in step with single-row statements: triggers would make every write open a statement
-- savepoint, and FTS5 flushes its pending index at each one.
CREATE VIRTUAL TABLE search_docs_fts USING fts5(body, content = 'search_docs', content_rowid = 'rowid', tokenize = 'trigram');
CREATE VIRTUAL TABLE search_terms_fts USING fts5(term, content = 'search_terms', content_rowid = 'rowid', tokenize = 'trigram');
