//! List and export parameters: checked text in, a store filter out.

use super::{Category, HelpError, HelpStatus};
use crate::store::{HelpFilter, HelpOrder};
use crate::time::parse_rfc3339;

/// Default and largest page size.
pub const DEFAULT_PER_PAGE: i64 = 25;
pub const MAX_PER_PAGE: i64 = 100;
const MAX_PAGE: i64 = 1_000_000;
const MAX_SEARCH: usize = 200;

/// List filters as sent. `status` and `category` take one value or several separated by commas.
#[derive(Debug, Clone, Default)]
pub struct ListParams {
    pub status: Option<String>,
    pub category: Option<String>,
    pub kiosk: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub q: Option<String>,
    pub sort: Option<String>,
}

fn invalid(field: &'static str, message: impl Into<String>) -> HelpError {
    HelpError::InvalidQuery {
        field,
        message: message.into(),
    }
}

fn list_of<T>(
    value: Option<&str>,
    field: &'static str,
    parse: impl Fn(&str) -> Option<T>,
    as_str: impl Fn(&T) -> &'static str,
    known: &str,
) -> Result<Vec<String>, HelpError> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    value
        .split(',')
        .map(|v| {
            parse(v.trim())
                .map(|t| as_str(&t).to_owned())
                .ok_or_else(|| invalid(field, format!("{field} must be one or more of {known}")))
        })
        .collect()
}

fn time(value: Option<&str>, field: &'static str) -> Result<Option<i64>, HelpError> {
    value
        .map(|v| {
            parse_rfc3339(v)
                .ok_or_else(|| invalid(field, format!("{field} must be an RFC 3339 time")))
        })
        .transpose()
}

/// The store filter for list and export parameters.
pub fn parse_filter(p: &ListParams) -> Result<HelpFilter, HelpError> {
    let statuses = list_of(
        p.status.as_deref(),
        "status",
        HelpStatus::parse,
        |s| s.as_str(),
        "open, assigned, resolved",
    )?;
    let categories = list_of(
        p.category.as_deref(),
        "category",
        Category::parse,
        |c| c.as_str(),
        "access_issue, card_issue, payment_issue, other",
    )?;
    let kiosk = match p.kiosk.as_deref() {
        Some(k) if k.is_empty() || k.len() > 64 => {
            return Err(invalid("kiosk", "kiosk must be a kiosk id"));
        }
        other => other.map(str::to_owned),
    };
    let from_ts = time(p.from.as_deref(), "from")?;
    let to_ts = time(p.to.as_deref(), "to")?;
    if let (Some(from), Some(to)) = (from_ts, to_ts)
        && to < from
    {
        return Err(invalid("to", "to must not be before from"));
    }
    let text =
        p.q.as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(str::to_lowercase);
    if text
        .as_ref()
        .is_some_and(|q| q.chars().count() > MAX_SEARCH)
    {
        return Err(invalid(
            "q",
            format!("q is longer than {MAX_SEARCH} characters"),
        ));
    }
    let text_id = text
        .as_deref()
        .and_then(|q| q.strip_prefix('#').unwrap_or(q).parse::<i64>().ok())
        .filter(|id| *id > 0);
    let order = match p.sort.as_deref() {
        None | Some("-created_at") => HelpOrder::CreatedDesc,
        Some("created_at") => HelpOrder::CreatedAsc,
        Some("updated_at") => HelpOrder::UpdatedAsc,
        Some("-updated_at") => HelpOrder::UpdatedDesc,
        Some("status") => HelpOrder::Status,
        Some(_) => {
            return Err(invalid(
                "sort",
                "sort must be created_at, -created_at, updated_at, -updated_at or status",
            ));
        }
    };
    Ok(HelpFilter {
        statuses,
        categories,
        kiosk,
        from_ts,
        to_ts,
        text,
        text_id,
        order,
    })
}

/// `(page, per_page)`: page from 1, per_page 1–100 (default 25).
pub fn parse_page(page: Option<&str>, per_page: Option<&str>) -> Result<(i64, i64), HelpError> {
    let page = match page {
        None => 1,
        Some(p) => p
            .parse::<i64>()
            .ok()
            .filter(|p| (1..=MAX_PAGE).contains(p))
            .ok_or_else(|| invalid("page", "page must be a whole number from 1"))?,
    };
    let per_page = match per_page {
        None => DEFAULT_PER_PAGE,
        Some(p) => p
            .parse::<i64>()
            .ok()
            .filter(|p| (1..=MAX_PER_PAGE).contains(p))
            .ok_or_else(|| invalid("per_page", format!("per_page must be 1–{MAX_PER_PAGE}")))?,
    };
    Ok((page, per_page))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(err: HelpError) -> &'static str {
        match err {
            HelpError::InvalidQuery { field, .. } => field,
            other => panic!("not a query error: {other}"),
        }
    }

    #[test]
    fn filters_parse_lists_times_search_and_sort() {
        let f = parse_filter(&ListParams {
            status: Some("open,assigned".into()),
            category: Some("card_issue".into()),
            q: Some("  #42 ".into()),
            sort: Some("status".into()),
            from: Some("2026-01-01T00:00:00Z".into()),
            ..ListParams::default()
        })
        .unwrap();
        assert_eq!(f.statuses, ["open", "assigned"]);
        assert_eq!(f.categories, ["card_issue"]);
        assert_eq!(f.text.as_deref(), Some("#42"));
        assert_eq!(f.text_id, Some(42));
        assert_eq!(f.order, HelpOrder::Status);
        assert!(f.from_ts.is_some());
        assert_eq!(
            parse_filter(&ListParams::default()).unwrap().order,
            HelpOrder::CreatedDesc
        );
    }

    #[test]
    fn bad_values_name_their_parameter() {
        let bad = |p: ListParams| field(parse_filter(&p).unwrap_err());
        assert_eq!(
            bad(ListParams {
                status: Some("closed".into()),
                ..Default::default()
            }),
            "status"
        );
        assert_eq!(
            bad(ListParams {
                status: Some("open,".into()),
                ..Default::default()
            }),
            "status"
        );
        assert_eq!(
            bad(ListParams {
                category: Some("x".into()),
                ..Default::default()
            }),
            "category"
        );
        assert_eq!(
            bad(ListParams {
                from: Some("yesterday".into()),
                ..Default::default()
            }),
            "from"
        );
        assert_eq!(
            bad(ListParams {
                from: Some("2026-02-01T00:00:00Z".into()),
                to: Some("2026-01-01T00:00:00Z".into()),
                ..Default::default()
            }),
            "to"
        );
        assert_eq!(
            bad(ListParams {
                sort: Some("id".into()),
                ..Default::default()
            }),
            "sort"
        );
        assert_eq!(
            bad(ListParams {
                q: Some("x".repeat(201)),
                ..Default::default()
            }),
            "q"
        );
        assert_eq!(field(parse_page(Some("0"), None).unwrap_err()), "page");
        assert_eq!(
            field(parse_page(None, Some("101")).unwrap_err()),
            "per_page"
        );
        assert_eq!(
            field(parse_page(None, Some("ten")).unwrap_err()),
            "per_page"
        );
        assert_eq!(parse_page(None, None).unwrap(), (1, 25));
        assert_eq!(parse_page(Some("3"), Some("100")).unwrap(), (3, 100));
    }
}
