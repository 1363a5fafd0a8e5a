//! Watchdesk engine: sources (Prometheus, Alertmanager) -> poller -> SQLite cache -> charts, and the
//! desk that runs them for the command line and the desktop app.
//! Knows nothing of Tauri, webviews or notification daemons.
pub mod ack;
pub mod cache;
pub mod chart;
pub mod config;
pub mod dashboard;
pub mod desk;
pub mod files;
pub mod history;
pub mod notify;
pub mod plan;
pub mod poller;
pub mod secrets;
pub mod severity;
pub mod source;
pub mod text;
pub mod time;
pub mod view;
