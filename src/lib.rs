//! Watchdesk engine: sources (Prometheus, Alertmanager) -> poller -> SQLite cache -> charts.
//! Knows nothing of Tauri, webviews or notification daemons.
pub mod ack;
pub mod cache;
pub mod chart;
pub mod config;
pub mod dashboard;
pub mod history;
pub mod notify;
pub mod plan;
pub mod poller;
pub mod source;
pub mod time;
pub mod view;
