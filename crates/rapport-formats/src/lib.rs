//! rapport-formats
