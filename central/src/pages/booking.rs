//! Choosing the office (by name, city or province, each with its next date that has places),
//! the calendar, the slot with its fee, the bill, the confirmation and the application's
//! timeline; cancel, the one reschedule, and the waitlist of a full date.

use std::collections::HashMap;
use std::sync::Arc;

use antrian_proto::ErrorCode;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;

use super::account::url_encode;
use super::{Frame, Shared, SignedIn, Visitor, fail, refusal_text, render, see_other};
use crate::Central;
use crate::api::{self, Body, NewApplication, NewWaitlistEntry, Reschedule};
use crate::booking::{Record, state};
use crate::config::Office;
use crate::error::ApiError;
use crate::i18n::{Lang, Texts, date_time, fill, rupiah, short_date, zone_name};

pub fn routes() -> Router<Arc<Central>> {
    Router::new()
        .route("/apply/{applicant}", get(offices_page))
        .route("/apply/{applicant}/{office}", get(calendar_page))
        .route("/apply/{applicant}/{office}/{date}", get(slots_page).post(book))
        .route("/waitlist", post(join_waitlist))
        .route("/waitlist/{id}/leave", post(leave_waitlist))
        .route("/applications/{id}", get(application_page))
        .route("/applications/{id}/live", get(live))
        .route("/applications/{id}/pdf", get(receipt_pdf))
        .route("/applications/{id}/cancel", post(cancel))
        .route("/applications/{id}/move", get(move_calendar))
        .route("/applications/{id}/move/{date}", get(move_slots).post(move_to))
}

/// What to bring to the office, in the reader's language.
pub fn documents_to_bring(t: &Texts, service: &str) -> Vec<String> {
    let mut documents: Vec<String> =
        ["page.doc_ktp", "page.doc_kk", "page.doc_birth"].iter().map(|k| t.t(k).to_owned()).collect();
    if service == "B" {
        documents.push(t.t("page.doc_old").to_owned());
    }
    documents
}

/// What the applicant chose before the office: service, passport type, same-day service.
#[derive(Debug, Clone, Deserialize)]
struct Choice {
    #[serde(default = "default_service")]
    service: String,
    #[serde(default = "default_type", rename = "type")]
    passport_type: String,
    #[serde(default)]
    fast: Option<String>,
    #[serde(default)]
    q: String,
}

fn default_service() -> String {
    "A".into()
}

fn default_type() -> String {
    "ordinary".into()
}

impl Choice {
    fn fast_track(&self) -> bool {
        self.fast.as_deref().is_some_and(|f| f == "1" || f == "on")
    }

    fn query(&self) -> String {
        format!(
            "service={}&type={}&fast={}",
            url_encode(&self.service),
            url_encode(&self.passport_type),
            u8::from(self.fast_track())
        )
    }
}

// --- Days and their places ------------------------------------------------------------------

/// One day of an office's calendar for a service.
#[derive(Debug, Clone)]
pub struct Day {
    pub date: NaiveDate,
    pub label: String,
    pub kind: DayKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayKind {
    /// Places left (holds count as taken; unpaid holds past their bill do not).
    Open(u32),
    Full,
    Closed,
    /// Opens at this office time (written out), and as an instant for the countdown.
    NotReleased(String, String),
}

/// The calendars of `offices` for `service` — from tomorrow to the end of the booking horizon
/// and the week after it (dates not released yet) — in one query.
async fn calendars(
    central: &Central,
    offices: &[&Office],
    service: &str,
    t: &Texts,
) -> Result<HashMap<String, Vec<Day>>, ApiError> {
    let now = central.clock.now();
    let ids: Vec<&str> = offices.iter().map(|o| o.id.as_str()).collect();
    let first = now.date_naive() - chrono::Duration::days(1);
    let last = offices.iter().map(|o| o.calendar.horizon(o.local(now).date()).1).max().unwrap_or(first)
        + chrono::Duration::days(8);
    let client = central.pool.get().await?;
    let rows = client
        .query(
            "SELECT q.office_id, q.date, q.slot, q.taken - (SELECT count(*) FROM applications a
                 WHERE a.office_id = q.office_id AND a.date = q.date AND a.slot = q.slot AND a.service = q.service
                   AND a.state = 'awaiting_payment' AND a.bill_expires_at <= $5)::int
             FROM quota q WHERE q.office_id = ANY($1) AND q.service = $2 AND q.date BETWEEN $3 AND $4",
            &[&ids, &service, &first, &last, &now],
        )
        .await?;
    let mut taken: HashMap<(String, NaiveDate, String), u32> = HashMap::new();
    for row in rows {
        taken.insert((row.get(0), row.get(1), row.get(2)), row.get::<_, i32>(3).max(0) as u32);
    }
    let mut out = HashMap::new();
    for office in offices {
        let local = office.local(now);
        let (from, to) = office.calendar.horizon(local.date());
        let zone = zone_name(&office.timezone);
        let mut days = Vec::new();
        let mut date = from;
        let mut unreleased = 0;
        while date <= to + chrono::Duration::days(7) && unreleased < 3 {
            let label = short_date(t, date);
            let released = office.released_at(date);
            let plan =
                office.calendar.day_plan(date).ok().filter(|p| p.iter().any(|s| s.capacity_for(service) > 0));
            let kind = if local < released {
                if plan.is_none() {
                    DayKind::Closed
                } else {
                    unreleased += 1;
                    let instant = released.and_local_timezone(office.tz()).earliest().map(|i| i.to_rfc3339());
                    DayKind::NotReleased(date_time(t, released, zone), instant.unwrap_or_default())
                }
            } else if office.calendar.check_horizon(local.date(), date).is_err() {
                date += chrono::Duration::days(1);
                continue;
            } else {
                match plan {
                    None => DayKind::Closed,
                    Some(plan) => {
                        let places: u32 = plan
                            .iter()
                            .filter(|s| s.capacity_for(service) > 0 && !s.has_begun(date, local))
                            .map(|s| {
                                let booked =
                                    taken.get(&(office.id.clone(), date, s.label())).copied().unwrap_or(0);
                                antrian_rules::quota::remaining(s.capacity_for(service), booked)
                            })
                            .sum();
                        if places > 0 { DayKind::Open(places) } else { DayKind::Full }
                    }
                }
            };
            days.push(Day { date, label, kind });
            date += chrono::Duration::days(1);
        }
        out.insert(office.id.clone(), days);
    }
    Ok(out)
}

// --- Choosing the office --------------------------------------------------------------------

struct OfficeRow {
    id: String,
    name: String,
    place: String,
    address: String,
    next: String,
    has_next: bool,
}

#[derive(Template)]
#[template(path = "offices.html")]
struct OfficesPage {
    f: Frame,
    t: &'static Texts,
    applicant: i64,
    name: String,
    services: Vec<(String, String)>,
    types: Vec<(String, String)>,
    choice_service: String,
    choice_type: String,
    fast: bool,
    fast_label: String,
    q: String,
    query: String,
    offices: Vec<OfficeRow>,
    missing: Vec<String>,
    result_text: String,
}

/// The applicant's name and the kinds of document still missing for `service` (404 for
/// another account's applicant).
async fn applicant_of(
    central: &Central,
    account: i64,
    applicant: i64,
    service: &str,
) -> Result<(String, Vec<&'static str>), ApiError> {
    let client = central.pool.get().await?;
    let row = client
        .query_opt(
            "SELECT p.name, ARRAY(SELECT d.kind FROM documents d WHERE d.applicant_id = p.id)
             FROM applicants p WHERE p.id = $1 AND p.account_id = $2",
            &[&applicant, &account],
        )
        .await?
        .ok_or_else(|| ApiError::not_found("applicant"))?;
    let have: Vec<String> = row.get(1);
    let missing =
        api::needed_documents(service).into_iter().filter(|k| !have.iter().any(|h| h == k)).collect();
    Ok((row.get(0), missing))
}

fn service_name(office: Option<&Office>, id: &str, lang: Lang) -> String {
    office
        .and_then(|o| o.service(id))
        .map(|s| if lang == Lang::En && !s.name_en.is_empty() { s.name_en.clone() } else { s.name.clone() })
        .unwrap_or_else(|| id.to_owned())
}

async fn offices_page(
    State(central): Shared,
    SignedIn { visitor, account }: SignedIn,
    Path(applicant): Path<i64>,
    Query(choice): Query<Choice>,
) -> Response {
    let t = visitor.t;
    let (name, missing) = match applicant_of(&central, account, applicant, &choice.service).await {
        Ok(found) => found,
        Err(error) => return fail(t, error),
    };
    let needle = choice.q.trim().to_lowercase();
    let matching: Vec<&Office> = central
        .config
        .offices
        .iter()
        .filter(|o| o.service(&choice.service).is_some())
        .filter(|o| {
            needle.is_empty()
                || [&o.name, &o.city, &o.province, &o.address]
                    .iter()
                    .any(|f| f.to_lowercase().contains(&needle))
        })
        .collect();
    let days = match calendars(&central, &matching, &choice.service, t).await {
        Ok(days) => days,
        Err(error) => return fail(t, error),
    };
    let mut offices: Vec<(Option<NaiveDate>, OfficeRow)> = matching
        .iter()
        .map(|o| {
            let next = days.get(&o.id).and_then(|d| {
                d.iter().find_map(|d| match d.kind {
                    DayKind::Open(n) => Some((d.date, d.label.clone(), n)),
                    _ => None,
                })
            });
            let row = OfficeRow {
                id: o.id.clone(),
                name: o.name.clone(),
                place: [o.city.as_str(), o.province.as_str()]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", "),
                address: o.address.clone(),
                next: match &next {
                    Some((_, label, n)) => {
                        fill(t.t("offices.next"), &[("date", label), ("places", &n.to_string())])
                    }
                    None => t.t("offices.none").to_owned(),
                },
                has_next: next.is_some(),
            };
            (next.map(|n| n.0), row)
        })
        .collect();
    // With a search, the matches in name order; the nearest free date is said on each.
    offices.sort_by(|a, b| a.1.name.cmp(&b.1.name));
    let first_office = central.config.offices.first();
    let mut services: Vec<(String, String)> = Vec::new();
    for office in &central.config.offices {
        for s in &office.services {
            if !services.iter().any(|(id, _)| id == &s.id) {
                services.push((s.id.clone(), service_name(Some(office), &s.id, visitor.lang)));
            }
        }
    }
    let fees = &central.config.fees;
    let types = vec![
        ("ordinary".to_owned(), format!("{} — {}", t.t("apply.type_ordinary"), rupiah(fees.ordinary))),
        ("electronic".to_owned(), format!("{} — {}", t.t("apply.type_electronic"), rupiah(fees.electronic))),
    ];
    let _ = first_office;
    let result_text = fill(t.t("offices.results"), &[("count", &offices.len().to_string())]);
    let page = OfficesPage {
        f: visitor.frame("offices.title"),
        t,
        applicant,
        name,
        services,
        types,
        choice_service: choice.service.clone(),
        choice_type: choice.passport_type.clone(),
        fast: choice.fast_track(),
        fast_label: fill(t.t("apply.fast"), &[("fee", &rupiah(fees.fast_track))]),
        q: choice.q.clone(),
        query: choice.query(),
        offices: offices.into_iter().map(|(_, row)| row).collect(),
        missing: missing.iter().map(|k| t.t(&format!("documents.{k}")).to_owned()).collect(),
        result_text,
    };
    render(&page, StatusCode::OK)
}

// --- The calendar ---------------------------------------------------------------------------

struct DayCell {
    label: String,
    /// Where choosing it leads (open days).
    href: Option<String>,
    status: String,
    class: &'static str,
    countdown: Option<String>,
    waitlist: bool,
    date: String,
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    f: Frame,
    t: &'static Texts,
    heading: String,
    lead: String,
    back: String,
    days: Vec<DayCell>,
    /// For the waitlist form: applicant, office, service, type, fast.
    waitlist: Option<(i64, String, String, String, bool)>,
    release_rule: String,
    /// The waiting room in front of a release now: where it is, and what to say.
    room: Option<(String, String)>,
}

fn day_cells(days: &[Day], t: &Texts, href: impl Fn(NaiveDate) -> String, waitlist: bool) -> Vec<DayCell> {
    days.iter()
        .map(|d| {
            let (href, status, class, countdown, wait) = match &d.kind {
                DayKind::Open(n) => (
                    Some(href(d.date)),
                    fill(t.t("calendar.places"), &[("places", &n.to_string())]),
                    "open",
                    None,
                    false,
                ),
                DayKind::Full => (None, t.t("calendar.full").to_owned(), "full", None, waitlist),
                DayKind::Closed => (None, t.t("calendar.closed").to_owned(), "closed", None, false),
                DayKind::NotReleased(when, instant) => (
                    None,
                    fill(t.t("calendar.opens"), &[("when", when)]),
                    "later",
                    Some(instant.clone()),
                    false,
                ),
            };
            DayCell {
                label: d.label.clone(),
                href,
                status,
                class,
                countdown,
                waitlist: wait,
                date: d.date.to_string(),
            }
        })
        .collect()
}

fn release_rule(office: &Office, t: &Texts) -> String {
    let zone = zone_name(&office.timezone);
    match &office.release {
        crate::config::Release::Rolling { days_ahead, at, .. } => fill(
            t.t("calendar.rule_rolling"),
            &[("days", &days_ahead.to_string()), ("time", &at.format("%H:%M").to_string()), ("zone", zone)],
        ),
        crate::config::Release::Weekly { weekday, at, .. } => {
            let day: chrono::Weekday = weekday.parse().unwrap_or(chrono::Weekday::Fri);
            let name = match t.lang {
                Lang::Id => antrian_proto::calendar::hari(day).to_owned(),
                Lang::En => format!("{day:?}"),
            };
            fill(
                t.t("calendar.rule_weekly"),
                &[("day", &name), ("time", &at.format("%H:%M").to_string()), ("zone", zone)],
            )
        }
    }
}

async fn calendar_page(
    State(central): Shared,
    SignedIn { visitor, account }: SignedIn,
    Path((applicant, office_id)): Path<(i64, String)>,
    Query(choice): Query<Choice>,
) -> Response {
    let t = visitor.t;
    let office = match api::office_service(&central, &office_id, &choice.service) {
        Ok(office) => office,
        Err(error) => return fail(t, error),
    };
    let (name, missing) = match applicant_of(&central, account, applicant, &choice.service).await {
        Ok(found) => found,
        Err(error) => return fail(t, error),
    };
    if !missing.is_empty() {
        return see_other(&format!("/applicants/{applicant}/documents"));
    }
    let days = match calendars(&central, &[office], &choice.service, t).await {
        Ok(mut days) => days.remove(&office.id).unwrap_or_default(),
        Err(error) => return fail(t, error),
    };
    let query = choice.query();
    let here = format!("/apply/{applicant}/{}?{query}", office.id);
    let room = waiting_notice(&central, office, &visitor, account, &here);
    let cells = day_cells(&days, t, |d| format!("/apply/{applicant}/{}/{d}?{query}", office.id), true);
    let page = CalendarPage {
        f: visitor.frame("calendar.title"),
        t,
        heading: office.name.clone(),
        lead: fill(
            t.t("calendar.lead"),
            &[("name", &name), ("service", &service_name(Some(office), &choice.service, visitor.lang))],
        ),
        back: format!("/apply/{applicant}?{query}"),
        days: cells,
        waitlist: Some((
            applicant,
            office.id.clone(),
            choice.service.clone(),
            choice.passport_type.clone(),
            choice.fast_track(),
        )),
        release_rule: release_rule(office, t),
        room,
    };
    render(&page, StatusCode::OK)
}

/// What the calendar says of the waiting room in front of a release now: the way in, or that
/// this browser is admitted (and until when).
fn waiting_notice(
    central: &Central,
    office: &Office,
    visitor: &Visitor,
    account: i64,
    here: &str,
) -> Option<(String, String)> {
    let t = visitor.t;
    let now = central.clock.now();
    let (room, config) = crate::waiting::room_of(office, now)?;
    let opens = room.release_at - chrono::Duration::minutes(i64::from(config.prequeue_minutes));
    if now < opens {
        return None;
    }
    let zone = zone_name(&office.timezone);
    let release = date_time(t, room.release_at.with_timezone(&office.tz()).naive_local(), zone);
    let admitted =
        crate::waiting::check_admission(central, &room, account, visitor.pass.as_deref(), now).is_ok();
    let href = format!("/waiting/{}?next={}", url_encode(&office.id), url_encode(here));
    let text = fill(
        t.t(if admitted { "waiting.calendar_admitted" } else { "waiting.calendar" }),
        &[("release", &release)],
    );
    Some((if admitted { String::new() } else { href }, text))
}

// --- Slots, the summary, and booking ---------------------------------------------------------

struct SlotOption {
    label: String,
    text: String,
    free: bool,
}

#[derive(Template)]
#[template(path = "slots.html")]
struct SlotsPage {
    f: Frame,
    t: &'static Texts,
    heading: String,
    back: String,
    action: String,
    slots: Vec<SlotOption>,
    summary: Vec<(String, String)>,
    total: String,
    button: String,
    rules: String,
    request_id: String,
    error: Option<String>,
    any_free: bool,
}

struct SlotsContext<'a> {
    office: &'a Office,
    date: NaiveDate,
    service: String,
    heading: String,
    back: String,
    action: String,
    summary: Vec<(String, String)>,
    total: String,
    button: String,
    rules: String,
}

async fn slots_for(
    central: &Arc<Central>,
    ctx: SlotsContext<'_>,
    visitor: &Visitor,
    error: Option<String>,
) -> Response {
    let t = visitor.t;
    let choose_first = error.as_deref() == Some(t.t("slots.choose"));
    let query = api::AvailabilityQuery { service: ctx.service.clone(), date: ctx.date };
    let answer =
        api::availability(State(central.clone()), api::Segments(ctx.office.id.clone()), api::Params(query))
            .await;
    let Json(answer) = match answer {
        Ok(answer) => answer,
        Err(error) => return fail(t, error),
    };
    let slots: Vec<SlotOption> = answer["slots"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|s| {
            let remaining = s["remaining"].as_u64().unwrap_or(0);
            let label = s["slot"].as_str().unwrap_or_default().to_owned();
            let text = if remaining > 0 {
                fill(t.t("slots.left"), &[("places", &remaining.to_string())])
            } else {
                t.t("slots.full").to_owned()
            };
            SlotOption {
                text: format!(
                    "{}–{} {} · {text}",
                    label,
                    s["end"].as_str().unwrap_or_default(),
                    zone_name(&ctx.office.timezone)
                ),
                label,
                free: remaining > 0,
            }
        })
        .collect();
    let any_free = slots.iter().any(|s| s.free);
    let mut request_id = [0u8; 12];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut request_id);
    let status = match &error {
        None => StatusCode::OK,
        Some(_) if choose_first => StatusCode::UNPROCESSABLE_ENTITY,
        Some(_) => StatusCode::CONFLICT,
    };
    let page = SlotsPage {
        f: visitor.frame("slots.title"),
        t,
        heading: ctx.heading,
        back: ctx.back,
        action: ctx.action,
        slots,
        summary: ctx.summary,
        total: ctx.total,
        button: ctx.button,
        rules: ctx.rules,
        request_id: data_encoding::HEXLOWER.encode(&request_id),
        error,
        any_free,
    };
    render(&page, status)
}

/// The slots page of a new application, with its summary and fee.
async fn new_slots_context<'a>(
    central: &'a Central,
    visitor: &Visitor,
    account: i64,
    applicant: i64,
    office_id: &str,
    date: NaiveDate,
    choice: &Choice,
) -> Result<SlotsContext<'a>, ApiError> {
    let t = visitor.t;
    let office = api::office_service(central, office_id, &choice.service)?;
    let amount = api::fee(central, &choice.passport_type, choice.fast_track())?;
    let (name, _) = applicant_of(central, account, applicant, &choice.service).await?;
    let query = choice.query();
    let mut passport = t.t(&format!("apply.type_{}", choice.passport_type)).to_owned();
    if choice.fast_track() {
        passport = format!("{passport} + {}", t.t("apply.fast_short"));
    }
    Ok(SlotsContext {
        office,
        date,
        service: choice.service.clone(),
        heading: fill(t.t("slots.heading"), &[("date", &t.long_date(date))]),
        back: format!("/apply/{applicant}/{}?{query}", office.id),
        action: format!("/apply/{applicant}/{}/{date}?{query}", office.id),
        summary: vec![
            (t.t("page.name_short").to_owned(), name),
            (t.t("page.office").to_owned(), office.name.clone()),
            (t.t("page.service").to_owned(), service_name(Some(office), &choice.service, visitor.lang)),
            (t.t("apply.type").to_owned(), passport),
            (t.t("page.date").to_owned(), t.long_date(date)),
        ],
        total: rupiah(amount),
        button: t.t("slots.book").to_owned(),
        rules: fill(t.t("slots.rules"), &[("minutes", &central.config.payments.minutes.to_string())]),
    })
}

async fn slots_page(
    State(central): Shared,
    SignedIn { visitor, account }: SignedIn,
    Path((applicant, office_id, date)): Path<(i64, String, NaiveDate)>,
    Query(choice): Query<Choice>,
) -> Response {
    match new_slots_context(&central, &visitor, account, applicant, &office_id, date, &choice).await {
        Ok(ctx) => slots_for(&central, ctx, &visitor, None).await,
        Err(error) => fail(visitor.t, error),
    }
}

#[derive(Deserialize)]
struct SlotForm {
    #[serde(default)]
    slot: String,
    #[serde(default)]
    request_id: String,
}

async fn book(
    State(central): Shared,
    SignedIn { visitor, account }: SignedIn,
    Path((applicant, office_id, date)): Path<(i64, String, NaiveDate)>,
    Query(choice): Query<Choice>,
    Form(form): Form<SlotForm>,
) -> Response {
    let t = visitor.t;
    if form.slot.is_empty() {
        return match new_slots_context(&central, &visitor, account, applicant, &office_id, date, &choice)
            .await
        {
            Ok(ctx) => slots_for(&central, ctx, &visitor, Some(t.t("slots.choose").to_owned())).await,
            Err(error) => fail(t, error),
        };
    }
    let new = NewApplication {
        applicant,
        office: office_id.clone(),
        service: choice.service.clone(),
        passport_type: choice.passport_type.clone(),
        date,
        slot: form.slot.clone(),
        fast_track: choice.fast_track(),
        request_id: (!form.request_id.is_empty()).then(|| form.request_id.clone()),
        admission: visitor.pass.clone(),
    };
    match api::create_application(State(central.clone()), api::Account(account), Body(new)).await {
        Ok((_, Json(answer))) => {
            see_other(&format!("/applications/{}", answer["id"].as_str().unwrap_or_default()))
        }
        Err(error) if error.code == ErrorCode::NotAdmitted => {
            let calendar = format!("/apply/{applicant}/{office_id}?{}", choice.query());
            let back = format!("/waiting/{}?next={}", url_encode(&office_id), url_encode(&calendar));
            super::message(t, &refusal_text(t, &error), &back, t.t("waiting.go"), StatusCode::FORBIDDEN)
        }
        Err(error) if error.code == ErrorCode::MissingDocuments => {
            see_other(&format!("/applicants/{applicant}/documents"))
        }
        Err(error) if error.code == ErrorCode::NotFound || error.code == ErrorCode::Unavailable => {
            fail(t, error)
        }
        Err(error) => {
            let message = refusal_text(t, &error);
            match new_slots_context(&central, &visitor, account, applicant, &office_id, date, &choice).await {
                Ok(ctx) => slots_for(&central, ctx, &visitor, Some(message)).await,
                Err(error) => fail(t, error),
            }
        }
    }
}

// --- The waitlist ---------------------------------------------------------------------------

#[derive(Deserialize)]
struct WaitForm {
    applicant: i64,
    office: String,
    service: String,
    #[serde(rename = "type")]
    passport_type: String,
    #[serde(default)]
    fast: Option<String>,
    date: NaiveDate,
}

async fn join_waitlist(
    State(central): Shared,
    SignedIn { visitor, account }: SignedIn,
    Form(form): Form<WaitForm>,
) -> Response {
    let entry = NewWaitlistEntry {
        applicant: form.applicant,
        office: form.office,
        service: form.service,
        passport_type: form.passport_type,
        date: form.date,
        fast_track: form.fast.as_deref() == Some("1"),
    };
    let back = format!(
        "/apply/{}/{}?service={}&type={}&fast={}",
        entry.applicant,
        url_encode(&entry.office),
        url_encode(&entry.service),
        url_encode(&entry.passport_type),
        u8::from(entry.fast_track)
    );
    match api::join_waitlist(State(central), api::Account(account), Body(entry)).await {
        Ok((_, Json(answer))) => see_other(&format!("/home?joined={}#waitlist", answer["position"])),
        Err(error) if error.code == ErrorCode::NotFound || error.code == ErrorCode::Unavailable => {
            fail(visitor.t, error)
        }
        Err(error) => {
            let t = visitor.t;
            super::message(t, &refusal_text(t, &error), &back, t.t("site.back"), StatusCode::CONFLICT)
        }
    }
}

async fn leave_waitlist(
    State(central): Shared,
    SignedIn { visitor, account }: SignedIn,
    Path(id): Path<String>,
) -> Response {
    match api::leave_waitlist(State(central), api::Account(account), api::Segments(id)).await {
        Ok(_) => see_other("/home#waitlist"),
        Err(error) => fail(visitor.t, error),
    }
}

// --- The application ------------------------------------------------------------------------

/// The normal road of an application, in order.
const ROAD: [&str; 6] = [
    state::AWAITING_PAYMENT,
    state::BOOKED,
    state::CHECKED_IN,
    state::IN_PROCESS,
    state::READY_FOR_PICKUP,
    state::PICKED_UP,
];

struct Step {
    label: String,
    at: String,
    done: bool,
    current: bool,
}

/// The timeline: every state it has been in with its time, then the steps still ahead.
fn timeline(central: &Central, record: &Record, t: &Texts) -> Vec<Step> {
    let tz = central.config.tz(&record.office);
    let zone = zone_name(central.config.office(&record.office).map_or("", |o| o.timezone.as_str()));
    let mut steps: Vec<Step> = record
        .history
        .iter()
        .map(|(s, at)| Step {
            label: t.t(&format!("state.{s}")).to_owned(),
            at: date_time(t, at.with_timezone(&tz).naive_local(), zone),
            done: true,
            current: false,
        })
        .collect();
    if let Some(last) = steps.last_mut() {
        last.current = true;
    }
    if let Some(position) = ROAD.iter().position(|s| *s == record.state) {
        for s in &ROAD[position + 1..] {
            steps.push(Step {
                label: t.t(&format!("state.{s}")).to_owned(),
                at: String::new(),
                done: false,
                current: false,
            });
        }
    }
    steps
}

#[derive(Template)]
#[template(path = "application.html")]
struct ApplicationPage {
    f: Frame,
    t: &'static Texts,
    id: String,
    state: String,
    state_label: String,
    /// `bill`, `booked`, `expired` or `ended`.
    view: &'static str,
    facts: Vec<(String, String)>,
    bill_code: String,
    amount: String,
    until: String,
    until_instant: String,
    qr_svg: String,
    booking_code: String,
    arrive: String,
    map_url: String,
    address: String,
    bring: Vec<String>,
    steps: Vec<Step>,
    can_cancel: bool,
    cancel_rule: String,
    /// The cancel form was sent without its confirmation ticked.
    confirm_first: bool,
    show_move: bool,
    can_move: bool,
    move_rule: String,
    again: String,
    notice: Option<String>,
}

async fn owned_record(central: &Central, account: i64, id: &str) -> Result<Record, ApiError> {
    let office = api::owned(central, account, id).await?;
    let client = central.pool.get().await?;
    crate::booking::record(&**client, &office, id).await
}

fn view_of(state: &str) -> &'static str {
    match state {
        state::AWAITING_PAYMENT => "bill",
        state::EXPIRED => "expired",
        state::CANCELLED | state::NO_SHOW => "ended",
        _ => "booked",
    }
}

#[derive(Deserialize)]
struct ApplicationQuery {
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    confirm: Option<String>,
}

async fn application_page(
    State(central): Shared,
    SignedIn { visitor, account }: SignedIn,
    Path(id): Path<String>,
    Query(query): Query<ApplicationQuery>,
) -> Response {
    let t = visitor.t;
    let record = match owned_record(&central, account, &id).await {
        Ok(record) => record,
        Err(error) => return fail(t, error),
    };
    let f = crate::letters::facts(&central, &record, t);
    let office = central.config.office(&record.office);
    let local_now = office.map(|o| o.local(central.clock.now()));
    let before_day = local_now.is_some_and(|now| record.date > now.date());
    let start = antrian_rules::calendar::parse_label(&record.slot).unwrap_or_default();
    let begun = local_now.is_some_and(|now| record.date.and_time(start) <= now);
    let view = view_of(&record.state);
    let mut facts = vec![
        (t.t("page.name_short").to_owned(), record.name.clone()),
        (t.t("page.office").to_owned(), f.office_name.clone()),
        (t.t("page.service").to_owned(), format!("{} ({})", f.service_name, f.passport_name)),
        (t.t("page.date").to_owned(), f.date.clone()),
        (t.t("page.slot").to_owned(), format!("{} {}", f.slot, f.zone)),
    ];
    if view == "booked" {
        facts.insert(
            0,
            (t.t("page.booking_code").to_owned(), record.booking_code.clone().unwrap_or_default()),
        );
    }
    let again = format!(
        "/apply/{}/{}?service={}&type={}&fast={}",
        record.applicant,
        record.office,
        record.service,
        record.passport_type,
        u8::from(record.fast_track)
    );
    let page = ApplicationPage {
        f: visitor.frame(match view {
            "bill" => "bill.title",
            "booked" => "confirm.title",
            _ => "application.title",
        }),
        t,
        id: record.id.clone(),
        state: record.state.clone(),
        state_label: t.t(&format!("state.{}", record.state)).to_owned(),
        view,
        facts,
        bill_code: crate::letters::group_digits(&record.bill_code),
        amount: f.amount.clone(),
        until: f.until.clone(),
        until_instant: record.bill_expires_at.to_rfc3339(),
        qr_svg: record.qr.as_deref().map(antrian_proto::pdf::qr_svg).unwrap_or_default(),
        booking_code: record.booking_code.clone().unwrap_or_default(),
        arrive: fill(t.t("page.arrive"), &[("from", &f.arrive_from), ("to", &f.arrive_to)]),
        map_url: format!("https://www.openstreetmap.org/search?query={}", url_encode(&f.office_address)),
        address: f.office_address.clone(),
        bring: documents_to_bring(t, &record.service),
        steps: timeline(&central, &record, t),
        can_cancel: record.state == state::AWAITING_PAYMENT || (record.state == state::BOOKED && !begun),
        cancel_rule: t
            .t(if record.state == state::BOOKED {
                "application.cancel_rule_booked"
            } else {
                "application.cancel_rule_bill"
            })
            .to_owned(),
        show_move: record.state == state::BOOKED && before_day,
        can_move: record.state == state::BOOKED && !record.rescheduled && before_day,
        move_rule: t
            .t(if record.rescheduled { "application.moved_once" } else { "application.move_rule" })
            .to_owned(),
        again,
        confirm_first: query.confirm.is_some(),
        notice: query.done.map(|what| {
            t.t(&format!("application.done_{}", if what == "moved" { "moved" } else { "cancelled" }))
                .to_owned()
        }),
    };
    render(&page, StatusCode::OK)
}

/// `GET /applications/{id}/live`: the state and the timeline, for the page's script.
async fn live(State(central): Shared, visitor: Visitor, Path(id): Path<String>) -> Response {
    let Some(account) = visitor.account else {
        return (StatusCode::UNAUTHORIZED, Json(json!({"error": "sign in again"}))).into_response();
    };
    let t = visitor.t;
    match owned_record(&central, account, &id).await {
        Ok(record) => {
            let steps: Vec<_> = timeline(&central, &record, t)
                .into_iter()
                .map(|s| json!({"label": s.label, "at": s.at, "done": s.done, "current": s.current}))
                .collect();
            (
                [(header::CACHE_CONTROL, "no-store")],
                Json(json!({"state": record.state, "label": t.t(&format!("state.{}", record.state)),
                    "view": view_of(&record.state), "steps": steps, "pending": t.t("application.pending")})),
            )
                .into_response()
        }
        Err(error) => error.into_response(),
    }
}

async fn receipt_pdf(
    State(central): Shared,
    SignedIn { visitor, account }: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let t = visitor.t;
    let record = match owned_record(&central, account, &id).await {
        Ok(record) if record.qr.is_some() => record,
        Ok(_) => return fail(t, ApiError::new(ErrorCode::InvalidTransition, "not booked")),
        Err(error) => return fail(t, error),
    };
    let name = format!("bukti-pendaftaran-{}.pdf", record.booking_code.as_deref().unwrap_or(""));
    let central2 = central.clone();
    let lang = visitor.lang;
    match tokio::task::spawn_blocking(move || {
        crate::receipt::pdf(&central2, &record, crate::i18n::texts(lang))
    })
    .await
    {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "application/pdf".to_owned()),
                (header::CONTENT_DISPOSITION, format!("inline; filename=\"{name}\"")),
                (header::CACHE_CONTROL, "private, no-store".to_owned()),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => fail(t, ApiError::new(ErrorCode::Internal, "pdf")),
    }
}

#[derive(Deserialize)]
struct CancelForm {
    #[serde(default)]
    confirm: Option<String>,
}

async fn cancel(
    State(central): Shared,
    SignedIn { visitor, account }: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<CancelForm>,
) -> Response {
    if form.confirm.as_deref() != Some("yes") {
        return see_other(&format!("/applications/{id}?confirm=1#cancel-h"));
    }
    match api::cancel_application(State(central), api::Account(account), api::Segments(id.clone())).await {
        Ok(_) => see_other(&format!("/applications/{id}?done=cancelled")),
        Err(error) => fail(visitor.t, error),
    }
}

// --- Moving a booking (the one reschedule) --------------------------------------------------

async fn move_calendar(
    State(central): Shared,
    SignedIn { visitor, account }: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let t = visitor.t;
    let record = match owned_record(&central, account, &id).await {
        Ok(record) => record,
        Err(error) => return fail(t, error),
    };
    let Some(office) = central.config.office(&record.office) else {
        return fail(t, ApiError::not_found("office"));
    };
    let days = match calendars(&central, &[office], &record.service, t).await {
        Ok(mut days) => days.remove(&office.id).unwrap_or_default(),
        Err(error) => return fail(t, error),
    };
    let page = CalendarPage {
        f: visitor.frame("move.title"),
        t,
        heading: office.name.clone(),
        lead: fill(t.t("move.lead"), &[("date", &t.long_date(record.date)), ("slot", &record.slot)]),
        back: format!("/applications/{id}"),
        days: day_cells(&days, t, |d| format!("/applications/{id}/move/{d}"), false),
        waitlist: None,
        release_rule: release_rule(office, t),
        room: None,
    };
    render(&page, StatusCode::OK)
}

async fn move_context<'a>(
    central: &'a Central,
    visitor: &Visitor,
    account: i64,
    id: &str,
    date: NaiveDate,
) -> Result<SlotsContext<'a>, ApiError> {
    let t = visitor.t;
    let record = owned_record(central, account, id).await?;
    let office = api::office_service(central, &record.office, &record.service)?;
    Ok(SlotsContext {
        office,
        date,
        service: record.service.clone(),
        heading: fill(t.t("slots.heading"), &[("date", &t.long_date(date))]),
        back: format!("/applications/{id}/move"),
        action: format!("/applications/{id}/move/{date}"),
        summary: vec![
            (t.t("page.name_short").to_owned(), record.name.clone()),
            (t.t("move.from").to_owned(), format!("{}, {}", t.long_date(record.date), record.slot)),
        ],
        total: t.t("move.no_fee").to_owned(),
        button: t.t("move.button").to_owned(),
        rules: t.t("move.rule").to_owned(),
    })
}

async fn move_slots(
    State(central): Shared,
    SignedIn { visitor, account }: SignedIn,
    Path((id, date)): Path<(String, NaiveDate)>,
) -> Response {
    match move_context(&central, &visitor, account, &id, date).await {
        Ok(ctx) => slots_for(&central, ctx, &visitor, None).await,
        Err(error) => fail(visitor.t, error),
    }
}

async fn move_to(
    State(central): Shared,
    SignedIn { visitor, account }: SignedIn,
    Path((id, date)): Path<(String, NaiveDate)>,
    Form(form): Form<SlotForm>,
) -> Response {
    let t = visitor.t;
    let result = if form.slot.is_empty() {
        Err(None)
    } else {
        let to = Reschedule { date, slot: form.slot.clone(), admission: visitor.pass.clone() };
        api::reschedule_application(
            State(central.clone()),
            api::Account(account),
            api::Segments(id.clone()),
            Body(to),
        )
        .await
        .map_err(Some)
    };
    match result {
        Ok(_) => see_other(&format!("/applications/{id}?done=moved")),
        Err(error) => {
            let message = match &error {
                Some(error) if error.code == ErrorCode::NotFound => {
                    return fail(t, ApiError::not_found("application"));
                }
                Some(error) => refusal_text(t, error),
                None => t.t("slots.choose").to_owned(),
            };
            match move_context(&central, &visitor, account, &id, date).await {
                Ok(ctx) => slots_for(&central, ctx, &visitor, Some(message)).await,
                Err(error) => fail(t, error),
            }
        }
    }
}
