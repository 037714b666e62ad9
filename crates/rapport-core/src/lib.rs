//! Rapport's domain core: the relationship record and the rules computed from it.
//!
//! Architecture invariant: this crate performs no I/O. It never reads the clock,
//! never generates random values, never touches a database, a file or the network.
//! "Now", "today" and new ids are parameters.

pub mod agenda;
pub mod enums;
pub mod error;
pub mod hash;
pub mod health;
pub mod id;
pub mod metrics;
pub mod network;
pub mod records;
pub mod reference;
pub mod stakeholders;
pub mod validate;
pub mod values;
pub mod when;

pub use enums::*;
pub use error::{DomainError, FieldError};
pub use id::Id;
pub use records::*;
pub use validate::Validate;
pub use values::*;
