//! Real-time push over WebSockets (spec §6): namespaces, rooms, replay from the store, bounded
//! per-client queues, and fan-out between instances on PostgreSQL.

pub mod event;
pub mod hub;
pub mod listen;
pub mod socket;

pub use event::{Event, Namespace};
pub use hub::Hub;
