//! The embedded web app: files from `web/dist` built into the binary, with the SPA fallback:
//! client paths under `/kiosk` get the kiosk screen (`kiosk.html`), any other path the staff
//! panel (`index.html`). Unknown `/api` and `/auth` paths get a JSON 404 instead. Routes the
//! router matches first, such as the pairing link `/kiosk/pair`, never reach this fallback.

use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../web/dist"]
#[allow_missing = true]
struct Assets;

const NOT_BUILT: &str = "<!doctype html><title>Kioskhub</title><h1>Kioskhub</h1>\
    <p>The web app was not built into this binary. Run <code>npm ci &amp;&amp; npm run build</code> \
    in <code>web/</code>, then rebuild. The API is at <a href=\"/api/docs\">/api/docs</a>.</p>";

/// The HTML document that answers a client-side route: the kiosk screen (its own entry, which
/// loads none of the panel's code) for `/kiosk` and below, the panel for everything else.
pub fn shell_for(path: &str) -> &'static str {
    if path == "/kiosk" || path.starts_with("/kiosk/") {
        "kiosk.html"
    } else {
        "index.html"
    }
}

/// Serve an asset, or the app shell (`index.html` or `kiosk.html`) for client-side routes.
pub async fn serve_asset(uri: Uri) -> Response {
    let path = uri.path();
    if path == "/api" || path.starts_with("/api/") || path == "/auth" || path.starts_with("/auth/")
    {
        return crate::http::api_not_found(uri.clone())
            .await
            .into_response();
    }
    let file = path.trim_start_matches('/');
    if !file.is_empty()
        && let Some(asset) = Assets::get(file)
    {
        let mime = HeaderValue::from_str(asset.metadata.mimetype())
            .unwrap_or(HeaderValue::from_static("application/octet-stream"));
        let cache = if file.starts_with("assets/") {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        return (
            [
                (header::CONTENT_TYPE, mime),
                (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
            ],
            asset.data,
        )
            .into_response();
    }
    // A missing file with an extension is a 404, not the app shell.
    if file
        .rsplit('/')
        .next()
        .is_some_and(|last| last.contains('.'))
    {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    match Assets::get(shell_for(path)) {
        Some(shell) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            )],
            shell.data,
        )
            .into_response(),
        None => Html(NOT_BUILT).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::shell_for;

    #[test]
    fn kiosk_paths_get_the_kiosk_screen_and_everything_else_the_panel() {
        for path in ["/kiosk", "/kiosk/", "/kiosk/help", "/kiosk/men/choose"] {
            assert_eq!(shell_for(path), "kiosk.html", "{path}");
        }
        for path in [
            "/",
            "/login",
            "/kiosks",
            "/kiosks/men",
            "/kioskx",
            "/panel/kiosk",
        ] {
            assert_eq!(shell_for(path), "index.html", "{path}");
        }
    }
}
