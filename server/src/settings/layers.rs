//! The layers of card-flow values — the file's and the panel's, site-wide and per kiosk — and
//! the values in force they make.

use super::field::{FlowField, FlowValue};
use super::{Change, Provenance, Scope, Source, parse_changes};
use crate::config::FlowSettings;
use crate::store::SettingRow;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};

/// One layer of card-flow values.
pub(super) type FlowLayer = BTreeMap<FlowField, FlowValue>;

fn apply(flow: &mut FlowSettings, layer: &FlowLayer) {
    for (field, value) in layer {
        field.set(flow, *value);
    }
}

/// What the file says about one kiosk.
#[derive(Debug, Clone)]
pub(super) struct FileKiosk {
    pub(super) name: String,
    /// Its `[kiosk.settings]` over the site's `[lockers]`.
    pub(super) flow: FlowSettings,
    /// The fields its `[kiosk.settings]` sets.
    pub(super) fields: Vec<FlowField>,
}

/// What the panel says about one kiosk.
#[derive(Debug, Clone, Default)]
struct PanelKiosk {
    name: Option<String>,
    flow: FlowLayer,
}

/// The file's and the panel's values, and what is in force.
#[derive(Debug)]
pub(super) struct Layers {
    site_file: FlowSettings,
    pub(super) kiosks_file: BTreeMap<String, FileKiosk>,
    site_panel: FlowLayer,
    kiosks_panel: BTreeMap<String, PanelKiosk>,
    /// In force, recomputed on every change.
    pub(super) site: FlowSettings,
    pub(super) kiosks: HashMap<String, FlowSettings>,
}

impl Layers {
    /// The file's values, with no panel edit yet.
    pub(super) fn new(site_file: FlowSettings, kiosks_file: BTreeMap<String, FileKiosk>) -> Self {
        let mut layers = Layers {
            site_file,
            kiosks_file,
            site_panel: FlowLayer::new(),
            kiosks_panel: BTreeMap::new(),
            site: site_file,
            kiosks: HashMap::new(),
        };
        layers.recompute();
        layers
    }

    fn site_in_force(&self) -> FlowSettings {
        let mut flow = self.site_file;
        apply(&mut flow, &self.site_panel);
        flow
    }

    /// A kiosk's values without its own panel layer: what removing a panel value restores.
    fn kiosk_inherited(&self, id: &str) -> FlowSettings {
        let mut flow = self.site_in_force();
        if let Some(file) = self.kiosks_file.get(id) {
            for field in &file.fields {
                field.set(&mut flow, field.get(&file.flow));
            }
        }
        flow
    }

    fn kiosk_in_force(&self, id: &str) -> FlowSettings {
        let mut flow = self.kiosk_inherited(id);
        if let Some(panel) = self.kiosks_panel.get(id) {
            apply(&mut flow, &panel.flow);
        }
        flow
    }

    pub(super) fn recompute(&mut self) {
        self.site = self.site_in_force();
        self.kiosks = self
            .kiosks_file
            .keys()
            .map(|id| (id.clone(), self.kiosk_in_force(id)))
            .collect();
    }

    /// Replace the panel layers with stored rows; rows that no longer parse (a kiosk removed
    /// from the file, a range narrowed by an upgrade) are skipped with a warning.
    pub(super) fn load(&mut self, rows: &[SettingRow]) {
        self.site_panel.clear();
        self.kiosks_panel.clear();
        for row in rows {
            let scope = Scope::from_key(&row.scope);
            let value = serde_json::from_str::<Value>(&row.value).unwrap_or(Value::Null);
            let mut pairs = Map::new();
            pairs.insert(row.name.clone(), value);
            let kiosk_name = matches!(scope, Some(Scope::Kiosk(_)));
            match (scope, parse_changes(pairs, kiosk_name)) {
                (Some(scope), Ok(changes)) if self.knows(&scope) => {
                    for change in changes {
                        self.set(&scope, change);
                    }
                }
                _ => tracing::warn!(
                    scope = %row.scope,
                    name = %row.name,
                    "a stored panel setting no longer applies; the file's value is used"
                ),
            }
        }
        self.recompute();
    }

    fn knows(&self, scope: &Scope) -> bool {
        match scope {
            Scope::Site => true,
            Scope::Kiosk(id) => self.kiosks_file.contains_key(id),
        }
    }

    pub(super) fn set(&mut self, scope: &Scope, change: Change) {
        let (layer, name) = match scope {
            Scope::Site => (&mut self.site_panel, None),
            Scope::Kiosk(id) => {
                let kiosk = self.kiosks_panel.entry(id.clone()).or_default();
                (&mut kiosk.flow, Some(&mut kiosk.name))
            }
        };
        match change {
            Change::Flow(field, Some(v)) => {
                layer.insert(field, v);
            }
            Change::Flow(field, None) => {
                layer.remove(&field);
            }
            Change::Name(n) => {
                if let Some(name) = name {
                    *name = n;
                }
            }
        }
    }

    /// Each field's source, and the value it falls back to without this scope's panel value.
    pub(super) fn describe(&self, scope: &Scope) -> Provenance {
        let inherited = match scope {
            Scope::Site => self.site_file,
            Scope::Kiosk(id) => self.kiosk_inherited(id),
        };
        // Shown exactly as the values in force are (`max_offered_lockers: null` for "all").
        let inherited = match serde_json::to_value(inherited) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        let mut out = Provenance::default();
        for field in FlowField::ALL {
            let source = match scope {
                Scope::Site if self.site_panel.contains_key(&field) => Source::Panel,
                Scope::Site => Source::File,
                Scope::Kiosk(id) => self.kiosk_source(id, field),
            };
            out.sources.insert(field.name().to_owned(), json!(source));
            let value = inherited.get(field.name()).cloned().unwrap_or(Value::Null);
            out.inherited.insert(field.name().to_owned(), value);
        }
        out
    }

    fn kiosk_source(&self, id: &str, field: FlowField) -> Source {
        let panel_here = self
            .kiosks_panel
            .get(id)
            .is_some_and(|k| k.flow.contains_key(&field));
        let file_here = self
            .kiosks_file
            .get(id)
            .is_some_and(|k| k.fields.contains(&field));
        if panel_here || (!file_here && self.site_panel.contains_key(&field)) {
            Source::Panel
        } else {
            Source::File
        }
    }

    pub(super) fn name(&self, id: &str) -> Option<(String, Source, String)> {
        let file = self.kiosks_file.get(id)?.name.clone();
        Some(
            match self.kiosks_panel.get(id).and_then(|k| k.name.clone()) {
                Some(name) => (name, Source::Panel, file),
                None => (file.clone(), Source::File, file),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AssignmentMode;
    use std::time::Duration;

    fn layers() -> Layers {
        let site = FlowSettings::default();
        let mut women = site;
        women.assignment_mode = AssignmentMode::Automatic;
        let kiosks_file = [
            (
                "men".to_owned(),
                FileKiosk {
                    name: "Men".into(),
                    flow: site,
                    fields: vec![],
                },
            ),
            (
                "women".to_owned(),
                FileKiosk {
                    name: "Women".into(),
                    flow: women,
                    fields: vec![FlowField::AssignmentMode],
                },
            ),
        ]
        .into_iter()
        .collect();
        Layers::new(site, kiosks_file)
    }

    #[test]
    fn a_more_specific_scope_wins_and_the_panel_wins_within_a_scope() {
        let mut l = layers();
        let auto = FlowValue::Mode(AssignmentMode::Automatic);
        let manual = FlowValue::Mode(AssignmentMode::Manual);
        let field = FlowField::AssignmentMode;
        // The site-wide panel value reaches kiosks without a file value of their own.
        l.set(&Scope::Site, Change::Flow(field, Some(auto)));
        l.recompute();
        assert_eq!(l.kiosks["men"].assignment_mode, AssignmentMode::Automatic);
        assert_eq!(l.kiosk_source("men", field), Source::Panel);
        // The file's kiosk value beats the site's panel value.
        l.set(&Scope::Site, Change::Flow(field, Some(manual)));
        l.recompute();
        assert_eq!(l.kiosks["women"].assignment_mode, AssignmentMode::Automatic);
        assert_eq!(l.kiosk_source("women", field), Source::File);
        // The kiosk's panel value beats everything; removing it restores what was beneath.
        let kiosk = Scope::Kiosk("women".into());
        l.set(&kiosk, Change::Flow(field, Some(manual)));
        l.recompute();
        assert_eq!(l.kiosks["women"].assignment_mode, AssignmentMode::Manual);
        assert_eq!(l.kiosk_source("women", field), Source::Panel);
        l.set(&kiosk, Change::Flow(field, None));
        l.recompute();
        assert_eq!(l.kiosks["women"].assignment_mode, AssignmentMode::Automatic);
        assert_eq!(l.kiosk_source("women", field), Source::File);
    }

    #[test]
    fn stored_rows_that_no_longer_apply_are_skipped() {
        let mut l = layers();
        let row = |scope: &str, name: &str, value: &str| SettingRow {
            scope: scope.into(),
            name: name.into(),
            value: value.into(),
            updated_at: 0,
            updated_by: "staff:admin".into(),
        };
        l.load(&[
            row("site", "selection_timeout", "45"),
            row("site", "pulse_ms", "99999"),
            row("kiosk:gone", "name", "\"Old\""),
            row("kiosk:men", "name", "\"Gents\""),
            row("site", "name", "\"Site\""),
        ]);
        assert_eq!(l.site.selection_timeout, Duration::from_secs(45));
        assert_eq!(l.site.pulse_ms, 500);
        assert_eq!(l.name("men").unwrap().0, "Gents");
        assert!(!l.kiosks_panel.contains_key("gone"));
    }
}
