//! The applicant's pages: sign in with the e-mail code, the family's applicants and their
//! documents, the office search, the calendar, the slot and its fee, the bill, the confirmation
//! with its PDF, and the application's timeline (CENTRAL.md; the issue of the online journey).
//!
//! Pages are rendered on the server (askama, `central/templates/`) and work as plain HTML forms:
//! no step needs JavaScript, and every control is a native one, so the keyboard and screen
//! readers work as they do everywhere. One small script (`/site/site.js`) adds countdowns and
//! the live timeline. Indonesian by default; `?lang=en` switches to English and is remembered
//! in a cookie. Nothing is loaded from another site; every page is a few kilobytes.
//!
//! The pages call the same functions as the API (`crate::api`), so every rule holds the same
//! way; they translate a refusal by its code into a sentence that says what to do next.
//! A sign-in is the API's session token, kept in an HttpOnly cookie (`SameSite=Lax`); a form
//! posted from another site is refused (its `Origin` must be this site).

mod account;
mod booking;
mod waiting;

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::{FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;

use crate::Central;
use crate::error::ApiError;
use crate::i18n::{Lang, Texts, texts};

pub use booking::documents_to_bring;

type Shared = State<Arc<Central>>;

/// The session cookie: the API's token for this sign-in.
const SESSION_COOKIE: &str = "antrian_sesi";
const LANG_COOKIE: &str = "lang";

/// The pages' routes.
pub fn routes(central: &Arc<Central>) -> Router<Arc<Central>> {
    Router::new()
        .route("/", get(start))
        .route("/site/{file}", get(asset))
        .merge(account::routes())
        .merge(booking::routes())
        .merge(waiting::routes())
        .layer(axum::middleware::from_fn_with_state(central.clone(), guard))
        // gzip for what a phone downloads: pages, the style sheet, the script (not photos).
        .layer(tower_http::compression::CompressionLayer::new())
}

async fn start(visitor: Visitor) -> Response {
    if visitor.account.is_some() { see_other("/home") } else { see_other("/signin") }
}

/// A 303 to `to` (after a form, the browser then GETs the result).
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// Whether a form was posted from this site: its `Origin` names this site (as the request
/// reached us — `Host`, or the proxy's `X-Forwarded-Host` — or as `central.public_url` names
/// it); a browser that keeps the origin to itself (`null`, or none) must say the request is
/// same-origin (`Sec-Fetch-Site`).
fn same_site(headers: &HeaderMap, uri: &axum::http::Uri, public_url: &str) -> bool {
    let header = |name: &str| headers.get(name).and_then(|h| h.to_str().ok());
    match header("origin") {
        None | Some("null") => !matches!(header("sec-fetch-site"), Some("cross-site" | "same-site")),
        Some(origin) => {
            let from = origin.split("://").nth(1).unwrap_or("");
            let ours = [
                header("host"),
                header("x-forwarded-host"),
                uri.authority().map(|a| a.as_str()),
                public_url.split("://").nth(1).map(|r| r.trim_end_matches('/')),
            ];
            !from.is_empty() && ours.contains(&Some(from))
        }
    }
}

/// Refuses a form posted from another site, and remembers a `?lang=` choice in a cookie.
async fn guard(State(central): Shared, request: Request, next: Next) -> Response {
    if request.method() == Method::POST
        && !same_site(request.headers(), request.uri(), &central.config.central.public_url)
    {
        return (StatusCode::FORBIDDEN, "this form was sent from another site").into_response();
    }
    let chosen = request.uri().query().and_then(|q| {
        q.split('&').find_map(|pair| pair.strip_prefix("lang=")).map(|l| Lang::parse(Some(l)).code())
    });
    let mut response = next.run(request).await;
    if let Some(lang) = chosen
        && let Ok(value) =
            HeaderValue::from_str(&format!("{LANG_COOKIE}={lang}; Path=/; Max-Age=31536000; SameSite=Lax"))
    {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// Who is asking: their language and, if signed in, their account.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub lang: Lang,
    pub t: &'static Texts,
    pub account: Option<i64>,
    pub token: Option<String>,
    /// This page with the other language chosen.
    pub switch_url: String,
    /// The service's time now (RFC 3339): countdowns run from it, not from the phone's clock,
    /// which is often wrong.
    pub now: String,
    /// This page's path and query, to come back to after signing in.
    pub here: String,
    /// The waiting room's admission this browser holds (cookie `antrian_pass`), if any.
    pub pass: Option<String>,
}

/// A cookie's value from the request.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

impl FromRequestParts<Arc<Central>> for Visitor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, central: &Arc<Central>) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        let asked = query.split('&').find_map(|pair| pair.strip_prefix("lang="));
        let remembered = cookie(&parts.headers, LANG_COOKIE);
        let lang = Lang::parse(asked.or(remembered.as_deref()));
        let other = if lang == Lang::Id { "en" } else { "id" };
        let rest: Vec<&str> = query.split('&').filter(|p| !p.is_empty() && !p.starts_with("lang=")).collect();
        let switch_url = if rest.is_empty() {
            format!("{}?lang={other}", parts.uri.path())
        } else {
            format!("{}?{}&lang={other}", parts.uri.path(), rest.join("&"))
        };
        let token = cookie(&parts.headers, SESSION_COOKIE);
        let mut account = None;
        if let Some(token) = &token {
            let client = central.pool.get().await.map_err(|e| fail(texts(lang), ApiError::from(e)))?;
            let row = client
                .query_opt(
                    "SELECT account_id FROM sessions WHERE token_hash = $1 AND expires_at > $2",
                    &[&crate::secrets::token_hash(token), &central.clock.now()],
                )
                .await
                .map_err(|e| fail(texts(lang), ApiError::from(e)))?;
            account = row.map(|r| r.get::<_, i64>(0));
        }
        Ok(Visitor {
            lang,
            t: texts(lang),
            account,
            token,
            switch_url,
            now: central.clock.now().to_rfc3339(),
            // (A form sent while signed out comes back to home: its address is not a page.)
            pass: cookie(&parts.headers, "antrian_pass"),
            here: match parts.method {
                Method::GET => parts.uri.path_and_query().map_or("/home", |p| p.as_str()).to_owned(),
                _ => "/home".to_owned(),
            },
        })
    }
}

impl Visitor {
    /// The signed-in account, or the sign-in page (which comes back here after; a form sent
    /// while signed out comes back to the page it was on).
    pub fn account(&self) -> Result<i64, Response> {
        self.account.ok_or_else(|| see_other(&format!("/signin?next={}", account::url_encode(&self.here))))
    }

    /// What every page's frame shows.
    pub fn frame(&self, title_key: &str) -> Frame {
        Frame {
            t: self.t,
            title: self.t.t(title_key).to_owned(),
            switch_url: self.switch_url.clone(),
            signed_in: self.account.is_some(),
            now: self.now.clone(),
        }
    }
}

/// A page for the signed-in only: the visitor and its account. Signed out, the extractor
/// answers with the sign-in page, which comes back here after ([`Visitor::account`]).
#[derive(Debug)]
pub struct SignedIn {
    pub visitor: Visitor,
    pub account: i64,
}

impl FromRequestParts<Arc<Central>> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, central: &Arc<Central>) -> Result<Self, Self::Rejection> {
        let visitor = Visitor::from_request_parts(parts, central).await?;
        let account = visitor.account()?;
        Ok(SignedIn { visitor, account })
    }
}

/// The frame of every page (`base.html`): title, language switch, sign-out.
#[derive(Debug, Clone)]
pub struct Frame {
    pub t: &'static Texts,
    pub title: String,
    pub switch_url: String,
    pub signed_in: bool,
    /// The service's time (RFC 3339), for the countdowns.
    pub now: String,
}

/// A rendered page with its headers: scripts, styles and images only from this site, no
/// framing, no referrer to other sites.
pub fn render(template: &impl Template, status: StatusCode) -> Response {
    match template.render() {
        Ok(html) => {
            let mut response = (status, Html(html)).into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
                ),
            );
            headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
            headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(error) => {
            tracing::error!(%error, "a page could not be rendered");
            (StatusCode::INTERNAL_SERVER_ERROR, "this page could not be shown; try again").into_response()
        }
    }
}

/// The sentence for a refusal, by its code: what happened and what to do next.
pub fn refusal_text(t: &Texts, error: &ApiError) -> String {
    if let Some(reason) = error.reason {
        let key = format!("error.{}_{reason}", error.code.as_str());
        if t.has(&key) {
            return t.t(&key).to_owned();
        }
    }
    let key = format!("error.{}", error.code.as_str());
    if t.has(&key) { t.t(&key).to_owned() } else { t.t("error.internal").to_owned() }
}

/// A page that says what went wrong and what to do, with the way back home.
#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    f: Frame,
    message: String,
    back: String,
    back_label: String,
}

/// The page for a refusal that ends the step (not found, the database away, …).
pub fn fail(t: &'static Texts, error: ApiError) -> Response {
    let status = StatusCode::from_u16(error.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    message(t, &refusal_text(t, &error), "/home", t.t("site.home"), status)
}

/// A page that says `text` and leads back to `back`.
pub fn message(t: &'static Texts, text: &str, back: &str, back_label: &str, status: StatusCode) -> Response {
    let f = Frame {
        t,
        title: t.t("error.title").to_owned(),
        switch_url: format!("/home?lang={}", t.t("site.other_lang")),
        signed_in: false,
        now: String::new(),
    };
    render(
        &MessagePage {
            f,
            message: text.to_owned(),
            back: back.to_owned(),
            back_label: back_label.to_owned(),
        },
        status,
    )
}

/// `/site/{file}`: the style sheet and the script.
async fn asset(Path(file): Path<String>) -> Response {
    let (body, kind) = match file.as_str() {
        "site.css" => (include_str!("../../assets/web/site.css"), "text/css; charset=utf-8"),
        "site.js" => (include_str!("../../assets/web/site.js"), "text/javascript; charset=utf-8"),
        _ => return (StatusCode::NOT_FOUND, "not found").into_response(),
    };
    ([(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, "public, max-age=3600")], body).into_response()
}
