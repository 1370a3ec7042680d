//! Settings edited in the panel (spec §5.1, §3.2). The configuration file declares kiosks, their
//! lockers and wiring, and may set the card-flow settings; the panel overrides those settings
//! site-wide or per kiosk and renames kiosks. Panel values are stored in the database and layered
//! over the file's at start-up and on every change, so they apply at once, without a restart.
//!
//! Precedence, lowest first: the built-in default, the file's `[lockers]`, the panel's site-wide
//! value, the file's `[kiosk.settings]`, the panel's value for the kiosk. A more specific scope
//! wins; within one scope the panel wins over the file. Removing a panel value lets the value
//! beneath it apply again.
//!
//! This module owns the layering and the rules of each value; it does not know HTTP, and it
//! reaches the database only through the store.

mod field;
mod layers;

pub use field::{FlowField, FlowValue, MAX_KIOSK_NAME, parse_kiosk_name};

use crate::config::{FlowSettings, KioskConfig, SiteConfig};
use crate::events::{EventHub, Published};
use crate::store::{NewEvent, SettingRow, Store, StoreError};
use crate::time::now_ms;
use layers::{FileKiosk, Layers};
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

/// Where a value in force comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The configuration file (or the built-in default it leaves in place).
    File,
    Panel,
}

/// Where the values of one scope come from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Provenance {
    /// Each setting's source (`file` or `panel`), by name.
    pub sources: Map<String, Value>,
    /// What each setting falls back to when this scope's panel value is removed, by name.
    pub inherited: Map<String, Value>,
}

/// A kiosk's name in force, where it comes from, and the file's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskName {
    pub value: String,
    pub source: Source,
    pub file: String,
}

/// Which settings a change edits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Site,
    Kiosk(String),
}

impl Scope {
    /// The `scope` column and the audit target: `site` or `kiosk:ID`.
    pub fn key(&self) -> String {
        match self {
            Scope::Site => "site".into(),
            Scope::Kiosk(id) => format!("kiosk:{id}"),
        }
    }

    fn from_key(key: &str) -> Option<Scope> {
        match key {
            "site" => Some(Scope::Site),
            _ => key
                .strip_prefix("kiosk:")
                .map(|id| Scope::Kiosk(id.to_owned())),
        }
    }
}

/// One edit: set a value, or (`None`) remove the panel's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Flow(FlowField, Option<FlowValue>),
    /// A kiosk's name (kiosk scope only).
    Name(Option<String>),
}

impl Change {
    fn name(&self) -> &'static str {
        match self {
            Change::Flow(field, _) => field.name(),
            Change::Name(_) => "name",
        }
    }

    fn value(&self) -> Value {
        match self {
            Change::Flow(_, v) => v.map_or(Value::Null, FlowValue::to_json),
            Change::Name(n) => n.as_ref().map_or(Value::Null, |n| json!(n)),
        }
    }
}

/// Why a change was refused.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("unknown kiosk {0:?}")]
    UnknownKiosk(String),
    #[error("{message}")]
    Invalid { field: String, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Parse the edits of one request: `(name, value)` pairs where `null` removes the panel's
/// value. `name` is accepted only when `kiosk_name` is true.
pub fn parse_changes(
    pairs: Map<String, Value>,
    kiosk_name: bool,
) -> Result<Vec<Change>, SettingsError> {
    let invalid = |field: &str, message: String| SettingsError::Invalid {
        field: field.to_owned(),
        message,
    };
    pairs
        .into_iter()
        .map(|(key, value)| {
            if kiosk_name && key == "name" {
                return match value.as_str() {
                    None if value.is_null() => Ok(Change::Name(None)),
                    None => Err(invalid(&key, "name must be text".into())),
                    Some(text) => parse_kiosk_name(text)
                        .map(|n| Change::Name(Some(n)))
                        .map_err(|m| invalid(&key, m)),
                };
            }
            let field = FlowField::from_name(&key)
                .ok_or_else(|| invalid(&key, format!("{key} is not a setting")))?;
            if value.is_null() {
                return Ok(Change::Flow(field, None));
            }
            field
                .parse(&value)
                .map(|v| Change::Flow(field, Some(v)))
                .map_err(|m| invalid(&key, m))
        })
        .collect()
}

struct Inner {
    store: Store,
    events: EventHub,
    site_id: String,
    layers: RwLock<Layers>,
    /// One change at a time, so the memory follows the database's commit order.
    gate: tokio::sync::Mutex<()>,
}

/// The settings in force and the panel's edits. Cheap to clone.
#[derive(Clone)]
pub struct Settings(Arc<Inner>);

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings").finish_non_exhaustive()
    }
}

impl Settings {
    /// The file's values, before any panel edit is loaded.
    pub fn new(store: Store, events: EventHub, site: &SiteConfig, kiosks: &[KioskConfig]) -> Self {
        let kiosks_file: BTreeMap<String, FileKiosk> = kiosks
            .iter()
            .map(|k| {
                let file = FileKiosk {
                    name: k.name.clone(),
                    flow: k.flow,
                    fields: k.flow_in_file.clone(),
                };
                (k.id.clone(), file)
            })
            .collect();
        let layers = Layers::new(site.flow, kiosks_file);
        Settings(Arc::new(Inner {
            store,
            events,
            site_id: site.id.clone(),
            layers: RwLock::new(layers),
            gate: tokio::sync::Mutex::new(()),
        }))
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Layers> {
        self.0.layers.read().expect("settings lock poisoned")
    }

    /// (Re)load the panel's values from the database: at start-up, and periodically on
    /// PostgreSQL where another instance may have changed them.
    pub async fn load(&self) -> Result<(), StoreError> {
        let _turn = self.0.gate.lock().await;
        let rows = self.0.store.settings().await?;
        self.0
            .layers
            .write()
            .expect("settings lock poisoned")
            .load(&rows);
        Ok(())
    }

    /// The card-flow settings in force at a kiosk (the site's for an unknown kiosk).
    pub fn flow(&self, kiosk: &str) -> FlowSettings {
        let layers = self.read();
        layers.kiosks.get(kiosk).copied().unwrap_or(layers.site)
    }

    /// The site-wide card-flow settings in force.
    pub fn site_flow(&self) -> FlowSettings {
        self.read().site
    }

    /// A kiosk's name in force.
    pub fn kiosk_name(&self, kiosk: &str) -> Option<String> {
        self.read().name(kiosk).map(|(name, _, _)| name)
    }

    /// Where the site-wide values come from.
    pub fn site_provenance(&self) -> Provenance {
        self.read().describe(&Scope::Site)
    }

    /// Where a kiosk's values and name come from; `None` for an unknown kiosk.
    pub fn kiosk_provenance(&self, kiosk: &str) -> Option<(Provenance, KioskName)> {
        let layers = self.read();
        let (value, source, file) = layers.name(kiosk)?;
        let name = KioskName {
            value,
            source,
            file,
        };
        Some((layers.describe(&Scope::Kiosk(kiosk.to_owned())), name))
    }

    /// Apply the edits of one request: stored with one `settings_changed` event in one
    /// transaction, then in force at once. An empty edit changes nothing and writes nothing.
    pub async fn change(
        &self,
        scope: &Scope,
        changes: Vec<Change>,
        actor: &str,
    ) -> Result<(), SettingsError> {
        if let Scope::Kiosk(id) = scope
            && !self.read().kiosks_file.contains_key(id)
        {
            return Err(SettingsError::UnknownKiosk(id.clone()));
        }
        if changes.is_empty() {
            return Ok(());
        }
        let _turn = self.0.gate.lock().await;
        let now = now_ms();
        let key = scope.key();
        let mut tx = self.0.store.begin().await?;
        let mut edited = Map::new();
        for change in &changes {
            let value = change.value();
            if value.is_null() {
                tx.delete_setting(&key, change.name()).await?;
            } else {
                let row = SettingRow {
                    scope: key.clone(),
                    name: change.name().to_owned(),
                    value: value.to_string(),
                    updated_at: now,
                    updated_by: actor.to_owned(),
                };
                tx.put_setting(&row).await?;
            }
            edited.insert(change.name().to_owned(), value);
        }
        let kiosk = match scope {
            Scope::Site => None,
            Scope::Kiosk(id) => Some(id.as_str()),
        };
        let event = NewEvent {
            ts: now,
            site: &self.0.site_id,
            kind: "settings_changed",
            kiosk_id: kiosk,
            locker: None,
            actor,
            data: json!({"scope": key, "changes": edited}),
        };
        let seq = crate::events::append(&mut tx, &event).await?;
        tx.commit().await?;
        {
            let mut layers = self.0.layers.write().expect("settings lock poisoned");
            for change in changes {
                layers.set(scope, change);
            }
            layers.recompute();
        }
        self.0.events.publish(Published::from_event(seq, &event));
        Ok(())
    }
}
