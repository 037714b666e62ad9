//! rapport-store
