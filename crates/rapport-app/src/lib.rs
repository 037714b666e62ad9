//! rapport-app
