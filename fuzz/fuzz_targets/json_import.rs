//! Any bytes through the JSON workspace import (`App::import_json`), as a dry run into a
//! SQLite file opened once: the import reads, checks and writes each record as it comes,
//! then rolls back. It must never panic, and must leave the workspace as it was (its
//! export unchanged), whatever it read and wherever it stopped.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rapport_app::{Actor, App, Ctx, FixedClock};

struct Target {
    app: App,
    ctx: Ctx,
    export: Vec<u8>,
}

fn export(app: &App, ctx: &Ctx) -> Vec<u8> {
    let mut out = Vec::new();
    app.export_json(ctx, &mut out)
        .expect("the export of the fuzz database");
    out
}

fn target() -> &'static Target {
    static TARGET: OnceLock<Target> = OnceLock::new();
    TARGET.get_or_init(|| {
        let db = std::env::temp_dir().join(format!("rapport-fuzz-json-{}.db", std::process::id()));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
        let store = rapport_store::Store::open(&db.to_string_lossy()).expect("a SQLite file");
        let now = "2026-11-23T09:00:00Z".parse().expect("a valid instant");
        let app = App::new(store, Box::new(FixedClock(now)));
        let ws = app.workspace("fuzz").expect("the workspace").meta.id;
        let ctx = Ctx {
            ws,
            actor: Actor::local(),
        };
        let export = export(&app, &ctx);
        Target { app, ctx, export }
    })
}

fuzz_target!(|data: &[u8]| {
    let t = target();
    let mut input = data;
    let _ = t.app.import_json(&t.ctx, &mut input, true);
    assert!(
        export(&t.app, &t.ctx) == t.export,
        "a dry run left records behind"
    );
});
