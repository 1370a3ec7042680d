//! CSV export of help requests: RFC 4180 quoting (the `csv` crate), one header row, and cells
//! that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, carriage return) prefixed
//! with an apostrophe so they are shown as text.

use super::{HelpError, HelpRequestView};

const HEADER: [&str; 14] = [
    "id",
    "created_at",
    "updated_at",
    "resolved_at",
    "status",
    "category",
    "source",
    "kiosk",
    "kiosk_name",
    "locker",
    "note",
    "has_photo",
    "assigned_to",
    "resolution_notes",
];

/// A cell a spreadsheet will not evaluate.
fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// Every request as CSV, header first.
pub fn to_csv(items: &[HelpRequestView]) -> Result<Vec<u8>, HelpError> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::with_capacity(128 * (items.len() + 1)));
    let fail = |e: csv::Error| HelpError::Export(e.to_string());
    out.write_record(HEADER).map_err(fail)?;
    for r in items {
        let record = [
            r.id.to_string(),
            r.created_at.clone(),
            r.updated_at.clone(),
            r.resolved_at.clone().unwrap_or_default(),
            r.status.as_str().to_owned(),
            r.category.as_str().to_owned(),
            r.source.as_str().to_owned(),
            r.kiosk.clone(),
            r.kiosk_name.clone(),
            r.locker.map(|n| n.to_string()).unwrap_or_default(),
            r.note.clone().unwrap_or_default(),
            r.has_photo.to_string(),
            r.assigned_to
                .as_ref()
                .map(|u| u.username.clone())
                .unwrap_or_default(),
            r.resolution_notes.clone().unwrap_or_default(),
        ];
        out.write_record(record.iter().map(|c| neutralise(c).into_owned()))
            .map_err(fail)?;
    }
    out.into_inner()
        .map_err(|e| HelpError::Export(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_become_text_and_others_are_untouched() {
        assert_eq!(neutralise("=1+1"), "'=1+1");
        assert_eq!(neutralise("+90 555"), "'+90 555");
        assert_eq!(neutralise("-2"), "'-2");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("\tx"), "'\tx");
        assert_eq!(neutralise("a=b"), "a=b");
        assert_eq!(neutralise(""), "");
    }
}
