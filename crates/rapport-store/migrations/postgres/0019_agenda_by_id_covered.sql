-- The agenda reads whom a relationship is with by id (the relationships of the promises,
-- conflicts and tasks it shows but whose check-in is not due: about 11,500 at 100k
-- people). SQLite stores `agenda_relationships` by its key, so such a read is one seek;
-- on PostgreSQL it was a seek in the key's index and then a visit to the row in the
-- table. The key's index now carries the columns that read returns and tests (subject,
-- name, workspace, and who may see the relationship), so the read is index-only once the
-- table's pages are all-visible: about half of that read's database time at 100k people.
-- One index still, as before: the key itself is the covering one.
ALTER TABLE agenda_relationships DROP CONSTRAINT agenda_relationships_pkey;
ALTER TABLE agenda_relationships ADD CONSTRAINT agenda_relationships_pkey PRIMARY KEY (id)
    INCLUDE (workspace_id, subject_id, name, visibility, owner_id);
