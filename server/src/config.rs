//! Typed, layered configuration: the TOML file (spec §4.3 plus site settings), then `KIOSKHUB_*`
//! environment variables, then command-line flags. Secrets are redacted in `Debug`.
//!
//! [`Config::parse`] turns a file into a validated [`Config`] or a list of [`ConfigIssue`]s, each
//! with the line it refers to, so `kioskhub config check` can explain every mistake at once.

use crate::settings::FlowField;
use kioskhub_relay::{BoardKind, PulseLength};
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml::Spanned;

/// A validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub server: ServerConfig,
    pub site: SiteConfig,
    pub buses: Vec<BusConfig>,
    pub boards: Vec<BoardConfig>,
    pub kiosks: Vec<KioskConfig>,
}

/// Where and how the server listens and keeps its data.
#[derive(Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// Absolute path of the data folder (resolved once at start-up).
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; defaults to `kioskhub.db` in the data folder.
    pub database_url: Option<String>,
    pub trust_proxy: bool,
    pub log_format: LogFormat,
    /// Bearer token required by `/metrics` when set.
    pub metrics_token: Option<String>,
    pub session_idle: Duration,
    pub session_absolute: Duration,
    /// WebSocket ping interval (30 s) and how long without a pong closes a client (5 min).
    pub ws_ping_interval: Duration,
    pub ws_pong_timeout: Duration,
    /// WebSocket connections one user, device or address may hold at once.
    pub ws_max_connections_per_owner: usize,
    /// Pairing-code exchanges allowed per minute per address.
    pub pairing_per_minute: u32,
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self.database_url.as_deref().map(redact_url),
            )
            .field("trust_proxy", &self.trust_proxy)
            .field("log_format", &self.log_format)
            .field(
                "metrics_token",
                &self.metrics_token.as_ref().map(|_| "[redacted]"),
            )
            .field("session_idle", &self.session_idle)
            .field("session_absolute", &self.session_absolute)
            .field("ws_ping_interval", &self.ws_ping_interval)
            .field("ws_pong_timeout", &self.ws_pong_timeout)
            .field(
                "ws_max_connections_per_owner",
                &self.ws_max_connections_per_owner,
            )
            .field("pairing_per_minute", &self.pairing_per_minute)
            .finish()
    }
}

/// Hide the password of a database URL.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}://{}:[redacted]{}", &url[..scheme], user, &url[at..])
        }
        _ => url.to_owned(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Human,
    Json,
}

/// How a card that owns nothing gets a locker (spec §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AssignmentMode {
    Manual,
    Automatic,
}

/// Card-flow settings; site-wide with per-kiosk overrides. Durations of zero disable a feature.
/// The panel can override each of them (see [`crate::settings`]).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct FlowSettings {
    pub assignment_mode: AssignmentMode,
    pub max_offered_lockers: Option<u32>,
    pub max_lockers_per_credential: u32,
    #[serde(with = "secs")]
    pub selection_timeout: Duration,
    #[serde(with = "secs")]
    pub decision_timeout: Duration,
    #[serde(with = "secs")]
    pub open_only_window: Duration,
    #[serde(with = "secs")]
    pub recent_holder_min_hold: Duration,
    #[serde(with = "secs")]
    pub recent_holder_window: Duration,
    #[serde(with = "secs")]
    pub overdue_after: Duration,
    #[serde(with = "secs")]
    pub auto_release_after: Duration,
    #[serde(with = "secs")]
    pub partial_read_window: Duration,
    #[serde(with = "secs")]
    pub duplicate_read_window: Duration,
    pub pulse_ms: u16,
    pub bulk_stagger_ms: u32,
}

mod secs {
    use serde::Serializer;
    use std::time::Duration;
    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }
}

impl Default for FlowSettings {
    fn default() -> Self {
        FlowSettings {
            assignment_mode: AssignmentMode::Manual,
            max_offered_lockers: None,
            max_lockers_per_credential: 1,
            selection_timeout: Duration::from_secs(30),
            decision_timeout: Duration::from_secs(30),
            open_only_window: Duration::from_secs(3600),
            recent_holder_min_hold: Duration::from_secs(2 * 3600),
            recent_holder_window: Duration::from_secs(24 * 3600),
            overdue_after: Duration::from_secs(4 * 3600),
            auto_release_after: Duration::ZERO,
            partial_read_window: Duration::from_secs(4),
            duplicate_read_window: Duration::from_millis(1500),
            pulse_ms: PulseLength::DEFAULT.millis(),
            bulk_stagger_ms: 300,
        }
    }
}

/// The site this hub serves.
#[derive(Debug, Clone)]
pub struct SiteConfig {
    pub id: String,
    pub name: String,
    /// Offset of local time from UTC, for the nightly end of day.
    pub utc_offset_minutes: i32,
    /// Local time (minutes after midnight) at which every kiosk runs end of day, if set.
    pub end_of_day: Option<u16>,
    pub flow: FlowSettings,
}

#[derive(Debug, Clone, PartialEq)]
pub enum BusPort {
    /// The built-in simulator.
    Sim,
    Serial(String),
    Tcp(String),
}

#[derive(Debug, Clone)]
pub struct BusConfig {
    pub name: String,
    pub port: BusPort,
    pub baud: u32,
    /// Longest wait for one reply (300 ms).
    pub timeout: Duration,
    /// Further attempts after a failed transaction (2).
    pub retries: u8,
    /// Quiet time between transactions on top of the Modbus gap (50 ms).
    pub turnaround: Duration,
    /// Probe an idle board with a read this often (30 s); zero turns probing off.
    pub probe_interval: Duration,
    /// For `port = "sim"`: model the wire time of `baud` (off: instant replies).
    pub sim_wire_time: bool,
    /// For `port = "sim"`: a door input reads open once its channel is pulsed (true); false
    /// leaves doors closed, like a jammed lock.
    pub sim_doors_follow_pulses: bool,
}

#[derive(Debug, Clone)]
pub struct BoardConfig {
    pub bus: String,
    pub slave: u8,
    pub kind: BoardKind,
    pub channels: u16,
}

#[derive(Debug, Clone)]
pub struct KioskConfig {
    pub id: String,
    pub name: String,
    pub lockers: u32,
    /// Boards in order; locker n maps onto them 16 (or `channels`) at a time.
    pub boards: Vec<(String, u8)>,
    /// The card-flow settings the file gives this kiosk (its `[kiosk.settings]` over the site's
    /// `[lockers]`); panel edits apply on top, so read the settings in force from
    /// [`crate::settings::Settings`].
    pub flow: FlowSettings,
    /// The settings its `[kiosk.settings]` table sets explicitly.
    pub flow_in_file: Vec<FlowField>,
    /// Card readers wired to the hub for this kiosk, in order (reader 1, 2, …).
    pub readers: Vec<ReaderConfig>,
    /// Door sensors on the boards' discrete inputs: input n is the door of the locker on
    /// channel n.
    pub doors: bool,
}

/// A card reader the hub reads itself (`[[kiosk.reader]]`); a keyboard-wedge reader on the
/// kiosk's own screen needs no entry.
#[derive(Debug, Clone, PartialEq)]
pub enum ReaderConfig {
    /// A serial reader sending each card as `STX(0x02) ASCII payload ETX(0x03)` (e.g. 125 kHz
    /// modules), 8N1 at `baud`.
    Serial { port: String, baud: u32 },
    /// A Linux input device (a USB reader that types digits and Enter), read with an exclusive
    /// grab so its keystrokes reach nothing else. Use a stable `/dev/input/by-id/…` path.
    Evdev { device: String },
}

impl ReaderConfig {
    /// The port or device path, for logs and the hardware view.
    pub fn path(&self) -> &str {
        match self {
            ReaderConfig::Serial { port, .. } => port,
            ReaderConfig::Evdev { device } => device,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            ReaderConfig::Serial { .. } => "serial",
            ReaderConfig::Evdev { .. } => "evdev",
        }
    }
}

/// One problem found in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigIssue {
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for ConfigIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

// ---- the file as written ----

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    server: FileServer,
    #[serde(default)]
    site: FileSite,
    /// Site-wide card-flow settings (spec §3.2); kiosks override them in `[kiosk.settings]`.
    #[serde(default)]
    lockers: FileFlow,
    #[serde(default)]
    bus: Vec<FileBus>,
    #[serde(default)]
    board: Vec<FileBoard>,
    #[serde(default)]
    kiosk: Vec<FileKiosk>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileServer {
    listen: Option<Spanned<String>>,
    data_dir: Option<String>,
    database_url: Option<String>,
    trust_proxy: Option<bool>,
    log_format: Option<LogFormat>,
    metrics_token: Option<String>,
    session_idle: Option<Spanned<String>>,
    session_absolute: Option<Spanned<String>>,
    ws_ping_interval: Option<Spanned<String>>,
    ws_pong_timeout: Option<Spanned<String>>,
    ws_max_connections_per_owner: Option<usize>,
    pairing_per_minute: Option<u32>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileSite {
    id: Option<String>,
    name: Option<String>,
    utc_offset: Option<Spanned<String>>,
    end_of_day: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
struct FileFlow {
    assignment_mode: Option<AssignmentMode>,
    max_offered_lockers: Option<u32>,
    max_lockers_per_credential: Option<Spanned<u32>>,
    selection_timeout: Option<Spanned<String>>,
    decision_timeout: Option<Spanned<String>>,
    open_only_window: Option<Spanned<String>>,
    recent_holder_min_hold: Option<Spanned<String>>,
    recent_holder_window: Option<Spanned<String>>,
    overdue_after: Option<Spanned<String>>,
    auto_release_after: Option<Spanned<String>>,
    partial_read_window: Option<Spanned<String>>,
    duplicate_read_window: Option<Spanned<String>>,
    pulse_ms: Option<Spanned<u16>>,
    bulk_stagger_ms: Option<Spanned<u32>>,
}

impl FileFlow {
    /// The settings this table sets.
    fn fields(&self) -> Vec<FlowField> {
        let set = [
            (FlowField::AssignmentMode, self.assignment_mode.is_some()),
            (
                FlowField::MaxOfferedLockers,
                self.max_offered_lockers.is_some(),
            ),
            (
                FlowField::MaxLockersPerCredential,
                self.max_lockers_per_credential.is_some(),
            ),
            (
                FlowField::SelectionTimeout,
                self.selection_timeout.is_some(),
            ),
            (FlowField::DecisionTimeout, self.decision_timeout.is_some()),
            (FlowField::OpenOnlyWindow, self.open_only_window.is_some()),
            (
                FlowField::RecentHolderMinHold,
                self.recent_holder_min_hold.is_some(),
            ),
            (
                FlowField::RecentHolderWindow,
                self.recent_holder_window.is_some(),
            ),
            (FlowField::OverdueAfter, self.overdue_after.is_some()),
            (
                FlowField::AutoReleaseAfter,
                self.auto_release_after.is_some(),
            ),
            (
                FlowField::PartialReadWindow,
                self.partial_read_window.is_some(),
            ),
            (
                FlowField::DuplicateReadWindow,
                self.duplicate_read_window.is_some(),
            ),
            (FlowField::PulseMs, self.pulse_ms.is_some()),
            (FlowField::BulkStaggerMs, self.bulk_stagger_ms.is_some()),
        ];
        set.into_iter()
            .filter_map(|(field, is_set)| is_set.then_some(field))
            .collect()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileBus {
    name: Spanned<String>,
    port: Spanned<String>,
    #[serde(default = "default_baud")]
    baud: u32,
    timeout: Option<Spanned<String>>,
    retries: Option<u8>,
    turnaround: Option<Spanned<String>>,
    probe_interval: Option<Spanned<String>>,
    #[serde(default)]
    sim_wire_time: bool,
    sim_doors_follow_pulses: Option<bool>,
}

fn default_baud() -> u32 {
    9600
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileBoard {
    bus: Spanned<String>,
    slave: Spanned<u8>,
    kind: BoardKind,
    channels: Option<u16>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileKiosk {
    id: Spanned<String>,
    name: Option<String>,
    lockers: Spanned<u32>,
    boards: Spanned<Vec<FileBoardRef>>,
    #[serde(default)]
    settings: FileFlow,
    #[serde(default)]
    reader: Vec<FileReader>,
    #[serde(default)]
    doors: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileReader {
    kind: Spanned<String>,
    port: Option<String>,
    baud: Option<u32>,
    device: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileBoardRef {
    bus: String,
    slave: u8,
}

/// Parse a duration such as `30s`, `1.5s`, `500ms`, `10m`, `4h`, `1d`, or `0`/`off`.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let t = text.trim();
    if t == "0" || t.eq_ignore_ascii_case("off") {
        return Some(Duration::ZERO);
    }
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (num, unit) = t.split_at(split);
    let value: f64 = num.parse().ok()?;
    let secs = match unit.trim() {
        "ms" => value / 1000.0,
        "s" => value,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        "d" => value * 86400.0,
        _ => return None,
    };
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

/// Parse `HH:MM` into minutes after midnight.
fn parse_clock(text: &str) -> Option<u16> {
    let (h, m) = text.split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// Parse `+03:00` / `-05:30` / `Z` into minutes.
fn parse_offset(text: &str) -> Option<i32> {
    if text == "Z" || text == "+00:00" {
        return Some(0);
    }
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let minutes = i32::from(parse_clock(rest)?);
    (minutes <= 14 * 60).then_some(sign * minutes)
}

struct Checker<'a> {
    source: &'a str,
    issues: Vec<ConfigIssue>,
}

impl Checker<'_> {
    fn line_of(&self, offset: usize) -> usize {
        self.source[..offset.min(self.source.len())]
            .matches('\n')
            .count()
            + 1
    }

    fn at<T>(&mut self, spanned: &Spanned<T>, message: impl Into<String>) {
        let line = self.line_of(spanned.span().start);
        self.issues.push(ConfigIssue {
            line: Some(line),
            message: message.into(),
        });
    }

    fn duration(
        &mut self,
        key: &str,
        value: &Option<Spanned<String>>,
        default: Duration,
    ) -> Duration {
        let Some(value) = value else { return default };
        match parse_duration(value.get_ref()) {
            Some(d) => d,
            None => {
                self.at(
                    value,
                    format!("{key} = {:?} is not a duration (use e.g. \"30s\", \"10m\", \"4h\", or \"0\" to disable)", value.get_ref()),
                );
                default
            }
        }
    }

    fn flow(&mut self, file: &FileFlow, base: &FlowSettings) -> FlowSettings {
        let mut flow = *base;
        if let Some(mode) = file.assignment_mode {
            flow.assignment_mode = mode;
        }
        if file.max_offered_lockers.is_some() {
            flow.max_offered_lockers = file.max_offered_lockers.filter(|n| *n > 0);
        }
        if let Some(max) = &file.max_lockers_per_credential {
            if *max.get_ref() == 0 {
                self.at(max, "max_lockers_per_credential must be at least 1");
            } else {
                flow.max_lockers_per_credential = *max.get_ref();
            }
        }
        flow.selection_timeout = self.duration(
            "selection_timeout",
            &file.selection_timeout,
            flow.selection_timeout,
        );
        flow.decision_timeout = self.duration(
            "decision_timeout",
            &file.decision_timeout,
            flow.decision_timeout,
        );
        flow.open_only_window = self.duration(
            "open_only_window",
            &file.open_only_window,
            flow.open_only_window,
        );
        flow.recent_holder_min_hold = self.duration(
            "recent_holder_min_hold",
            &file.recent_holder_min_hold,
            flow.recent_holder_min_hold,
        );
        flow.recent_holder_window = self.duration(
            "recent_holder_window",
            &file.recent_holder_window,
            flow.recent_holder_window,
        );
        flow.overdue_after =
            self.duration("overdue_after", &file.overdue_after, flow.overdue_after);
        flow.auto_release_after = self.duration(
            "auto_release_after",
            &file.auto_release_after,
            flow.auto_release_after,
        );
        flow.partial_read_window = self.duration(
            "partial_read_window",
            &file.partial_read_window,
            flow.partial_read_window,
        );
        flow.duplicate_read_window = self.duration(
            "duplicate_read_window",
            &file.duplicate_read_window,
            flow.duplicate_read_window,
        );
        for (key, value) in [
            ("selection_timeout", flow.selection_timeout),
            ("decision_timeout", flow.decision_timeout),
        ] {
            if value.is_zero() {
                self.issues.push(ConfigIssue {
                    line: None,
                    message: format!("{key} must be longer than 0"),
                });
            }
        }
        if let Some(ms) = &file.pulse_ms {
            match PulseLength::from_millis(*ms.get_ref()) {
                Some(p) => flow.pulse_ms = p.millis(),
                None => self.at(
                    ms,
                    format!("pulse_ms = {} is outside 100–3000", ms.get_ref()),
                ),
            }
        }
        if let Some(ms) = &file.bulk_stagger_ms {
            if (100..=5000).contains(ms.get_ref()) {
                flow.bulk_stagger_ms = *ms.get_ref();
            } else {
                self.at(
                    ms,
                    format!("bulk_stagger_ms = {} is outside 100–5000", ms.get_ref()),
                );
            }
        }
        flow
    }
}

impl Checker<'_> {
    /// One `[[kiosk.reader]]`; `None` (with an issue) when it cannot be used. `seen` holds the
    /// ports and devices already taken by other readers.
    fn reader(&mut self, file: &FileReader, seen: &mut HashSet<String>) -> Option<ReaderConfig> {
        let reader = match file.kind.get_ref().as_str() {
            "serial" => {
                if file.device.is_some() {
                    self.at(
                        &file.kind,
                        "a serial reader takes port and baud, not device",
                    );
                }
                let baud = file.baud.unwrap_or(9600);
                if !(1200..=115_200).contains(&baud) {
                    self.at(
                        &file.kind,
                        format!("reader baud = {baud} is outside 1200–115200"),
                    );
                }
                match file.port.as_deref() {
                    Some(port) if port.starts_with('/') => ReaderConfig::Serial {
                        port: port.to_owned(),
                        baud,
                    },
                    _ => {
                        self.at(
                            &file.kind,
                            "a serial reader needs port = \"/dev/…\" (a device path)",
                        );
                        return None;
                    }
                }
            }
            "evdev" => {
                if file.port.is_some() || file.baud.is_some() {
                    self.at(&file.kind, "an evdev reader takes device, not port or baud");
                }
                match file.device.as_deref() {
                    Some(device) if device.starts_with('/') => ReaderConfig::Evdev {
                        device: device.to_owned(),
                    },
                    _ => {
                        self.at(
                            &file.kind,
                            "an evdev reader needs device = \"/dev/input/by-id/…\"",
                        );
                        return None;
                    }
                }
            }
            other => {
                self.at(
                    &file.kind,
                    format!("reader kind = {other:?} must be \"serial\" or \"evdev\""),
                );
                return None;
            }
        };
        if !seen.insert(reader.path().to_owned()) {
            self.at(
                &file.kind,
                format!(
                    "{} is already used by a bus or another reader",
                    reader.path()
                ),
            );
        }
        Some(reader)
    }
}

impl Config {
    /// Parse and validate a configuration file's text. `base_dir` resolves a relative data folder.
    pub fn parse(source: &str, base_dir: &Path) -> Result<Config, Vec<ConfigIssue>> {
        let file: FileConfig = toml::from_str(source).map_err(|err| {
            let line = err
                .span()
                .map(|span| source[..span.start.min(source.len())].matches('\n').count() + 1);
            vec![ConfigIssue {
                line,
                message: err.message().to_owned(),
            }]
        })?;
        let mut c = Checker {
            source,
            issues: Vec::new(),
        };
        let config = Self::check(file, base_dir, &mut c);
        if c.issues.is_empty() {
            Ok(config)
        } else {
            c.issues.sort_by_key(|i| i.line.unwrap_or(0));
            Err(c.issues)
        }
    }

    fn check(file: FileConfig, base_dir: &Path, c: &mut Checker<'_>) -> Config {
        let defaults = ServerConfig::defaults();
        let listen = match &file.server.listen {
            Some(l) => l.get_ref().parse().unwrap_or_else(|_| {
                c.at(
                    l,
                    format!(
                        "listen = {:?} is not an address like 127.0.0.1:8080",
                        l.get_ref()
                    ),
                );
                defaults.listen
            }),
            None => defaults.listen,
        };
        let data_dir = file
            .server
            .data_dir
            .as_deref()
            .map(|d| base_dir.join(d))
            .unwrap_or(defaults.data_dir);
        let server = ServerConfig {
            listen,
            data_dir,
            database_url: file.server.database_url.filter(|u| !u.is_empty()),
            trust_proxy: file.server.trust_proxy.unwrap_or(false),
            log_format: file.server.log_format.unwrap_or(LogFormat::Human),
            metrics_token: file.server.metrics_token.filter(|t| !t.is_empty()),
            session_idle: c.duration(
                "session_idle",
                &file.server.session_idle,
                defaults.session_idle,
            ),
            session_absolute: c.duration(
                "session_absolute",
                &file.server.session_absolute,
                defaults.session_absolute,
            ),
            ws_ping_interval: c.duration(
                "ws_ping_interval",
                &file.server.ws_ping_interval,
                defaults.ws_ping_interval,
            ),
            ws_pong_timeout: c.duration(
                "ws_pong_timeout",
                &file.server.ws_pong_timeout,
                defaults.ws_pong_timeout,
            ),
            ws_max_connections_per_owner: file
                .server
                .ws_max_connections_per_owner
                .filter(|n| *n > 0)
                .unwrap_or(defaults.ws_max_connections_per_owner),
            pairing_per_minute: file
                .server
                .pairing_per_minute
                .filter(|n| *n > 0)
                .unwrap_or(defaults.pairing_per_minute),
        };
        if server.ws_ping_interval.is_zero() || server.ws_pong_timeout.is_zero() {
            c.issues.push(ConfigIssue {
                line: None,
                message: "ws_ping_interval and ws_pong_timeout must be longer than 0".into(),
            });
        }
        let site_flow = c.flow(&file.lockers, &FlowSettings::default());
        let utc_offset_minutes = match &file.site.utc_offset {
            Some(o) => parse_offset(o.get_ref()).unwrap_or_else(|| {
                c.at(
                    o,
                    format!(
                        "utc_offset = {:?} is not an offset like \"+03:00\"",
                        o.get_ref()
                    ),
                );
                0
            }),
            None => 0,
        };
        let end_of_day = file.site.end_of_day.as_ref().and_then(|t| {
            let parsed = parse_clock(t.get_ref());
            if parsed.is_none() {
                c.at(
                    t,
                    format!(
                        "end_of_day = {:?} is not a time like \"23:30\"",
                        t.get_ref()
                    ),
                );
            }
            parsed
        });
        let site = SiteConfig {
            id: file.site.id.unwrap_or_else(|| "main".into()),
            name: file.site.name.unwrap_or_else(|| "Kioskhub".into()),
            utc_offset_minutes,
            end_of_day,
            flow: site_flow,
        };

        let mut buses = Vec::new();
        let mut bus_names = HashSet::new();
        for bus in &file.bus {
            if !bus_names.insert(bus.name.get_ref().clone()) {
                c.at(
                    &bus.name,
                    format!("bus {:?} is declared twice", bus.name.get_ref()),
                );
            }
            let port = bus.port.get_ref();
            let port = if port == "sim" {
                BusPort::Sim
            } else if let Some(addr) = port.strip_prefix("tcp://") {
                BusPort::Tcp(addr.to_owned())
            } else if port.starts_with('/') {
                BusPort::Serial(port.clone())
            } else {
                c.at(&bus.port, format!("port {port:?} must be \"sim\", a device path such as /dev/ttyUSB0, or tcp://HOST:PORT"));
                BusPort::Sim
            };
            if !(1200..=115_200).contains(&bus.baud) {
                c.at(
                    &bus.port,
                    format!("baud = {} is outside 1200–115200", bus.baud),
                );
            }
            let timeout = c.duration("timeout", &bus.timeout, Duration::from_millis(300));
            if timeout.is_zero() {
                c.issues.push(ConfigIssue {
                    line: None,
                    message: format!(
                        "bus {:?}: timeout must be longer than 0",
                        bus.name.get_ref()
                    ),
                });
            }
            buses.push(BusConfig {
                name: bus.name.get_ref().clone(),
                port,
                baud: bus.baud,
                timeout,
                retries: bus.retries.unwrap_or(2).min(10),
                turnaround: c.duration("turnaround", &bus.turnaround, Duration::from_millis(50)),
                probe_interval: c.duration(
                    "probe_interval",
                    &bus.probe_interval,
                    Duration::from_secs(30),
                ),
                sim_wire_time: bus.sim_wire_time,
                sim_doors_follow_pulses: bus.sim_doors_follow_pulses.unwrap_or(true),
            });
        }

        let mut boards = Vec::new();
        let mut board_keys = BTreeMap::new();
        for board in &file.board {
            let key = (board.bus.get_ref().clone(), *board.slave.get_ref());
            if !bus_names.contains(&key.0) {
                c.at(
                    &board.bus,
                    format!("board names bus {:?}, which no [[bus]] declares", key.0),
                );
            }
            if !(1..=247).contains(&key.1) {
                c.at(
                    &board.slave,
                    format!("slave = {} is outside the Modbus range 1–247", key.1),
                );
            }
            let channels = board.channels.unwrap_or(board.kind.default_channels());
            if board_keys.insert(key.clone(), channels).is_some() {
                c.at(
                    &board.slave,
                    format!("two boards on bus {:?} use slave address {}", key.0, key.1),
                );
            }
            boards.push(BoardConfig {
                bus: key.0,
                slave: key.1,
                kind: board.kind,
                channels,
            });
        }

        let mut kiosks = Vec::new();
        let mut kiosk_ids = HashSet::new();
        let mut wired = HashSet::new();
        // A reader cannot share a port with a bus or another reader.
        let mut reader_paths: HashSet<String> = buses
            .iter()
            .filter_map(|b: &BusConfig| match &b.port {
                BusPort::Serial(path) => Some(path.clone()),
                _ => None,
            })
            .collect();
        for kiosk in &file.kiosk {
            let id = kiosk.id.get_ref();
            if id.is_empty()
                || id.len() > 32
                || !id
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
            {
                c.at(
                    &kiosk.id,
                    format!("kiosk id {id:?} must be 1–32 letters, digits, '-' or '_'"),
                );
            }
            if !kiosk_ids.insert(id.clone()) {
                c.at(&kiosk.id, format!("kiosk {id:?} is declared twice"));
            }
            let mut capacity = 0u32;
            for b in kiosk.boards.get_ref() {
                match board_keys.get(&(b.bus.clone(), b.slave)) {
                    Some(ch) => capacity += u32::from(*ch),
                    None => c.at(
                        &kiosk.boards,
                        format!(
                            "kiosk {id:?} uses board {} on bus {:?}, which no [[board]] declares",
                            b.slave, b.bus
                        ),
                    ),
                }
                if !wired.insert((b.bus.clone(), b.slave)) {
                    c.at(
                        &kiosk.boards,
                        format!(
                            "board {} on bus {:?} is used by two kiosks or twice",
                            b.slave, b.bus
                        ),
                    );
                }
            }
            let lockers = *kiosk.lockers.get_ref();
            if lockers == 0 || lockers > 4096 {
                c.at(
                    &kiosk.lockers,
                    format!("lockers = {lockers} must be between 1 and 4096"),
                );
            } else if capacity < lockers
                && kiosk
                    .boards
                    .get_ref()
                    .iter()
                    .all(|b| board_keys.contains_key(&(b.bus.clone(), b.slave)))
            {
                c.at(&kiosk.lockers, format!("kiosk {id:?} has {lockers} lockers but its boards have only {capacity} channels"));
            }
            let flow = c.flow(&kiosk.settings, &site_flow);
            let flow_in_file = kiosk.settings.fields();
            let readers = kiosk
                .reader
                .iter()
                .filter_map(|r| c.reader(r, &mut reader_paths))
                .collect();
            kiosks.push(KioskConfig {
                id: id.clone(),
                name: kiosk.name.clone().unwrap_or_else(|| id.clone()),
                lockers,
                boards: kiosk
                    .boards
                    .get_ref()
                    .iter()
                    .map(|b| (b.bus.clone(), b.slave))
                    .collect(),
                flow,
                flow_in_file,
                readers,
                doors: kiosk.doors,
            });
        }
        Config {
            server,
            site,
            buses,
            boards,
            kiosks,
        }
    }

    /// Read and parse a file.
    pub fn load(path: &Path) -> Result<Config, Vec<ConfigIssue>> {
        let source = std::fs::read_to_string(path).map_err(|err| {
            vec![ConfigIssue {
                line: None,
                message: format!("cannot read {}: {err}", path.display()),
            }]
        })?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Self::parse(&source, &base)
    }

    /// Apply `KIOSKHUB_*` environment overrides (read through `get`, so tests can inject them).
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), ConfigIssue> {
        if let Some(v) = get("KIOSKHUB_LISTEN") {
            self.server.listen = v.parse().map_err(|_| env_issue("KIOSKHUB_LISTEN", &v))?;
        }
        if let Some(v) = get("KIOSKHUB_DATA_DIR") {
            self.server.data_dir = PathBuf::from(v);
        }
        if let Some(v) = get("KIOSKHUB_DATABASE_URL") {
            self.server.database_url = Some(v).filter(|u| !u.is_empty());
        }
        if let Some(v) = get("KIOSKHUB_LOG_FORMAT") {
            self.server.log_format = match v.as_str() {
                "json" => LogFormat::Json,
                "human" => LogFormat::Human,
                _ => return Err(env_issue("KIOSKHUB_LOG_FORMAT", &v)),
            };
        }
        if let Some(v) = get("KIOSKHUB_METRICS_TOKEN") {
            self.server.metrics_token = Some(v).filter(|t| !t.is_empty());
        }
        if let Some(v) = get("KIOSKHUB_TRUST_PROXY") {
            self.server.trust_proxy = matches!(v.as_str(), "1" | "true" | "yes");
        }
        Ok(())
    }

    /// Resolve the data folder to an absolute path, once, creating it if needed.
    pub fn resolve_data_dir(&mut self) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.server.data_dir)?;
        self.server.data_dir = std::fs::canonicalize(&self.server.data_dir)?;
        Ok(())
    }

    /// The database URL in force: the configured one, or SQLite in the data folder.
    pub fn database_url(&self) -> String {
        self.server.database_url.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                self.server.data_dir.join("kioskhub.db").display()
            )
        })
    }

    /// The kiosk with this id.
    pub fn kiosk(&self, id: &str) -> Option<&KioskConfig> {
        self.kiosks.iter().find(|k| k.id == id)
    }
}

fn env_issue(var: &str, value: &str) -> ConfigIssue {
    ConfigIssue {
        line: None,
        message: format!("{var}={value:?} is not valid"),
    }
}

impl ServerConfig {
    fn defaults() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            trust_proxy: false,
            log_format: LogFormat::Human,
            metrics_token: None,
            session_idle: Duration::from_secs(30 * 60),
            session_absolute: Duration::from_secs(12 * 3600),
            ws_ping_interval: Duration::from_secs(30),
            ws_pong_timeout: Duration::from_secs(300),
            ws_max_connections_per_owner: 20,
            pairing_per_minute: 30,
        }
    }
}

/// The configuration `kioskhub demo` writes: two kiosks on simulated boards.
pub const DEMO_CONFIG: &str = r#"# Kioskhub demo configuration: two changing rooms on simulated relay boards.
# Edit and run `kioskhub config check FILE` to validate; see docs/configuration.md.

[server]
listen = "127.0.0.1:8080"

[site]
id = "main"
name = "Demo facility"
utc_offset = "+03:00"

[lockers]
assignment_mode = "manual"
open_only_window = "1h"
overdue_after = "4h"

[[bus]]
name = "rs485-men"
port = "sim"

[[bus]]
name = "rs485-women"
port = "sim"

[[board]]
bus = "rs485-men"
slave = 1
kind = "waveshare16"

[[board]]
bus = "rs485-men"
slave = 2
kind = "waveshare16"

[[board]]
bus = "rs485-women"
slave = 1
kind = "waveshare16"

[[kiosk]]
id = "men"
name = "Men's changing room"
lockers = 32
boards = [{ bus = "rs485-men", slave = 1 }, { bus = "rs485-men", slave = 2 }]

[[kiosk]]
id = "women"
name = "Women's changing room"
lockers = 16
boards = [{ bus = "rs485-women", slave = 1 }]
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> Result<Config, Vec<ConfigIssue>> {
        Config::parse(src, Path::new("/tmp"))
    }

    #[test]
    fn the_demo_config_is_valid_and_maps_48_lockers() {
        let c = parse(DEMO_CONFIG).unwrap();
        assert_eq!(c.kiosks.len(), 2);
        assert_eq!(c.kiosk("men").unwrap().lockers, 32);
        assert_eq!(c.site.utc_offset_minutes, 180);
        assert_eq!(c.site.flow.selection_timeout, Duration::from_secs(30));
    }

    #[test]
    fn durations_parse_in_every_unit() {
        assert_eq!(parse_duration("30s"), Some(Duration::from_secs(30)));
        assert_eq!(parse_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("4h"), Some(Duration::from_secs(14400)));
        assert_eq!(parse_duration("off"), Some(Duration::ZERO));
        assert_eq!(parse_duration("soon"), None);
        assert_eq!(parse_duration("5 parsecs"), None);
    }

    #[test]
    fn each_mistake_is_reported_with_its_line() {
        let src = "[[bus]]\nname = \"a\"\nport = \"sim\"\n\n[[board]]\nbus = \"b\"\nslave = 1\nkind = \"waveshare16\"\n\n[[kiosk]]\nid = \"men\"\nlockers = 40\nboards = [{ bus = \"a\", slave = 1 }]\n";
        let issues = parse(src).unwrap_err();
        let text: Vec<String> = issues.iter().map(ToString::to_string).collect();
        assert!(
            text.iter()
                .any(|t| t.starts_with("line 6:") && t.contains("no [[bus]]")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t.starts_with("line 13:") && t.contains("no [[board]]")),
            "{text:?}"
        );
    }

    #[test]
    fn too_few_channels_for_the_lockers_is_an_error() {
        let src = "[[bus]]\nname = \"a\"\nport = \"sim\"\n[[board]]\nbus = \"a\"\nslave = 1\nkind = \"generic\"\n[[kiosk]]\nid = \"k\"\nlockers = 17\nboards = [{ bus = \"a\", slave = 1 }]\n";
        let issues = parse(src).unwrap_err();
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].line, Some(10));
        assert!(issues[0].message.contains("only 16 channels"));
    }

    #[test]
    fn syntax_errors_and_unknown_keys_carry_a_line() {
        let issues = parse("[server]\nlisten = \"x\"\ncolour = 1\n").unwrap_err();
        assert_eq!(issues[0].line, Some(3));
        let issues = parse("[lockers]\nselection_timeout = \"soon\"\n").unwrap_err();
        assert_eq!(issues[0].line, Some(2));
    }

    #[test]
    fn environment_overrides_the_file_and_secrets_stay_out_of_debug() {
        let mut c = parse("[server]\ndatabase_url = \"postgres://kh:hunter2@db/kh\"\n").unwrap();
        c.apply_env(|k| (k == "KIOSKHUB_LISTEN").then(|| "0.0.0.0:9000".to_owned()))
            .unwrap();
        assert_eq!(c.server.listen.port(), 9000);
        let debug = format!("{:?}", c.server);
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("[redacted]"));
    }

    #[test]
    fn card_readers_are_declared_per_kiosk_and_checked() {
        let src = format!(
            "{DEMO_CONFIG}\n[[kiosk.reader]]\nkind = \"serial\"\nport = \"/dev/ttyS1\"\n\
             [[kiosk.reader]]\nkind = \"evdev\"\ndevice = \"/dev/input/by-id/usb-rfid-event-kbd\"\n"
        );
        let c = parse(&src).unwrap();
        assert!(c.kiosk("men").unwrap().readers.is_empty());
        assert_eq!(
            c.kiosk("women").unwrap().readers,
            vec![
                ReaderConfig::Serial {
                    port: "/dev/ttyS1".into(),
                    baud: 9600
                },
                ReaderConfig::Evdev {
                    device: "/dev/input/by-id/usb-rfid-event-kbd".into()
                },
            ]
        );
        let shared = DEMO_CONFIG.replacen(r#"port = "sim""#, r#"port = "/dev/ttyUSB0""#, 1)
            + "\n[[kiosk.reader]]\nkind = \"serial\"\nport = \"/dev/ttyUSB0\"\n";
        let issues = parse(&shared).unwrap_err();
        assert!(
            issues[0].message.contains("already used by a bus"),
            "{issues:?}"
        );
        let bad = format!(
            "{DEMO_CONFIG}\n[[kiosk.reader]]\nkind = \"serial\"\n\
             [[kiosk.reader]]\nkind = \"nfc\"\n[[kiosk.reader]]\nkind = \"evdev\"\nport = \"/dev/x\"\ndevice = \"/dev/y\"\n"
        );
        let text: Vec<String> = parse(&bad)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert!(text.iter().any(|t| t.contains("needs port")), "{text:?}");
        assert!(
            text.iter().any(|t| t.contains("\"nfc\" must be")),
            "{text:?}"
        );
        assert!(
            text.iter().any(|t| t.contains("not port or baud")),
            "{text:?}"
        );
        assert!(text.iter().all(|t| t.starts_with("line ")), "{text:?}");
    }

    #[test]
    fn per_kiosk_settings_override_the_site() {
        let src = format!("{DEMO_CONFIG}\n[kiosk.settings]\nassignment_mode = \"automatic\"\n");
        let c = parse(&src).unwrap();
        assert_eq!(
            c.kiosk("women").unwrap().flow.assignment_mode,
            AssignmentMode::Automatic
        );
        assert_eq!(
            c.kiosk("men").unwrap().flow.assignment_mode,
            AssignmentMode::Manual
        );
        assert_eq!(
            c.kiosk("women").unwrap().flow_in_file,
            [FlowField::AssignmentMode]
        );
        assert!(c.kiosk("men").unwrap().flow_in_file.is_empty());
    }
}
