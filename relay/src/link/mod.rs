//! One open connection to a bus and the request/reply exchange over it.
//!
//! A `Link` is owned by exactly one bus task (rule 10) and is never shared. It writes one
//! request, reads until the reply is complete or the timeout passes, and checks the reply the way
//! rule 3 demands: CRC, slave, function, echoed address and value, byte counts. Each failure comes
//! back as its own `LinkError` kind. Before every request it discards whatever stale bytes sit in
//! the input (a late reply to an earlier, timed-out request must never confirm a new one).
//!
//! The exchange is written here on top of [`crate::frame`] rather than through tokio-modbus's
//! client, because that client cannot do what Kioskhub's boards need: it rejects any 0x05 value
//! other than `FF00`/`0000` (so the Waveshare timed-pulse reply never decodes), it checks write
//! echoes with `debug_assert!` only (a panic in debug builds, silence in release), and its RTU
//! decoder skips bytes after a CRC failure, turning a corrupt reply into a timeout. The tests run
//! this client against tokio-modbus's own server to keep the two in agreement.

pub(crate) mod lock;

use crate::frame::{self, BROADCAST, FrameError, MAX_RTU_FRAME, MBAP_LEN, Request, Response, hex};
use futures::FutureExt as _;
use futures::future::BoxFuture;
use std::fmt;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};

/// Anything a bus can talk through: a serial port, a TCP socket, one end of a pty pair.
pub trait Port: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Port for T {}

/// An open port, type-erased.
pub type BoxedPort = Box<dyn Port>;

/// Opens a fresh connection each time it is called (the bus calls it again after a failure).
pub type Connector = Arc<dyn Fn() -> BoxFuture<'static, io::Result<BoxedPort>> + Send + Sync>;

/// Where a bus's frames go.
#[derive(Clone)]
pub enum Endpoint {
    /// A serial line (RS-485 adapter) at `path`, 8N1 at `baud`, Modbus RTU framing.
    Serial { path: String, baud: u32 },
    /// A Modbus TCP gateway at `host:port`, MBAP framing.
    Tcp { addr: String },
    /// Modbus RTU over streams handed out by `connector` (pty pairs, the simulator). `baud` sets
    /// the inter-frame gap the bus keeps; `None` for a stream with no wire timing at all.
    Stream {
        label: String,
        baud: Option<u32>,
        connector: Connector,
    },
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

impl Endpoint {
    /// A serial line.
    pub fn serial(path: impl Into<String>, baud: u32) -> Endpoint {
        Endpoint::Serial {
            path: path.into(),
            baud,
        }
    }

    /// A Modbus TCP gateway, `host:port`.
    pub fn tcp(addr: impl Into<String>) -> Endpoint {
        Endpoint::Tcp { addr: addr.into() }
    }

    /// A configured port: `tcp://host:port` is a gateway, anything else a serial device path.
    /// (`sim` is the caller's to handle: see [`crate::sim::spawn_bus`].)
    pub fn parse(port: &str, baud: u32) -> Endpoint {
        match port.strip_prefix("tcp://") {
            Some(addr) => Endpoint::tcp(addr),
            None => Endpoint::serial(port, baud),
        }
    }

    /// An already-open stream, used once: if it fails, the bus cannot reopen it.
    pub fn from_stream(label: impl Into<String>, baud: u32, stream: impl Port) -> Endpoint {
        let slot: Mutex<Option<BoxedPort>> = Mutex::new(Some(Box::new(stream)));
        let connector: Connector = Arc::new(move || {
            let taken = slot.lock().expect("stream slot lock poisoned").take();
            async move {
                taken.ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::NotConnected,
                        "the stream was closed and cannot be reopened",
                    )
                })
            }
            .boxed()
        });
        Endpoint::Stream {
            label: label.into(),
            baud: Some(baud),
            connector,
        }
    }

    /// Human-readable: the device path, `tcp://…`, or the stream's label.
    pub fn describe(&self) -> String {
        match self {
            Endpoint::Serial { path, baud } => format!("{path} at {baud} baud"),
            Endpoint::Tcp { addr } => format!("tcp://{addr}"),
            Endpoint::Stream { label, .. } => label.clone(),
        }
    }

    /// The baud rate of an RTU line (none for TCP and untimed streams).
    pub fn baud(&self) -> Option<u32> {
        match self {
            Endpoint::Serial { baud, .. } => Some(*baud),
            Endpoint::Stream { baud, .. } => *baud,
            Endpoint::Tcp { .. } => None,
        }
    }

    /// The Modbus RTU silent interval between frames: 3.5 characters of 11 bits (the serial-line
    /// spec's count), fixed at 1.75 ms above 19200 baud. Zero without a baud rate (TCP).
    pub fn inter_frame_gap(&self) -> Duration {
        match self.baud() {
            None => Duration::ZERO,
            Some(baud) if baud > 19_200 => Duration::from_micros(1_750),
            Some(baud) => Duration::from_secs_f64(3.5 * 11.0 / f64::from(baud.max(1))),
        }
    }
}

/// How an exchange failed, before the bus names the bus and slave.
#[derive(Debug)]
pub(crate) enum LinkError {
    Timeout,
    Corrupt(String),
    Mismatch(String),
    Exception(u8),
    Io(io::Error),
}

#[derive(Debug, Clone, Copy)]
enum Framing {
    Rtu,
    Tcp,
}

/// An open connection.
pub(crate) struct Link {
    port: BoxedPort,
    framing: Framing,
    next_transaction: u16,
}

impl Link {
    /// Opens `endpoint`. Serial ports are opened on the blocking pool (the open and its
    /// `tcsetattr` are blocking calls); everything after is async.
    pub(crate) async fn open(endpoint: &Endpoint, connect_timeout: Duration) -> io::Result<Link> {
        let (port, framing): (BoxedPort, Framing) = match endpoint {
            Endpoint::Serial { path, baud } => {
                (Box::new(open_serial(path, *baud).await?), Framing::Rtu)
            }
            Endpoint::Tcp { addr } => {
                let stream = tokio::time::timeout(connect_timeout, TcpStream::connect(addr))
                    .await
                    .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "connect timed out"))??;
                stream.set_nodelay(true)?;
                (Box::new(stream), Framing::Tcp)
            }
            Endpoint::Stream { connector, .. } => (connector().await?, Framing::Rtu),
        };
        Ok(Link {
            port,
            framing,
            next_transaction: 1,
        })
    }

    /// Sends `request` to `slave` and returns its checked reply; `None` for a broadcast write,
    /// which no board answers.
    pub(crate) async fn exchange(
        &mut self,
        slave: u8,
        request: &Request,
        timeout: Duration,
    ) -> Result<Option<Response>, LinkError> {
        self.discard_stale_input().map_err(LinkError::Io)?;
        let expects_reply = !(slave == BROADCAST && request.is_write());
        let deadline = Instant::now() + timeout;
        let reply = match self.framing {
            Framing::Rtu => {
                self.exchange_rtu(slave, request, expects_reply, deadline)
                    .await?
            }
            Framing::Tcp => {
                self.exchange_tcp(slave, request, expects_reply, deadline)
                    .await?
            }
        };
        reply.map(|r| check_reply(request, r)).transpose()
    }

    async fn exchange_rtu(
        &mut self,
        slave: u8,
        request: &Request,
        expects_reply: bool,
        deadline: Instant,
    ) -> Result<Option<Response>, LinkError> {
        let adu = request.to_rtu(slave);
        tracing::trace!(frame = %hex(&adu), "rtu request");
        self.port.write_all(&adu).await.map_err(LinkError::Io)?;
        self.port.flush().await.map_err(LinkError::Io)?;
        if !expects_reply {
            return Ok(None);
        }
        let mut buf = Vec::with_capacity(MAX_RTU_FRAME);
        let len = match timeout_at(deadline, read_rtu_reply(&mut self.port, &mut buf)).await {
            Ok(len) => len?,
            Err(_) if buf.is_empty() => return Err(LinkError::Timeout),
            Err(_) => {
                return Err(LinkError::Corrupt(format!(
                    "incomplete reply {}",
                    hex(&buf)
                )));
            }
        };
        tracing::trace!(frame = %hex(&buf), "rtu reply");
        let (from, pdu) = frame::parse_rtu(&buf[..len])
            .map_err(|e| LinkError::Corrupt(format!("{e} in {}", hex(&buf))))?;
        if from != slave {
            return Err(LinkError::Mismatch(format!(
                "reply came from slave {from} ({})",
                hex(&buf[..len])
            )));
        }
        decode(pdu).map(Some)
    }

    async fn exchange_tcp(
        &mut self,
        unit: u8,
        request: &Request,
        expects_reply: bool,
        deadline: Instant,
    ) -> Result<Option<Response>, LinkError> {
        let transaction = self.next_transaction;
        self.next_transaction = self.next_transaction.wrapping_add(1);
        let adu = frame::tcp_adu(transaction, unit, &request.encode_pdu());
        self.port.write_all(&adu).await.map_err(LinkError::Io)?;
        self.port.flush().await.map_err(LinkError::Io)?;
        if !expects_reply {
            return Ok(None);
        }
        loop {
            let (mbap, pdu) = match timeout_at(deadline, read_tcp_reply(&mut self.port)).await {
                Ok(reply) => reply?,
                Err(_) => return Err(LinkError::Timeout),
            };
            if mbap.transaction != transaction {
                // A late reply to an earlier request: skip it and keep waiting for ours.
                continue;
            }
            if mbap.unit != unit {
                return Err(LinkError::Mismatch(format!(
                    "reply came from unit {}",
                    mbap.unit
                )));
            }
            return decode(&pdu).map(Some);
        }
    }

    /// Throws away bytes already waiting (late replies, line noise), without waiting for more.
    fn discard_stale_input(&mut self) -> io::Result<()> {
        let mut scratch = [0u8; MAX_RTU_FRAME];
        let mut dropped = 0usize;
        while let Some(read) = self.port.read(&mut scratch).now_or_never() {
            match read? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => dropped += n,
            }
        }
        if dropped > 0 {
            tracing::debug!(dropped, "discarded stale bytes before a request");
        }
        Ok(())
    }
}

async fn open_serial(path: &str, baud: u32) -> io::Result<tokio_serial::SerialStream> {
    let builder = tokio_serial::new(path, baud)
        .data_bits(tokio_serial::DataBits::Eight)
        .parity(tokio_serial::Parity::None)
        .stop_bits(tokio_serial::StopBits::One)
        .flow_control(tokio_serial::FlowControl::None);
    tokio::task::spawn_blocking(move || tokio_serial::SerialStream::open(&builder))
        .await
        .map_err(|e| io::Error::other(format!("opening the port panicked: {e}")))?
        .map_err(io::Error::from)
}

/// Reads into `buf` until it holds a whole reply; returns the reply's length.
async fn read_rtu_reply(port: &mut BoxedPort, buf: &mut Vec<u8>) -> Result<usize, LinkError> {
    let mut chunk = [0u8; MAX_RTU_FRAME];
    loop {
        let n = port.read(&mut chunk).await.map_err(LinkError::Io)?;
        if n == 0 {
            return Err(LinkError::Io(io::ErrorKind::UnexpectedEof.into()));
        }
        buf.extend_from_slice(&chunk[..n]);
        match frame::rtu_response_len(buf) {
            Ok(Some(len)) if buf.len() >= len => return Ok(len),
            Ok(_) if buf.len() < MAX_RTU_FRAME => {}
            Ok(_) | Err(_) => {
                return Err(LinkError::Corrupt(format!("garbled reply {}", hex(buf))));
            }
        }
    }
}

async fn read_tcp_reply(port: &mut BoxedPort) -> Result<(frame::Mbap, Vec<u8>), LinkError> {
    let mut header = [0u8; MBAP_LEN];
    port.read_exact(&mut header).await.map_err(LinkError::Io)?;
    let mbap = frame::parse_mbap(&header)
        .map_err(|e| LinkError::Corrupt(format!("{e} in {}", hex(&header))))?;
    let mut pdu = vec![0u8; mbap.pdu_len];
    port.read_exact(&mut pdu).await.map_err(LinkError::Io)?;
    Ok((mbap, pdu))
}

fn decode(pdu: &[u8]) -> Result<Response, LinkError> {
    Response::decode_pdu(pdu).map_err(|e| match e {
        FrameError::UnsupportedFunction(f) => {
            LinkError::Mismatch(format!("reply has function {f:#04x}"))
        }
        other => LinkError::Corrupt(other.to_string()),
    })
}

/// Rule 3: the reply must be the answer to this request.
fn check_reply(request: &Request, reply: Response) -> Result<Response, LinkError> {
    if let Response::Exception { function, code } = reply {
        return if function == request.function() {
            Err(LinkError::Exception(code))
        } else {
            Err(LinkError::Mismatch(format!(
                "exception for function {function:#04x} to a request for {:#04x}",
                request.function()
            )))
        };
    }
    if reply.wire_function() != request.function() {
        return Err(LinkError::Mismatch(format!(
            "reply has function {:#04x}, request had {:#04x}",
            reply.wire_function(),
            request.function()
        )));
    }
    let matches = match (&reply, request) {
        (Response::Echo { .. }, _) => reply == Response::echo_of(request),
        (
            Response::Bits { packed, .. },
            Request::ReadCoils { count, .. } | Request::ReadDiscreteInputs { count, .. },
        ) => packed.len() == usize::from(*count).div_ceil(8),
        (Response::Registers(words), Request::ReadHoldingRegisters { count, .. }) => {
            words.len() == usize::from(*count)
        }
        _ => false,
    };
    if matches {
        Ok(reply)
    } else {
        Err(LinkError::Mismatch(format!(
            "reply {reply:?} does not answer {request:?}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{COIL_ON, function};

    #[test]
    fn the_gap_is_three_and_a_half_characters_at_9600_and_fixed_above_19200() {
        let gap = Endpoint::serial("/dev/ttyUSB0", 9600).inter_frame_gap();
        assert!(gap > Duration::from_micros(3_900) && gap < Duration::from_micros(4_100));
        let fast = Endpoint::serial("/dev/ttyUSB0", 115_200).inter_frame_gap();
        assert_eq!(fast, Duration::from_micros(1_750));
        assert_eq!(
            Endpoint::tcp("10.0.0.7:502").inter_frame_gap(),
            Duration::ZERO
        );
    }

    #[test]
    fn configured_ports_parse_into_endpoints() {
        assert!(matches!(
            Endpoint::parse("tcp://10.0.0.7:502", 9600),
            Endpoint::Tcp { addr } if addr == "10.0.0.7:502"
        ));
        assert!(matches!(
            Endpoint::parse("/dev/ttyUSB0", 19200),
            Endpoint::Serial { path, baud: 19200 } if path == "/dev/ttyUSB0"
        ));
    }

    #[test]
    fn a_wrong_echo_does_not_confirm_a_write() {
        let request = Request::WriteSingleCoil {
            address: 0x0200,
            value: 5,
        };
        let wrong = Response::Echo {
            function: function::WRITE_SINGLE_COIL,
            address: 0x0200,
            value: 6,
        };
        assert!(matches!(
            check_reply(&request, wrong),
            Err(LinkError::Mismatch(_))
        ));
        let right = Response::echo_of(&request);
        assert!(check_reply(&request, right).is_ok());
        let other = Request::WriteSingleCoil {
            address: 0,
            value: COIL_ON,
        };
        assert!(check_reply(&other, Response::echo_of(&request)).is_err());
    }
}
