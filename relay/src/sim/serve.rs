//! The simulated line: reads request frames from a stream, lets the boards act, and writes their
//! replies back with the timing and corruption a real RS-485 line would show.
//!
//! The slave is written by hand on [`crate::frame`] rather than with tokio-modbus's server so that
//! faults can be expressed in bytes: a reply with a broken CRC, two boards answering at once (their
//! frames overlap on the wire and garble), a reply that arrives too late. Frames are delimited
//! the way a board does it: by the request's known length, or by line silence for anything else;
//! a request with a bad CRC is ignored, as boards ignore it.

use super::device::BoardAnswer;
use super::{SimFault, SimHandle};
use crate::frame::{self, MBAP_LEN, Request, Response};
use std::io;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::sleep;

/// Silence that ends an incomplete or unknown frame when no wire time is modelled.
const MIN_IDLE: Duration = Duration::from_millis(5);
/// `EIO`: what a pty returns once its other side has gone.
const EIO: i32 = 5;

/// Serves Modbus RTU on `stream` until it closes, hangs up or the line is unplugged.
pub(super) async fn serve_rtu<S>(mut stream: S, handle: SimHandle) -> io::Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut plugged = handle.inner.plugged.subscribe();
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 512];
    let idle = handle
        .byte_time()
        .map_or(MIN_IDLE, |t| (t * 4).max(MIN_IDLE));
    loop {
        let waiting_for_silence = !buf.is_empty();
        let read = async {
            if waiting_for_silence {
                tokio::time::timeout(idle, stream.read(&mut chunk))
                    .await
                    .ok()
            } else {
                Some(stream.read(&mut chunk).await)
            }
        };
        let read = tokio::select! {
            read = read => read,
            _ = plugged.wait_for(|p| !*p) => return Ok(()),
        };
        match read {
            // Silence: whatever is buffered is all the frame there will be.
            None => {
                let frame = std::mem::take(&mut buf);
                if frame::rtu_request_len(&frame).is_err() {
                    answer(&mut stream, &handle, &frame).await?;
                }
            }
            Some(Ok(0)) => return Ok(()),
            Some(Err(e)) if e.raw_os_error() == Some(EIO) => return Ok(()),
            Some(Err(e)) => return Err(e),
            Some(Ok(n)) => {
                buf.extend_from_slice(&chunk[..n]);
                while let Ok(Some(len)) = frame::rtu_request_len(&buf) {
                    if buf.len() < len {
                        break;
                    }
                    let frame: Vec<u8> = buf.drain(..len).collect();
                    if frame::parse_rtu(&frame).is_err() {
                        // Out of step with the line: drop everything until the next silence.
                        buf.clear();
                    }
                    answer(&mut stream, &handle, &frame).await?;
                }
            }
        }
    }
}

/// Lets the boards act on one frame and writes the line's reply, if any.
async fn answer<S: AsyncWrite + Unpin>(
    stream: &mut S,
    handle: &SimHandle,
    frame: &[u8],
) -> io::Result<()> {
    let byte_time = handle.byte_time();
    if let Some(t) = byte_time {
        sleep(t * wire_len(frame)).await;
    }
    let Some((reply, delay)) = rtu_reply(handle, frame) else {
        return Ok(());
    };
    let wire = byte_time.map_or(Duration::ZERO, |t| t * wire_len(&reply));
    let wait = handle.inner.options.processing + delay + wire;
    if !wait.is_zero() {
        sleep(wait).await;
    }
    stream.write_all(&reply).await?;
    stream.flush().await
}

fn wire_len(bytes: &[u8]) -> u32 {
    u32::try_from(bytes.len()).expect("RTU frames are at most 256 bytes")
}

/// The bytes the line carries back after `frame`, and how late they come.
fn rtu_reply(handle: &SimHandle, frame: &[u8]) -> Option<(Vec<u8>, Duration)> {
    let (slave, pdu) = frame::parse_rtu(frame).ok()?;
    let request = Request::decode_pdu(pdu).map_err(|_| pdu.first().copied().unwrap_or(0));
    let answers = handle.dispatch(slave, request);
    let delay = answers.iter().map(slowness).max()?;
    let mut frames = answers.iter().map(|a| rtu_bytes(slave, a));
    let first = frames.next()?;
    Some((
        frames.fold(first, |line, other| collide(&line, &other)),
        delay,
    ))
}

fn slowness(answer: &BoardAnswer) -> Duration {
    match answer.fault {
        Some(SimFault::Slow(delay)) => delay,
        _ => Duration::ZERO,
    }
}

/// One board's reply frame, bent by its fault.
fn rtu_bytes(slave: u8, answer: &BoardAnswer) -> Vec<u8> {
    let (slave, response) = bend(slave, answer);
    let mut bytes = response.to_rtu(slave);
    match answer.fault {
        Some(SimFault::BadCrc) => {
            let last = bytes.len() - 1;
            bytes[last] ^= 0xFF;
        }
        Some(SimFault::AddressClash) => bytes = collide(&bytes, &bytes),
        _ => {}
    }
    bytes
}

/// A wrong echo: the value of a write is off by one bit; any other reply comes from the wrong
/// slave.
fn bend(slave: u8, answer: &BoardAnswer) -> (u8, Response) {
    match (&answer.fault, &answer.response) {
        (
            Some(SimFault::WrongEcho),
            Response::Echo {
                function,
                address,
                value,
            },
        ) => (
            slave,
            Response::Echo {
                function: *function,
                address: *address,
                value: value ^ 0x0001,
            },
        ),
        (Some(SimFault::WrongEcho), other) => (slave.wrapping_add(1), other.clone()),
        (_, other) => (slave, other.clone()),
    }
}

/// Two frames driven onto the line at once, the second one character late: an idle RS-485 line
/// reads as ones, and where both drive, zeros win.
pub(super) fn collide(a: &[u8], b: &[u8]) -> Vec<u8> {
    let len = a.len().max(b.len() + 1);
    (0..len)
        .map(|i| {
            let first = a.get(i).copied().unwrap_or(0xFF);
            let second = i
                .checked_sub(1)
                .and_then(|j| b.get(j).copied())
                .unwrap_or(0xFF);
            first & second
        })
        .collect()
}

/// Serves Modbus TCP (MBAP) connections from `listener` until it fails. CRC faults do not exist
/// on TCP; the others apply.
pub(super) async fn serve_tcp(listener: TcpListener, handle: SimHandle) -> io::Result<()> {
    loop {
        let (socket, _) = listener.accept().await?;
        let handle = handle.clone();
        tokio::spawn(async move {
            if let Err(e) = serve_tcp_connection(socket, handle).await {
                tracing::debug!(error = %e, "simulated gateway connection ended");
            }
        });
    }
}

async fn serve_tcp_connection(mut socket: TcpStream, handle: SimHandle) -> io::Result<()> {
    loop {
        let mut header = [0u8; MBAP_LEN];
        match socket.read_exact(&mut header).await {
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            other => other?,
        };
        let mbap = frame::parse_mbap(&header)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        let mut pdu = vec![0u8; mbap.pdu_len];
        socket.read_exact(&mut pdu).await?;
        let request = Request::decode_pdu(&pdu).map_err(|_| pdu.first().copied().unwrap_or(0));
        let answers = handle.dispatch(mbap.unit, request);
        let Some(answer) = answers.first() else {
            continue;
        };
        let delay = slowness(answer);
        if !delay.is_zero() {
            sleep(delay).await;
        }
        let (unit, response) = bend(mbap.unit, answer);
        let adu = frame::tcp_adu(mbap.transaction, unit, &response.encode_pdu());
        socket.write_all(&adu).await?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_identical_replies_collide_into_a_frame_that_fails_its_crc() {
        let reply = Response::Registers(vec![1]).to_rtu(1);
        let line = collide(&reply, &reply);
        assert_eq!(line.len(), reply.len() + 1);
        assert!(frame::parse_rtu(&line[..reply.len()]).is_err());
    }
}
