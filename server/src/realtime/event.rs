//! The typed, versioned real-time events (seeds 002/003) and how a committed log event maps onto
//! them. Events are validated when built: a locker event always names its kiosk, locker and a
//! known state, so a malformed message never reaches a client.

use crate::store::NewEvent;
use serde::Serialize;
use serde_json::{Value, json};

/// Schema version of every message; bumped when a type's fields change incompatibly.
pub const VERSION: i64 = 1;

/// A WebSocket namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Namespace {
    Lockers,
    Help,
    Events,
    Queue,
    Display,
    Agent,
}

impl Namespace {
    pub const ALL: [Namespace; 6] = [
        Namespace::Lockers,
        Namespace::Help,
        Namespace::Events,
        Namespace::Queue,
        Namespace::Display,
        Namespace::Agent,
    ];

    pub fn path(self) -> &'static str {
        match self {
            Namespace::Lockers => "/ws/lockers",
            Namespace::Help => "/ws/help",
            Namespace::Events => "/ws/events",
            Namespace::Queue => "/ws/queue",
            Namespace::Display => "/ws/display",
            Namespace::Agent => "/ws/agent",
        }
    }

    pub fn from_path(path: &str) -> Option<Namespace> {
        Namespace::ALL.into_iter().find(|n| n.path() == path)
    }
}

/// A real-time event, ready to be stored and sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub namespace: Namespace,
    pub kind: &'static str,
    pub rooms: Vec<String>,
    pub data: Value,
}

/// Why an event could not be built.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("invalid {kind} event: {reason}")]
pub struct InvalidEvent {
    pub kind: &'static str,
    pub reason: String,
}

const STATES: [&str; 5] = ["free", "owned", "blocked", "error", "opening"];

impl Event {
    /// `locker_state_changed` (also for the transient `opening`).
    pub fn locker_state_changed(
        kiosk: &str,
        locker: i64,
        old_state: &str,
        new_state: &str,
        extra: Value,
    ) -> Result<Event, InvalidEvent> {
        let invalid = |reason: &str| InvalidEvent {
            kind: "locker_state_changed",
            reason: reason.to_owned(),
        };
        if kiosk.is_empty() || locker < 1 {
            return Err(invalid("kiosk and locker are required"));
        }
        if !STATES.contains(&old_state) || !STATES.contains(&new_state) {
            return Err(invalid("unknown state"));
        }
        let mut data = json!({"kiosk_id": kiosk, "locker": locker, "old_state": old_state, "new_state": new_state});
        merge(&mut data, extra);
        Ok(Event {
            namespace: Namespace::Lockers,
            kind: "locker_state_changed",
            rooms: vec![format!("kiosk:{kiosk}"), format!("locker:{kiosk}:{locker}")],
            data,
        })
    }

    /// `command_applied`: a staff command finished.
    pub fn command_applied(
        namespace: Namespace,
        kiosk: &str,
        locker: Option<i64>,
        data: Value,
    ) -> Event {
        let mut rooms = vec![format!("kiosk:{kiosk}")];
        if let Some(n) = locker {
            rooms.push(format!("locker:{kiosk}:{n}"));
        }
        Event {
            namespace,
            kind: "command_applied",
            rooms,
            data,
        }
    }

    /// `system_status`: a kiosk or bus went online or offline.
    pub fn system_status(
        component: &str,
        id: &str,
        status: &str,
        details: Value,
    ) -> Result<Event, InvalidEvent> {
        if !["online", "offline", "degraded"].contains(&status) {
            return Err(InvalidEvent {
                kind: "system_status",
                reason: format!("unknown status {status}"),
            });
        }
        Ok(Event {
            namespace: Namespace::Events,
            kind: "system_status",
            rooms: vec![format!("{component}:{id}")],
            data: json!({"component": component, "id": id, "status": status, "details": details}),
        })
    }

    /// `reader_scan` (transient): a card reader wired to the hub read a card at `kiosk`, and
    /// this is what the card flow answered (a scan outcome, or `{"action": "error", code,
    /// message}`), for the kiosk's screen to show.
    pub fn reader_scan(kiosk: &str, reader: &str, outcome: Value) -> Event {
        Event {
            namespace: Namespace::Lockers,
            kind: "reader_scan",
            rooms: vec![format!("kiosk:{kiosk}")],
            data: json!({"kiosk": kiosk, "reader": reader, "outcome": outcome}),
        }
    }

    /// `help_requested`: a new help request; `data` is the request as the API shows it.
    pub fn help_requested(kiosk: &str, request: Value) -> Result<Event, InvalidEvent> {
        let id = check_help("help_requested", kiosk, &request)?;
        Ok(Event {
            namespace: Namespace::Help,
            kind: "help_requested",
            rooms: vec![format!("kiosk:{kiosk}"), format!("help:{id}")],
            data: request,
        })
    }

    /// `help_status_updated`: a request was assigned, resolved or reopened; `data` is the request
    /// as the API shows it, plus `previous_status` and `action`.
    pub fn help_status_updated(
        kiosk: &str,
        request: Value,
        previous_status: &str,
    ) -> Result<Event, InvalidEvent> {
        let id = check_help("help_status_updated", kiosk, &request)?;
        if !HELP_STATUSES.contains(&previous_status) {
            return Err(InvalidEvent {
                kind: "help_status_updated",
                reason: format!("unknown previous status {previous_status:?}"),
            });
        }
        let mut data = request;
        data["previous_status"] = json!(previous_status);
        Ok(Event {
            namespace: Namespace::Help,
            kind: "help_status_updated",
            rooms: vec![format!("kiosk:{kiosk}"), format!("help:{id}")],
            data,
        })
    }

    /// `event_logged`: every entry of the event log, for the events namespace.
    pub fn logged(seq: i64, e: &NewEvent<'_>) -> Event {
        let mut rooms = Vec::new();
        if let Some(k) = e.kiosk_id {
            rooms.push(format!("kiosk:{k}"));
        }
        Event {
            namespace: Namespace::Events,
            kind: "event_logged",
            rooms,
            data: json!({"log_seq": seq, "type": e.kind, "kiosk_id": e.kiosk_id, "locker": e.locker, "actor": e.actor, "data": e.data}),
        }
    }

    /// A message sent by an admin through `POST /api/websocket/broadcast`.
    pub fn broadcast(namespace: Namespace, room: Option<String>, data: Value) -> Event {
        Event {
            namespace,
            kind: "broadcast",
            rooms: room.into_iter().collect(),
            data,
        }
    }
}

const HELP_STATUSES: [&str; 3] = ["open", "assigned", "resolved"];

/// A help event names its kiosk, and carries a request with an id and a known status.
fn check_help(kind: &'static str, kiosk: &str, request: &Value) -> Result<i64, InvalidEvent> {
    let invalid = |reason: &str| InvalidEvent {
        kind,
        reason: reason.to_owned(),
    };
    if kiosk.is_empty() || request["kiosk"].as_str() != Some(kiosk) {
        return Err(invalid("the request must name its kiosk"));
    }
    let id = request["id"]
        .as_i64()
        .filter(|id| *id > 0)
        .ok_or_else(|| invalid("the request needs an id"))?;
    if !request["status"]
        .as_str()
        .is_some_and(|s| HELP_STATUSES.contains(&s))
    {
        return Err(invalid("unknown status"));
    }
    Ok(id)
}

fn merge(data: &mut Value, extra: Value) {
    if let (Value::Object(map), Value::Object(more)) = (data, extra) {
        for (k, v) in more {
            map.entry(k).or_insert(v);
        }
    }
}

/// The real-time events a committed log event produces.
pub fn from_log(seq: i64, e: &NewEvent<'_>) -> Vec<Event> {
    let mut out = Vec::new();
    if e.kind.starts_with("locker_")
        && let (Some(kiosk), Some(locker)) = (e.kiosk_id, e.locker)
    {
        let old = e.data["old_state"].as_str().unwrap_or("free");
        let new = e.data["new_state"].as_str().unwrap_or(old);
        let extra = json!({
            "action": e.kind,
            "owner_hint": e.data["owner_hint"],
            "version": e.data["version"],
            "actor": e.actor,
            "reason": e.data["reason"],
        });
        if let Ok(ev) = Event::locker_state_changed(kiosk, locker, old, new, extra) {
            out.push(ev);
        }
    }
    if e.kind == "command_finished"
        && let Some(kiosk) = e.kiosk_id
    {
        let data = json!({
            "command": {"id": e.data["command"], "kiosk_id": kiosk, "locker": e.locker, "issued_by": e.actor},
            "result": {"success": e.data["state"] == "succeeded", "state": e.data["state"], "error": e.data["error"], "timestamp": crate::time::rfc3339(e.ts)},
        });
        out.push(Event::command_applied(
            Namespace::Lockers,
            kiosk,
            e.locker,
            data.clone(),
        ));
        out.push(Event::command_applied(
            Namespace::Events,
            kiosk,
            e.locker,
            data,
        ));
    }
    if let Some(status) = match e.kind {
        "kiosk_online" => Some("online"),
        "kiosk_offline" => Some("offline"),
        _ => None,
    } && let Some(kiosk) = e.kiosk_id
        && let Ok(ev) = Event::system_status("kiosk", kiosk, status, e.data.clone())
    {
        out.push(ev);
    }
    if let Some(status) = match e.kind {
        "bus_board_online" => Some("online"),
        "bus_board_offline" => Some("offline"),
        _ => None,
    } && let (Some(bus), Some(slave)) = (e.data["bus"].as_str(), e.data["slave"].as_u64())
        && let Ok(ev) =
            Event::system_status("board", &format!("{bus}:{slave}"), status, e.data.clone())
    {
        out.push(ev);
    }
    if e.kind.starts_with("door_")
        && let (Some(kiosk), Some(locker)) = (e.kiosk_id, e.locker)
    {
        let mut data = json!({"kiosk_id": kiosk, "locker": locker, "event": e.kind});
        merge(&mut data, e.data.clone());
        out.push(Event {
            namespace: Namespace::Lockers,
            kind: "door_changed",
            rooms: vec![format!("kiosk:{kiosk}"), format!("locker:{kiosk}:{locker}")],
            data,
        });
    }
    if e.kind == "ws_broadcast"
        && let Some(ns) = e.data["namespace"].as_str().and_then(Namespace::from_path)
    {
        let room = e.data["room"].as_str().map(str::to_owned);
        out.push(Event::broadcast(ns, room, e.data["payload"].clone()));
        return out;
    }
    if e.kind.starts_with("help_")
        && let Some(kiosk) = e.kiosk_id
    {
        let built = if e.kind == "help_requested" {
            Event::help_requested(kiosk, e.data.clone())
        } else {
            let previous = e.data["previous_status"].as_str().unwrap_or("");
            Event::help_status_updated(kiosk, e.data.clone(), previous)
        };
        match built {
            Ok(ev) => out.push(ev),
            Err(err) => tracing::error!(error = %err, "a help event was not pushed"),
        }
    }
    out.push(Event::logged(seq, e));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_locker_event_needs_a_kiosk_a_locker_and_known_states() {
        assert!(Event::locker_state_changed("men", 3, "free", "owned", json!({})).is_ok());
        assert!(Event::locker_state_changed("", 3, "free", "owned", json!({})).is_err());
        assert!(Event::locker_state_changed("men", 0, "free", "owned", json!({})).is_err());
        assert!(Event::locker_state_changed("men", 3, "free", "melted", json!({})).is_err());
        let ev =
            Event::locker_state_changed("men", 3, "free", "opening", json!({"new_state": "x"}))
                .unwrap();
        assert_eq!(
            ev.data["new_state"], "opening",
            "extra fields never override the validated ones"
        );
        assert_eq!(ev.rooms, ["kiosk:men", "locker:men:3"]);
    }

    #[test]
    fn a_board_going_offline_becomes_a_system_status_for_its_room() {
        let e = NewEvent {
            ts: 1,
            site: "main",
            kind: "bus_board_offline",
            kiosk_id: Some("men"),
            locker: None,
            actor: "system:relay",
            data: json!({"bus": "rs485-men", "slave": 2, "online": false, "alert": true}),
        };
        let events = from_log(11, &e);
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].kind, "system_status");
        assert_eq!(events[0].rooms, ["board:rs485-men:2"]);
        assert_eq!(events[0].data["component"], "board");
        assert_eq!(events[0].data["status"], "offline");
        assert_eq!(events[1].kind, "event_logged");
    }

    #[test]
    fn door_events_reach_the_lockers_namespace() {
        let e = NewEvent {
            ts: 1,
            site: "main",
            kind: "door_forced",
            kiosk_id: Some("men"),
            locker: Some(7),
            actor: "system:doors",
            data: json!({"alert": true}),
        };
        let events = from_log(3, &e);
        assert_eq!(events[0].namespace, Namespace::Lockers);
        assert_eq!(events[0].kind, "door_changed");
        assert_eq!(events[0].data["event"], "door_forced");
        assert_eq!(events[0].data["alert"], true);
    }

    #[test]
    fn help_events_reach_the_help_namespace_validated() {
        let request = json!({"id": 42, "kiosk": "men", "status": "assigned", "category": "other"});
        let e = NewEvent {
            ts: 1,
            site: "main",
            kind: "help_assigned",
            kiosk_id: Some("men"),
            locker: None,
            actor: "staff:admin",
            data: {
                let mut d = request.clone();
                d["previous_status"] = json!("open");
                d
            },
        };
        let events = from_log(5, &e);
        assert_eq!(events[0].namespace, Namespace::Help);
        assert_eq!(events[0].kind, "help_status_updated");
        assert_eq!(events[0].rooms, ["kiosk:men", "help:42"]);
        assert_eq!(events[0].data["previous_status"], "open");
        assert_eq!(events[1].kind, "event_logged");
        assert!(Event::help_requested("men", json!({"kiosk": "men", "status": "open"})).is_err());
        assert!(
            Event::help_requested("men", json!({"id": 1, "kiosk": "women", "status": "open"}))
                .is_err()
        );
        assert!(Event::help_status_updated("men", request.clone(), "closed").is_err());
        assert!(
            Event::help_requested("men", json!({"id": 1, "kiosk": "men", "status": "open"}))
                .is_ok()
        );
    }

    #[test]
    fn a_committed_assignment_becomes_a_locker_change_and_a_log_entry() {
        let e = NewEvent {
            ts: 1,
            site: "main",
            kind: "locker_assigned",
            kiosk_id: Some("men"),
            locker: Some(4),
            actor: "kiosk:men",
            data: json!({"old_state": "free", "new_state": "owned", "owner_hint": "…C3D4", "version": 2}),
        };
        let events = from_log(10, &e);
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].namespace, Namespace::Lockers);
        assert_eq!(events[0].data["action"], "locker_assigned");
        assert_eq!(events[1].kind, "event_logged");
        assert_eq!(events[1].data["log_seq"], 10);
    }
}
