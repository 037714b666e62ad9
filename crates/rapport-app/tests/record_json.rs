//! `App::get_record_json`, the body of a read by id, is byte for byte the JSON of the
//! record `App::get_record` returns (as the API served it before it sent stored documents
//! unparsed), for every record of every resource of a demo workspace, on both engines;
//! and the resources whose stored document is sent as it is have no floating-point field.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rapport_app::resources::Resource;
use rapport_app::{Actor, App, Ctx, FixedClock};
use rapport_core::*;
use rapport_store::{ListQuery, Store};
use rapport_testkit::Fresh;

fn check<E: Resource + serde::Serialize + serde::de::DeserializeOwned>(
    app: &App,
    ctx: &Ctx,
) -> usize {
    let mut seen = 0;
    for trashed in [false, true] {
        let mut cursor = None;
        loop {
            let q = ListQuery {
                limit: 500,
                cursor: cursor.take(),
                trashed,
                ..ListQuery::default()
            };
            let page = app.list_records::<E>(ctx, q).unwrap();
            for rec in &page.items {
                let id = &rec.meta().id;
                let json = app.get_record_json::<E>(ctx, id).unwrap();
                let parsed: E = app.get_record(ctx, id).unwrap();
                assert_eq!(
                    json.doc,
                    serde_json::to_string(&parsed).unwrap(),
                    "{} {id}",
                    E::PATH
                );
                assert_eq!(json.version, parsed.meta().version);
                seen += 1;
            }
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
    }
    if E::STORED_DOC_IS_JSON {
        let schema = serde_json::to_value(schemars::schema_for!(E)).unwrap();
        assert!(
            !has_number(&schema),
            "{} has a floating-point field: its stored document may not be its JSON",
            E::PATH
        );
    }
    seen
}

/// Whether a JSON schema allows a non-integer number anywhere.
fn has_number(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Object(m) => m.iter().any(|(k, v)| {
            (k == "type"
                && (v == "number"
                    || v.as_array()
                        .is_some_and(|a| a.iter().any(|t| t == "number"))))
                || has_number(v)
        }),
        serde_json::Value::Array(a) => a.iter().any(has_number),
        _ => false,
    }
}

fn every_record_read_as_json_is_its_serialization(db: &Fresh) {
    let now: jiff::Timestamp = "2026-11-23T09:00:00Z".parse().unwrap();
    let app = App::new(Store::open(db.url()).unwrap(), Box::new(FixedClock(now)));
    let ws = app.workspace("default").unwrap().meta.id;
    let ctx = Ctx {
        ws,
        actor: Actor::local(),
    };
    app.load_demo(&ctx, 120, 7).unwrap();
    // Text that JSON escapes, and amounts whose shortest form has 17 digits.
    let p: Person = app
        .create_record(
            &ctx,
            serde_json::json!({"name": "Zoë \"Q\" \\ \u{1}\t\u{2028} 🦀 </script>"}),
        )
        .unwrap();
    let r: Relationship = app
        .create_record(
            &ctx,
            serde_json::json!({"subject": {"kind": "person", "id": p.meta.id}}),
        )
        .unwrap();
    let _: Deal = app
        .create_record(
            &ctx,
            serde_json::json!({"subject": {"kind": "person", "id": p.meta.id},
                               "title": "odd", "amount": 0.1 + 0.2, "currency": "EUR"}),
        )
        .unwrap();
    let _: Exchange = app
        .create_record(
            &ctx,
            serde_json::json!({"relationship_id": r.meta.id, "direction": "given", "note": "a thing",
                               "kind": "favor", "amount": 1.0 / 3.0, "currency": "EUR"}),
        )
        .unwrap();
    let mut seen = 0;
    seen += check::<Person>(&app, &ctx);
    seen += check::<Organization>(&app, &ctx);
    seen += check::<Relationship>(&app, &ctx);
    seen += check::<Interaction>(&app, &ctx);
    seen += check::<Commitment>(&app, &ctx);
    seen += check::<Exchange>(&app, &ctx);
    seen += check::<Conflict>(&app, &ctx);
    seen += check::<Feedback>(&app, &ctx);
    seen += check::<Goal>(&app, &ctx);
    seen += check::<Task>(&app, &ctx);
    seen += check::<ImportantDate>(&app, &ctx);
    seen += check::<Tie>(&app, &ctx);
    seen += check::<Deal>(&app, &ctx);
    seen += check::<Note>(&app, &ctx);
    assert!(seen > 1_000, "only {seen} records");
    // The check of the flag sees a floating-point field where there is one.
    assert!(has_number(
        &serde_json::to_value(schemars::schema_for!(Deal)).unwrap()
    ));
}

/// One trial per engine; the PostgreSQL ones are ignored (never passed) without a
/// server, unless `RAPPORT_REQUIRE_POSTGRES=1` makes them fail.
fn main() {
    let args = libtest_mimic::Arguments::from_args();
    libtest_mimic::run(
        &args,
        rapport_testkit::trials(&[(
            "every_record_read_as_json_is_its_serialization",
            every_record_read_as_json_is_its_serialization,
        )]),
    )
    .exit();
}
