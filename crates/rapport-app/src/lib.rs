//! Rapport's application services: the use cases shared by the CLI and the server.
//!
//! Architecture invariant: knows no HTTP and no SQL. Every write goes through
//! [`App::create`], [`App::update`] or [`App::set_trashed`] (or a use case built on them),
//! which run in one store transaction and append the audit event in the same transaction.
//! An import's new contacts are inserted in bulk and audited by one summary event per
//! batch, in the same transaction (see [`import`]).

pub mod accounts;
pub mod demo;
mod error;
pub mod export;
pub mod health;
pub mod import;
pub mod merge;
pub mod metrics;
pub mod network;
mod ops;
pub mod records;
pub mod resolve;
pub mod resources;
pub mod stakeholders;
mod today;
pub mod views;

use jiff::Timestamp;
use rapport_core::*;
use rapport_store::{Entity, Store, Tx};

pub use error::{AppError, Result};
pub use ops::{DemoSummary, SearchResult};

/// Where "now" comes from. Tests and `RAPPORT_NOW` use a fixed clock.
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
    /// The time zone that decides what "today" is.
    fn zone(&self) -> jiff::tz::TimeZone {
        jiff::tz::TimeZone::system()
    }
    fn today(&self) -> jiff::civil::Date {
        self.now().to_zoned(self.zone()).date()
    }
}

pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // reason: the one place that reads the real clock
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

pub struct FixedClock(pub Timestamp);

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0
    }
}

/// The bits of the last id an [`App`] handed out (see [`App::new_id`]): its millisecond
/// and its random parts, 12 and 62 bits, as UUIDv7 lays them out.
#[derive(Debug, Clone, Copy)]
struct IdBits {
    millis: u64,
    a: u16,
    b: u64,
}

impl IdBits {
    const A_MAX: u16 = 0x0FFF;
    const B_MAX: u64 = (1 << 62) - 1;

    /// Random bits for a new millisecond, from the OS (or, without it, bits of the
    /// time: a duplicate would be refused by the unique constraint, never overwrite).
    /// The top bit of `b` is left clear, so that 2^61 successors fit in the millisecond.
    fn fresh(millis: u64, now: Timestamp) -> IdBits {
        let mut r = [0u8; 10];
        if getrandom::fill(&mut r).is_err() {
            let n = now.as_nanosecond().to_le_bytes();
            r.copy_from_slice(&n[..10]);
        }
        IdBits::starting(millis, r)
    }

    /// The bits of an id in `millis` whose random parts come from `random`, with room
    /// for 2^61 successors (the demo generator's seeded, ordered ids start here).
    fn starting(millis: u64, random: [u8; 10]) -> IdBits {
        let [a0, a1, b @ ..] = random;
        IdBits {
            millis,
            a: u16::from_be_bytes([a0, a1]) & IdBits::A_MAX,
            b: u64::from_be_bytes(b) & (IdBits::B_MAX >> 1),
        }
    }

    /// The id after this one: its successor in the millisecond, or the first id of the
    /// next millisecond once the millisecond is used up.
    fn next(self) -> IdBits {
        self.successor().unwrap_or(IdBits {
            millis: self.millis + 1,
            a: 0,
            b: 0,
        })
    }

    /// The next id in the same millisecond, if there is one.
    fn successor(self) -> Option<IdBits> {
        if self.b < IdBits::B_MAX {
            Some(IdBits {
                b: self.b + 1,
                ..self
            })
        } else if self.a < IdBits::A_MAX {
            Some(IdBits {
                a: self.a + 1,
                b: 0,
                ..self
            })
        } else {
            None
        }
    }

    fn id(self) -> Id {
        let mut bytes = [0u8; 10];
        bytes[..2].copy_from_slice(&self.a.to_be_bytes());
        bytes[2..].copy_from_slice(&self.b.to_be_bytes());
        Id::v7(self.millis, bytes)
    }
}

/// Who is acting, for authorization and the audit trail.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<Id>,
    pub name: String,
    pub role: Role,
}

impl Actor {
    /// The person running the CLI on their own database: the workspace's owner.
    pub fn local() -> Actor {
        Actor {
            user_id: None,
            name: "cli".into(),
            role: Role::Owner,
        }
    }
}

/// A workspace and who acts in it.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub ws: Id,
    pub actor: Actor,
}

pub struct App {
    pub store: Store,
    pub clock: Box<dyn Clock>,
    /// The last id handed out; see [`App::new_id`].
    last_id: std::sync::Mutex<Option<IdBits>>,
}

fn to_json<T: serde::Serialize>(v: &T) -> Option<serde_json::Value> {
    serde_json::to_value(v).ok()
}

impl App {
    pub fn new(store: Store, clock: Box<dyn Clock>) -> App {
        App {
            store,
            clock,
            last_id: std::sync::Mutex::new(None),
        }
    }

    /// A new record id: a UUIDv7 of `now`, greater than every id this `App` handed out
    /// before. Within one millisecond (and under a fixed clock, or one that went back)
    /// it is the previous id plus one in its random bits, the monotonic method of RFC
    /// 9562 §6.2; a new millisecond starts from fresh random bits. So ids keep their
    /// creation order, and inserting new records appends to the many indexes keyed by
    /// id instead of landing on random pages of them (what made a large import rewrite
    /// most of those indexes at every batch).
    pub fn new_id(&self, now: Timestamp) -> Id {
        let millis = now.as_millisecond().max(0) as u64;
        // A poisoned lock still holds valid bits.
        let mut last = self.last_id.lock().unwrap_or_else(|e| e.into_inner());
        let next = match *last {
            Some(l) if millis <= l.millis => l
                .successor()
                .unwrap_or_else(|| IdBits::fresh(l.millis + 1, now)),
            _ => IdBits::fresh(millis, now),
        };
        *last = Some(next);
        next.id()
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub fn today(&self) -> jiff::civil::Date {
        self.clock.today()
    }

    pub fn new_meta(&self) -> Meta {
        let now = self.now();
        Meta::new(self.new_id(now), now)
    }

    /// The workspace of that name, created on first use.
    pub fn workspace(&self, name: &str) -> Result<Workspace> {
        let name = required_text("workspace", name, 100)?;
        let meta = self.new_meta();
        Ok(self.store.write(|tx| {
            if let Some(w) = tx.workspace_by_name(&name)? {
                return Ok(w);
            }
            let w = Workspace {
                meta: meta.clone(),
                name: name.clone(),
            };
            tx.insert_workspace(&w)?;
            Ok(w)
        })?)
    }

    pub fn check_write(&self, ctx: &Ctx) -> Result<()> {
        if ctx.actor.role.can_write() {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "{} is a viewer and cannot change records",
                ctx.actor.name
            )))
        }
    }

    /// Appends an audit event inside the caller's transaction.
    pub fn audit<E: Entity>(
        &self,
        tx: &mut Tx<'_>,
        ctx: &Ctx,
        action: &str,
        id: &Id,
        before: Option<&E>,
        after: Option<&E>,
    ) -> Result<(), rapport_store::StoreError> {
        self.audit_event(
            tx,
            ctx,
            action,
            E::KIND,
            id,
            before.and_then(to_json),
            after.and_then(to_json),
        )
    }

    /// Appends an audit event about any record (or the workspace itself) inside the
    /// caller's transaction.
    #[allow(clippy::too_many_arguments)] // reason: the event's fields, named at each call
    pub fn audit_event(
        &self,
        tx: &mut Tx<'_>,
        ctx: &Ctx,
        action: &str,
        entity: EntityKind,
        id: &Id,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> Result<(), rapport_store::StoreError> {
        let now = self.now();
        tx.audit(
            &ctx.ws,
            &AuditEvent {
                id: self.new_id(now),
                at: now,
                actor_id: ctx.actor.user_id.clone(),
                actor: ctx.actor.name.clone(),
                action: action.into(),
                entity,
                entity_id: id.clone(),
                before,
                after,
            },
        )
    }

    /// Inserts a record (audited).
    pub fn create<E: Entity>(&self, ctx: &Ctx, rec: E) -> Result<E> {
        self.check_write(ctx)?;
        self.store.write(|tx| self.insert_audited(tx, ctx, &rec))?;
        Ok(rec)
    }

    /// Inserts a record and its audit event inside the caller's transaction.
    pub fn insert_audited<E: Entity>(
        &self,
        tx: &mut Tx<'_>,
        ctx: &Ctx,
        rec: &E,
    ) -> Result<(), rapport_store::StoreError> {
        tx.insert(&ctx.ws, rec)?;
        self.audit(tx, ctx, "create", &rec.meta().id, None, Some(rec))
    }

    /// Loads a record, applies `change`, and saves it if the stored version is still
    /// `expected` (or whatever it was when loaded, when `expected` is `None`).
    pub fn update<E: Entity>(
        &self,
        ctx: &Ctx,
        id: &Id,
        expected: Option<i64>,
        mut change: impl FnMut(&mut E) -> Result<()>,
    ) -> Result<E> {
        self.check_write(ctx)?;
        let now = self.now();
        let mut failure: Option<AppError> = None;
        let result = self.store.write(|tx| {
            let before: E = tx.get(&ctx.ws, id)?;
            let version = expected.unwrap_or(before.meta().version);
            let mut after = before.clone();
            if let Err(e) = change(&mut after) {
                failure = Some(e);
                return Err(rapport_store::StoreError::Corrupt("change refused".into()));
            }
            tx.update(&ctx.ws, &mut after, version, now)?;
            self.audit(tx, ctx, "update", id, Some(&before), Some(&after))?;
            Ok(after)
        });
        match (result, failure) {
            (_, Some(e)) => Err(e),
            (r, None) => Ok(r?),
        }
    }

    /// Moves a record to the trash or restores it (audited).
    pub fn set_trashed<E: Entity>(
        &self,
        ctx: &Ctx,
        id: &Id,
        trashed: bool,
        expected: Option<i64>,
    ) -> Result<E> {
        self.check_write(ctx)?;
        let now = self.now();
        Ok(self.store.write(|tx| {
            let rec: E = tx.set_trashed(&ctx.ws, id, trashed, expected, now)?;
            self.audit(
                tx,
                ctx,
                if trashed { "trash" } else { "restore" },
                id,
                None,
                Some(&rec),
            )?;
            Ok(rec)
        })?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_keep_creation_order_under_any_clock() {
        let bits = |millis, a, b| IdBits { millis, a, b };
        assert!(bits(5, 1, 9).id() < bits(5, 1, 10).id());
        assert!(bits(5, 1, IdBits::B_MAX).id() < bits(5, 2, 0).id());
        assert!(bits(5, IdBits::A_MAX, IdBits::B_MAX).id() < bits(6, 0, 0).id());
        assert!(bits(5, 0, 0).successor().is_some());
        assert!(bits(5, IdBits::A_MAX, IdBits::B_MAX).successor().is_none());
        let t = |s: &str| s.parse::<Timestamp>().unwrap_or_else(|e| panic!("{e}"));
        let mut last: Option<Id> = None;
        let mut ids = 0;
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let db = dir.path().join("ids.db");
        let store = Store::open(&db.to_string_lossy()).unwrap_or_else(|e| panic!("{e}"));
        let app = App::new(store, Box::new(FixedClock(t("2026-11-23T09:00:00Z"))));
        // The same millisecond many times, the next one, then the clock going back.
        for at in [
            "2026-11-23T09:00:00Z",
            "2026-11-23T09:00:00.001Z",
            "2026-11-23T08:00:00Z",
        ] {
            for _ in 0..1_000 {
                let id = app.new_id(t(at));
                if let Some(prev) = &last {
                    assert!(*prev < id, "{prev} then {id}");
                }
                last = Some(id);
                ids += 1;
            }
        }
        assert_eq!(ids, 3_000);
    }
}
