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

/// New record ids: UUIDv7 from the clock and the OS's randomness.
pub fn new_id(now: Timestamp) -> Id {
    let mut random = [0u8; 10];
    // Without OS randomness, fall back to bits of the time; ids stay unique enough
    // because the unique constraint would refuse a duplicate rather than overwrite.
    if getrandom::fill(&mut random).is_err() {
        let n = now.as_nanosecond().to_le_bytes();
        random.copy_from_slice(&n[..10]);
    }
    Id::v7(now.as_millisecond().max(0) as u64, random)
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
}

fn to_json<T: serde::Serialize>(v: &T) -> Option<serde_json::Value> {
    serde_json::to_value(v).ok()
}

impl App {
    pub fn new(store: Store, clock: Box<dyn Clock>) -> App {
        App { store, clock }
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub fn today(&self) -> jiff::civil::Date {
        self.clock.today()
    }

    pub fn new_meta(&self) -> Meta {
        let now = self.now();
        Meta::new(new_id(now), now)
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
                id: new_id(now),
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
