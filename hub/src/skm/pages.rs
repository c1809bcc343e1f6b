//! The survey's pages: the applicant's (`/t/{token}/survey`, from the status page; a plain
//! form that works without script), the counter tablet's (`/staff/survey/{counter}`), and the
//! supervisor's SKM page (`/staff/skm`).

use std::collections::HashMap;
use std::sync::Arc;

use antrian_proto::Role;
use antrian_rules::skm::{ELEMENTS, profile};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use chrono::Datelike;
use serde::Deserialize;

use super::{Period, SkmReport, Submission, Survey, decimal};
use crate::api::ApiError;
use crate::error::Error;
use crate::hub::Hub;
use crate::i18n::{Lang, Texts, texts};
use crate::pages::render;

pub fn routes() -> Router<Arc<Hub>> {
    Router::new()
        .route("/t/{token}/survey", get(survey_page).post(survey_submit))
        .route("/staff/survey/{counter}", get(tablet_page))
        .route("/staff/skm", get(skm_page))
}

#[derive(Debug, Deserialize)]
pub struct SurveyQuery {
    lang: Option<String>,
    #[serde(default)]
    tablet: String,
}

/// One question as the form shows it.
struct Question {
    key: &'static str,
    label: String,
    name: &'static str,
    text: &'static str,
    answers: Vec<(u8, &'static str)>,
    chosen: u8,
    missing: bool,
}

/// One optional profile question: (value, words, selected) options.
struct ProfileField {
    key: &'static str,
    label: &'static str,
    options: Vec<(&'static str, &'static str, bool)>,
}

#[derive(Template)]
#[template(path = "skm_survey.html")]
struct SurveyPage {
    t: &'static Texts,
    office_name: String,
    other_lang_url: String,
    /// open, or the outcome shown: thanks, answered, closed, not_served.
    state: &'static str,
    number: String,
    intro: String,
    closes: String,
    action: String,
    tablet: String,
    problems: String,
    questions: Vec<Question>,
    profile: Vec<ProfileField>,
    comment: String,
    comment_error: String,
    complaint: bool,
    heading: String,
    message: String,
    extra: String,
    back_url: String,
    /// On a tablet: where the page returns (after the thanks, or when left untouched).
    return_url: String,
    tablet_again: bool,
}

fn questions(lang: Lang, given: &HashMap<String, String>, checked: bool) -> Vec<Question> {
    let t = texts(lang);
    ELEMENTS
        .iter()
        .map(|e| {
            let chosen = given.get(e.key).and_then(|v| v.parse::<u8>().ok()).filter(|v| (1..=4).contains(v));
            let words = if lang == Lang::En { e.answers_en } else { e.answers_id };
            Question {
                key: e.key,
                label: t.t("survey.question").replace("{n}", &e.number.to_string()),
                name: if lang == Lang::En { e.name_en } else { e.name_id },
                text: if lang == Lang::En { e.question_en } else { e.question_id },
                // In the regulation's order, worst first (its questionnaire's a–d): the order
                // does not lean the answers.
                answers: (1..=4u8).map(|v| (v, words[usize::from(v) - 1])).collect(),
                chosen: chosen.unwrap_or(0),
                missing: checked && chosen.is_none(),
            }
        })
        .collect()
}

fn profile_fields(lang: Lang, given: &HashMap<String, String>) -> Vec<ProfileField> {
    let t = texts(lang);
    let field = |key: &'static str, label: &'static str, choices: &[profile::Choice]| ProfileField {
        key,
        label: t.t(label),
        options: choices
            .iter()
            .map(|(v, id, en)| {
                (*v, if lang == Lang::En { *en } else { *id }, given.get(key).is_some_and(|g| g == v))
            })
            .collect(),
    };
    vec![
        field("age", "survey.age", &profile::AGE),
        field("sex", "survey.sex", &profile::SEX),
        field("education", "survey.education", &profile::EDUCATION),
        field("occupation", "survey.occupation", &profile::OCCUPATION),
    ]
}

/// The tablet's counter, if the query names one this office has.
fn tablet_of(hub: &Hub, tablet: &str) -> String {
    if hub.config.counters.iter().any(|c| c.id == tablet) { tablet.to_owned() } else { String::new() }
}

#[allow(clippy::too_many_arguments)]
fn page(
    hub: &Hub,
    lang: Lang,
    token: &str,
    tablet: &str,
    survey: &Survey,
    given: &HashMap<String, String>,
    checked: bool,
    outcome: Option<&'static str>,
    refusal: &str,
) -> Response {
    let t = texts(lang);
    let other = if lang == Lang::Id { "en" } else { "id" };
    let tablet_query = if tablet.is_empty() { String::new() } else { format!("&tablet={tablet}") };
    let return_url = if tablet.is_empty() {
        String::new()
    } else {
        format!("/staff/survey/{tablet}?lang={}", lang.code())
    };
    let (state, number, closes) = match (outcome, survey) {
        (Some(outcome), _) => (outcome, String::new(), String::new()),
        (None, Survey::Open { served, closes_at }) => (
            "open",
            served.number.clone(),
            t.t("survey.closes")
                .replace("{at}", &hub.clock.to_local(*closes_at).format("%d-%m-%Y %H:%M").to_string()),
        ),
        (None, Survey::Answered) => ("answered", String::new(), String::new()),
        (None, Survey::Closed) => ("closed", String::new(), String::new()),
        (None, Survey::NotServed) => ("not_served", String::new(), String::new()),
        (None, Survey::Ended) => ("ended", String::new(), String::new()),
    };
    let questions = questions(lang, given, checked);
    let missing = questions.iter().filter(|q| q.missing).count();
    let comment = given.get("comment").cloned().unwrap_or_default();
    let comment_error = if checked && comment.trim().chars().count() > super::COMMENT_MAX {
        t.t("survey.too_long").to_owned()
    } else {
        String::new()
    };
    let problems = if missing > 0 {
        t.t("survey.problems").replace("{count}", &missing.to_string())
    } else if !comment_error.is_empty() {
        comment_error.clone()
    } else {
        refusal.to_owned()
    };
    let complaint = given.get("complaint").is_some_and(|v| v == "on");
    let (heading, message, extra) = match state {
        "thanks" => (
            t.t("survey.thanks_heading"),
            t.t("survey.thanks"),
            if complaint && !comment.trim().is_empty() { t.t("survey.thanks_complaint") } else { "" },
        ),
        "answered" => (t.t("survey.answered_heading"), t.t("survey.answered"), ""),
        "closed" => (t.t("survey.closed_heading"), t.t("survey.closed"), ""),
        "not_served" => (t.t("survey.not_served_heading"), t.t("survey.not_served"), ""),
        "ended" => (t.t("survey.ended_heading"), t.t("survey.ended"), ""),
        _ => ("", "", ""),
    };
    let finished = state != "open";
    let body = SurveyPage {
        t,
        office_name: hub.config.office.name.clone(),
        other_lang_url: format!("/t/{token}/survey?lang={other}{tablet_query}"),
        state,
        intro: t.t("survey.intro").replace("{number}", &number),
        number,
        closes,
        action: format!("/t/{token}/survey?lang={}", lang.code()),
        tablet: tablet.to_owned(),
        problems,
        questions,
        profile: profile_fields(lang, given),
        comment,
        comment_error,
        complaint,
        heading: heading.to_owned(),
        message: message.to_owned(),
        extra: extra.to_owned(),
        back_url: if tablet.is_empty() { format!("/t/{token}?lang={}", lang.code()) } else { String::new() },
        tablet_again: finished && !return_url.is_empty(),
        return_url,
    };
    let status = if checked && state == "open" { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    (status, render(&body)).into_response()
}

async fn survey_page(
    State(hub): State<Arc<Hub>>,
    Path(token): Path<String>,
    Query(query): Query<SurveyQuery>,
) -> Response {
    let lang = Lang::parse(query.lang.as_deref());
    let Some(id) = hub.secrets.check_status_token(&token) else {
        return crate::pages::not_found_page(texts(lang));
    };
    let now = hub.clock.now_ms();
    match hub.store.read(move |r| super::survey(r, &id, now)).await {
        Ok(survey) => page(
            &hub,
            lang,
            &token,
            &tablet_of(&hub, &query.tablet),
            &survey,
            &HashMap::new(),
            false,
            None,
            "",
        ),
        Err(error) => ApiError::from(error).into_response(),
    }
}

async fn survey_submit(
    State(hub): State<Arc<Hub>>,
    Path(token): Path<String>,
    Query(query): Query<SurveyQuery>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let lang = Lang::parse(query.lang.as_deref());
    let Some(id) = hub.secrets.check_status_token(&token) else {
        return crate::pages::not_found_page(texts(lang));
    };
    let tablet = tablet_of(&hub, form.get("tablet").map_or("", String::as_str));
    // A browser sends a textarea's line ends as CR LF: one character each, as typed.
    let mut form = form;
    if let Some(comment) = form.get_mut("comment") {
        *comment = comment.replace("\r\n", "\n");
    }
    let field = |k: &str| form.get(k).cloned().unwrap_or_default();
    let submission = Submission {
        answers: ELEMENTS.iter().filter_map(|e| form.get(e.key).and_then(|v| v.parse().ok())).collect(),
        age: field("age"),
        sex: field("sex"),
        education: field("education"),
        occupation: field("occupation"),
        comment: field("comment"),
        complaint: field("complaint") == "on",
        via: if tablet.is_empty() { "phone".into() } else { "counter".into() },
    };
    let now = hub.clock.now_ms();
    let ticket = id.clone();
    let result = hub.store.write(move |tx| super::answer(tx, &ticket, &submission, now)).await;
    let survey = match hub.store.read(move |r| super::survey(r, &id, now)).await {
        Ok(survey) => survey,
        Err(error) => return ApiError::from(error).into_response(),
    };
    match result {
        Ok(()) => page(&hub, lang, &token, &tablet, &survey, &form, false, Some("thanks"), ""),
        // Answered, closed or not yet served meanwhile: the page says which.
        Err(Error::Refused(refusal)) if refusal.code != antrian_proto::ErrorCode::InvalidRequest => {
            page(&hub, lang, &token, &tablet, &survey, &form, false, None, "")
        }
        // Unanswered questions or a long comment: the form again, what is missing marked,
        // every answer given kept (anything else refused is said as it is).
        Err(Error::Refused(refusal)) => {
            page(&hub, lang, &token, &tablet, &survey, &form, true, None, &refusal.message)
        }
        Err(error) => ApiError::from(error).into_response(),
    }
}

#[derive(Template)]
#[template(path = "skm_tablet.html")]
struct TabletPage {
    t: &'static Texts,
    office_name: String,
    other_lang_url: String,
    counter: String,
    counter_name: String,
}

/// Staff (or a supervisor) signed in on the console, else the login page.
async fn signed_in(
    hub: &Arc<Hub>,
    headers: &HeaderMap,
    role: Role,
) -> Result<(crate::auth::Caller, String), Response> {
    let lang_login = || Redirect::to("/staff/login").into_response();
    let Some(token) = crate::session::cookie_of(headers) else { return Err(lang_login()) };
    let Ok(Some(caller)) = crate::session::caller_of(hub, token.clone()).await else {
        return Err(lang_login());
    };
    if !caller.role.satisfies(role) {
        return Err(ApiError::forbidden().into_response());
    }
    Ok((caller, token))
}

#[derive(Debug, Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

async fn tablet_page(
    State(hub): State<Arc<Hub>>,
    Path(counter): Path<String>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::parse(query.lang.as_deref());
    if let Err(to_login) = signed_in(&hub, &headers, Role::Staff).await {
        return to_login;
    }
    let Some(found) = hub.config.counters.iter().find(|c| c.id == counter) else {
        return crate::pages::not_found_page(texts(lang));
    };
    let other = if lang == Lang::Id { "en" } else { "id" };
    render(&TabletPage {
        t: texts(lang),
        office_name: hub.config.office.name.clone(),
        other_lang_url: format!("/staff/survey/{counter}?lang={other}"),
        counter_name: found.name.clone(),
        counter,
    })
}

/// A complaint as the supervisor's page shows it.
struct ComplaintRow {
    id: i64,
    day: String,
    service: String,
    comment: String,
    reply: String,
    replied_by: String,
    states: Vec<(&'static str, &'static str, bool)>,
}

#[derive(Template)]
#[template(path = "staff_skm.html")]
struct SkmPage {
    t: &'static Texts,
    office_name: String,
    other_lang_url: String,
    csrf: String,
    period: String,
    period_words: String,
    quick: Vec<(&'static str, String)>,
    csv_url: String,
    pdf_url: String,
    error: String,
    has_index: bool,
    ikm: String,
    ikm_raw: String,
    grade: String,
    grade_name: String,
    weakest: String,
    sample: String,
    sample_verdict: String,
    enough: bool,
    chart: String,
    /// (number, name, NRR, NRR × 1/9, weakest).
    elements: Vec<(u8, &'static str, String, String, bool)>,
    services: Vec<Vec<String>>,
    /// (question, [(answer, count)]).
    profile: Vec<(&'static str, Vec<(String, usize)>)>,
    complaints: Vec<ComplaintRow>,
}

#[derive(Debug, Deserialize)]
pub struct SkmQuery {
    lang: Option<String>,
    period: Option<String>,
}

/// The nine means as horizontal bars (SVG, 0 to 4), the weakest in another colour.
fn chart(report: &SkmReport, english: bool) -> String {
    let Some(index) = &report.overall else { return String::new() };
    let (width, row) = (640.0, 30.0);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {}\" role=\"img\" aria-label=\"NRR\" class=\"chart\">",
        row * 9.0 + 24.0
    );
    for (i, e) in ELEMENTS.iter().enumerate() {
        let y = i as f64 * row + 4.0;
        let w = index.nrr[i] / 4.0 * 360.0;
        let colour = if e.number == index.weakest { "#b45309" } else { "#0b3d91" };
        let name = if english { e.name_en } else { e.name_id };
        let short: String = name.chars().take(24).collect();
        let short = if short.len() < name.len() {
            format!("{}…", short.trim_end_matches([',', ' ']))
        } else {
            short
        };
        let name = short.replace('&', "&amp;").replace('<', "&lt;");
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{:.0}\" font-size=\"13\" fill=\"#111\">U{} {name}</text><rect x=\"232\" y=\"{:.0}\" width=\"{w:.1}\" height=\"20\" fill=\"{colour}\"/><text x=\"{:.0}\" y=\"{:.0}\" font-size=\"13\" fill=\"#111\">{}</text>",
            y + 15.0,
            e.number,
            y,
            238.0 + w,
            y + 15.0,
            decimal(index.nrr[i], 2, !english)
        ));
    }
    for tick in 0..=4 {
        let x = 232.0 + f64::from(tick) / 4.0 * 360.0;
        svg.push_str(&format!(
            "<text x=\"{x:.0}\" y=\"{:.0}\" font-size=\"11\" fill=\"#444\">{tick}</text>",
            row * 9.0 + 18.0
        ));
    }
    svg.push_str("</svg>");
    svg
}

async fn skm_page(
    State(hub): State<Arc<Hub>>,
    Query(query): Query<SkmQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::parse(query.lang.as_deref());
    let (_, session) = match signed_in(&hub, &headers, Role::Supervisor).await {
        Ok(found) => found,
        Err(to_login) => return to_login,
    };
    let t = texts(lang);
    let english = lang == Lang::En;
    let today = hub.clock.today();
    let (period, error) = match query.period.as_deref().map(Period::parse) {
        None => (Period::month_of(today), String::new()),
        Some(Ok(period)) => (period, String::new()),
        Some(Err(_)) => (
            Period::month_of(today),
            t.t("skm.bad_period").replace("{period}", query.period.as_deref().unwrap_or_default()),
        ),
    };
    let office = hub.office.clone();
    let shown = period.clone();
    let report = match hub.store.read(move |r| super::report(r, &office, &shown)).await {
        Ok(report) => report,
        Err(error) => return ApiError::from(error).into_response(),
    };
    let link = |label: &str| format!("/staff/skm?lang={}&period={label}", lang.code());
    let last_month = today.with_day(1).and_then(|d| d.pred_opt()).unwrap_or(today);
    let quick = vec![
        (t.t("skm.this_month"), link(&format!("{}-{:02}", today.year(), today.month()))),
        (t.t("skm.last_month"), link(&format!("{}-{:02}", last_month.year(), last_month.month()))),
        (t.t("skm.semester"), link(&format!("{}-S{}", today.year(), if today.month() <= 6 { 1 } else { 2 }))),
        (t.t("skm.year"), link(&today.year().to_string())),
    ];
    let responses = report.responses() as u64;
    let enough = responses >= report.minimum_sample && responses > 0;
    let index = report.overall.as_ref();
    let weakest = index.map_or(String::new(), |i| {
        let e = &ELEMENTS[usize::from(i.weakest) - 1];
        t.t("skm.weakest")
            .replace("{n}", &e.number.to_string())
            .replace("{name}", if english { e.name_en } else { e.name_id })
            .replace("{nrr}", &decimal(i.nrr[usize::from(i.weakest) - 1], 2, !english))
    });
    let services = report
        .services
        .iter()
        .map(|s| {
            vec![
                s.name.clone(),
                s.served.to_string(),
                s.minimum_sample.to_string(),
                s.index.as_ref().map_or(0, |i| i.responses).to_string(),
                s.index.as_ref().map_or("—".into(), |i| decimal(i.ikm, 2, !english)),
                s.index.as_ref().map_or("—".into(), |i| i.grade.to_owned()),
            ]
        })
        .collect();
    let words = |choices: &[profile::Choice], breakdown: &super::Breakdown| -> Vec<(String, usize)> {
        breakdown
            .iter()
            .map(|(value, id_words, count)| {
                let shown = choices.iter().find(|(v, ..)| v == value).map_or_else(
                    || if english { "Not given".to_owned() } else { id_words.clone() },
                    |(_, id, en)| (if english { *en } else { *id }).to_owned(),
                );
                (shown, *count)
            })
            .collect()
    };
    let profile = vec![
        (t.t("survey.age"), words(&profile::AGE, &report.age)),
        (t.t("survey.sex"), words(&profile::SEX, &report.sex)),
        (t.t("survey.education"), words(&profile::EDUCATION, &report.education)),
        (t.t("survey.occupation"), words(&profile::OCCUPATION, &report.occupation)),
    ];
    let complaints = report
        .complaints
        .iter()
        .map(|c| ComplaintRow {
            id: c.id,
            day: c.day.format("%d-%m-%Y").to_string(),
            service: hub
                .config
                .services
                .iter()
                .find(|s| s.id == c.service)
                .map_or(c.service.clone(), |s| s.name.clone()),
            comment: c.comment.clone(),
            reply: c.reply.clone(),
            replied_by: c.replied_by.clone(),
            states: super::COMPLAINT_STATES
                .iter()
                .map(|s| {
                    let words = match *s {
                        "new" => t.t("skm.state_new"),
                        "in_progress" => t.t("skm.state_in_progress"),
                        _ => t.t("skm.state_answered"),
                    };
                    (*s, words, c.state == *s)
                })
                .collect(),
        })
        .collect();
    let other = if english { "id" } else { "en" };
    let api = format!("/api/v1/offices/{}/skm?period={}", hub.config.office.id, period.label);
    render(&SkmPage {
        t,
        office_name: hub.config.office.name.clone(),
        other_lang_url: format!("/staff/skm?lang={other}&period={}", period.label),
        csrf: hub.secrets.csrf_token(&session),
        period: period.label.clone(),
        period_words: period.words(english),
        quick,
        csv_url: format!("{api}&format=csv"),
        pdf_url: format!("{api}&format=pdf"),
        error,
        has_index: index.is_some(),
        ikm: index.map_or(String::new(), |i| decimal(i.ikm, 2, !english)),
        ikm_raw: index.map_or(String::new(), |i| format!("{}", i.ikm)),
        grade: index.map_or(String::new(), |i| i.grade.to_owned()),
        grade_name: index.map_or(String::new(), |i| {
            let grade = antrian_rules::skm::grade(i.ikm);
            (if english { grade.name_en() } else { grade.name_id() }).to_owned()
        }),
        weakest,
        sample: t
            .t("skm.responses")
            .replace("{responses}", &responses.to_string())
            .replace("{served}", &report.served.to_string())
            .replace("{minimum}", &report.minimum_sample.to_string()),
        sample_verdict: if enough {
            t.t("skm.enough").to_owned()
        } else {
            t.t("skm.not_enough")
                .replace("{missing}", &report.minimum_sample.saturating_sub(responses).to_string())
        },
        enough,
        chart: chart(&report, english),
        elements: ELEMENTS
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let nrr = index.map_or(0.0, |x| x.nrr[i]);
                (
                    e.number,
                    if english { e.name_en } else { e.name_id },
                    decimal(nrr, 2, !english),
                    decimal(nrr / 9.0, 3, !english),
                    index.is_some_and(|x| x.weakest == e.number),
                )
            })
            .collect(),
        services,
        profile,
        complaints,
    })
}
