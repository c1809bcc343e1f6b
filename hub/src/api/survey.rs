//! The satisfaction survey (SKM, `crate::skm`): a served ticket's answer through its status
//! token, the counter tablet's ticket, the supervisor's period report and complaints.

use std::sync::Arc;

use antrian_proto::ErrorBody;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::check_office;
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiQuery, Staff, Supervisor};
use crate::hub::Hub;
use crate::skm::{self, Survey};

type HubState = State<Arc<Hub>>;

/// Where a ticket stands with the survey.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SurveyState {
    /// `open`, `answered`, `closed` (24 hours after the visit), `not_served` (the visit is
    /// not finished yet) or `ended` (it ended without service: no-show, cancelled).
    pub state: &'static str,
    /// While open: until when it takes an answer.
    pub closes_at: Option<chrono::DateTime<chrono::FixedOffset>>,
    pub number: Option<String>,
}

fn state_of(hub: &Hub, survey: &Survey) -> SurveyState {
    match survey {
        Survey::Open { served, closes_at } => SurveyState {
            state: "open",
            closes_at: Some(hub.clock.to_local(*closes_at)),
            number: Some(served.number.clone()),
        },
        Survey::Answered => SurveyState { state: "answered", closes_at: None, number: None },
        Survey::Closed => SurveyState { state: "closed", closes_at: None, number: None },
        Survey::NotServed => SurveyState { state: "not_served", closes_at: None, number: None },
        Survey::Ended => SurveyState { state: "ended", closes_at: None, number: None },
    }
}

/// The survey of the ticket whose status token this is.
#[utoipa::path(get, path = "/api/v1/survey/{token}", params(("token" = String, Path)),
    responses((status = 200, body = SurveyState), (status = 404, body = ErrorBody)))]
pub async fn survey(State(hub): HubState, Path(token): Path<String>) -> ApiResult<Json<SurveyState>> {
    let id = hub.secrets.check_status_token(&token).ok_or_else(|| ApiError::not_found("ticket"))?;
    let now = hub.clock.now_ms();
    let survey = hub.store.read(move |r| skm::survey(r, &id, now)).await?;
    Ok(Json(state_of(&hub, &survey)))
}

/// Answers the survey of the ticket whose status token this is: once per ticket, within 24
/// hours of the visit.
#[utoipa::path(post, path = "/api/v1/survey/{token}", params(("token" = String, Path)), request_body = skm::Submission,
    responses((status = 201, body = SurveyState), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "already_exists: answered already; too_late: more than 24 hours after the visit; too_early: the visit is not finished; invalid_transition: it ended without service"),
        (status = 422, body = ErrorBody)))]
pub async fn answer(
    State(hub): HubState,
    Path(token): Path<String>,
    ApiJson(submission): ApiJson<skm::Submission>,
) -> ApiResult<(StatusCode, Json<SurveyState>)> {
    let id = hub.secrets.check_status_token(&token).ok_or_else(|| ApiError::not_found("ticket"))?;
    let now = hub.clock.now_ms();
    // Through the API the answer comes from the applicant's own phone; the counter tablet's
    // page says so itself (`skm::pages`).
    let submission = skm::Submission { via: "phone".into(), ..submission };
    hub.store.write(move |tx| skm::answer(tx, &id, &submission, now)).await?;
    Ok((StatusCode::CREATED, Json(SurveyState { state: "answered", closes_at: None, number: None })))
}

/// The ticket a counter's tablet offers the survey to.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CounterSurvey {
    /// The last ticket the counter finished in the last 10 minutes that has not answered;
    /// absent if none.
    pub number: Option<String>,
    /// Its status token (for `/t/{token}/survey` and `/api/v1/survey/{token}`).
    pub token: Option<String>,
}

/// The ticket the counter has just finished, for the survey on its tablet (staff).
#[utoipa::path(get, path = "/api/v1/counters/{counter}/survey", params(("counter" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = CounterSurvey), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn counter_survey(
    State(hub): HubState,
    _staff: Staff,
    Path(counter): Path<String>,
) -> ApiResult<Json<CounterSurvey>> {
    if !hub.config.counters.iter().any(|c| c.id == counter) {
        return Err(ApiError::not_found(format!("counter {counter:?}")));
    }
    let since = hub.clock.now_ms() - 10 * 60_000;
    let served = hub
        .store
        .read(move |r| Ok::<_, crate::error::Error>(r.skm().last_served_at(&counter, since)?))
        .await?;
    Ok(Json(match served {
        Some(s) => {
            CounterSurvey { token: Some(hub.secrets.status_token(&s.ticket_id)), number: Some(s.number) }
        }
        None => CounterSurvey { number: None, token: None },
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SkmQuery {
    /// A month (`2026-12`, the default: this month), a semester (`2026-S2`) or a year (`2026`).
    #[param(pattern = r"^\s*((20[0-9]{2}|2100)(-(0[1-9]|1[0-2]|[sS][12]))?)?\s*$")]
    period: Option<String>,
    /// `json` (default), `csv` (one row per response, then NRR and IKM) or `pdf` (the SKM
    /// report).
    format: Option<crate::report::Format>,
}

/// The satisfaction survey's report of a period (supervisor): IKM and grade overall and per
/// service, each element's mean, responses against the least sample, profile, complaints.
#[utoipa::path(get, path = "/api/v1/offices/{office}/skm", params(("office" = String, Path), SkmQuery), security(("bearer" = [])),
    responses((status = 200, description = "JSON; CSV or PDF with `format`",
            content((Object = "application/json"), (String = "text/csv"), (Vec<u8> = "application/pdf"))),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn skm_report(
    State(hub): HubState,
    _supervisor: Supervisor,
    Path(office): Path<String>,
    ApiQuery(query): ApiQuery<SkmQuery>,
) -> ApiResult<Response> {
    check_office(&hub, &office)?;
    let period = match query.period.as_deref().map(str::trim) {
        Some(text) if !text.is_empty() => skm::Period::parse(text)?,
        _ => skm::Period::month_of(hub.clock.today()),
    };
    let format = query.format.unwrap_or(crate::report::Format::Json);
    let office = hub.office.clone();
    let label = period.label.clone();
    let bytes = hub.store.read(move |r| skm::export(r, &office, &period, format)).await?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    let filename =
        format!("attachment; filename=\"skm-{}-{label}.{}\"", hub.config.office.id, format.extension());
    if format != crate::report::Format::Json
        && let Ok(value) = HeaderValue::from_str(&filename)
    {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// A complaint's state.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintState {
    New,
    InProgress,
    /// Needs the reply: what was done about it.
    Answered,
}

impl ComplaintState {
    fn as_str(self) -> &'static str {
        match self {
            ComplaintState::New => "new",
            ComplaintState::InProgress => "in_progress",
            ComplaintState::Answered => "answered",
        }
    }
}

/// How a complaint is being handled.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplaintUpdate {
    pub state: ComplaintState,
    /// What was done about it (needed once answered; at most 2,000 characters).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub reply: String,
}

/// Sets a complaint's state and reply note (supervisor).
#[utoipa::path(post, path = "/api/v1/skm/complaints/{id}", params(("id" = String, Path, description = "the complaint's id, as the report gives it")), request_body = ComplaintUpdate, security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "invalid_request: answered without a reply")))]
pub async fn handle_complaint(
    State(hub): HubState,
    supervisor: Supervisor,
    Path(id): Path<String>,
    ApiJson(update): ApiJson<ComplaintUpdate>,
) -> ApiResult<StatusCode> {
    let id: i64 = id.parse().map_err(|_| ApiError::not_found("complaint"))?;
    let (by, now) = (supervisor.caller.name().to_owned(), hub.clock.now_ms());
    let state = update.state.as_str();
    hub.store.write(move |tx| skm::handle_complaint(tx, id, state, &update.reply, &by, now)).await?;
    Ok(StatusCode::NO_CONTENT)
}
