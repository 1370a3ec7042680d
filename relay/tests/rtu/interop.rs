//! Our frames against another implementation (tokio-modbus's RTU server), and over Modbus TCP.

use crate::helpers::{generic, ms, quick, waveshare};
use kioskhub_relay::sim::{self, SimFault, SimHandle, SimOptions};
use kioskhub_relay::{BoardKind, BoardSpec, ModbusBus};
use std::future::{Ready, ready};
use std::sync::{Arc, Mutex};
use tokio_modbus::{ExceptionCode, Request, Response, SlaveRequest};
use tokio_serial::SerialStream;

/// A generic 8-coil board as tokio-modbus serves it, remembering every coil write.
#[derive(Default)]
struct CoilBoard {
    coils: Mutex<[bool; 8]>,
    writes: Mutex<Vec<(u16, bool)>>,
}

impl tokio_modbus::server::Service for CoilBoard {
    type Request = SlaveRequest<'static>;
    type Response = Option<Response>;
    type Exception = ExceptionCode;
    type Future = Ready<Result<Option<Response>, ExceptionCode>>;

    fn call(&self, req: SlaveRequest<'static>) -> Self::Future {
        if req.slave != 1 {
            return ready(Ok(None));
        }
        let mut coils = self.coils.lock().unwrap();
        ready(match req.request {
            Request::WriteSingleCoil(address, on) if usize::from(address) < 8 => {
                coils[usize::from(address)] = on;
                self.writes.lock().unwrap().push((address, on));
                Ok(Some(Response::WriteSingleCoil(address, on)))
            }
            Request::ReadCoils(0, count) if count <= 8 => Ok(Some(Response::ReadCoils(
                coils[..usize::from(count)].to_vec(),
            ))),
            _ => Err(ExceptionCode::IllegalDataAddress),
        })
    }
}

#[tokio::test]
async fn a_generic_pulse_is_understood_by_tokio_modbus_server() {
    let (bus_end, board_end) = SerialStream::pair().unwrap();
    let board = Arc::new(CoilBoard::default());
    let server = tokio::spawn(
        tokio_modbus::server::rtu::Server::new(board_end).serve_forever(board.clone()),
    );
    let spec = BoardSpec {
        slave: 1,
        kind: BoardKind::Generic,
        channels: 8,
    };
    let bus = ModbusBus::from_stream("interop", bus_end, 9600, &[spec], quick());
    bus.pulse(1, 6, ms(100)).await.unwrap();
    assert_eq!(*board.writes.lock().unwrap(), vec![(5, true), (5, false)]);
    let coils = bus.read_coils(1, 0, 8).await.unwrap();
    assert_eq!(coils, vec![false; 8]);
    let err = bus.read_inputs(1, 0, 8).await.unwrap_err();
    assert_eq!(err.code(), "relay_exception");
    server.abort();
}

#[tokio::test]
async fn a_modbus_tcp_gateway_carries_the_same_pulses_and_faults() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let boards = [waveshare(1), generic(2)];
    let sim = SimHandle::new(&boards, SimOptions::default());
    let gateway = tokio::spawn(sim::serve_tcp(listener, sim.clone()));
    let bus = ModbusBus::tcp("gateway", &addr, &boards, quick()).unwrap();
    bus.pulse(1, 2, ms(700)).await.unwrap();
    bus.pulse(2, 3, ms(100)).await.unwrap();
    assert_eq!(sim.coil_writes(1), vec![(0x0201, 7)]);
    assert_eq!(sim.coil_writes(2).len(), 2);
    sim.inject_fault(1, SimFault::WrongEcho, Some(3));
    assert_eq!(
        bus.pulse(1, 1, ms(500)).await.unwrap_err().code(),
        "relay_mismatch"
    );
    sim.inject_fault(1, SimFault::Silent, None);
    assert_eq!(
        bus.pulse(1, 1, ms(500)).await.unwrap_err().code(),
        "relay_timeout"
    );
    sim.clear_fault(1);
    bus.pulse(1, 1, ms(500)).await.unwrap();
    gateway.abort();
}
