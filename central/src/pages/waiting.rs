//! The waiting room's pages (issue 15): the applicant's waiting page — the rules in one plain
//! paragraph, the proof of work computed by the page (Web Crypto), the position, the people
//! ahead and the time it should take, polled gently and kept across a reload — and an
//! administrator's view of the room with its live rate.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::account::url_encode;
use super::{Frame, Shared, SignedIn, Visitor, fail, render, see_other};
use crate::Central;
use crate::error::ApiError;
use crate::i18n::{Texts, date_time, fill, zone_name};

pub fn routes() -> Router<Arc<Central>> {
    Router::new()
        .route("/waiting/{office}", get(waiting_page))
        .route("/waiting/{office}/challenge", post(challenge))
        .route("/waiting/{office}/join", post(join))
        .route("/admin/waiting/{office}", get(admin_page))
}

#[derive(Template)]
#[template(path = "waiting.html")]
struct WaitingPage {
    f: Frame,
    t: &'static Texts,
    office: String,
    office_name: String,
    rules: String,
    release: String,
    room: String,
    next: String,
    applicants: Vec<(i64, String)>,
}

#[derive(Deserialize)]
struct NextQuery {
    #[serde(default)]
    next: String,
}

/// A page of this site to go to once admitted; anything else is home.
fn local(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") { next.to_owned() } else { "/home".to_owned() }
}

async fn waiting_page(
    State(central): Shared,
    SignedIn { visitor, account }: SignedIn,
    Path(office_id): Path<String>,
    Query(query): Query<NextQuery>,
) -> Response {
    let t = visitor.t;
    let Some(office) = central.config.office(&office_id) else {
        return fail(t, ApiError::not_found("office"));
    };
    let now = central.clock.now();
    let Some((room, config)) = crate::waiting::room_of(office, now) else {
        return see_other(&local(&query.next));
    };
    let zone = zone_name(&office.timezone);
    let local_time =
        |at: chrono::DateTime<chrono::Utc>| date_time(t, at.with_timezone(&office.tz()).naive_local(), zone);
    let opens = room.release_at - chrono::Duration::minutes(i64::from(config.prequeue_minutes));
    let rules = fill(
        t.t("waiting.rules"),
        &[
            ("opens", &local_time(opens)),
            ("release", &local_time(room.release_at)),
            ("rate", &config.rate_per_minute.to_string()),
            ("minutes", &config.admission_minutes.to_string()),
        ],
    );
    let applicants = match central.pool.get().await {
        Ok(client) => client
            .query("SELECT id, name FROM applicants WHERE account_id = $1 ORDER BY id", &[&account])
            .await
            .map(|rows| rows.iter().map(|r| (r.get(0), r.get(1))).collect())
            .unwrap_or_default(),
        Err(error) => return fail(t, error.into()),
    };
    let page = WaitingPage {
        f: visitor.frame("waiting.title"),
        t,
        office: office.id.clone(),
        office_name: office.name.clone(),
        rules,
        release: local_time(room.release_at),
        room: format!("{}-{}", office.id, room.release_at.timestamp()),
        next: local(&query.next),
        applicants,
    };
    render(&page, StatusCode::OK)
}

/// `POST /waiting/{office}/challenge` (the page's script): the proof of work to do.
async fn challenge(State(central): Shared, visitor: Visitor, Path(office): Path<String>) -> Response {
    let Some(account) = visitor.account else {
        return (StatusCode::UNAUTHORIZED, Json(json!({"error": visitor.t.t("error.unauthorized")})))
            .into_response();
    };
    match crate::api::waiting_challenge(
        State(central),
        crate::api::Account(account),
        crate::api::Segments(office),
    )
    .await
    {
        Ok(answer) => answer.into_response(),
        Err(error) => error.into_response(),
    }
}

#[derive(Deserialize)]
struct JoinForm {
    applicant: i64,
    challenge: String,
    nonce: String,
}

/// `POST /waiting/{office}/join` (the page's script): the place, and its status.
async fn join(
    State(central): Shared,
    visitor: Visitor,
    Path(office): Path<String>,
    Form(form): Form<JoinForm>,
) -> Response {
    let t = visitor.t;
    let Some(account) = visitor.account else {
        return (StatusCode::UNAUTHORIZED, Json(json!({"error": t.t("error.unauthorized")}))).into_response();
    };
    let body =
        crate::api::WaitingJoin { applicant: form.applicant, challenge: form.challenge, nonce: form.nonce };
    match crate::api::waiting_join(
        State(central),
        crate::api::Account(account),
        crate::api::Segments(office),
        crate::api::Body(body),
    )
    .await
    {
        Ok(answer) => answer.into_response(),
        Err(error) => {
            let status = StatusCode::from_u16(error.code.http_status()).unwrap_or(StatusCode::CONFLICT);
            (status, Json(json!({"error": super::refusal_text(t, &error)}))).into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "admin_waiting.html")]
struct AdminPage {
    f: Frame,
    t: &'static Texts,
    office: String,
    office_name: String,
    /// The office's IANA zone and its abbreviation (WIB, WITA, WIT): the release is shown in it.
    timezone: String,
    zone: &'static str,
}

/// `/admin/waiting/{office}`: the room as an administrator sees it (the figures come from the
/// administrator's API with the token typed in; the page itself holds nothing).
async fn admin_page(State(central): Shared, visitor: Visitor, Path(office_id): Path<String>) -> Response {
    let t = visitor.t;
    let Some(office) = central.config.office(&office_id) else {
        return fail(t, ApiError::not_found("office"));
    };
    let page = AdminPage {
        f: visitor.frame("admin.title"),
        t,
        office: url_encode(&office.id),
        office_name: office.name.clone(),
        timezone: office.timezone.clone(),
        zone: crate::i18n::zone_name(&office.timezone),
    };
    render(&page, StatusCode::OK)
}
