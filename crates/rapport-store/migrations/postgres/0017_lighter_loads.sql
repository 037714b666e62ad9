-- Less for PostgreSQL to do per row written and per statistics refresh; nothing a
-- query sees changes.
--
-- The side indexes of emails, phones and interaction participants lose their foreign
-- keys to the record they index, as tags and the search text never had one. Their rows
-- are derived: written only by the write path (entity.rs), from the record, in the same
-- transaction, and people and interactions are never deleted (trash is an update). The
-- key made PostgreSQL run a query and lock the referenced row for every row written
-- (an import of 100,000 contacts: about 2.5 s of the database's CPU for the emails and
-- phones). Records that refer to records (memberships, ties, …) keep their keys.
ALTER TABLE person_emails DROP CONSTRAINT IF EXISTS person_emails_person_id_fkey;
ALTER TABLE person_phones DROP CONSTRAINT IF EXISTS person_phones_person_id_fkey;
ALTER TABLE interaction_subjects DROP CONSTRAINT IF EXISTS interaction_subjects_interaction_id_fkey;

-- No statistics on stored documents: no query filters, joins or groups on one (they are
-- only read back), and `ANALYZE` (after each load, and twice in an import of 100,000
-- contacts) spent about a third of its time on them.
ALTER TABLE audit_events ALTER COLUMN after_doc SET STATISTICS 0,
                         ALTER COLUMN before_doc SET STATISTICS 0;
ALTER TABLE commitments ALTER COLUMN doc SET STATISTICS 0;
ALTER TABLE conflicts ALTER COLUMN doc SET STATISTICS 0;
ALTER TABLE deals ALTER COLUMN doc SET STATISTICS 0;
ALTER TABLE exchanges ALTER COLUMN doc SET STATISTICS 0;
ALTER TABLE feedback ALTER COLUMN doc SET STATISTICS 0;
ALTER TABLE goals ALTER COLUMN doc SET STATISTICS 0;
ALTER TABLE important_dates ALTER COLUMN doc SET STATISTICS 0;
ALTER TABLE interactions ALTER COLUMN doc SET STATISTICS 0;
ALTER TABLE memberships ALTER COLUMN doc SET STATISTICS 0;
ALTER TABLE notes ALTER COLUMN doc SET STATISTICS 0;
ALTER TABLE organizations ALTER COLUMN doc SET STATISTICS 0;
ALTER TABLE people ALTER COLUMN doc SET STATISTICS 0;
ALTER TABLE relationships ALTER COLUMN doc SET STATISTICS 0;
ALTER TABLE stakes ALTER COLUMN doc SET STATISTICS 0;
ALTER TABLE tasks ALTER COLUMN doc SET STATISTICS 0;
ALTER TABLE ties ALTER COLUMN doc SET STATISTICS 0;
