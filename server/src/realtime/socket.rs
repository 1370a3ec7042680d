//! One WebSocket connection: authenticate before the upgrade, replay what the client missed
//! (`?since=SEQ`) from the store, then stream live messages from the hub, answering
//! `join_room` / `leave_room`, pinging when the hub's heartbeat rings (every 30 s) and closing
//! after 5 minutes without a pong.

use super::event::Namespace;
use super::hub::{Hub, Owner, Registration, stored_envelope};
use crate::app::AppState;
use crate::auth::{Permission, token_hash};
use crate::http::error::ApiError;
use crate::http::extract::{ClientInfo, DEVICE_COOKIE, SESSION_COOKIE, StaffUser, bearer, cookie};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::LazyLock;
use std::time::{Duration, Instant};
use yawc::close::CloseCode;
use yawc::{CompressionLevel, DeflatePool, Frame, IncomingUpgrade, OpCode, Options};

type WebSocket = yawc::WebSocket<yawc::HttpStream>;

/// Rooms one connection may join.
pub const MAX_ROOMS: usize = 50;
/// A client that does not take a message within this long is dropped.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// Everything queued is written together (one flush, one latency record): under a burst a slow
/// socket task catches up in a few large writes instead of many small ones.
const BATCH: usize = super::hub::QUEUE;
/// Frames are gathered up to this many bytes before they are written (flush writes the rest).
const WRITE_BUFFER: usize = 8 * 1024;
/// The largest message a client may send.
const MAX_MESSAGE: usize = 64 * 1024;
/// Messages shorter than this go out uncompressed even where the client offered
/// `permessage-deflate`: a live event is a few hundred bytes, deflate saves little on it, and
/// compressing it once per socket would cost a wave to ten thousand panels more than it saves.
/// Replayed pages, snapshots and long broadcasts are compressed.
pub const COMPRESS_FROM: usize = 1024;
/// How often a staff connection re-checks that its session is still live.
const RECHECK_EVERY: Duration = Duration::from_secs(60);
/// Close code for "credential revoked or session ended" (application range).
pub const CLOSE_UNAUTHORIZED: u16 = 4401;

/// How every connection is set up. Compression is negotiated when the client offers
/// `permessage-deflate` (browsers do), with no context takeover either way: nothing carries over
/// from one message to the next, so deflate state is borrowed from one shared pool for a message
/// at a time, and an idle connection holds none — ten thousand panels would otherwise hold about
/// 370 KiB each.
fn options() -> Options {
    static POOL: LazyLock<DeflatePool> = LazyLock::new(|| DeflatePool::new(16));
    Options::default()
        .with_compression_level(CompressionLevel::fast())
        .server_no_context_takeover()
        .client_no_context_takeover()
        .with_deflate_pool(POOL.clone())
        .with_compression_threshold(COMPRESS_FROM)
        .with_max_payload_read(MAX_MESSAGE)
        .with_max_read_buffer(MAX_MESSAGE)
        // Small per-connection buffers, grown only while a burst needs it: ten thousand panels
        // must fit in a small machine (1 KiB each: 110 MB for 10,000 clients, 4 + 8 KiB: 198 MB).
        // Frames fed together (a batch from the queue) go out in one write of up to 8 KiB: on
        // loopback and on a LAN a write costs far more than its bytes.
        .with_read_buffer_capacity(1024)
        .with_write_buffer_capacity(1024)
        .with_backpressure_boundary(WRITE_BUFFER)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WsQuery {
    since: Option<i64>,
    ticket: Option<String>,
}

/// Who may connect to which namespace.
fn permission(ns: Namespace) -> Option<Permission> {
    match ns {
        Namespace::Lockers => Some(Permission::LockersView),
        Namespace::Help => Some(Permission::HelpView),
        Namespace::Events => Some(Permission::SystemLogs),
        Namespace::Queue => Some(Permission::ReportsView),
        Namespace::Display | Namespace::Agent => None,
    }
}

async fn authenticate(
    state: &AppState,
    ns: Namespace,
    headers: &HeaderMap,
    ticket: Option<&str>,
    client: ClientInfo,
) -> Result<Owner, ApiError> {
    match ns {
        Namespace::Display => Ok(Owner::Public(client.ip)),
        Namespace::Agent => {
            let token = bearer(headers)
                .or_else(|| cookie(headers, DEVICE_COOKIE))
                .ok_or_else(ApiError::unauthenticated)?;
            let cred = state
                .store
                .credential_by_token(&token_hash(token))
                .await?
                .ok_or_else(|| {
                    ApiError::new(
                        StatusCode::UNAUTHORIZED,
                        "invalid_credential",
                        "unknown or revoked device credential",
                    )
                })?;
            Ok(Owner::Device(cred.id))
        }
        _ => {
            let hash = match ticket {
                Some(t) => state
                    .store
                    .consume_ws_ticket(&token_hash(t), crate::time::now_ms())
                    .await?
                    .ok_or_else(|| {
                        ApiError::new(
                            StatusCode::UNAUTHORIZED,
                            "invalid_ticket",
                            "unknown, used or expired ticket",
                        )
                    })?,
                None => {
                    let token = cookie(headers, SESSION_COOKIE)
                        .or_else(|| bearer(headers))
                        .ok_or_else(ApiError::unauthenticated)?;
                    token_hash(token)
                }
            };
            let user = StaffUser::from_session(state, hash, client, None).await?;
            let needed = permission(ns).expect("staff namespaces have a permission");
            if !user.role.allows(needed) {
                user.audit(
                    state,
                    "authorization_denied",
                    Some(ns.path()),
                    "denied",
                    Some(needed.as_str()),
                )
                .await;
                return Err(ApiError::forbidden(format!(
                    "your role may not join {} (needs {})",
                    ns.path(),
                    needed.as_str()
                )));
            }
            Ok(Owner::Session {
                user_id: user.id,
                session_hash: user.session_hash,
            })
        }
    }
}

/// `GET /ws/{namespace}`: authenticate, then upgrade.
pub async fn upgrade(
    State(state): State<AppState>,
    Path(name): Path<String>,
    query: Result<Query<WsQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    client: ClientInfo,
    ws: Result<IncomingUpgrade, StatusCode>,
) -> Result<Response, ApiError> {
    let ns = Namespace::from_path(&format!("/ws/{name}"))
        .ok_or_else(|| ApiError::not_found("namespace_not_found", "no such WebSocket namespace"))?;
    let Query(query) = query?;
    let owner = authenticate(&state, ns, &headers, query.ticket.as_deref(), client).await?;
    if state.hub.connections_of(&owner) >= state.config.server.ws_max_connections_per_owner {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_connections",
            "too many open connections for this user or device",
        ));
    }
    let (response, upgraded) = ws
        .map_err(|_| {
            ApiError::bad_request("websocket_required", "this endpoint speaks WebSocket only")
        })?
        .upgrade(options())
        .map_err(|e| ApiError::bad_request("websocket_required", e.to_string()))?;
    let hub = state.hub.clone();
    let since = query.since;
    tokio::spawn(async move {
        match upgraded.await {
            Ok(socket) => {
                let reg = hub.register(ns, owner);
                run(hub, state, ns, reg, since, socket).await;
            }
            Err(e) => tracing::debug!(error = %e, "WebSocket upgrade did not complete"),
        }
    });
    Ok(response.into_response())
}

fn control(kind: &str, data: Value) -> Frame {
    Frame::text(
        json!({"seq": null, "type": kind, "ts": crate::time::rfc3339(crate::time::now_ms()), "room": null, "version": super::event::VERSION, "data": data}).to_string(),
    )
}

async fn close(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let _ = socket
        .send(Frame::close(CloseCode::from(code), reason))
        .await;
}

/// Send with a deadline: a client that does not read is dropped, not waited for.
async fn send(socket: &mut WebSocket, frame: Frame) -> bool {
    matches!(
        tokio::time::timeout(SEND_TIMEOUT, socket.send(frame)).await,
        Ok(Ok(()))
    )
}

/// Write text frames back to back and flush once, with one deadline: one write on the socket
/// for as many frames as fit in its write buffer.
async fn write_all(socket: &mut WebSocket, frames: impl IntoIterator<Item = Bytes>) -> bool {
    let write = async {
        for text in frames {
            socket.feed(Frame::text(text)).await?;
        }
        socket.flush().await
    };
    matches!(tokio::time::timeout(SEND_TIMEOUT, write).await, Ok(Ok(())))
}

/// Replay stored messages after `since` up to `until`; returns the last sequence sent, or `None`
/// when the client must resync (its `since` is older than what is kept, or in the future).
async fn replay(
    hub: &Hub,
    ns: Namespace,
    socket: &mut WebSocket,
    since: i64,
    until: i64,
) -> Option<i64> {
    let (oldest, latest) = hub.store().ws_bounds(ns.path()).await.ok()?;
    if since > latest || since + 1 < oldest {
        return None;
    }
    let mut last = since;
    while last < until {
        let rows = hub.store().ws_after(ns.path(), last, 500).await.ok()?;
        if rows.is_empty() {
            break;
        }
        // A page goes out in as few writes as its size allows.
        let mut page = Vec::with_capacity(rows.len());
        let mut page_last = last;
        for row in rows.iter().take_while(|row| row.seq <= until) {
            let rooms: Vec<String> = serde_json::from_str(&row.rooms).unwrap_or_default();
            page.push(Bytes::from(stored_envelope(row, &rooms)));
            page_last = row.seq;
        }
        if page.is_empty() || !write_all(socket, page).await {
            return Some(last);
        }
        last = page_last;
    }
    Some(last)
}

fn valid_room(room: &str) -> bool {
    !room.is_empty()
        && room.len() <= 100
        && room.split(':').count() <= 3
        && room
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ":-_".contains(c))
}

async fn run(
    hub: Hub,
    state: AppState,
    ns: Namespace,
    reg: Registration,
    since: Option<i64>,
    mut socket: WebSocket,
) {
    let Registration { client, delivered } = reg;
    announce(&hub, "connection", ns, &client);
    let welcome =
        json!({"connection_id": client.id, "namespace": ns.path(), "last_seq": delivered});
    let mut last_sent = delivered;
    let mut ok = send(&mut socket, control("connection", welcome)).await;
    if ok && let Some(since) = since {
        match replay(&hub, ns, &mut socket, since, delivered).await {
            Some(last) => last_sent = last,
            None => {
                ok = send(
                    &mut socket,
                    control(
                        "resync_required",
                        json!({"reason": "since_unavailable", "last_seq": delivered}),
                    ),
                )
                .await
            }
        }
    }
    let mut last_pong = Instant::now();
    let mut last_check = Instant::now();
    // Grows to the largest burst this socket has seen, not to BATCH up front: most of ten
    // thousand panels never see more than a message or two at once.
    let mut batch = Vec::new();
    // Registered once rather than on every turn of the loop: ten thousand sockets share the stop
    // token, and each registration takes its lock.
    let kicked = client.kick.notified();
    let stopping = hub.stop_token().cancelled();
    tokio::pin!(kicked, stopping);
    'connection: while ok {
        tokio::select! {
            // The pump rings when the queue holds something: send it all, and whatever arrives
            // while it is being written. The heartbeat rings to ping.
            () = client.ring.notified() => {
                if client.beaten() {
                    if last_pong.elapsed() > state.config.server.ws_pong_timeout {
                        close(&mut socket, CloseCode::Away.into(), "no pong").await;
                        break;
                    }
                    if !send(&mut socket, Frame::ping(Bytes::new())).await {
                        break;
                    }
                    if last_check.elapsed() >= RECHECK_EVERY {
                        last_check = Instant::now();
                        if !session_live(&state, &client.owner).await {
                            close(&mut socket, CLOSE_UNAUTHORIZED, "session ended").await;
                            break;
                        }
                    }
                }
                loop {
                    batch.clear();
                    client.take(&mut batch, BATCH);
                    if batch.is_empty() {
                        break;
                    }
                    // What the replay already sent is skipped; the queue may hold more behind it.
                    batch.retain(|out| out.seq.is_none_or(|s| s > last_sent));
                    if batch.is_empty() {
                        continue;
                    }
                    // A client that stops reading is not waited for: a kick (its queue
                    // overflowed meanwhile) or the send deadline ends it.
                    tokio::select! {
                        sent = write_all(&mut socket, batch.iter().map(|out| out.text.clone()).collect::<Vec<_>>()) => ok = sent,
                        () = &mut kicked => break 'connection,
                    }
                    if !ok {
                        break;
                    }
                    let oldest = batch.iter().map(|out| out.published).min();
                    hub.record_write(ns, batch.len(), oldest.expect("the batch is not empty"));
                    if let Some(s) = batch.iter().rev().find_map(|out| out.seq) {
                        last_sent = s;
                    }
                }
            },
            () = &mut kicked => {
                if client.overflowed() {
                    let _ = send(&mut socket, control("resync_required", json!({"reason": "too_slow", "last_seq": last_sent}))).await;
                    close(&mut socket, CloseCode::Policy.into(), "too slow").await;
                } else {
                    close(&mut socket, CLOSE_UNAUTHORIZED, "credential ended").await;
                }
                break;
            }
            // Pings are answered by the socket itself; a close is acknowledged by it.
            incoming = socket.next() => match incoming.as_ref().map(Frame::opcode) {
                Some(OpCode::Text) => {
                    let payload = incoming.as_ref().map(Frame::payload).expect("a text frame");
                    let Ok(text) = std::str::from_utf8(payload) else {
                        close(&mut socket, CloseCode::Invalid.into(), "text must be UTF-8").await;
                        break;
                    };
                    let reply = handle_client_message(&client, text);
                    ok = send(&mut socket, reply).await;
                }
                Some(OpCode::Pong | OpCode::Ping) => last_pong = Instant::now(),
                Some(OpCode::Binary) => {
                    ok = send(&mut socket, control("error", json!({"code": "invalid_message", "message": "send JSON text messages"}))).await;
                }
                Some(OpCode::Continuation) => {}
                Some(OpCode::Close) | None => break,
            },
            () = &mut stopping => {
                close(&mut socket, CloseCode::Away.into(), "server going away").await;
                break;
            }
        }
    }
    settle(&mut socket).await;
    hub.unregister(ns, client.id);
    announce(&hub, "disconnection", ns, &client);
}

/// Whether a staff connection's session is still live (devices and the public display have none).
async fn session_live(state: &AppState, owner: &Owner) -> bool {
    let Owner::Session { session_hash, .. } = owner else {
        return true;
    };
    let nobody = ClientInfo {
        ip: String::new(),
        user_agent: None,
    };
    StaffUser::from_session(state, session_hash.clone(), nobody, None)
        .await
        .is_ok()
}

/// Send what the socket still owes its peer before it is dropped: the echo of the client's close,
/// or the close a protocol error queued (1009 for a message too big). Reading once more after the
/// end of the stream writes them; a peer that does not read is not waited for long.
async fn settle(socket: &mut WebSocket) {
    let _ = tokio::time::timeout(Duration::from_secs(1), socket.next_frame()).await;
}

/// Tell `/ws/events` subscribers that a client came or went (not stored).
fn announce(hub: &Hub, kind: &'static str, ns: Namespace, client: &super::hub::Client) {
    let who = match &client.owner {
        Owner::Session { user_id, .. } => json!({"user_id": user_id}),
        Owner::Device(id) => json!({"credential": id}),
        Owner::Public(ip) => json!({"ip": ip}),
    };
    let event = super::Event {
        namespace: Namespace::Events,
        kind,
        rooms: Vec::new(),
        data: json!({"connection_id": client.id, "namespace": ns.path(), "owner": who, "connections": hub.connections(ns)}),
    };
    hub.publish_transient(&event);
}

#[derive(Deserialize)]
struct ClientMessage {
    #[serde(rename = "type")]
    kind: String,
    room: Option<String>,
}

fn handle_client_message(client: &super::hub::Client, text: &str) -> Frame {
    let error =
        |code: &str, message: &str| control("error", json!({"code": code, "message": message}));
    let Ok(msg) = serde_json::from_str::<ClientMessage>(text) else {
        return error(
            "invalid_message",
            "expected {\"type\": \"join_room\" | \"leave_room\", \"room\": \"…\"}",
        );
    };
    match (msg.kind.as_str(), msg.room) {
        ("join_room", Some(room)) if valid_room(&room) => {
            if client.join(&room) > MAX_ROOMS {
                client.leave(&room);
                return error("too_many_rooms", "leave a room first");
            }
            control("room_joined", json!({"room": room}))
        }
        ("leave_room", Some(room)) if valid_room(&room) => {
            let was = client.leave(&room);
            control("room_left", json!({"room": room, "was_member": was}))
        }
        ("join_room" | "leave_room", _) => {
            error("invalid_room", "a room is like kiosk:men or locker:men:12")
        }
        ("ping", _) => control("pong", json!({})),
        _ => error("unknown_type", "known types: join_room, leave_room, ping"),
    }
}
