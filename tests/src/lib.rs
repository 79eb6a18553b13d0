//! Shared harness: see server.rs
