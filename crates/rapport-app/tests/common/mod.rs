//! What the app's test suites share: a workspace seen by two users, for the cases of
//! who may see a relationship.

use rapport_app::{Actor, App, Ctx, FixedClock};
use rapport_core::*;
use rapport_store::Store;
use rapport_testkit::Fresh;

/// An app on a fresh database at a fixed "now", its default workspace, and two users:
/// `me` (who asks) and `someone` (who owns what `me` may not see).
pub struct TwoUsers {
    pub app: App,
    pub ws: Id,
    pub now: jiff::Timestamp,
    pub me: Id,
    pub someone: Id,
    seq: u64,
}

impl TwoUsers {
    pub fn new(db: &Fresh) -> TwoUsers {
        let now: jiff::Timestamp = "2026-11-23T09:00:00Z".parse().unwrap();
        let app = App::new(Store::open(db.url()).unwrap(), Box::new(FixedClock(now)));
        let ws = app.workspace("default").unwrap().meta.id;
        TwoUsers {
            app,
            ws,
            now,
            me: Id::v7(1, [1; 10]),
            someone: Id::v7(2, [2; 10]),
            seq: 0,
        }
    }

    /// A new record's metadata: ids in creation order, created now.
    pub fn meta(&mut self) -> Meta {
        self.seq += 1;
        let seq = self.seq;
        Meta::new(Id::v7(1_760_000_000_000 + seq, [seq as u8; 10]), self.now)
    }

    /// The local CLI (no user: sees everything).
    pub fn local(&self) -> Ctx {
        Ctx {
            ws: self.ws.clone(),
            actor: Actor::local(),
        }
    }

    /// `me`, signed in as a member.
    pub fn signed_in(&self) -> Ctx {
        Ctx {
            ws: self.ws.clone(),
            actor: Actor {
                user_id: Some(self.me.clone()),
                name: "me".into(),
                role: Role::Member,
            },
        }
    }
}

/// A friendship with `person`, with the visibility and owner given.
pub fn friendship(
    meta: Meta,
    person: &Person,
    visibility: Visibility,
    owner: Option<&Id>,
) -> Relationship {
    let mut rel = Relationship::new(
        meta,
        Subject {
            kind: SubjectKind::Person,
            id: person.meta.id.clone(),
        },
        RelationshipKind::Friend,
    );
    rel.visibility = visibility;
    rel.owner_id = owner.cloned();
    rel
}
