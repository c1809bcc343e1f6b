//! The staff console, served by the hub: login (form, HttpOnly SameSite=Strict cookie),
//! the counter choice (remembered by the browser), and the counter page, whose script drives
//! the JSON API with the session cookie plus the page's CSRF token.

use std::sync::Arc;

use antrian_proto::Role;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use crate::api::ApiError;
use crate::auth::Caller;
use crate::hub::Hub;
use crate::i18n::{Lang, Texts, texts};
use crate::pages::render;
use crate::report::figures;
use crate::session;

pub fn routes() -> Router<Arc<Hub>> {
    Router::new()
        .route("/staff", get(|| async { Redirect::to("/staff/counter") }))
        .route("/staff/login", get(login_page).post(login_submit))
        .route("/staff/logout", post(logout))
        .route("/staff/counter", get(choose_page))
        .route("/staff/counter/{id}", get(counter_page))
        .route("/staff/supervisor", get(supervisor_page))
        .route("/staff/reports", get(report_page))
}

#[derive(Debug, Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

/// The staff member behind the browser's session cookie, with the cookie's token.
async fn staff_session(hub: &Arc<Hub>, headers: &HeaderMap) -> Option<(Caller, String)> {
    let token = session::cookie_of(headers)?;
    let caller = session::caller_of(hub, token.clone()).await.ok()??;
    caller.role.satisfies(Role::Staff).then_some((caller, token))
}

fn to_login(lang: Lang) -> Response {
    Redirect::to(&format!("/staff/login?lang={}", lang.code())).into_response()
}

#[derive(Template)]
#[template(path = "staff_login.html")]
struct LoginPage {
    t: &'static Texts,
    office_name: String,
    other_lang_url: String,
    username: String,
    error: String,
}

fn login_form(hub: &Hub, lang: Lang, username: String, error: String) -> Response {
    let other = if lang == Lang::Id { "en" } else { "id" };
    render(&LoginPage {
        t: texts(lang),
        office_name: hub.config.office.name.clone(),
        other_lang_url: format!("/staff/login?lang={other}"),
        username,
        error,
    })
}

async fn login_page(State(hub): State<Arc<Hub>>, Query(query): Query<LangQuery>) -> Response {
    login_form(&hub, Lang::parse(query.lang.as_deref()), String::new(), String::new())
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
}

async fn login_submit(
    State(hub): State<Arc<Hub>>,
    Query(query): Query<LangQuery>,
    Form(form): Form<LoginForm>,
) -> Response {
    let lang = Lang::parse(query.lang.as_deref());
    let t = texts(lang);
    match session::login(&hub, &form.username, &form.password).await {
        Ok(opened) if opened.role.satisfies(Role::Staff) => {
            let home =
                if opened.role.satisfies(Role::Supervisor) { "/staff/supervisor" } else { "/staff/counter" };
            let mut response = Redirect::to(&format!("{home}?lang={}", lang.code())).into_response();
            if let Ok(cookie) =
                HeaderValue::from_str(&session::cookie(&opened.token, hub.config.hub.session_hours))
            {
                response.headers_mut().insert(header::SET_COOKIE, cookie);
            }
            response
        }
        Ok(_) => login_form(&hub, lang, form.username, t.t("console.wrong_login").to_owned()),
        Err(error) => {
            let error = ApiError::from(error);
            let message = if error.code == antrian_proto::ErrorCode::TooManyAttempts {
                t.t("console.slowed")
            } else {
                t.t("console.wrong_login")
            };
            let mut response = login_form(&hub, lang, form.username, message.to_owned());
            *response.status_mut() = error.status();
            response
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

async fn logout(State(hub): State<Arc<Hub>>, headers: HeaderMap, Form(form): Form<LogoutForm>) -> Response {
    if let Some(token) = session::cookie_of(&headers) {
        if !hub.secrets.check_csrf(&token, &form.csrf) {
            return ApiError::forbidden().into_response();
        }
        if let Err(error) = session::logout(&hub, &token).await {
            return ApiError::from(error).into_response();
        }
    }
    let mut response = to_login(Lang::Id);
    if let Ok(value) = HeaderValue::from_str(&session::expired_cookie()) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

#[derive(Template)]
#[template(path = "staff_choose.html")]
struct ChoosePage {
    t: &'static Texts,
    office_name: String,
    other_lang_url: String,
    counters: Vec<(String, String, String)>,
}

async fn choose_page(
    State(hub): State<Arc<Hub>>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::parse(query.lang.as_deref());
    if staff_session(&hub, &headers).await.is_none() {
        return to_login(lang);
    }
    let counters = hub
        .config
        .counters
        .iter()
        .map(|c| {
            (
                c.id.clone(),
                c.name.clone(),
                c.stages.iter().map(|s| hub.config.stage_name(s)).collect::<Vec<_>>().join(", "),
            )
        })
        .collect();
    let other = if lang == Lang::Id { "en" } else { "id" };
    render(&ChoosePage {
        t: texts(lang),
        office_name: hub.config.office.name.clone(),
        other_lang_url: format!("/staff/counter?lang={other}&choose=1"),
        counters,
    })
}

#[derive(Template)]
#[template(path = "staff_counter.html")]
struct CounterPage {
    t: &'static Texts,
    office_name: String,
    office_id: String,
    other_lang_url: String,
    counter_id: String,
    counter_name: String,
    stages: String,
    all_stages: Vec<(String, String)>,
    user: String,
    csrf: String,
    texts_json: String,
}

async fn counter_page(
    State(hub): State<Arc<Hub>>,
    Path(id): Path<String>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::parse(query.lang.as_deref());
    let Some((caller, token)) = staff_session(&hub, &headers).await else { return to_login(lang) };
    let Some(counter) = hub.config.counter(&id) else {
        return Redirect::to(&format!("/staff/counter?lang={}&choose=1", lang.code())).into_response();
    };
    let t = texts(lang);
    let stage_names: std::collections::HashMap<&str, &str> =
        hub.config.stages.iter().map(|s| (s.id.as_str(), s.name.as_str())).collect();
    let other = if lang == Lang::Id { "en" } else { "id" };
    render(&CounterPage {
        t,
        office_name: hub.config.office.name.clone(),
        office_id: hub.config.office.id.clone(),
        other_lang_url: format!("/staff/counter/{}?lang={other}", counter.id),
        counter_id: counter.id.clone(),
        counter_name: counter.name.clone(),
        stages: counter.stages.join(","),
        all_stages: hub.config.stages.iter().map(|s| (s.id.clone(), s.name.clone())).collect(),
        user: caller.name().to_owned(),
        csrf: hub.secrets.csrf_token(&token),
        texts_json: format!(
            "{{\"console\":{},\"page\":{},\"stages\":{}}}",
            t.section_json("console"),
            t.section_json("page"),
            serde_json::to_string(&stage_names).unwrap_or_else(|_| "{}".into()).replace('<', "\\u003c")
        ),
    })
}

#[derive(Template)]
#[template(path = "staff_supervisor.html")]
struct SupervisorPage {
    t: &'static Texts,
    office_name: String,
    office_id: String,
    other_lang_url: String,
    user: String,
    admin: bool,
    csrf: String,
    walk_in_services: Vec<(String, String)>,
    texts_json: String,
}

async fn supervisor_page(
    State(hub): State<Arc<Hub>>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::parse(query.lang.as_deref());
    let Some((caller, token)) = staff_session(&hub, &headers).await else { return to_login(lang) };
    if !caller.role.satisfies(Role::Supervisor) {
        return ApiError::forbidden().into_response();
    }
    let t = texts(lang);
    let other = if lang == Lang::Id { "en" } else { "id" };
    render(&SupervisorPage {
        t,
        office_name: hub.config.office.name.clone(),
        office_id: hub.config.office.id.clone(),
        other_lang_url: format!("/staff/supervisor?lang={other}"),
        user: caller.name().to_owned(),
        admin: caller.role.satisfies(Role::Admin),
        csrf: hub.secrets.csrf_token(&token),
        walk_in_services: hub
            .config
            .services
            .iter()
            .filter(|s| s.walk_in_quota.is_some())
            .map(|s| (s.id.clone(), s.name.clone()))
            .collect(),
        texts_json: format!(
            "{{\"supervisor\":{},\"console\":{},\"page\":{}}}",
            t.section_json("supervisor"),
            t.section_json("console"),
            t.section_json("page")
        ),
    })
}

#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    lang: Option<String>,
    date: Option<chrono::NaiveDate>,
}

#[derive(Template)]
#[template(path = "staff_report.html")]
struct ReportPage {
    t: &'static Texts,
    office_name: String,
    other_lang_url: String,
    date: String,
    csv_url: String,
    pdf_url: String,
    appointments: String,
    charts: Vec<String>,
    service_header: Vec<String>,
    service_rows: Vec<Vec<String>>,
    stage_header: Vec<String>,
    stage_rows: Vec<Vec<String>>,
    counter_header: Vec<String>,
    counter_rows: Vec<Vec<String>>,
    week_header: Vec<String>,
    week_rows: Vec<Vec<String>>,
}

fn four(s: &antrian_proto::DurationStats) -> String {
    format!("{:.1} / {:.1} / {:.1} / {:.1}", s.mean, s.p50, s.p90, s.max)
}

async fn report_page(
    State(hub): State<Arc<Hub>>,
    Query(query): Query<ReportQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::parse(query.lang.as_deref());
    let Some((caller, _)) = staff_session(&hub, &headers).await else { return to_login(lang) };
    if !caller.role.satisfies(Role::Supervisor) {
        return ApiError::forbidden().into_response();
    }
    let t = texts(lang);
    let date = query.date.unwrap_or_else(|| hub.clock.today());
    let office = hub.office.clone();
    let loaded = hub
        .store
        .read(move |r| {
            let report = figures::daily(r, &office, date)?;
            let visits = r.figures().visits(date)?;
            let mut weeks = Vec::new();
            for back in 1..=3 {
                let day = date - chrono::Duration::weeks(back);
                weeks.push(figures::daily(r, &office, day)?);
            }
            Ok::<_, crate::error::Error>((report, visits, weeks))
        })
        .await;
    let (report, visits, weeks) = match loaded {
        Ok(loaded) => loaded,
        Err(error) => return ApiError::from(error).into_response(),
    };
    let mut charts = vec![crate::charts::bars(
        t.t("report.arrivals_calls"),
        &[t.t("report.arrivals"), t.t("report.calls")],
        &report
            .hours
            .iter()
            .map(|h| (format!("{:02}", h.hour), vec![f64::from(h.arrivals), f64::from(h.calls)]))
            .collect::<Vec<_>>(),
    )];
    for stage in &hub.config.stages {
        let counts = figures::wait_histogram(figures::stage_waits(&visits, &stage.id));
        let groups: Vec<(String, Vec<f64>)> =
            figures::WAIT_BINS.iter().zip(counts).map(|(b, c)| (b.to_string(), vec![f64::from(c)])).collect();
        charts.push(crate::charts::bars(
            &t.t("report.waits").replace("{stage}", &stage.name),
            &[t.t("report.tickets")],
            &groups,
        ));
    }
    charts.push(crate::charts::bars(
        t.t("report.served_per_counter"),
        &[t.t("report.served")],
        &report.counters.iter().map(|c| (c.counter.clone(), vec![f64::from(c.served)])).collect::<Vec<_>>(),
    ));
    let head =
        |keys: &[&str]| keys.iter().map(|k| t.t(&format!("report.{k}")).to_owned()).collect::<Vec<_>>();
    let a = &report.appointments;
    let office = &hub.config.office.id;
    let other = if lang == Lang::Id { "en" } else { "id" };
    let mut week_header = vec![t.t("report.day").to_owned(), t.t("report.total").to_owned()];
    for stage in &hub.config.stages {
        week_header.push(format!("{} ({})", stage.name, t.t("report.served")));
        week_header.push(format!("{} ({})", stage.name, t.t("report.wait")));
    }
    let week_rows = std::iter::once(&report)
        .chain(weeks.iter())
        .map(|r| {
            let mut row =
                vec![t.long_date(r.date), r.services.iter().map(|s| s.tickets).sum::<u32>().to_string()];
            for s in &r.stages {
                row.push(s.served.to_string());
                row.push(format!("{:.1}", s.waiting.mean));
            }
            row
        })
        .collect();
    render(&ReportPage {
        t,
        office_name: hub.config.office.name.clone(),
        other_lang_url: format!("/staff/reports?lang={other}&date={date}"),
        date: date.to_string(),
        csv_url: format!("/api/v1/reports/daily?office={office}&date={date}&format=csv"),
        pdf_url: format!("/api/v1/reports/daily?office={office}&date={date}&format=pdf"),
        appointments: t
            .t("report.appointments")
            .replace("{booked}", &a.booked.to_string())
            .replace("{checked_in}", &a.checked_in.to_string())
            .replace("{no_show}", &a.no_show.to_string())
            .replace("{cancelled}", &a.cancelled.to_string()),
        charts,
        service_header: head(&[
            "service",
            "total",
            "walk_ins",
            "checked_in",
            "done",
            "no_shows",
            "cancelled",
            "closed",
        ]),
        service_rows: report
            .services
            .iter()
            .map(|s| std::iter::once(s.name.clone()).chain(figures::service_cells(s)).collect())
            .collect(),
        stage_header: head(&["stage", "served", "no_shows", "cancelled", "requeued", "wait", "service_time"]),
        stage_rows: report
            .stages
            .iter()
            .map(|s| {
                vec![
                    s.name.clone(),
                    s.served.to_string(),
                    s.no_shows.to_string(),
                    s.cancelled.to_string(),
                    s.requeued.to_string(),
                    four(&s.waiting),
                    four(&s.service_time),
                ]
            })
            .collect(),
        counter_header: head(&["counter", "served", "no_shows", "service_time"]),
        counter_rows: report
            .counters
            .iter()
            .map(|c| {
                vec![c.name.clone(), c.served.to_string(), c.no_shows.to_string(), four(&c.service_time)]
            })
            .collect(),
        week_header,
        week_rows,
    })
}
