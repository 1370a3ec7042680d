//! Kioskhub's relay layer end to end: a `ModbusBus` talking real Modbus RTU bytes through
//! pseudo-terminals (in-process pairs and socat's named ptys) to the simulated boards, to
//! tokio-modbus's own server, and over Modbus TCP.

mod board_kinds;
mod commissioning;
mod faults;
mod health;
mod helpers;
mod interop;
mod ownership;
mod reconnect;
mod timing;
