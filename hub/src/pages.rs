//! The applicant's pages, served by the hub: the booking page, the booking confirmation with
//! its QR code and PDF, and the live ticket status page that the QR on every printed ticket
//! points to. Indonesian by default, English with `?lang=en`. Templates and static files live
//! in `assets/`; every value is HTML-escaped by askama except the QR SVG the hub draws itself.

use std::sync::Arc;

use antrian_proto::TicketState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::api::ApiError;
use crate::confirmation::{self, confirmation};
use crate::error::Error;
use crate::hub::Hub;
use crate::i18n::{Lang, Texts, texts};
use crate::store::appointments::AppointmentRow;
use crate::{appointments, queue};

/// The pages' routes.
pub fn routes() -> Router<Arc<Hub>> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/book") }))
        .route("/book", get(book_page))
        .route("/booking/{code}", get(confirmation_page))
        .route("/booking/{code}/pdf", get(confirmation_pdf))
        .route("/t/{token}", get(status_page))
        .route("/assets/{file}", get(asset))
}

/// Headers for every page: no framing, scripts and styles only from the hub itself.
pub(crate) fn page_response(html: String) -> Response {
    let mut response = Html(html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

pub(crate) fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => page_response(html),
        Err(error) => ApiError::internal(error).into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
    #[serde(default)]
    nik_last4: String,
}

fn other_lang_url(path: &str, lang: Lang, extra: &str) -> String {
    let other = if lang == Lang::Id { "en" } else { "id" };
    format!("{path}?lang={other}{extra}")
}

#[derive(Template)]
#[template(path = "book.html")]
struct BookPage {
    t: &'static Texts,
    office_name: String,
    office_id: String,
    other_lang_url: String,
    services: Vec<(String, String)>,
    texts_json: String,
}

async fn book_page(State(hub): State<Arc<Hub>>, Query(query): Query<LangQuery>) -> Response {
    let lang = Lang::parse(query.lang.as_deref());
    let t = texts(lang);
    let services = hub
        .config
        .services
        .iter()
        .filter(|s| s.booked)
        .map(|s| {
            (
                s.id.clone(),
                if lang == Lang::En && !s.name_en.is_empty() { s.name_en.clone() } else { s.name.clone() },
            )
        })
        .collect();
    render(&BookPage {
        t,
        office_name: hub.config.office.name.clone(),
        office_id: hub.config.office.id.clone(),
        other_lang_url: other_lang_url("/book", lang, ""),
        services,
        texts_json: format!(
            "{{\"page\":{},\"errors\":{}}}",
            t.section_json("page"),
            t.section_json("booking_error")
        ),
    })
}

#[derive(Template)]
#[template(path = "confirmation.html")]
struct ConfirmationPage {
    t: &'static Texts,
    office_name: String,
    other_lang_url: String,
    booking_code: String,
    name: String,
    qr_text: String,
    qr_svg: String,
    service_name: String,
    date: String,
    slot: String,
    office_address: String,
    state: String,
    arrive: String,
    documents: Vec<String>,
    pdf_url: String,
}

pub use antrian_proto::pdf::qr_svg;

async fn find_booking(hub: &Arc<Hub>, code: String, nik_last4: String) -> Result<AppointmentRow, Error> {
    hub.store.read(move |r| appointments::find(r, &code, &nik_last4)).await
}

pub(crate) fn not_found_page(t: &Texts) -> Response {
    let body = format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><link rel=\"stylesheet\" href=\"/assets/app.css\"><title>404</title></head><body><main><p class=\"error\">{}</p><a href=\"/book\">{}</a></main></body></html>",
        t.t("page.lang"),
        t.t("page.not_found"),
        t.t("page.book_title")
    );
    (StatusCode::NOT_FOUND, page_response(body)).into_response()
}

async fn confirmation_page(
    State(hub): State<Arc<Hub>>,
    Path(code): Path<String>,
    Query(query): Query<LangQuery>,
) -> Response {
    let lang = Lang::parse(query.lang.as_deref());
    let t = texts(lang);
    let row = match find_booking(&hub, code, query.nik_last4.clone()).await {
        Ok(row) => row,
        Err(_) => return not_found_page(t),
    };
    let c = confirmation(&hub.office, &row, t);
    let path = format!("/booking/{}", row.booking_code);
    let extra = format!("&nik_last4={}", row.nik_last4);
    render(&ConfirmationPage {
        t,
        office_name: c.office_name,
        other_lang_url: other_lang_url(&path, lang, &extra),
        qr_svg: qr_svg(&c.qr_text),
        booking_code: c.booking_code,
        name: c.name,
        qr_text: c.qr_text,
        service_name: c.service_name,
        date: c.date,
        slot: c.slot,
        office_address: c.office_address,
        state: c.state,
        arrive: c.arrive,
        documents: c.documents,
        pdf_url: format!("{path}/pdf?lang={}{extra}", lang.code()),
    })
}

async fn confirmation_pdf(
    State(hub): State<Arc<Hub>>,
    Path(code): Path<String>,
    Query(query): Query<LangQuery>,
) -> Response {
    let t = texts(Lang::parse(query.lang.as_deref()));
    let row = match find_booking(&hub, code, query.nik_last4.clone()).await {
        Ok(row) => row,
        Err(_) => return not_found_page(t),
    };
    let c = confirmation(&hub.office, &row, t);
    let bytes = match tokio::task::spawn_blocking(move || confirmation::pdf(&c, texts(t.lang))).await {
        Ok(bytes) => bytes,
        Err(error) => return ApiError::internal(error).into_response(),
    };
    let disposition = format!("attachment; filename=\"bukti-pendaftaran-{}.pdf\"", row.booking_code);
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

#[derive(Template)]
#[template(path = "status.html")]
struct StatusPage {
    t: &'static Texts,
    office_name: String,
    office_id: String,
    other_lang_url: String,
    token: String,
    ticket_id: String,
    number: String,
    state: String,
    state_text: String,
    called: bool,
    waiting: bool,
    counter_name: String,
    people_ahead: u32,
    eta_minutes: u32,
    stage_name: String,
    /// The survey: `open` (the invitation shows), `answered` (thanks), or empty.
    survey: &'static str,
    lang_code: &'static str,
    texts_json: String,
}

async fn status_page(
    State(hub): State<Arc<Hub>>,
    Path(token): Path<String>,
    Query(query): Query<LangQuery>,
) -> Response {
    let lang = Lang::parse(query.lang.as_deref());
    let t = texts(lang);
    let Some(id) = hub.secrets.check_status_token(&token) else { return not_found_page(t) };
    let office = hub.office.clone();
    let ticket = match hub.store.read(move |r| queue::views::ticket_by_id(r, &office, &id, false)).await {
        Ok(ticket) => ticket,
        Err(_) => return not_found_page(t),
    };
    let state = ticket.state.as_str().to_owned();
    let survey = if ticket.state == TicketState::Done {
        let (id, now) = (ticket.id.clone(), hub.clock.now_ms());
        match hub.store.read(move |r| crate::skm::survey(r, &id, now)).await {
            Ok(crate::skm::Survey::Open { .. }) => "open",
            Ok(crate::skm::Survey::Answered) => "answered",
            _ => "",
        }
    } else {
        ""
    };
    render(&StatusPage {
        t,
        office_name: hub.config.office.name.clone(),
        office_id: hub.config.office.id.clone(),
        other_lang_url: other_lang_url(&format!("/t/{token}"), lang, ""),
        token,
        ticket_id: ticket.id.clone(),
        number: ticket.number.clone(),
        state_text: t.t(&format!("page.ticket_{state}")).to_owned(),
        state,
        called: matches!(ticket.state, TicketState::Called | TicketState::Serving),
        waiting: ticket.state == TicketState::Waiting,
        counter_name: ticket.counter_name.clone().unwrap_or_default(),
        people_ahead: ticket.people_ahead,
        eta_minutes: ticket.eta_minutes,
        stage_name: ticket.stage_name.clone(),
        survey,
        lang_code: lang.code(),
        texts_json: format!("{{\"page\":{}}}", t.section_json("page")),
    })
}

async fn asset(Path(file): Path<String>) -> Response {
    let (body, content_type): (&'static str, &'static str) = match file.as_str() {
        "app.css" => (include_str!("../../assets/web/app.css"), "text/css; charset=utf-8"),
        "book.js" => (include_str!("../../assets/web/book.js"), "text/javascript; charset=utf-8"),
        "status.js" => (include_str!("../../assets/web/status.js"), "text/javascript; charset=utf-8"),
        "console.js" => (include_str!("../../assets/web/console.js"), "text/javascript; charset=utf-8"),
        "console.css" => (include_str!("../../assets/web/console.css"), "text/css; charset=utf-8"),
        "common.js" => (include_str!("../../assets/web/common.js"), "text/javascript; charset=utf-8"),
        "supervisor.js" => (include_str!("../../assets/web/supervisor.js"), "text/javascript; charset=utf-8"),
        "choose.js" => (include_str!("../../assets/web/choose.js"), "text/javascript; charset=utf-8"),
        "survey.js" => (include_str!("../../assets/web/survey.js"), "text/javascript; charset=utf-8"),
        "skm.js" => (include_str!("../../assets/web/skm.js"), "text/javascript; charset=utf-8"),
        _ => return ApiError::not_found("this file").into_response(),
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}
