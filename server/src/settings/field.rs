//! The card-flow settings one by one: their names, the values they take, and the ranges the
//! panel may set them within; and kiosk names.

use crate::config::{AssignmentMode, FlowSettings};
use serde_json::{Value, json};
use std::time::Duration;

/// One card-flow setting: a field of [`FlowSettings`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FlowField {
    AssignmentMode,
    MaxOfferedLockers,
    MaxLockersPerCredential,
    SelectionTimeout,
    DecisionTimeout,
    OpenOnlyWindow,
    RecentHolderMinHold,
    RecentHolderWindow,
    OverdueAfter,
    AutoReleaseAfter,
    PartialReadWindow,
    DuplicateReadWindow,
    PulseMs,
    BulkStaggerMs,
}

/// The value of one setting, of the kind its field takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FlowValue {
    Mode(AssignmentMode),
    Number(u32),
    Duration(Duration),
}

/// What a field accepts.
enum Rule {
    Mode,
    /// A whole number in this range.
    Number(u32, u32),
    /// A duration in seconds, in this range of milliseconds.
    Seconds(u64, u64),
}

const MINUTE_MS: u64 = 60_000;
const HOUR_MS: u64 = 60 * MINUTE_MS;
const DAY_MS: u64 = 24 * HOUR_MS;

impl FlowField {
    pub const ALL: [FlowField; 14] = [
        FlowField::AssignmentMode,
        FlowField::MaxOfferedLockers,
        FlowField::MaxLockersPerCredential,
        FlowField::SelectionTimeout,
        FlowField::DecisionTimeout,
        FlowField::OpenOnlyWindow,
        FlowField::RecentHolderMinHold,
        FlowField::RecentHolderWindow,
        FlowField::OverdueAfter,
        FlowField::AutoReleaseAfter,
        FlowField::PartialReadWindow,
        FlowField::DuplicateReadWindow,
        FlowField::PulseMs,
        FlowField::BulkStaggerMs,
    ];

    /// The key, as in the file's `[lockers]` table and the API.
    pub fn name(self) -> &'static str {
        match self {
            FlowField::AssignmentMode => "assignment_mode",
            FlowField::MaxOfferedLockers => "max_offered_lockers",
            FlowField::MaxLockersPerCredential => "max_lockers_per_credential",
            FlowField::SelectionTimeout => "selection_timeout",
            FlowField::DecisionTimeout => "decision_timeout",
            FlowField::OpenOnlyWindow => "open_only_window",
            FlowField::RecentHolderMinHold => "recent_holder_min_hold",
            FlowField::RecentHolderWindow => "recent_holder_window",
            FlowField::OverdueAfter => "overdue_after",
            FlowField::AutoReleaseAfter => "auto_release_after",
            FlowField::PartialReadWindow => "partial_read_window",
            FlowField::DuplicateReadWindow => "duplicate_read_window",
            FlowField::PulseMs => "pulse_ms",
            FlowField::BulkStaggerMs => "bulk_stagger_ms",
        }
    }

    pub fn from_name(name: &str) -> Option<FlowField> {
        FlowField::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The accepted range: wide enough for any facility, narrow enough that a typo (hours
    /// typed as seconds, a pulse that would cook a coil) is refused.
    fn rule(self) -> Rule {
        use FlowField::*;
        match self {
            AssignmentMode => Rule::Mode,
            MaxOfferedLockers => Rule::Number(0, 4096),
            MaxLockersPerCredential => Rule::Number(1, 16),
            SelectionTimeout | DecisionTimeout => Rule::Seconds(5_000, 10 * MINUTE_MS),
            OpenOnlyWindow => Rule::Seconds(0, DAY_MS),
            RecentHolderMinHold | RecentHolderWindow | OverdueAfter | AutoReleaseAfter => {
                Rule::Seconds(0, 7 * DAY_MS)
            }
            PartialReadWindow | DuplicateReadWindow => Rule::Seconds(0, 30_000),
            // The board's timed pulse and the spec's limits (§4.1, §3.3).
            PulseMs => Rule::Number(100, 3000),
            BulkStaggerMs => Rule::Number(100, 5000),
        }
    }

    /// Check a value as the API and the database carry it: a mode as text, a count or
    /// milliseconds as a whole number, a duration as seconds. `Err` explains the range.
    pub fn parse(self, value: &Value) -> Result<FlowValue, String> {
        match self.rule() {
            Rule::Mode => match value.as_str() {
                Some("manual") => Ok(FlowValue::Mode(AssignmentMode::Manual)),
                Some("automatic") => Ok(FlowValue::Mode(AssignmentMode::Automatic)),
                _ => Err(format!(
                    "{} must be \"manual\" or \"automatic\"",
                    self.name()
                )),
            },
            Rule::Number(min, max) => value
                .as_i64()
                .filter(|n| (i64::from(min)..=i64::from(max)).contains(n))
                .and_then(|n| u32::try_from(n).ok())
                .map(FlowValue::Number)
                .ok_or_else(|| {
                    format!("{} must be a whole number from {min} to {max}", self.name())
                }),
            Rule::Seconds(min, max) => value
                .as_f64()
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(|s| (s * 1000.0).round() as u64)
                .filter(|ms| (min..=max).contains(ms))
                .map(|ms| FlowValue::Duration(Duration::from_millis(ms)))
                .ok_or_else(|| {
                    format!(
                        "{} must be a number of seconds from {} to {}",
                        self.name(),
                        human(min),
                        human(max)
                    )
                }),
        }
    }

    /// This field's value in `flow`.
    pub fn get(self, flow: &FlowSettings) -> FlowValue {
        use FlowField::*;
        let d = FlowValue::Duration;
        match self {
            AssignmentMode => FlowValue::Mode(flow.assignment_mode),
            MaxOfferedLockers => FlowValue::Number(flow.max_offered_lockers.unwrap_or(0)),
            MaxLockersPerCredential => FlowValue::Number(flow.max_lockers_per_credential),
            SelectionTimeout => d(flow.selection_timeout),
            DecisionTimeout => d(flow.decision_timeout),
            OpenOnlyWindow => d(flow.open_only_window),
            RecentHolderMinHold => d(flow.recent_holder_min_hold),
            RecentHolderWindow => d(flow.recent_holder_window),
            OverdueAfter => d(flow.overdue_after),
            AutoReleaseAfter => d(flow.auto_release_after),
            PartialReadWindow => d(flow.partial_read_window),
            DuplicateReadWindow => d(flow.duplicate_read_window),
            PulseMs => FlowValue::Number(u32::from(flow.pulse_ms)),
            BulkStaggerMs => FlowValue::Number(flow.bulk_stagger_ms),
        }
    }

    /// Set this field in `flow`. A value of another kind than the field's (which
    /// [`FlowField::parse`] never returns) changes nothing.
    pub fn set(self, flow: &mut FlowSettings, value: FlowValue) {
        use FlowField::*;
        match (self, value) {
            (AssignmentMode, FlowValue::Mode(m)) => flow.assignment_mode = m,
            (MaxOfferedLockers, FlowValue::Number(n)) => {
                flow.max_offered_lockers = (n > 0).then_some(n);
            }
            (MaxLockersPerCredential, FlowValue::Number(n)) => {
                flow.max_lockers_per_credential = n;
            }
            (PulseMs, FlowValue::Number(n)) => {
                if let Ok(n) = u16::try_from(n) {
                    flow.pulse_ms = n;
                }
            }
            (BulkStaggerMs, FlowValue::Number(n)) => flow.bulk_stagger_ms = n,
            (field, FlowValue::Duration(d)) => match field {
                SelectionTimeout => flow.selection_timeout = d,
                DecisionTimeout => flow.decision_timeout = d,
                OpenOnlyWindow => flow.open_only_window = d,
                RecentHolderMinHold => flow.recent_holder_min_hold = d,
                RecentHolderWindow => flow.recent_holder_window = d,
                OverdueAfter => flow.overdue_after = d,
                AutoReleaseAfter => flow.auto_release_after = d,
                PartialReadWindow => flow.partial_read_window = d,
                DuplicateReadWindow => flow.duplicate_read_window = d,
                _ => {}
            },
            _ => {}
        }
    }
}

/// A duration in milliseconds, for messages: `5 s`, `10 min`, `7 d`.
fn human(ms: u64) -> String {
    match ms {
        0 => "0".into(),
        ms if ms % DAY_MS == 0 => format!("{} d", ms / DAY_MS),
        ms if ms % HOUR_MS == 0 => format!("{} h", ms / HOUR_MS),
        ms if ms % MINUTE_MS == 0 => format!("{} min", ms / MINUTE_MS),
        ms => format!("{} s", ms as f64 / 1000.0),
    }
}

impl FlowValue {
    /// As the API shows it: a mode as text, a number, a duration in seconds.
    pub fn to_json(self) -> Value {
        match self {
            FlowValue::Mode(m) => json!(m),
            FlowValue::Number(n) => json!(n),
            FlowValue::Duration(d) => json!(d.as_secs_f64()),
        }
    }
}

/// Longest kiosk name, in characters.
pub const MAX_KIOSK_NAME: usize = 64;

/// A kiosk name: trimmed, 1–64 characters, no control characters.
pub fn parse_kiosk_name(value: &str) -> Result<String, String> {
    let name = value.trim();
    if name.is_empty() || name.chars().count() > MAX_KIOSK_NAME {
        return Err(format!("a kiosk name has 1 to {MAX_KIOSK_NAME} characters"));
    }
    if name.chars().any(char::is_control) {
        return Err("a kiosk name cannot hold control characters".into());
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_round_trips_through_its_name_and_value() {
        let flow = FlowSettings::default();
        for field in FlowField::ALL {
            assert_eq!(FlowField::from_name(field.name()), Some(field));
            let value = field.get(&flow);
            assert_eq!(field.parse(&value.to_json()), Ok(value), "{field:?}");
            let mut copy = flow;
            field.set(&mut copy, value);
            assert_eq!(copy, flow, "{field:?}");
        }
    }

    #[test]
    fn values_outside_their_range_are_refused_with_the_range() {
        let f = FlowField::SelectionTimeout;
        assert_eq!(
            f.parse(&json!(4)).unwrap_err(),
            "selection_timeout must be a number of seconds from 5 s to 10 min"
        );
        assert!(f.parse(&json!(-1)).is_err());
        assert!(f.parse(&json!("30s")).is_err());
        assert_eq!(
            f.parse(&json!(45.5)),
            Ok(FlowValue::Duration(Duration::from_millis(45_500)))
        );
        assert!(FlowField::PulseMs.parse(&json!(99)).is_err());
        assert!(FlowField::PulseMs.parse(&json!(500.5)).is_err());
        assert!(FlowField::MaxLockersPerCredential.parse(&json!(0)).is_err());
        assert!(FlowField::AssignmentMode.parse(&json!("random")).is_err());
        assert_eq!(
            FlowField::OverdueAfter.parse(&json!(0)),
            Ok(FlowValue::Duration(Duration::ZERO))
        );
    }

    #[test]
    fn kiosk_names_are_trimmed_and_bounded() {
        assert_eq!(parse_kiosk_name("  Pool  ").unwrap(), "Pool");
        assert!(parse_kiosk_name("   ").is_err());
        assert!(parse_kiosk_name(&"x".repeat(65)).is_err());
        assert!(parse_kiosk_name("a\nb").is_err());
        assert_eq!(
            parse_kiosk_name(&"ü".repeat(64)).unwrap().chars().count(),
            64
        );
    }
}
