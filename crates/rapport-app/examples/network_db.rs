//! Fills a database with the synthetic network of `rapport_core::network::synthetic`,
//! for measuring `rapport intro` and `rapport network` at scale:
//!
//! ```text
//! cargo run --release -p rapport-app --example network_db -- DB [PEOPLE] [TIES_PER_PERSON]
//! ```
//!
//! People are named "Person N"; the workspace is `default`. Records are written in
//! batches of 10,000 without audit events (a load tool, not a use case).

#![allow(clippy::print_stdout)]

use rapport_app::{App, FixedClock};
use rapport_core::network::synthetic;
use rapport_core::*;
use rapport_store::Store;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let db = args
        .get(1)
        .ok_or("usage: network_db DB [PEOPLE] [TIES_PER_PERSON]")?;
    let people: usize = args
        .get(2)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(100_000);
    let per: usize = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(10);
    let now: jiff::Timestamp = "2026-11-23T09:00:00Z".parse()?;
    let app = App::new(Store::open(db)?, Box::new(FixedClock(now)));
    let ws = app.workspace("default")?.meta.id;
    let input = synthetic(people, per, 7, now);
    let meta = |id: &Id| Meta::new(id.clone(), now);
    for chunk in input.people.chunks(10_000) {
        app.store.write(|tx| {
            for (id, name) in chunk {
                tx.insert(&ws, &Person::named(meta(id), name.clone()))?;
            }
            Ok(())
        })?;
    }
    let mut n = 0u64;
    for chunk in input.ties.chunks(10_000) {
        app.store.write(|tx| {
            for t in chunk {
                let mut m = Meta::new(Id::v7(1_700_000_000_000, id_bytes(n)), t.at);
                m.updated_at = t.at;
                n += 1;
                tx.insert(
                    &ws,
                    &Tie {
                        meta: m,
                        from_person_id: t.a.clone(),
                        to_person_id: t.b.clone(),
                        kind: t.kind,
                        strength: t.strength,
                        note: None,
                    },
                )?;
            }
            Ok(())
        })?;
    }
    app.store.write(|tx| {
        for (i, r) in input.mine.iter().enumerate() {
            let subject = Subject {
                kind: SubjectKind::Person,
                id: r.person.clone(),
            };
            let mut rel = Relationship::new(
                Meta::new(Id::v7(1_750_000_000_000, id_bytes(i as u64)), r.since),
                subject,
                RelationshipKind::Friend,
            );
            rel.importance = r.importance;
            tx.insert(&ws, &rel)?;
        }
        Ok(())
    })?;
    println!(
        "{} people, {} ties, {} relationships",
        input.people.len(),
        input.ties.len(),
        input.mine.len()
    );
    Ok(())
}

/// Distinct id bytes from a counter.
fn id_bytes(n: u64) -> [u8; 10] {
    let b = n.to_be_bytes();
    [0, 0, b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]
}
