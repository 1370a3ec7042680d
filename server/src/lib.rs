//! Kioskhub: the server of a facility's self-service side — lockers, kiosks and the staff panel.

/// Start-up, shared state and serving.
pub mod app;
/// Staff roles, permissions, tokens and password hashing.
pub mod auth;
/// Command-line interface.
pub mod cli;
/// Typed, layered configuration.
pub mod config;
/// Demo configuration and seed data.
pub mod demo;
/// Publication of committed events.
pub mod events;
/// Card readers, door sensors and the watch over the relay buses.
pub mod hardware;
/// Help requests raised at kiosks or by the card flow, worked on by staff.
pub mod help;
/// The HTTP API.
pub mod http;
/// Background housekeeping.
pub mod jobs;
/// The locker domain: states, card flow, staff actions, master PIN.
pub mod lockers;
/// Real-time push over WebSockets.
pub mod realtime;
/// Settings edited in the panel, layered over the configuration file.
pub mod settings;
/// Persistence on SQLite and PostgreSQL.
pub mod store;
/// Time as stored and shown.
pub mod time;
/// The embedded web app.
pub mod web;
