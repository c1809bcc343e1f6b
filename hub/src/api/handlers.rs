//! The handlers of the v1 API. Each one checks its input, then runs one job on the writer
//! (or one read) and shapes the answer; the rules live in `queue`, `appointments`, `auth`.

use std::sync::Arc;

use antrian_proto::qr::QrError;
use antrian_proto::*;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::extract::{self, Admin, ApiJson, ApiQuery, Kiosk, MaybeJson, Staff, Supervisor};
use crate::appointments;
use crate::auth::{self, Caller};
use crate::db::Tx;
use crate::engine::CounterAction;
use crate::error::{ApiError, ApiResult};
use crate::hub::Hub;
use crate::queue::{self, CheckinTarget, TicketOp};

type HubState = State<Arc<Hub>>;

/// Runs a mutating job once per (caller, request_id): a repeated request_id gets the first
/// answer again, read from the same transaction that would otherwise act.
async fn once<F>(hub: &Arc<Hub>, caller: &Caller, request_id: Option<String>, job: F) -> ApiResult<Response>
where
    F: FnOnce(&mut Tx<'_>, &Hub, i64) -> ApiResult<(StatusCode, Option<serde_json::Value>)> + Send + 'static,
{
    if let Some(id) = &request_id
        && (id.is_empty() || id.chars().count() > 64)
    {
        return Err(ApiError::invalid("request_id must be 1-64 characters"));
    }
    let key = caller.idempotency_key();
    let hub2 = hub.clone();
    let (status, body) = hub
        .db
        .write(move |tx| {
            let now = hub2.clock.now_ms();
            if let Some(id) = &request_id {
                let earlier: Option<(u16, String)> = tx
                    .conn
                    .prepare_cached("SELECT status, body FROM idempotency WHERE caller = ?1 AND request_id = ?2")?
                    .query_row(params![key, id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?;
                if let Some((status, body)) = earlier {
                    let body = serde_json::from_str(&body).ok();
                    return Ok((StatusCode::from_u16(status).unwrap_or(StatusCode::OK), body));
                }
            }
            let (status, body) = job(tx, &hub2, now)?;
            if let Some(id) = &request_id {
                let text = body.as_ref().map(|b| b.to_string()).unwrap_or_else(|| "null".into());
                tx.conn
                    .prepare_cached("INSERT INTO idempotency (caller, request_id, status, body, at) VALUES (?1, ?2, ?3, ?4, ?5)")?
                    .execute(params![key, id, status.as_u16(), text, now])?;
            }
            Ok((status, body))
        })
        .await?;
    Ok(match body {
        Some(body) if status != StatusCode::NO_CONTENT => (status, Json(body)).into_response(),
        _ => StatusCode::NO_CONTENT.into_response(),
    })
}

fn json<T: Serialize>(value: &T) -> ApiResult<Option<serde_json::Value>> {
    serde_json::to_value(value).map(Some).map_err(ApiError::internal)
}

pub(crate) fn check_office(hub: &Hub, office: &str) -> ApiResult<()> {
    if office == hub.config.office.id {
        Ok(())
    } else {
        Err(ApiError::not_found(format!("office {office:?}")))
    }
}

/// The hub is up.
#[utoipa::path(get, path = "/api/v1/health", responses((status = 200, body = Health)))]
pub async fn health(State(hub): HubState) -> Json<Health> {
    Json(Health { status: "ok".into(), version: env!("CARGO_PKG_VERSION").into(), now: hub.clock.now() })
}

/// Staff login: a session token (also set as an HttpOnly cookie for browsers).
#[utoipa::path(post, path = "/api/v1/auth/login", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(State(hub): HubState, ApiJson(request): ApiJson<LoginRequest>) -> ApiResult<Response> {
    let (token, role, expires) = authenticate(&hub, &request.username, &request.password).await?;
    let hours = hub.auth.session_hours;
    let cookie = session_cookie_header(&token, hours);
    let body = LoginResponse { token, role, expires_at: hub.clock.to_local(expires) };
    let mut response = Json(body).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// Checks a user name and password (slowed down after repeated failures) and opens a session:
/// (token, role, expiry in ms). Shared by the API login and the staff console's login form.
pub(crate) async fn authenticate(
    hub: &Arc<Hub>,
    username: &str,
    password: &str,
) -> ApiResult<(String, Role, i64)> {
    let now = hub.clock.now_ms();
    let username = username.trim().to_owned();
    if username.is_empty() || username.len() > 64 || password.len() > 1024 {
        return Err(ApiError::new(ErrorCode::Unauthorized, "wrong user name or password"));
    }
    hub.auth.check_allowed(&username, now)?;
    let name = username.clone();
    let user: Option<(i64, String, String)> = hub
        .db
        .read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT id, password_hash, role FROM users WHERE username = ?1 AND disabled = 0",
                    params![name],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?)
        })
        .await?;
    // Verify against a real hash even for unknown users, so timing does not tell them apart.
    let stored = user.as_ref().map(|u| u.1.clone());
    let password = password.to_owned();
    let verified = tokio::task::spawn_blocking(move || {
        static UNKNOWN_USER_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let hash = stored.unwrap_or_else(|| {
            UNKNOWN_USER_HASH.get_or_init(|| auth::hash_password("no such user").unwrap_or_default()).clone()
        });
        auth::verify_password(&hash, &password)
    })
    .await
    .map_err(ApiError::internal)?;
    let Some((user_id, _, role)) = user.filter(|_| verified) else {
        hub.auth.record_failure(&username, now);
        tracing::warn!(%username, "failed login");
        return Err(ApiError::new(ErrorCode::Unauthorized, "wrong user name or password"));
    };
    hub.auth.record_success(&username);
    let role: Role = role.parse().map_err(ApiError::internal)?;
    let hours = hub.auth.session_hours;
    let (token, expires) = hub.db.write(move |tx| auth::create_session(tx, user_id, now, hours)).await?;
    Ok((token, role, expires))
}

/// The Set-Cookie value of a browser session.
pub(crate) fn session_cookie_header(token: &str, hours: u32) -> String {
    format!(
        "{}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
        extract::SESSION_COOKIE,
        i64::from(hours) * 3600
    )
}

/// Ends the caller's session.
#[utoipa::path(post, path = "/api/v1/auth/logout", responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn logout(State(hub): HubState, _staff: Staff, headers: HeaderMap) -> ApiResult<Response> {
    let token = extract::token_of(&headers).ok_or_else(ApiError::unauthorized)?;
    let now = hub.clock.now_ms();
    hub.db.write(move |tx| auth::revoke_session(tx, &token, now)).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    let expired = format!("{}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0", extract::SESSION_COOKIE);
    if let Ok(value) = HeaderValue::from_str(&expired) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// The office with its services, stages, counters and slots.
#[utoipa::path(get, path = "/api/v1/offices", responses((status = 200, body = OfficesResponse)))]
pub async fn offices(State(hub): HubState) -> Json<OfficesResponse> {
    let c = &hub.config;
    Json(OfficesResponse {
        offices: vec![Office {
            id: c.office.id.clone(),
            name: c.office.name.clone(),
            address: c.office.address.clone(),
            timezone: c.office.timezone.clone(),
            stages: c
                .stages
                .iter()
                .map(|s| StageInfo { id: s.id.clone(), name: s.name.clone(), name_en: s.name_en.clone() })
                .collect(),
            services: c
                .services
                .iter()
                .map(|s| ServiceInfo {
                    id: s.id.clone(),
                    name: s.name.clone(),
                    name_en: s.name_en.clone(),
                    route: s.route.clone(),
                    booked: s.booked,
                    walk_in: s.walk_in_quota.is_some(),
                    priority: s.priority,
                    walk_in_quota: s.walk_in_quota,
                })
                .collect(),
            counters: c
                .counters
                .iter()
                .map(|k| CounterInfo { id: k.id.clone(), name: k.name.clone(), stages: k.stages.clone() })
                .collect(),
            slots: c
                .slots
                .iter()
                .map(|s| SlotInfo {
                    slot: s.start.format("%H:%M").to_string(),
                    end: s.end.format("%H:%M").to_string(),
                })
                .collect(),
        }],
    })
}

/// Creates appointments, all or nothing (admin).
#[utoipa::path(post, path = "/api/v1/appointments", request_body = CreateAppointmentsRequest, security(("bearer" = [])),
    responses((status = 201, body = AppointmentsResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_appointments(
    State(hub): HubState,
    _admin: Admin,
    ApiJson(request): ApiJson<CreateAppointmentsRequest>,
) -> ApiResult<(StatusCode, Json<AppointmentsResponse>)> {
    if request.appointments.len() > 10_000 {
        return Err(ApiError::invalid("at most 10000 appointments per request"));
    }
    let hub2 = hub.clone();
    let appointments = hub
        .db
        .write(move |tx| {
            let now = hub2.clock.now_ms();
            appointments::create(tx, &hub2, request.appointments, "api", now)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(AppointmentsResponse { appointments })))
}

/// Checks a booking in (kiosk): a new ticket (201), or the same ticket again (200, reprint).
#[utoipa::path(post, path = "/api/v1/checkins", request_body = CheckinRequest, security(("bearer" = [])),
    responses((status = 201, body = CheckinResponse), (status = 200, body = CheckinResponse),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn checkin(
    State(hub): HubState,
    kiosk: Kiosk,
    ApiJson(request): ApiJson<CheckinRequest>,
) -> ApiResult<Response> {
    let target = match (&request.qr, &request.booking_code, &request.nik_last4) {
        (Some(qr), _, _) => {
            // Verified here, off the writer: signatures cost CPU, not storage.
            let claim = hub.verifier.verify(qr.trim()).map_err(|e| {
                let message = match e {
                    QrError::UnknownKey(_) => "this QR code is not signed by a known issuer".to_owned(),
                    other => other.to_string(),
                };
                ApiError::new(ErrorCode::InvalidQr, message)
            })?;
            CheckinTarget::Qr(claim)
        }
        (None, Some(code), Some(last4)) => {
            if last4.len() != 4 || !last4.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ApiError::invalid("nik_last4 must be 4 digits"));
            }
            CheckinTarget::Code { code: code.clone(), nik_last4: last4.clone() }
        }
        _ => return Err(ApiError::invalid("send either qr, or booking_code and nik_last4")),
    };
    once(&hub, &kiosk.caller, request.request_id, move |tx, hub, now| {
        let (ticket, reprint) = queue::checkin(tx, hub, now, target)?;
        let status = if reprint { StatusCode::OK } else { StatusCode::CREATED };
        Ok((status, json(&CheckinResponse { ticket, reprint })?))
    })
    .await
}

/// Issues a walk-in ticket within the service's daily quota (kiosk).
#[utoipa::path(post, path = "/api/v1/walkins", request_body = WalkinRequest, security(("bearer" = [])),
    responses((status = 201, body = TicketResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn walkin(
    State(hub): HubState,
    kiosk: Kiosk,
    ApiJson(request): ApiJson<WalkinRequest>,
) -> ApiResult<Response> {
    once(&hub, &kiosk.caller, request.request_id, move |tx, hub, now| {
        let ticket = queue::walkin(tx, hub, now, &request.service)?;
        Ok((StatusCode::CREATED, json(&TicketResponse { ticket })?))
    })
    .await
}

/// Today's queue per stage, waiting tickets in call order (staff).
#[utoipa::path(get, path = "/api/v1/offices/{office}/queue", params(("office" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = QueueResponse), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn queue(
    State(hub): HubState,
    _staff: Staff,
    Path(office): Path<String>,
) -> ApiResult<Json<QueueResponse>> {
    check_office(&hub, &office)?;
    let hub2 = hub.clone();
    Ok(Json(hub.db.read(move |conn| queue::queue_view(conn, &hub2)).await?))
}

/// Counters with their state and current ticket (staff).
#[utoipa::path(get, path = "/api/v1/offices/{office}/counters", params(("office" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = CountersResponse), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn counters(
    State(hub): HubState,
    _staff: Staff,
    Path(office): Path<String>,
) -> ApiResult<Json<CountersResponse>> {
    check_office(&hub, &office)?;
    let hub2 = hub.clone();
    let counters = hub.db.read(move |conn| queue::counters_view(conn, &hub2)).await?;
    Ok(Json(CountersResponse { counters }))
}

/// Calls the next waiting ticket to this counter; 204 when nobody waits.
#[utoipa::path(post, path = "/api/v1/counters/{counter}/call-next", params(("counter" = String, Path)),
    request_body(content = ActionRequest, description = "optional"), security(("bearer" = [])),
    responses((status = 200, body = TicketResponse), (status = 204), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn call_next(
    State(hub): HubState,
    staff: Staff,
    Path(counter): Path<String>,
    MaybeJson(request): MaybeJson<ActionRequest>,
) -> ApiResult<Response> {
    once(&hub, &staff.caller, request.request_id, move |tx, hub, now| {
        match queue::call_next(tx, hub, now, &counter)? {
            Some(ticket) => Ok((StatusCode::OK, json(&TicketResponse { ticket })?)),
            None => Ok((StatusCode::NO_CONTENT, None)),
        }
    })
    .await
}

/// Calls one waiting ticket out of order.
#[utoipa::path(post, path = "/api/v1/counters/{counter}/call", params(("counter" = String, Path)), request_body = CallRequest,
    security(("bearer" = [])),
    responses((status = 200, body = TicketResponse), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn call_ticket(
    State(hub): HubState,
    staff: Staff,
    Path(counter): Path<String>,
    ApiJson(request): ApiJson<CallRequest>,
) -> ApiResult<Response> {
    once(&hub, &staff.caller, request.request_id, move |tx, hub, now| {
        let ticket = queue::call_ticket(tx, hub, now, &counter, &request.ticket)?;
        Ok((StatusCode::OK, json(&TicketResponse { ticket })?))
    })
    .await
}

async fn counter_action(
    hub: Arc<Hub>,
    caller: Caller,
    counter: String,
    request: ActionRequest,
    action: CounterAction,
) -> ApiResult<Response> {
    once(&hub, &caller, request.request_id, move |tx, hub, now| {
        let counter = queue::counter_op(tx, hub, now, &counter, action)?;
        Ok((StatusCode::OK, json(&CounterResponse { counter })?))
    })
    .await
}

/// Pauses a counter (no calls until it is opened or calls again).
#[utoipa::path(post, path = "/api/v1/counters/{counter}/pause", params(("counter" = String, Path)),
    request_body(content = ActionRequest, description = "optional"), security(("bearer" = [])),
    responses((status = 200, body = CounterResponse), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn pause_counter(
    State(hub): HubState,
    staff: Staff,
    Path(counter): Path<String>,
    MaybeJson(request): MaybeJson<ActionRequest>,
) -> ApiResult<Response> {
    counter_action(hub, staff.caller, counter, request, CounterAction::Pause).await
}

/// Opens a counter.
#[utoipa::path(post, path = "/api/v1/counters/{counter}/open", params(("counter" = String, Path)),
    request_body(content = ActionRequest, description = "optional"), security(("bearer" = [])),
    responses((status = 200, body = CounterResponse), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn open_counter(
    State(hub): HubState,
    staff: Staff,
    Path(counter): Path<String>,
    MaybeJson(request): MaybeJson<ActionRequest>,
) -> ApiResult<Response> {
    counter_action(hub, staff.caller, counter, request, CounterAction::Open).await
}

/// Closes a counter.
#[utoipa::path(post, path = "/api/v1/counters/{counter}/close", params(("counter" = String, Path)),
    request_body(content = ActionRequest, description = "optional"), security(("bearer" = [])),
    responses((status = 200, body = CounterResponse), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn close_counter(
    State(hub): HubState,
    staff: Staff,
    Path(counter): Path<String>,
    MaybeJson(request): MaybeJson<ActionRequest>,
) -> ApiResult<Response> {
    counter_action(hub, staff.caller, counter, request, CounterAction::Close).await
}

async fn ticket_action(
    hub: Arc<Hub>,
    caller: Caller,
    ticket: String,
    request_id: Option<String>,
    op: TicketOp,
) -> ApiResult<Response> {
    once(&hub, &caller, request_id, move |tx, hub, now| {
        let ticket = queue::ticket_op(tx, hub, now, &ticket, op)?;
        Ok((StatusCode::OK, json(&TicketResponse { ticket })?))
    })
    .await
}

/// Announces a called ticket again.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/recall", params(("id" = String, Path)),
    request_body(content = ActionRequest, description = "optional"), security(("bearer" = [])),
    responses((status = 200, body = TicketResponse), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn recall(
    State(hub): HubState,
    staff: Staff,
    Path(id): Path<String>,
    MaybeJson(r): MaybeJson<ActionRequest>,
) -> ApiResult<Response> {
    ticket_action(hub, staff.caller, id, r.request_id, TicketOp::Recall).await
}

/// The applicant arrived at the counter: service starts.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/start", params(("id" = String, Path)),
    request_body(content = ActionRequest, description = "optional"), security(("bearer" = [])),
    responses((status = 200, body = TicketResponse), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn start(
    State(hub): HubState,
    staff: Staff,
    Path(id): Path<String>,
    MaybeJson(r): MaybeJson<ActionRequest>,
) -> ApiResult<Response> {
    ticket_action(hub, staff.caller, id, r.request_id, TicketOp::Start).await
}

/// Finishes the stage: on to the route's next stage (or `next_stage`), or done.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/finish", params(("id" = String, Path)),
    request_body(content = FinishRequest, description = "optional"), security(("bearer" = [])),
    responses((status = 200, body = TicketResponse), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn finish(
    State(hub): HubState,
    staff: Staff,
    Path(id): Path<String>,
    MaybeJson(r): MaybeJson<FinishRequest>,
) -> ApiResult<Response> {
    ticket_action(hub, staff.caller, id, r.request_id, TicketOp::Finish { next_stage: r.next_stage }).await
}

/// The called applicant did not come.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/no-show", params(("id" = String, Path)),
    request_body(content = ActionRequest, description = "optional"), security(("bearer" = [])),
    responses((status = 200, body = TicketResponse), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn no_show(
    State(hub): HubState,
    staff: Staff,
    Path(id): Path<String>,
    MaybeJson(r): MaybeJson<ActionRequest>,
) -> ApiResult<Response> {
    ticket_action(hub, staff.caller, id, r.request_id, TicketOp::NoShow).await
}

/// A no-show came back: to the end of the stage's queue.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/requeue", params(("id" = String, Path)),
    request_body(content = ActionRequest, description = "optional"), security(("bearer" = [])),
    responses((status = 200, body = TicketResponse), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn requeue(
    State(hub): HubState,
    staff: Staff,
    Path(id): Path<String>,
    MaybeJson(r): MaybeJson<ActionRequest>,
) -> ApiResult<Response> {
    ticket_action(hub, staff.caller, id, r.request_id, TicketOp::Requeue).await
}

/// Cancels a ticket.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/cancel", params(("id" = String, Path)),
    request_body(content = ActionRequest, description = "optional"), security(("bearer" = [])),
    responses((status = 200, body = TicketResponse), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn cancel_ticket(
    State(hub): HubState,
    staff: Staff,
    Path(id): Path<String>,
    MaybeJson(r): MaybeJson<ActionRequest>,
) -> ApiResult<Response> {
    ticket_action(hub, staff.caller, id, r.request_id, TicketOp::Cancel).await
}

/// Moves a ticket to another stage's queue, optionally reserved for one counter.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/transfer", params(("id" = String, Path)), request_body = TransferRequest,
    security(("bearer" = [])),
    responses((status = 200, body = TicketResponse), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn transfer(
    State(hub): HubState,
    staff: Staff,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<TransferRequest>,
) -> ApiResult<Response> {
    ticket_action(
        hub,
        staff.caller,
        id,
        r.request_id,
        TicketOp::Transfer { stage: r.stage, counter: r.counter },
    )
    .await
}

/// A ticket's live status, for whoever holds its token (the QR on the printed ticket).
#[utoipa::path(get, path = "/api/v1/status/{token}", params(("token" = String, Path)),
    responses((status = 200, body = StatusResponse), (status = 404, body = ErrorBody)))]
pub async fn status(State(hub): HubState, Path(token): Path<String>) -> ApiResult<Json<StatusResponse>> {
    let id = hub.secrets.check_status_token(&token).ok_or_else(|| ApiError::not_found("ticket"))?;
    let hub2 = hub.clone();
    let ticket = hub.db.read(move |conn| queue::ticket_view(conn, &hub2, &id, false)).await?;
    Ok(Json(StatusResponse {
        number: ticket.number,
        state: ticket.state,
        stage: ticket.stage,
        stage_name: ticket.stage_name,
        service_name: ticket.service_name,
        people_ahead: ticket.people_ahead,
        eta_minutes: ticket.eta_minutes,
        counter: ticket.counter,
        counter_name: ticket.counter_name,
        office: hub.config.office.id.clone(),
        office_name: hub.config.office.name.clone(),
    }))
}

/// Revokes a device's token at once (supervisor).
#[utoipa::path(delete, path = "/api/v1/devices/{name}", params(("name" = String, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_device(
    State(hub): HubState,
    _supervisor: Supervisor,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    let now = hub.clock.now_ms();
    hub.db.write(move |tx| auth::revoke_device(tx, &name, now)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Today's figures per stage (supervisor).
#[utoipa::path(get, path = "/api/v1/offices/{office}/summary", params(("office" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = SummaryResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn summary(
    State(hub): HubState,
    _supervisor: Supervisor,
    Path(office): Path<String>,
) -> ApiResult<Json<SummaryResponse>> {
    check_office(&hub, &office)?;
    let hub2 = hub.clone();
    Ok(Json(hub.db.read(move |conn| crate::summary::today(conn, &hub2)).await?))
}

/// Adds a staff user (supervisor: staff only; admin: any staff role).
#[utoipa::path(post, path = "/api/v1/users", request_body = NewUserRequest, security(("bearer" = [])),
    responses((status = 201, body = UserInfo), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_user(
    State(hub): HubState,
    supervisor: Supervisor,
    ApiJson(request): ApiJson<NewUserRequest>,
) -> ApiResult<(StatusCode, Json<UserInfo>)> {
    if request.role.is_device() {
        return Err(ApiError::invalid("a user's role is admin, supervisor or staff"));
    }
    if !supervisor.caller.role.satisfies(Role::Admin) && request.role != Role::Staff {
        return Err(ApiError::new(ErrorCode::Forbidden, "supervisors may add staff users only"));
    }
    auth::check_new_password(&request.password)?;
    let password = request.password.clone();
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(ApiError::internal)??;
    let (name, role, now) = (request.username.trim().to_owned(), request.role, hub.clock.now_ms());
    let username = name.clone();
    hub.db.write(move |tx| auth::add_user(tx, &name, &hash, role, now)).await?;
    Ok((StatusCode::CREATED, Json(UserInfo { username, role })))
}

/// The kiosks and displays (supervisor).
#[utoipa::path(get, path = "/api/v1/devices", security(("bearer" = [])),
    responses((status = 200, body = DevicesResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn devices(State(hub): HubState, _supervisor: Supervisor) -> ApiResult<Json<DevicesResponse>> {
    let hub2 = hub.clone();
    let devices = hub
        .db
        .read(move |conn| {
            let mut statement = conn.prepare(
                "SELECT name, role, created_at, revoked_at IS NOT NULL FROM devices ORDER BY name",
            )?;
            let rows = statement.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, bool>(3)?,
                ))
            })?;
            let mut devices = Vec::new();
            for row in rows {
                let (name, role, created, revoked) = row?;
                devices.push(DeviceInfo {
                    name,
                    role: role.parse().map_err(ApiError::internal)?,
                    created_at: hub2.clock.to_local(created),
                    revoked,
                });
            }
            Ok(devices)
        })
        .await?;
    Ok(Json(DevicesResponse { devices }))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    office: String,
    /// `YYYY-MM-DD`; default today.
    date: Option<chrono::NaiveDate>,
    /// `json` (default), `csv` (one row per stage visit) or `pdf` (figures and charts).
    format: Option<crate::report::Format>,
}

/// The figures of one day per service, stage and counter (supervisor).
#[utoipa::path(get, path = "/api/v1/reports/daily", params(ReportQuery), security(("bearer" = [])),
    responses((status = 200, body = DailyReport, description = "JSON; CSV or PDF with `format`"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn daily_report(
    State(hub): HubState,
    _supervisor: Supervisor,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> ApiResult<Response> {
    check_office(&hub, &query.office)?;
    let date = query.date.unwrap_or_else(|| hub.clock.today());
    let format = query.format.unwrap_or(crate::report::Format::Json);
    let hub2 = hub.clone();
    let bytes = hub.db.read(move |conn| crate::report::export(conn, &hub2, date, format)).await?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    let filename =
        format!("attachment; filename=\"laporan-{}-{date}.{}\"", hub.config.office.id, format.extension());
    if format != crate::report::Format::Json
        && let Ok(value) = HeaderValue::from_str(&filename)
    {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// What a waiting-room display shows at start (display or staff); then it follows the events
/// after `last_event_id`.
#[utoipa::path(get, path = "/api/v1/offices/{office}/board", params(("office" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = BoardResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn board(
    State(hub): HubState,
    headers: axum::http::HeaderMap,
    Path(office): Path<String>,
) -> ApiResult<Json<BoardResponse>> {
    check_office(&hub, &office)?;
    let caller = extract::caller_of(&hub, &headers).await?.ok_or_else(ApiError::unauthorized)?;
    if !(caller.role == Role::Display || caller.role.satisfies(Role::Staff)) {
        return Err(ApiError::forbidden());
    }
    let hub2 = hub.clone();
    Ok(Json(hub.db.read(move |conn| crate::queue::board(conn, &hub2)).await?))
}
