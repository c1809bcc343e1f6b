//! The office's face to everyone: health, the office with its services and counters, admins'
//! appointments, a ticket's live status for whoever holds its token, and the board a
//! waiting-room display starts from.

use std::sync::Arc;

use antrian_proto::*;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use super::check_office;
use super::error::{ApiError, ApiResult};
use super::extract::{self, Admin, ApiJson};
use crate::appointments;
use crate::hub::Hub;
use crate::queue;

type HubState = State<Arc<Hub>>;

/// The hub is up.
#[utoipa::path(get, path = "/api/v1/health", responses((status = 200, body = Health)))]
pub async fn health(State(hub): HubState) -> Json<Health> {
    Json(Health { status: "ok".into(), version: env!("CARGO_PKG_VERSION").into(), now: hub.clock.now() })
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
    responses((status = 201, body = AppointmentsResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "duplicate_booking: a booking code or a NIK and day already held"),
        (status = 422, body = ErrorBody)))]
pub async fn create_appointments(
    State(hub): HubState,
    _admin: Admin,
    ApiJson(request): ApiJson<CreateAppointmentsRequest>,
) -> ApiResult<(StatusCode, Json<AppointmentsResponse>)> {
    if request.appointments.len() > 10_000 {
        return Err(ApiError::invalid("at most 10000 appointments per request"));
    }
    let (office, keys) = (hub.office.clone(), hub.secrets.clone());
    let appointments = hub
        .store
        .write(move |tx| {
            let now = office.clock.now_ms();
            appointments::create(tx, &office, &keys, request.appointments, "api", now)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(AppointmentsResponse { appointments })))
}

/// A ticket's live status, for whoever holds its token (the QR on the printed ticket).
#[utoipa::path(get, path = "/api/v1/status/{token}", params(("token" = String, Path)),
    responses((status = 200, body = StatusResponse), (status = 404, body = ErrorBody)))]
pub async fn status(State(hub): HubState, Path(token): Path<String>) -> ApiResult<Json<StatusResponse>> {
    let id = hub.secrets.check_status_token(&token).ok_or_else(|| ApiError::not_found("ticket"))?;
    let office = hub.office.clone();
    let ticket = hub.store.read(move |r| queue::views::ticket_by_id(r, &office, &id, false)).await?;
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
    let office = hub.office.clone();
    Ok(Json(hub.store.read(move |r| crate::queue::views::board(r, &office)).await?))
}
