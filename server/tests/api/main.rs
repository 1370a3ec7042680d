//! Full-stack tests: the real server over real HTTP on a real database file (or PostgreSQL).

mod helpers;

mod auth;
mod bad_input;
mod card_flow;
mod doors;
mod help;
mod invariants;
mod kiosks;
mod master;
mod process;
mod readers;
mod realtime;
mod relay_cli;
mod relay_health;
mod settings;
mod staff;
mod system;
mod users;
mod web;
