//! The applicant's side of the API: availability, the calendar, booking, cancelling and
//! rescheduling. Anyone may call these; each client address is held to
//! `booking.rate_limit_per_minute`.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use antrian_proto::*;
use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use chrono::NaiveDate;
use serde::Deserialize;

use super::check_office;
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiQuery};
use crate::hub::Hub;
use crate::{appointments, booking};

type HubState = State<Arc<Hub>>;

/// The client's address: the peer, or the X-Forwarded-For of the configured trusted proxy.
pub struct ClientAddr(pub Option<IpAddr>);

impl FromRequestParts<Arc<Hub>> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, hub: &Arc<Hub>) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        let forwarded = || {
            parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next_back())
                .and_then(|v| v.trim().parse::<IpAddr>().ok())
        };
        let client = match (peer, hub.config.booking.proxy) {
            (Some(peer), Some(proxy)) if peer == proxy => forwarded().or(Some(peer)),
            (peer, _) => peer,
        };
        Ok(ClientAddr(client))
    }
}

fn limit(hub: &Hub, client: &ClientAddr) -> ApiResult<()> {
    Ok(hub.bookings.check(client.0, hub.config.booking.rate_limit_per_minute, hub.clock.now_ms())?)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AvailabilityQuery {
    /// `YYYY-MM-DD`.
    date: NaiveDate,
    /// A booked service id, e.g. `A`.
    service: String,
}

/// Places per slot of one date for one service.
#[utoipa::path(get, path = "/api/v1/offices/{office}/availability", params(("office" = String, Path), AvailabilityQuery),
    responses((status = 200, body = AvailabilityResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn availability(
    State(hub): HubState,
    Path(office): Path<String>,
    ApiQuery(query): ApiQuery<AvailabilityQuery>,
) -> ApiResult<Json<AvailabilityResponse>> {
    check_office(&hub, &office)?;
    let office = hub.office.clone();
    Ok(Json(hub.store.read(move |r| booking::availability(r, &office, query.date, &query.service)).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CalendarQuery {
    service: String,
}

/// Places left per day over the booking horizon, for the booking page's calendar.
#[utoipa::path(get, path = "/api/v1/offices/{office}/calendar", params(("office" = String, Path), CalendarQuery),
    responses((status = 200, body = CalendarResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn calendar(
    State(hub): HubState,
    Path(office): Path<String>,
    ApiQuery(query): ApiQuery<CalendarQuery>,
) -> ApiResult<Json<CalendarResponse>> {
    check_office(&hub, &office)?;
    let office = hub.office.clone();
    Ok(Json(hub.store.read(move |r| booking::calendar(r, &office, &query.service)).await?))
}

/// Books a slot. Never more bookings than the slot's capacity, however many race for it.
#[utoipa::path(post, path = "/api/v1/bookings", request_body = BookingRequest,
    responses((status = 201, body = Appointment), (status = 409, body = ErrorBody, description = "quota_full, duplicate_booking, booking_limit, closed"),
        (status = 422, body = ErrorBody, description = "invalid_nik, invalid_request"), (status = 429, body = ErrorBody)))]
pub async fn create_booking(
    State(hub): HubState,
    client: ClientAddr,
    ApiJson(request): ApiJson<BookingRequest>,
) -> ApiResult<(StatusCode, Json<Appointment>)> {
    limit(&hub, &client)?;
    let (office, keys) = (hub.office.clone(), hub.secrets.clone());
    let appointment =
        hub.store.write(move |tx| booking::book(tx, &office, &keys, office.clock.now_ms(), request)).await?;
    Ok((StatusCode::CREATED, Json(appointment)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NikQuery {
    /// The last four digits of the applicant's NIK.
    #[serde(default)]
    nik_last4: String,
}

/// A booking, for its holder (code and last four NIK digits).
#[utoipa::path(get, path = "/api/v1/bookings/{code}", params(("code" = String, Path), NikQuery),
    responses((status = 200, body = Appointment), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn get_booking(
    State(hub): HubState,
    client: ClientAddr,
    Path(code): Path<String>,
    ApiQuery(query): ApiQuery<NikQuery>,
) -> ApiResult<Json<Appointment>> {
    limit(&hub, &client)?;
    let row = hub.store.read(move |r| appointments::find(r, &code, &query.nik_last4)).await?;
    Ok(Json(appointments::to_wire(&hub.office, &row)))
}

/// Cancels a booking; its place returns to the quota.
#[utoipa::path(post, path = "/api/v1/bookings/{code}/cancel", params(("code" = String, Path)), request_body = NikLast4,
    responses((status = 200, body = Appointment), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn cancel_booking(
    State(hub): HubState,
    client: ClientAddr,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<NikLast4>,
) -> ApiResult<Json<Appointment>> {
    limit(&hub, &client)?;
    let now = hub.clock.now_ms();
    let row = hub.store.write(move |tx| appointments::cancel(tx, &code, &body.nik_last4, now)).await?;
    Ok(Json(appointments::to_wire(&hub.office, &row)))
}

/// Moves a booking to another date or slot: once, before the booked slot begins.
#[utoipa::path(post, path = "/api/v1/bookings/{code}/reschedule", params(("code" = String, Path)), request_body = RescheduleRequest,
    responses((status = 200, body = Appointment), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "quota_full, closed, duplicate_booking, cancelled, invalid_transition"),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn reschedule(
    State(hub): HubState,
    client: ClientAddr,
    Path(code): Path<String>,
    ApiJson(request): ApiJson<RescheduleRequest>,
) -> ApiResult<Json<Appointment>> {
    limit(&hub, &client)?;
    let (office, keys) = (hub.office.clone(), hub.secrets.clone());
    let appointment = hub
        .store
        .write(move |tx| booking::reschedule(tx, &office, &keys, office.clock.now_ms(), &code, request))
        .await?;
    Ok(Json(appointment))
}
