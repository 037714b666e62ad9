//! Import and export of contacts through the real binary: every fixture with every
//! field, round trips, idempotence, merging, duplicates, rejects and dry runs.

use std::path::{Path, PathBuf};

use rapport_testkit::Fresh;
use serde_json::Value;

use crate::support::Rapport;

pub const ALL: &[rapport_testkit::Body] = &[
    (
        "import_fixtures_with_every_field_and_idempotently",
        fixtures_import,
    ),
    ("import_vcard_round_trips", vcard_round_trip),
    ("import_csv_export_round_trips", csv_round_trip),
    ("import_linkedin_connected_on_starts_relationship", linkedin),
    ("import_merges_by_email_phone_and_name_org", merge_rules),
    ("import_rejects_report_lines_and_keep_the_rest", rejects),
    ("import_dry_run_writes_nothing", dry_run),
    ("import_generic_csv_with_map", generic_map),
    ("dedupe_and_merge_keep_everything", dedupe_and_merge),
];

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../rapport-formats/tests/fixtures")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn expected(name: &str) -> String {
    let p: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cli/expected")
        .join(format!("{name}.vcf"));
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A vCard stream as a sorted list of cards without their `UID` (record ids are new in
/// every database) and with line ends normalized: comparable across databases.
fn cards(vcf: &str) -> Vec<String> {
    let mut out: Vec<String> = vcf
        .replace("\r\n", "\n")
        .split("BEGIN:VCARD\n")
        .filter(|c| !c.trim().is_empty())
        .map(|c| {
            c.lines()
                .filter(|l| !l.starts_with("UID:"))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect();
    out.sort();
    out
}

fn write(dir: &tempfile::TempDir, name: &str, content: &[u8]) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, content).unwrap();
    p.to_string_lossy().into_owned()
}

/// The live people of the JSON export.
fn people(r: &Rapport<'_>) -> Vec<Value> {
    let doc: Value = serde_json::from_str(&r.ok(&["export"])).unwrap();
    doc["people"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p.get("deleted_at").is_none())
        .cloned()
        .collect()
}

fn fixtures_import(db: &Fresh) {
    // (fixture, format, created, merged within the file, rejected lines)
    let cases: &[(&str, &str, u64, u64, &[u64])] = &[
        ("apple-3.0.vcf", "vcard", 2, 0, &[]),
        ("android-2.1.vcf", "vcard", 2, 0, &[]),
        ("google-3.0.vcf", "vcard", 3, 0, &[]),
        ("outlook-2.1.vcf", "vcard", 2, 0, &[29]),
        ("v4.0.vcf", "vcard", 1, 1, &[]),
        ("google.csv", "google", 4, 0, &[9]),
        ("google-old.csv", "google", 2, 0, &[]),
        ("outlook.csv", "outlook", 3, 0, &[5]),
        ("linkedin-connections.csv", "linkedin", 4, 0, &[7]),
    ];
    for (i, (name, format, created, merged, rejected)) in cases.iter().enumerate() {
        // Each fixture in its own workspace, so what is checked is that file alone.
        let ws = format!("w{i}");
        let file = fixture(name);
        let s = Rapport::new(db).json(&["--workspace", &ws, "import", &file]);
        assert_eq!(s["format"], *format, "{name}: {s}");
        assert_eq!(s["created"], *created, "{name}: {s}");
        assert_eq!(s["merged"], *merged, "{name}: {s}");
        let lines: Vec<u64> = s["rejected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["line"].as_u64().unwrap())
            .collect();
        assert_eq!(lines, *rejected, "{name}: {s}");
        for p in s["rejected"].as_array().unwrap() {
            assert!(!p["reason"].as_str().unwrap().is_empty(), "{p}");
        }
        let r = Rapport::new(db);
        let out = r.ok(&["--workspace", &ws, "export", "--format", "vcard"]);
        assert_eq!(
            cards(&out),
            cards(&expected(name)),
            "{name}: every field, as exported"
        );
        // Again: nothing new, nothing changed.
        let again = r.json(&["--workspace", &ws, "import", &file]);
        assert_eq!(again["created"], 0, "{name}: {again}");
        assert_eq!(again["merged"], 0, "{name}: {again}");
        assert_eq!(
            again["skipped"].as_u64().unwrap(),
            created + merged,
            "{name}: {again}"
        );
        let out2 = r.ok(&["--workspace", &ws, "export", "--format", "vcard"]);
        assert_eq!(cards(&out2), cards(&out), "{name}: unchanged");
    }
}

fn vcard_round_trip(db: &Fresh) {
    let r = Rapport::new(db);
    for f in [
        "apple-3.0.vcf",
        "google-3.0.vcf",
        "v4.0.vcf",
        "android-2.1.vcf",
    ] {
        r.ok(&["import", &fixture(f)]);
    }
    let first = r.ok(&["export", "--format", "vcard"]);
    assert!(first.lines().all(|l| l.len() <= 75), "folded at 75 octets");
    assert!(first.contains("\r\n"), "CRLF line ends");
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "out.vcf", first.as_bytes());
    // vCard → store → vCard → store: the second store holds the same contacts.
    let s = r.json(&["--workspace", "copy", "import", &file]);
    assert_eq!(s["rejected"].as_array().unwrap().len(), 0, "{s}");
    let second = r.ok(&["--workspace", "copy", "export", "--format", "vcard"]);
    assert_eq!(cards(&second), cards(&first));
    let again = r.json(&["--workspace", "copy", "import", &file]);
    assert_eq!(
        (again["created"].as_u64(), again["merged"].as_u64()),
        (Some(0), Some(0))
    );
}

fn csv_round_trip(db: &Fresh) {
    let r = Rapport::new(db);
    r.ok(&["import", &fixture("google.csv")]);
    r.ok(&["import", &fixture("outlook.csv")]);
    let first = r.ok(&["export", "--format", "csv"]);
    assert!(first.starts_with("name,given_name,family_name"), "{first}");
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "out.csv", first.as_bytes());
    let s = r.json(&["--workspace", "copy", "import", &file]);
    assert_eq!(s["format"], "csv");
    assert_eq!(s["rejected"].as_array().unwrap().len(), 0, "{s}");
    let second = r.ok(&["--workspace", "copy", "export", "--format", "csv"]);
    // Equal but for the last column, the record ids.
    let strip = |csv: &str| -> Vec<String> {
        let mut rows: Vec<String> = csv
            .split("\r\n")
            .map(|l| l.rsplit_once(',').map_or(l, |(a, _)| a).to_string())
            .collect();
        rows.sort();
        rows
    };
    assert_eq!(strip(&second), strip(&first));
    // vCard export of the copy shows the same fields as of the original.
    let v1 = r.ok(&["export", "--format", "vcard"]);
    let v2 = r.ok(&["--workspace", "copy", "export", "--format", "vcard"]);
    let people_only = |v: &str| -> Vec<String> {
        cards(v)
            .into_iter()
            .filter(|c| !c.contains("KIND:org"))
            .map(|c| {
                // CSV keeps one address, no photo and no labels.
                c.lines()
                    .filter(|l| {
                        !l.starts_with("PHOTO") && !l.starts_with(' ') && !l.contains("X-ABLabel")
                    })
                    .map(|l| {
                        let l = l
                            .split_once('.')
                            .filter(|(g, _)| g.starts_with("item"))
                            .map_or(l, |(_, rest)| rest);
                        let (name, value) = l.split_once(':').unwrap_or((l, ""));
                        format!("{}:{value}", name.split(';').next().unwrap_or(name))
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .collect()
    };
    assert_eq!(people_only(&v2), people_only(&v1));
}

fn linkedin(db: &Fresh) {
    let r = Rapport::new(db);
    r.ok(&["import", &fixture("linkedin-connections.csv")]);
    let ada = r.json(&["person", "show", "ada"]);
    assert_eq!(ada["relationships"][0]["started_on"], "2021-03-12");
    assert_eq!(
        ada["organizations"][0]["organization"],
        "Analytical Engines"
    );
    assert_eq!(ada["organizations"][0]["title"], "Mathematician");
    assert_eq!(ada["urls"][0]["label"], "linkedin");
    let alan = r.json(&["person", "show", "alan"]);
    assert_eq!(
        alan["relationships"].as_array().map(Vec::len),
        Some(0),
        "no date, no relationship: {alan}"
    );
}

fn merge_rules(db: &Fresh) {
    let r = Rapport::new(db);
    r.ok(&[
        "person",
        "add",
        "Ada Lovelace",
        "--email",
        "ada@example.com",
        "--tag",
        "vip",
        "--birthday",
        "--12-10",
    ]);
    r.ok(&[
        "person",
        "add",
        "Charles Babbage",
        "--phone",
        "+44 20 7946 0001",
    ]);
    r.ok(&["person", "add", "Grace Hopper", "--org", "US Navy"]);
    r.ok(&["person", "add", "Alan Turing", "--org", "Bletchley"]);
    let dir = tempfile::tempdir().unwrap();
    let csv = "name,email,phone,organization,tags,birthday\n\
               Augusta Ada King,ADA@example.com,+1,,maths,1815-12-10\n\
               Chas. Babbage,charles@example.com,+44 (20) 7946-0001,,,\n\
               grace hopper,grace@example.com,,US Navy,,\n\
               Alan Turing,,,Manchester,,\n";
    let file = write(&dir, "people.csv", csv.as_bytes());
    let s = r.json(&["import", &file]);
    assert_eq!(
        (
            s["created"].as_u64(),
            s["merged"].as_u64(),
            s["skipped"].as_u64()
        ),
        (Some(1), Some(3), Some(0)),
        "Alan at another organization is someone else: {s}"
    );
    assert_eq!(s["warnings"][0]["line"], 2, "the bad phone `+1`: {s}");
    let ada = r.json(&["person", "show", "ada@example.com"]);
    assert_eq!(
        ada["name"], "Ada Lovelace",
        "never overwritten without --overwrite"
    );
    assert_eq!(ada["birthday"], "--12-10");
    assert_eq!(ada["tags"], serde_json::json!(["vip", "maths"]));
    let charles = r.json(&["person", "show", "charles"]);
    assert_eq!(charles["emails"][0]["value"], "charles@example.com");
    assert_eq!(charles["phones"].as_array().map(Vec::len), Some(1));
    let grace = r.json(&["person", "show", "grace"]);
    assert_eq!(grace["name"], "Grace Hopper");
    assert_eq!(grace["emails"][0]["value"], "grace@example.com");
    assert_eq!(people(&r).len(), 5);
    // --overwrite lets the file win.
    let s = r.json(&["import", &file, "--overwrite"]);
    assert_eq!(s["created"], 0, "{s}");
    let ada = r.json(&["person", "show", "ada@example.com"]);
    assert_eq!(ada["name"], "Augusta Ada King");
    assert_eq!(ada["birthday"], "1815-12-10");
    let again = r.json(&["import", &file, "--overwrite"]);
    assert_eq!(
        (again["created"].as_u64(), again["merged"].as_u64()),
        (Some(0), Some(0)),
        "{again}"
    );
}

fn rejects(db: &Fresh) {
    let r = Rapport::new(db);
    let dir = tempfile::tempdir().unwrap();
    let long = format!("NOTE:{}\r\n", "x".repeat(2 << 20));
    let mut vcf: Vec<u8> = Vec::new();
    vcf.extend_from_slice(
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Good One\r\nEMAIL:one@example.com\r\nEND:VCARD\r\n",
    ); // 1-5
    vcf.extend_from_slice(b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bad \xff\xfe Bytes\r\nEND:VCARD\r\n"); // 6-9
    vcf.extend_from_slice(b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Nul\x00Byte\r\nEND:VCARD\r\n"); // 10-13
    vcf.extend_from_slice(b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Nested\r\n"); // 14-16
    vcf.extend_from_slice(b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Inner Card\r\nEND:VCARD\r\n"); // 17-20
    vcf.extend_from_slice(b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Long Line\r\n"); // 21-23
    vcf.extend_from_slice(long.as_bytes()); // 24
    vcf.extend_from_slice(b"END:VCARD\r\n"); // 25
    vcf.extend_from_slice(b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Good Two\r\nEND:VCARD\r\n"); // 26-29
    vcf.extend_from_slice(b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Unterminated\r\n"); // 30-32
    let file = write(&dir, "bad.vcf", &vcf);
    let s = r.json(&["import", &file]);
    let rejected: Vec<(u64, String)> = s["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["line"].as_u64().unwrap(),
                p["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let lines: Vec<u64> = rejected.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, vec![8, 12, 17, 24, 30], "{s}");
    assert!(rejected[0].1.contains("UTF-8"), "{rejected:?}");
    assert!(rejected[1].1.contains("NUL"), "{rejected:?}");
    assert!(rejected[2].1.contains("BEGIN:VCARD inside"), "{rejected:?}");
    assert!(rejected[3].1.contains("longer than"), "{rejected:?}");
    assert!(rejected[4].1.contains("not terminated"), "{rejected:?}");
    assert_eq!(s["created"], 3, "the good cards are imported: {s}");
    let mut names: Vec<String> = people(&r)
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    // The reader resumes at the inner BEGIN:VCARD of the nested card.
    assert_eq!(
        names,
        ["Good One", "Good Two", "Inner Card"],
        "no partial record"
    );
    // The text summary names the lines too.
    let text = r.ok(&["import", &file]);
    assert!(
        text.contains("rejected: line 30: card not terminated"),
        "{text}"
    );
    assert!(
        text.contains("0 created, 0 merged, 3 skipped, 5 rejected"),
        "{text}"
    );
    // Whole-file faults: a clear error, nothing written.
    let bin = write(&dir, "bin.dat", b"\x00\x01\x02\x03binary");
    let err = r.fails(&["import", &bin]);
    assert!(err.contains("--format"), "{err}");
    let bad_json = write(&dir, "bad.json", b"{\"people\": \xff}");
    let err = r.fails(&["import", &bad_json]);
    assert!(err.contains("UTF-8"), "{err}");
    let err = r.fails(&["import", &file, "--format", "excel"]);
    assert!(err.contains("not an import format"), "{err}");
    let csv = write(&dir, "x.csv", b"Full name;Mail\nAda;ada@example.com\n");
    let err = r.fails(&["import", &csv, "--map", "Nope=name"]);
    assert!(err.contains("Nope"), "{err}");
    assert_eq!(people(&r).len(), 3);
}

fn dry_run(db: &Fresh) {
    let r = Rapport::new(db);
    r.ok(&[
        "person",
        "add",
        "Grace Hopper",
        "--email",
        "grace@example.com",
    ]);
    let before = r.ok(&["export"]);
    let file = fixture("google-3.0.vcf");
    let dry = r.json(&["import", &file, "--dry-run"]);
    assert_eq!(dry["dry_run"], true);
    assert_eq!(r.ok(&["export"]), before, "a dry run writes nothing");
    let text = r.ok(&["import", &file, "--dry-run"]);
    assert!(text.contains("Dry run, nothing written."), "{text}");
    let real = r.json(&["import", &file]);
    assert_eq!(real["dry_run"], false);
    for k in ["created", "merged", "skipped", "rejected", "warnings"] {
        assert_eq!(dry[k], real[k], "the dry run said what the import did: {k}");
    }
    assert_eq!(
        (real["created"].as_u64(), real["merged"].as_u64()),
        (Some(2), Some(1))
    );
    let json_dry = {
        let dir = tempfile::tempdir().unwrap();
        let export = write(&dir, "e.json", r.ok(&["export"]).as_bytes());
        let other_db = Fresh::sqlite();
        let other = Rapport::new(&other_db);
        let s = other.json(&["import", &export, "--dry-run"]);
        assert!(
            !other.ok(&["export"]).contains("Grace"),
            "a dry run writes nothing"
        );
        s
    };
    assert!(json_dry["created"].as_u64().unwrap() > 3, "{json_dry}");
}

fn generic_map(db: &Fresh) {
    let r = Rapport::new(db);
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        &dir,
        "crm.csv",
        "Who;Electronic address;Employer;Kind\n\
         Ada Lovelace;ada@example.com;Engines;vip\n\
         ;;;\n\
         Grace Hopper;not-an-email;Navy;\n"
            .as_bytes(),
    );
    let s = r.json(&[
        "import",
        &file,
        "--format",
        "csv",
        "--map",
        "Who=name",
        "--map",
        "Electronic address=email",
        "--map",
        "Kind=tags",
    ]);
    assert_eq!(s["created"], 2, "{s}");
    assert_eq!(s["warnings"][0]["line"], 4, "{s}");
    let ada = r.json(&["person", "show", "ada"]);
    assert_eq!(ada["emails"][0]["value"], "ada@example.com");
    assert_eq!(ada["tags"], serde_json::json!(["vip"]));
    assert_eq!(ada["organizations"][0]["organization"], "Engines");
}

fn dedupe_and_merge(db: &Fresh) {
    let r = Rapport::new(db);
    r.ok(&[
        "person",
        "add",
        "Ada Lovelace",
        "--email",
        "ada@example.com",
    ]);
    r.ok(&[
        "person",
        "add",
        "Countess Lovelace",
        "--email",
        "ADA@example.com",
        "--org",
        "Engines",
        "--tag",
        "vip",
    ]);
    r.ok(&[
        "person",
        "add",
        "Charles Babbage",
        "--phone",
        "+44 20 7946 0001",
    ]);
    r.ok(&[
        "person",
        "add",
        "Babbage Charles",
        "--phone",
        "020 7946 0002",
    ]);
    r.ok(&["person", "add", "Grace Hoper"]);
    r.ok(&["person", "add", "Grace Hopper"]);
    r.ok(&["person", "add", "Alan Turing"]);
    let pairs = r.json(&["dedupe"]);
    let pairs = pairs.as_array().unwrap();
    let described: Vec<String> = pairs
        .iter()
        .map(|d| {
            let mut names = [
                d["a"]["name"].as_str().unwrap(),
                d["b"]["name"].as_str().unwrap(),
            ];
            names.sort();
            format!(
                "{} + {}: {}",
                names[0],
                names[1],
                d["reasons"][0].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        described.contains(&"Ada Lovelace + Countess Lovelace: same email ada@example.com".into()),
        "{described:?}"
    );
    assert!(
        described.contains(&"Babbage Charles + Charles Babbage: same name".into()),
        "{described:?}"
    );
    assert!(
        described.contains(&"Grace Hoper + Grace Hopper: close names".into()),
        "{described:?}"
    );
    assert_eq!(pairs.len(), 3, "Alan has no duplicate: {described:?}");

    // Everything recorded with the duplicate moves to the kept person.
    let dup = r.json(&["person", "show", "countess"]);
    let dup_id = dup["id"].as_str().unwrap().to_string();
    let ada = r.json(&["person", "show", "ada lovelace"]);
    let ada_id = ada["id"].as_str().unwrap().to_string();
    r.ok(&["log", &dup_id, "--channel", "meeting", "Tea at the salon"]);
    r.ok(&["promise", &dup_id, "Send the notes", "--due", "tomorrow"]);
    r.ok(&["note", &dup_id, "Prefers letters"]);
    r.ok(&["date", "add", &dup_id, "anniversary", "07-08"]);
    let m = r.json(&["merge", &ada_id, &dup_id]);
    assert_eq!(m["kept"]["id"], ada_id.as_str());
    assert_eq!(m["moved"]["interactions"], 1, "{m}");
    assert_eq!(m["moved"]["relationships"], 1, "{m}");
    assert_eq!(m["moved"]["notes"], 1, "{m}");
    assert_eq!(m["moved"]["memberships"], 1, "{m}");
    assert_eq!(m["moved"]["dates"], 1, "{m}");
    let ada = r.json(&["person", "show", &ada_id]);
    assert_eq!(ada["name"], "Ada Lovelace");
    assert_eq!(ada["tags"], serde_json::json!(["vip"]));
    assert_eq!(ada["organizations"][0]["organization"], "Engines");
    assert_eq!(ada["notes"][0]["body"], "Prefers letters");
    assert_eq!(ada["recent_interactions"][0]["summary"], "Tea at the salon");
    assert_eq!(ada["relationships"].as_array().map(Vec::len), Some(1));
    let rel = ada["relationships"][0]["id"].as_str().unwrap();
    let export: Value = serde_json::from_str(&r.ok(&["export"])).unwrap();
    let commitment = export["commitments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["text"] == "Send the notes")
        .unwrap();
    assert_eq!(
        commitment["relationship_id"], rel,
        "the commitment follows its relationship"
    );
    let gone = export["people"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == dup_id.as_str())
        .unwrap();
    assert!(
        gone.get("deleted_at").is_some(),
        "the duplicate is in the trash"
    );
    let pairs = r.json(&["dedupe"]);
    assert_eq!(pairs.as_array().map(Vec::len), Some(2), "{pairs}");
    let err = r.fails(&["merge", &ada_id, &ada_id]);
    assert!(err.contains("themselves"), "{err}");
}
