//! Routing rules.
