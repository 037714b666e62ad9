//! Schema migrations for both engines, applied at open. Each version is the common
//! portable script plus the engine's own (search indexes), applied in one transaction
//! under a lock so that two processes starting at once never half-apply one.

use rusqlite::Connection;

use crate::StoreError;

struct Migration {
    version: i64,
    common: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        common: include_str!("../migrations/common/0001_init.sql"),
        sqlite: include_str!("../migrations/sqlite/0001_search.sql"),
        postgres: include_str!("../migrations/postgres/0001_search.sql"),
    },
    Migration {
        version: 2,
        common: include_str!("../migrations/common/0002_agenda_indexes.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 3,
        common: include_str!("../migrations/common/0003_agenda_health.sql"),
        sqlite: include_str!("../migrations/sqlite/0003_backfill.sql"),
        postgres: include_str!("../migrations/postgres/0003_backfill.sql"),
    },
    Migration {
        version: 4,
        common: include_str!("../migrations/common/0004_list_indexes.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 5,
        common: include_str!("../migrations/common/0005_search.sql"),
        sqlite: include_str!("../migrations/sqlite/0005_search.sql"),
        postgres: include_str!("../migrations/postgres/0005_search.sql"),
    },
    Migration {
        version: 6,
        common: include_str!("../migrations/common/0006_net.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 7,
        common: include_str!("../migrations/common/0007_today_falling.sql"),
        sqlite: include_str!("../migrations/sqlite/0007_today_falling.sql"),
        postgres: include_str!("../migrations/postgres/0007_today_falling.sql"),
    },
    Migration {
        version: 8,
        common: include_str!("../migrations/common/0008_agenda_relationships.sql"),
        sqlite: include_str!("../migrations/sqlite/0008_agenda_relationships.sql"),
        postgres: include_str!("../migrations/postgres/0008_agenda_relationships.sql"),
    },
    Migration {
        version: 9,
        common: "",
        sqlite: "",
        postgres: include_str!("../migrations/postgres/0009_search_pending.sql"),
    },
    Migration {
        version: 10,
        common: include_str!("../migrations/common/0010_network_snapshots.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 11,
        common: "",
        sqlite: "",
        postgres: include_str!("../migrations/postgres/0011_search_words.sql"),
    },
    Migration {
        version: 12,
        common: include_str!("../migrations/common/0012_leaner_indexes.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 13,
        common: include_str!("../migrations/common/0013_network_bases.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 14,
        common: include_str!("../migrations/common/0014_relationships_by_subject.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 15,
        common: "",
        sqlite: include_str!("../migrations/sqlite/0015_network_bases_bytes.sql"),
        postgres: include_str!("../migrations/postgres/0015_network_bases_bytes.sql"),
    },
    Migration {
        version: 16,
        common: include_str!("../migrations/common/0016_people_trashed.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 17,
        common: "",
        sqlite: "",
        postgres: include_str!("../migrations/postgres/0017_lighter_loads.sql"),
    },
    Migration {
        version: 18,
        common: "",
        sqlite: include_str!("../migrations/sqlite/0018_group_meetings.sql"),
        postgres: include_str!("../migrations/postgres/0018_group_meetings.sql"),
    },
    Migration {
        version: 19,
        common: "",
        sqlite: "",
        postgres: include_str!("../migrations/postgres/0019_agenda_by_id_covered.sql"),
    },
];

pub fn latest() -> i64 {
    MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0)
}

pub fn sqlite(conn: &Connection) -> Result<(), StoreError> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current >= latest() {
        return Ok(());
    }
    // The write lock is the migration lock: re-read the version once we hold it.
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let result = (|| {
        let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        for m in MIGRATIONS.iter().filter(|m| m.version > current) {
            conn.execute_batch(m.common)?;
            conn.execute_batch(m.sqlite)?;
            conn.execute_batch(&format!("PRAGMA user_version = {}", m.version))?;
        }
        Ok::<(), StoreError>(())
    })();
    match result {
        Ok(()) => Ok(conn.execute_batch("COMMIT")?),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

/// An arbitrary, fixed key for the advisory lock that serializes migrations.
const PG_MIGRATION_LOCK: i64 = 0x0072_6170_706f_7274;

pub fn postgres(client: &mut postgres::Client) -> Result<(), StoreError> {
    // Almost always the schema is current: one simple query (one round trip, nothing
    // prepared, no transaction or lock) says so. Only when it is behind, or the table
    // is not there yet (the query fails), is the version read again under the lock.
    if pg_version(client).is_some_and(|v| v >= latest()) {
        return Ok(());
    }
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&PG_MIGRATION_LOCK])?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
    )?;
    let current: i64 = tx
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            &[],
        )?
        .get(0);
    for m in MIGRATIONS.iter().filter(|m| m.version > current) {
        tx.batch_execute(m.common)?;
        tx.batch_execute(m.postgres)?;
        tx.execute(
            "INSERT INTO schema_migrations (version) VALUES ($1)",
            &[&m.version],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// The schema's version as `schema_migrations` records it, in one simple query; `None`
/// when it cannot be read (no such table yet, or anything else: the caller then takes
/// the lock and reads it again).
fn pg_version(client: &mut postgres::Client) -> Option<i64> {
    let messages = client
        .simple_query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
        .ok()?;
    messages.iter().find_map(|m| match m {
        postgres::SimpleQueryMessage::Row(row) => row.get(0)?.parse().ok(),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Migration 5 fills the reversed vocabulary of a database written before it,
    /// character by character (not byte by byte).
    #[test]
    fn sqlite_backfills_reversed_terms() -> Result<(), StoreError> {
        let conn = Connection::open_in_memory()?;
        for m in MIGRATIONS.iter().filter(|m| m.version < 5) {
            conn.execute_batch(m.common)?;
            conn.execute_batch(m.sqlite)?;
            conn.execute_batch(&format!("PRAGMA user_version = {}", m.version))?;
        }
        let words = ["lovelace", "zoe", "東京都", "ab1"];
        for w in words {
            conn.execute(
                "INSERT INTO search_terms (workspace_id, term) VALUES ('w', ?1)",
                [w],
            )?;
        }
        sqlite(&conn)?;
        for w in words {
            let reversed: String = conn.query_row(
                "SELECT reversed FROM search_terms WHERE term = ?1",
                [w],
                |r| r.get(0),
            )?;
            assert_eq!(reversed, w.chars().rev().collect::<String>());
        }
        Ok(())
    }

    /// Migration 18 fills `group_meetings` with the participant rows of the live
    /// interactions that have two or more subjects, and only those.
    #[test]
    fn sqlite_backfills_group_meetings() -> Result<(), StoreError> {
        let conn = Connection::open_in_memory()?;
        for m in MIGRATIONS.iter().filter(|m| m.version < 18) {
            conn.execute_batch(m.common)?;
            conn.execute_batch(m.sqlite)?;
            conn.execute_batch(&format!("PRAGMA user_version = {}", m.version))?;
        }
        // i1: two people; i2: one; i3: two, trashed; i4: a person and an organization,
        // in another workspace. Only the participant rows: no interaction to refer to.
        conn.execute_batch("PRAGMA foreign_keys = OFF")?;
        for (ws, i, s, at, live) in [
            ("w", "i1", "a", 10, 1),
            ("w", "i1", "b", 10, 1),
            ("w", "i2", "a", 20, 1),
            ("w", "i3", "a", 30, 0),
            ("w", "i3", "c", 30, 0),
            ("v", "i4", "d", 40, 1),
            ("v", "i4", "o", 40, 1),
        ] {
            conn.execute(
                "INSERT INTO interaction_subjects (workspace_id, interaction_id, subject_id, at, live)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                rusqlite::params![ws, i, s, at, live],
            )?;
        }
        sqlite(&conn)?;
        let mut stmt = conn.prepare(
            "SELECT workspace_id, interaction_id, subject_id, at FROM group_meetings
             ORDER BY workspace_id, interaction_id, subject_id",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let want = [
            ("v", "i4", "d", 40),
            ("v", "i4", "o", 40),
            ("w", "i1", "a", 10),
            ("w", "i1", "b", 10),
        ];
        assert_eq!(
            rows,
            want.map(|(w, i, s, at)| (w.to_string(), i.to_string(), s.to_string(), at))
        );
        Ok(())
    }

    /// The reads that lost an index in migration 12 (or had theirs reordered) still seek
    /// an index on every table they touch, with no statistics (SQLite's plans here use
    /// none): never a pass over a table or over a whole workspace.
    #[test]
    fn sqlite_reads_of_the_leaner_indexes_seek() -> Result<(), StoreError> {
        let conn = Connection::open_in_memory()?;
        sqlite(&conn)?;
        let reads = [
            // `Tx::interactions_with`, two subjects.
            (
                "SELECT DISTINCT i.doc, s.at, i.id FROM interaction_subjects s JOIN interactions i ON i.id = s.interaction_id
                 WHERE s.workspace_id = ?1 AND s.subject_id IN (?2, ?3) AND i.deleted_at IS NULL
                 ORDER BY s.at DESC, i.id DESC LIMIT ?4",
                &["interaction_subjects_health (workspace_id=? AND subject_id=?)", "(id=?)"][..],
            ),
            // A subject's activity recomputed after an interaction's edit.
            (
                "SELECT MAX(i.at), COUNT(DISTINCT i.id) FROM interaction_subjects x JOIN interactions i ON i.id = x.interaction_id
                 WHERE x.workspace_id = ?2 AND x.subject_id = ?1 AND i.deleted_at IS NULL",
                &["interaction_subjects_health (workspace_id=? AND subject_id=?)", "(id=?)"],
            ),
            // An interaction by its source.
            (
                "SELECT doc FROM interactions WHERE workspace_id = ?1 AND source = ?2 AND source_id = ?3",
                &["interactions_source (source_id=? AND source=? AND workspace_id=?)"],
            ),
            // A merge's ties by each end (`Tx::where_eq`).
            (
                "SELECT doc FROM ties WHERE workspace_id = ?1 AND from_person_id = ?2 AND deleted_at IS NULL",
                &["ties_network (workspace_id=? AND from_person_id=?)"],
            ),
            (
                "SELECT doc FROM ties WHERE workspace_id = ?1 AND to_person_id = ?2 AND deleted_at IS NULL",
                &["ties_network_to (to_person_id=? AND workspace_id=?)"],
            ),
            // The neighbourhoods of the introduction search (`Tx::ties_around`).
            (
                "SELECT from_person_id, to_person_id, kind, strength, updated_at FROM ties
                 WHERE to_person_id IN (?2, ?3) AND workspace_id = ?1 AND deleted_at IS NULL",
                &["ties_network_to (to_person_id=? AND workspace_id=?)"],
            ),
            // The whole network's people (`Tx::network_into`), in id order.
            (
                "SELECT name_key, id, name FROM people WHERE workspace_id = ?1 AND deleted_at IS NULL
                 ORDER BY id",
                &["people_ws_id (workspace_id=?)"],
            ),
            // The people in the trash (`Tx::trashed_people`), from their index alone.
            (
                "SELECT id FROM people WHERE workspace_id = ?1 AND deleted_at IS NOT NULL",
                &["COVERING INDEX people_trashed (workspace_id=? AND deleted_at>?)"],
            ),
            // The meetings around some people (`Tx::meetings_around`): no participant's
            // row read for their trash mark.
            (
                "SELECT s.interaction_id, s.subject_id, s.at FROM interaction_subjects s
                 JOIN interactions i ON i.id = s.interaction_id
                 JOIN people p ON p.id = s.subject_id
                 WHERE s.interaction_id IN (SELECT interaction_id FROM interaction_subjects
                                            WHERE subject_id IN (?2, ?3) AND workspace_id = ?1)
                 AND i.workspace_id = ?1 AND i.deleted_at IS NULL
                 AND s.subject_id NOT IN (SELECT id FROM people
                                          WHERE workspace_id = ?1 AND deleted_at IS NOT NULL)",
                &[
                    "interaction_subjects_health (workspace_id=? AND subject_id=?)",
                    "COVERING INDEX people_trashed (workspace_id=? AND deleted_at>?)",
                    "p USING COVERING INDEX sqlite_autoindex_people_1 (id=?)",
                ],
            ),
            // The meetings of the whole network (`Tx::network_meetings`): the range of
            // the workspace in `group_meetings`'s key, nothing else read.
            (
                "SELECT interaction_id, subject_id, at FROM group_meetings WHERE workspace_id = ?1",
                &["group_meetings USING PRIMARY KEY (workspace_id=?)"],
            ),
            // The live people I met (`Tx::met_people`): each subject's person by the
            // primary key's index alone, not by their row.
            (
                "SELECT a.subject_id, a.interactions, a.last_at FROM subject_activity a
                 JOIN people p ON p.id = a.subject_id
                 WHERE a.workspace_id = ?1 AND a.interactions > 0 AND a.last_at IS NOT NULL
                 ORDER BY a.subject_id",
                &["p USING COVERING INDEX sqlite_autoindex_people_1 (id=?)"],
            ),
        ];
        // The agenda rows recomputed by subject, after every write to a person or an
        // organization, as the store writes them (`$N` as SQLite's `?N`).
        let (delete, insert) = crate::queries::agenda_by_subjects(crate::Dialect::Sqlite, "$2, $3");
        let by_subject = [
            "relationships_subject (subject_id=? AND workspace_id=?)",
            "agenda_relationships USING PRIMARY KEY (id=?)",
        ];
        let by_subject_insert = [
            "relationships_subject (subject_id=? AND workspace_id=?)",
            "r USING INDEX sqlite_autoindex_relationships_1 (id=?)",
        ];
        let agenda = [
            (delete.replace('$', "?"), &by_subject[..]),
            (insert.replace('$', "?"), &by_subject_insert[..]),
        ];
        let reads = reads
            .iter()
            .map(|(sql, wanted)| (sql.to_string(), *wanted))
            .chain(agenda);
        for (sql, wanted) in reads {
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
            let nulls = vec![rusqlite::types::Null; stmt.parameter_count()];
            let plan = stmt
                .query_map(rusqlite::params_from_iter(&nulls), |r| {
                    r.get::<_, String>(3)
                })?
                .collect::<Result<Vec<_>, _>>()?
                .join("\n");
            assert!(!plan.contains("SCAN"), "{sql}\n{plan}");
            assert!(!plan.contains("relationships_agenda"), "{sql}\n{plan}");
            for w in wanted {
                assert!(plan.contains(w), "{sql}\nwants {w}, planned\n{plan}");
            }
        }
        Ok(())
    }
}
