//! Rapport's storage: one portable SQL layer with two engines (SQLite, PostgreSQL).
//!
//! Architecture invariant: this is the only crate that speaks SQL. Callers get a
//! [`Tx`] from [`Store::read`] or [`Store::write`] and call its methods; they never
//! see SQL, a driver type or an engine difference.

mod accounts;
mod analytics;
mod bulk;
mod conn;
mod entity;
mod error;
mod health;
mod merge;
mod migrate;
mod postgres;
mod queries;
mod search;
mod sqlite;
mod store;
mod value;

pub use accounts::{Principal, SessionRow, TokenInfo};
pub use analytics::NetworkMeetings;
pub use bulk::BulkLoad;
pub use conn::Dialect;
pub use entity::{
    Entity, ListQuery, Page, Prepared, Scope, StoredDoc, decode_cursor, encode_cursor,
};
pub use error::StoreError;
pub use health::{ExchangeRow, FeedbackRow, HEALTH_INTERACTIONS, HealthRecord, InteractionRow};
pub use merge::{CANDIDATES, Namesake, SharedValue};
pub use queries::*;
pub use search::{Hit, edit_distance};
pub use store::{Location, Store, Tx, WRITER_CACHE_KIB, Writer, without_waiting};
pub use value::Value;
