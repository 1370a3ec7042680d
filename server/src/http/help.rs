//! Help requests (spec §8): the kiosk's `POST /api/help` (JSON, or multipart with a photo) and
//! the panel's list, summary, detail, photo, CSV export, assign, resolve and reopen.

use super::MAX_BODY;
use super::error::{ApiError, ApiResult};
use super::extract::{
    ApiJson, ApiPath, ApiQuery, HelpAssign, HelpResolve, HelpView, KioskDevice, Staff, StaffUser,
};
use crate::app::AppState;
use crate::help::{
    Category, HelpDetail, HelpError, HelpPage, HelpRequestView, HelpSummary, ListParams,
    MAX_PHOTO_BYTES, NewHelp, Photo, PhotoError, parse_page,
};
use axum::Json;
use axum::body::Body;
use axum::extract::multipart::{Field, MultipartError};
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// Largest `POST /api/help` body: a photo and its form fields. JSON bodies keep the API's
/// usual limit.
pub const HELP_BODY: usize = MAX_PHOTO_BYTES + 64 * 1024;
/// Largest text part of a multipart request.
const MAX_TEXT_PART: usize = 4 * 1024;

/// A help request from a kiosk. As `multipart/form-data` the same fields are text parts, plus
/// an optional `photo` file part.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateHelp {
    /// Read as text so that any wrong value is named as `category` (see `parse_category`).
    #[schema(value_type = Category)]
    category: String,
    /// At most 500 characters; trimmed, and empty means none.
    note: Option<String>,
    /// A locker number of this kiosk.
    locker: Option<i64>,
    /// The kiosk's own reference (1–64 characters): sending it again returns the existing
    /// request with 200 instead of creating another.
    client_ref: Option<String>,
}

/// `POST /api/help` (kiosk): 201 with the new request, or 200 with the one its `client_ref`
/// already names.
pub async fn create_help(
    State(state): State<AppState>,
    device: KioskDevice,
    req: Request,
) -> ApiResult<(StatusCode, Json<HelpRequestView>)> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let (new, photo) = if content_type == "application/json" || content_type.ends_with("+json") {
        (json_body(req, &state).await?, None)
    } else if content_type == "multipart/form-data" {
        form_body(req, &state).await?
    } else {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send Content-Type: application/json, or multipart/form-data with a photo",
        ));
    };
    let created = state.help.create(&device.kiosk, new, photo).await?;
    let status = if created.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(created.request)))
}

fn body_too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
        "the request body is too large",
    )
}

/// A JSON body, bounded like every other JSON body.
async fn json_body(req: Request, state: &AppState) -> ApiResult<NewHelp> {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| body_too_large())?;
    let req = Request::from_parts(parts, Body::from(bytes));
    let ApiJson(body) = ApiJson::<CreateHelp>::from_request(req, state).await?;
    Ok(NewHelp::new(
        parse_category(&body.category)?,
        body.note,
        body.locker,
        body.client_ref,
    )?)
}

fn multipart_error(err: MultipartError) -> ApiError {
    if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        HelpError::Photo(PhotoError::TooLarge).into()
    } else {
        ApiError::bad_request(
            "invalid_body",
            format!("the multipart body cannot be read: {}", err.body_text()),
        )
    }
}

/// A part's bytes, or `None` when it has more than `cap` (the rest is read and dropped).
async fn read_capped(mut field: Field<'_>, cap: usize) -> ApiResult<Option<Vec<u8>>> {
    let mut buf = Some(Vec::new());
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        if let Some(b) = &mut buf {
            if b.len() + chunk.len() > cap {
                buf = None;
            } else {
                b.extend_from_slice(&chunk);
            }
        }
    }
    Ok(buf)
}

/// The text parts of a multipart request; empty parts count as absent (as in an HTML form).
#[derive(Default)]
struct Form {
    category: Option<String>,
    note: Option<String>,
    locker: Option<String>,
    client_ref: Option<String>,
    /// The photo's bytes and declared type.
    photo: Option<(Vec<u8>, Option<String>)>,
}

/// A `multipart/form-data` body: text parts and an optional photo, checked by its bytes.
async fn form_body(req: Request, state: &AppState) -> ApiResult<(NewHelp, Option<Photo>)> {
    let mut multipart = Multipart::from_request(req, state)
        .await
        .map_err(|e| ApiError::bad_request("invalid_body", e.body_text()))?;
    let mut form = Form::default();
    let mut photo_too_large = false;
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        let duplicate = || {
            ApiError::bad_request("invalid_body", format!("the part {name:?} is sent twice"))
                .with_field(name.clone())
        };
        if name == "photo" {
            if form.photo.is_some() || photo_too_large {
                return Err(duplicate());
            }
            let declared = field.content_type().map(str::to_owned);
            match read_capped(field, MAX_PHOTO_BYTES).await? {
                Some(bytes) => form.photo = Some((bytes, declared)),
                None => photo_too_large = true,
            }
            continue;
        }
        let slot = match name.as_str() {
            "category" => &mut form.category,
            "note" => &mut form.note,
            "locker" => &mut form.locker,
            "client_ref" => &mut form.client_ref,
            _ => {
                return Err(ApiError::bad_request(
                    "unknown_field",
                    format!("unknown field `{name}`, expected one of `category`, `note`, `locker`, `client_ref`, `photo`"),
                )
                .with_field(name));
            }
        };
        if slot.is_some() {
            return Err(duplicate());
        }
        let too_long = ApiError::bad_request("too_long", format!("{name} is too long"))
            .with_field(name.clone());
        let bytes = read_capped(field, MAX_TEXT_PART).await?.ok_or(too_long)?;
        let text = String::from_utf8(bytes).map_err(|_| {
            ApiError::bad_request("invalid_body", format!("{name} is not UTF-8 text"))
                .with_field(name.clone())
        })?;
        *slot = Some(text).filter(|t| !t.is_empty());
    }
    if photo_too_large {
        return Err(HelpError::Photo(PhotoError::TooLarge).into());
    }
    parse_form(form)
}

fn parse_category(text: &str) -> ApiResult<Category> {
    Category::parse(text.trim()).ok_or_else(|| {
        ApiError::bad_request(
            "invalid_body",
            "category must be access_issue, card_issue, payment_issue or other",
        )
        .with_field("category")
    })
}

fn parse_form(form: Form) -> ApiResult<(NewHelp, Option<Photo>)> {
    let invalid = |field: &str, message: &str| {
        ApiError::bad_request("invalid_body", message.to_owned()).with_field(field)
    };
    let category = form
        .category
        .ok_or_else(|| invalid("category", "missing field `category`"))?;
    let category = parse_category(&category)?;
    let locker = form
        .locker
        .map(|l| l.trim().parse::<i64>())
        .transpose()
        .map_err(|_| invalid("locker", "locker must be a whole number"))?;
    let new = NewHelp::new(category, form.note, locker, form.client_ref)?;
    let photo = match form.photo {
        Some((bytes, declared)) if !bytes.is_empty() => {
            Some(Photo::new(bytes, declared.as_deref()).map_err(HelpError::from)?)
        }
        _ => None,
    };
    Ok((new, photo))
}

/// List and export filters.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    status: Option<String>,
    category: Option<String>,
    kiosk: Option<String>,
    from: Option<String>,
    to: Option<String>,
    q: Option<String>,
    sort: Option<String>,
}

impl ExportQuery {
    fn params(self) -> ListParams {
        ListParams {
            status: self.status,
            category: self.category,
            kiosk: self.kiosk,
            from: self.from,
            to: self.to,
            q: self.q,
            sort: self.sort,
        }
    }
}

/// List filters plus the page.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    status: Option<String>,
    category: Option<String>,
    kiosk: Option<String>,
    from: Option<String>,
    to: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

/// `GET /api/help`: one page of requests, newest first unless `sort` says otherwise.
pub async fn list_help(
    State(state): State<AppState>,
    _user: Staff<HelpView>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<HelpPage>> {
    let (page, per_page) = parse_page(q.page.as_deref(), q.per_page.as_deref())?;
    let params = ListParams {
        status: q.status,
        category: q.category,
        kiosk: q.kiosk,
        from: q.from,
        to: q.to,
        q: q.q,
        sort: q.sort,
    };
    Ok(Json(state.help.list(&params, page, per_page).await?))
}

/// `GET /api/help/summary`: unresolved counts for the panel header.
pub async fn help_summary(
    State(state): State<AppState>,
    _user: Staff<HelpView>,
) -> ApiResult<Json<HelpSummary>> {
    Ok(Json(state.help.summary().await?))
}

/// `GET /api/help/{id}`: a request with its history.
pub async fn get_help(
    State(state): State<AppState>,
    _user: Staff<HelpView>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<HelpDetail>> {
    Ok(Json(state.help.get(id).await?))
}

/// `GET /api/help/{id}/photo`: the image with its type.
pub async fn help_photo(
    State(state): State<AppState>,
    _user: Staff<HelpView>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    let (bytes, kind) = state.help.photo(id).await?;
    let disposition = format!("inline; filename=\"help-{id}.{}\"", kind.ext());
    Ok((
        [
            (header::CONTENT_TYPE, kind.mime().to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /api/help/export.csv`: every matching request as CSV.
pub async fn export_help(
    State(state): State<AppState>,
    _user: Staff<HelpView>,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> ApiResult<Response> {
    let csv = state.help.export(&q.params()).await?;
    let stamp = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year][month][day]-[hour][minute][second]"
        ))
        .unwrap_or_default();
    let disposition = format!("attachment; filename=\"help-requests-{stamp}.csv\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        csv,
    )
        .into_response())
}

/// Audit a staff action on request `id`, then answer with its result.
async fn audited(
    state: &AppState,
    user: &StaffUser,
    action: &str,
    id: i64,
    result: Result<HelpRequestView, HelpError>,
    detail: Option<&str>,
) -> ApiResult<Json<HelpRequestView>> {
    let target = format!("help:{id}");
    let (outcome, failure) = match &result {
        Ok(_) => ("succeeded", None),
        Err(e) => ("failed", Some(e.to_string())),
    };
    let detail = failure.as_deref().or(detail);
    user.audit(state, action, Some(&target), outcome, detail)
        .await;
    Ok(Json(result?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignHelp {
    /// An active staff member or admin; the caller when absent.
    user_id: Option<String>,
}

/// `POST /api/help/{id}/assign`.
pub async fn assign_help(
    State(state): State<AppState>,
    user: Staff<HelpAssign>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AssignHelp>,
) -> ApiResult<Json<HelpRequestView>> {
    let assignee = body.user_id.unwrap_or_else(|| user.id.clone());
    let result = if assignee.len() > 100 {
        Err(HelpError::InvalidAssignee(
            "assign to an active staff member or admin".into(),
        ))
    } else {
        state.help.assign(id, &assignee, &user.actor()).await
    };
    audited(&state, &user, "help_assign", id, result, Some(&assignee)).await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveHelp {
    /// Required, 1–1000 characters.
    notes: String,
}

/// `POST /api/help/{id}/resolve`.
pub async fn resolve_help(
    State(state): State<AppState>,
    user: Staff<HelpResolve>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ResolveHelp>,
) -> ApiResult<Json<HelpRequestView>> {
    let result = state.help.resolve(id, body.notes, &user.actor()).await;
    audited(&state, &user, "help_resolve", id, result, None).await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenHelp {
    /// At most 500 characters.
    reason: Option<String>,
}

/// `POST /api/help/{id}/reopen`.
pub async fn reopen_help(
    State(state): State<AppState>,
    user: Staff<HelpResolve>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ReopenHelp>,
) -> ApiResult<Json<HelpRequestView>> {
    let result = state.help.reopen(id, body.reason, &user.actor()).await;
    audited(&state, &user, "help_reopen", id, result, None).await
}
