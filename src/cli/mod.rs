//! The command line's output: one module per command whose formatting is long.

pub mod alerts;
pub mod login;
pub mod logs;
pub mod render;
