//! `App::agenda` for a signed-in user, on both engines: the relationships private to
//! someone else (left out by the store's reads) bring neither a check-in nor their
//! promises or tasks; the local CLI, with no user, sees them all.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use rapport_app::Ctx;
use rapport_core::agenda::{self, LeftOut};
use rapport_core::*;
use rapport_testkit::Fresh;

fn agenda_leaves_out_others_private_relationships(db: &Fresh) {
    let mut w = common::TwoUsers::new(db);
    let (me, someone) = (w.me.clone(), w.someone.clone());
    let today = jiff::civil::date(2026, 11, 23);
    // Each relationship: never in touch (its check-in is due), with a promise of mine
    // due today and a task linked to it.
    let mut names = Vec::new();
    for (name, visibility, owner) in [
        ("Shared", Visibility::Workspace, Some(&someone)),
        ("Mine", Visibility::Private, Some(&me)),
        ("Theirs", Visibility::Private, Some(&someone)),
        ("Nobody's", Visibility::Private, None),
    ] {
        let p = Person::named(w.meta(), name.into());
        let rel = common::friendship(w.meta(), &p, visibility, owner);
        let promise = Commitment {
            meta: w.meta(),
            relationship_id: rel.meta.id.clone(),
            owed_by: OwedBy::Me,
            text: format!("call {name} back"),
            due: Some(today),
            status: CommitmentStatus::Open,
            closed_at: None,
        };
        let task = Task {
            meta: w.meta(),
            text: format!("write to {name}"),
            due: Some(today),
            done_at: None,
            link: Some(Link {
                kind: EntityKind::Relationship,
                id: rel.meta.id.clone(),
            }),
        };
        w.app
            .store
            .write(|tx| {
                tx.insert(&w.ws, &p)?;
                tx.insert(&w.ws, &rel)?;
                tx.insert(&w.ws, &promise)?;
                tx.insert(&w.ws, &task)
            })
            .unwrap();
        names.push(name);
    }
    let named = |ctx: &Ctx| -> Vec<(agenda::ItemKind, String)> {
        let agenda = w.app.agenda(ctx, None, None, LeftOut::Listed).unwrap();
        let mut items: Vec<(agenda::ItemKind, String)> = agenda
            .items
            .iter()
            .map(|i| {
                let name = i.subject.as_ref().map(|s| s.name.clone());
                (i.kind, name.unwrap_or_default())
            })
            .collect();
        items.sort();
        items
    };
    let expect = |seen: &[&str]| -> Vec<(agenda::ItemKind, String)> {
        use agenda::ItemKind::*;
        let mut v: Vec<(agenda::ItemKind, String)> = seen
            .iter()
            .flat_map(|n| [CheckIn, Commitment, Task].map(|k| (k, n.to_string())))
            .collect();
        v.sort();
        v
    };
    let local = w.local();
    assert_eq!(named(&local), expect(&names), "the CLI sees everything");
    let mine = w.signed_in();
    assert_eq!(
        named(&mine),
        expect(&["Shared", "Mine", "Nobody's"]),
        "someone else's private relationship brings nothing"
    );
}

fn main() {
    let args = libtest_mimic::Arguments::from_args();
    libtest_mimic::run(
        &args,
        rapport_testkit::trials(&[(
            "agenda_leaves_out_others_private_relationships",
            agenda_leaves_out_others_private_relationships,
        )]),
    )
    .exit();
}
