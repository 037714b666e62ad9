//! Backups and the lossless JSON export: what goes out comes back identical.

use rapport_testkit::Fresh;

use crate::support::Rapport;

pub const ALL: &[rapport_testkit::Body] = &[
    ("backup_and_restore", backup_and_restore),
    (
        "json_export_round_trips_and_import_is_idempotent",
        json_round_trip,
    ),
];

fn seed(r: &Rapport<'_>) {
    r.ok(&[
        "person",
        "add",
        "Ada Lovelace",
        "--email",
        "ada@example.com",
        "--org",
        "Engines",
        "--tag",
        "vip",
        "--birthday",
        "--12-10",
    ]);
    r.ok(&["person", "add", "Charles Babbage"]);
    r.ok(&[
        "rel",
        "set",
        "ada",
        "--kind",
        "customer",
        "--cadence",
        "14d",
    ]);
    r.ok(&["log", "ada", "charles", "--channel", "meeting", "Tea"]);
    r.ok(&["promise", "ada", "Send notes", "--due", "tomorrow"]);
    r.ok(&["give", "ada", "An introduction", "--kind", "introduction"]);
    r.ok(&[
        "deal",
        "add",
        "engines",
        "Engine No. 2",
        "--amount",
        "1000",
        "--currency",
        "GBP",
    ]);
    r.ok(&["tie", "add", "ada", "charles", "--strength", "5"]);
    r.ok(&["note", "charles", "Difference engine"]);
    r.ok(&["person", "rm", "charles"]);
}

fn export(r: &Rapport<'_>) -> String {
    r.ok(&["export", "--format", "json"])
}

fn backup_and_restore(db: &Fresh) {
    let r = Rapport::new(db);
    seed(&r);
    let before = export(&r);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("backup");
    let file_s = file.to_string_lossy().into_owned();
    let out = r.json(&["backup", &file_s]);
    let restored_db = Fresh::sqlite();
    let restored = Rapport::new(&restored_db);
    match out["format"].as_str() {
        // A SQLite backup is a database file: open it directly.
        Some("sqlite") => {
            let o = std::process::Command::new(env!("CARGO_BIN_EXE_rapport"))
                .args(["--db", &file_s, "export", "--format", "json"])
                .env("RAPPORT_NOW", &r.now)
                .output()
                .unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            assert_eq!(String::from_utf8_lossy(&o.stdout), before);
        }
        // A PostgreSQL backup is a JSON export: restore it by importing.
        Some("json") => {
            restored.ok(&["import", &file_s]);
            assert_eq!(export(&restored), before);
        }
        other => panic!("unexpected backup format {other:?}"),
    }
    // An existing file is never overwritten.
    let err = r.fails(&["backup", &file_s]);
    assert!(err.contains("exists"), "{err}");
}

fn json_round_trip(db: &Fresh) {
    let r = Rapport::new(db);
    seed(&r);
    let first = export(&r);
    let doc: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(doc["format"], "rapport-export");
    assert_eq!(
        doc["people"].as_array().map(Vec::len),
        Some(2),
        "trashed records are exported too"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.json");
    std::fs::write(&file, &first).unwrap();
    let file_s = file.to_string_lossy().into_owned();
    // Into an empty database: identical export.
    let other_db = Fresh::sqlite();
    let other = Rapport::new(&other_db);
    let s = other.json(&["import", &file_s]);
    assert!(s["created"].as_u64().unwrap() > 10, "{s}");
    assert_eq!(export(&other), first);
    // Again: nothing new.
    let again = other.json(&["import", &file_s]);
    assert_eq!(again["created"], 0);
    assert_eq!(export(&other), first);
    // Bad input: a clear error naming the place, nothing written.
    std::fs::write(
        &file,
        "{\"format\": \"rapport-export\", \"version\": 1, \"workspace\": \"x\", \"people\": [{]}",
    )
    .unwrap();
    let err = other.fails(&["import", &file_s]);
    assert!(err.contains("line 1"), "{err}");
    assert_eq!(export(&other), first);
}
