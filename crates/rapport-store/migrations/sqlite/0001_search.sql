-- SQLite search: FTS5 trigram indexes kept in step with the portable tables by
-- triggers (external content), so substring matching uses an index.
CREATE VIRTUAL TABLE search_docs_fts USING fts5(body, content = 'search_docs', content_rowid = 'rowid', tokenize = 'trigram');
CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs BEGIN
    INSERT INTO search_docs_fts (rowid, body) VALUES (new.rowid, new.body);
END;
CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN
    INSERT INTO search_docs_fts (search_docs_fts, rowid, body) VALUES ('delete', old.rowid, old.body);
END;
CREATE TRIGGER search_docs_au AFTER UPDATE ON search_docs BEGIN
    INSERT INTO search_docs_fts (search_docs_fts, rowid, body) VALUES ('delete', old.rowid, old.body);
    INSERT INTO search_docs_fts (rowid, body) VALUES (new.rowid, new.body);
END;

CREATE VIRTUAL TABLE search_terms_fts USING fts5(term, content = 'search_terms', content_rowid = 'rowid', tokenize = 'trigram');
CREATE TRIGGER search_terms_ai AFTER INSERT ON search_terms BEGIN
    INSERT INTO search_terms_fts (rowid, term) VALUES (new.rowid, new.term);
END;
