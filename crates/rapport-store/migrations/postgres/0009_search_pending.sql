-- The trigram index's pending list (GIN "fast update"): new documents wait there, unsorted,
-- until it outgrows gin_pending_list_limit (4 MB by default) or a VACUUM merges it, and
-- every lookup of the index reads all of it. With autovacuum off or behind, a search read
-- the ~300 pages left after a load on each lookup (1–1.5 ms of a 1.6 ms lookup at 100k
-- people). A 256 kB list keeps that to 32 pages at most while writes still batch their
-- entries (a 20k-person load: 3% more database CPU; 10% at 64 kB); the list already there
-- is merged now.
ALTER INDEX search_docs_body SET (gin_pending_list_limit = 256);
SELECT gin_clean_pending_list('search_docs_body'::regclass);
