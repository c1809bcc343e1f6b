//! Staff accounts and supervision: login and logout, users and devices, today's summary,
//! and the daily report.

use std::sync::Arc;

use antrian_proto::*;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::check_office;
use super::error::{ApiError, ApiResult};
use super::extract::{self, ApiJson, ApiQuery, Staff, Supervisor};
use crate::hub::Hub;
use crate::{auth, session};

type HubState = State<Arc<Hub>>;

/// Staff login: a session token (also set as an HttpOnly cookie for browsers).
#[utoipa::path(post, path = "/api/v1/auth/login", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(State(hub): HubState, ApiJson(request): ApiJson<LoginRequest>) -> ApiResult<Response> {
    let opened = session::login(&hub, &request.username, &request.password).await?;
    let cookie = session::cookie(&opened.token, hub.config.hub.session_hours);
    let body = LoginResponse {
        token: opened.token,
        role: opened.role,
        expires_at: hub.clock.to_local(opened.expires_ms),
    };
    let mut response = Json(body).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// Ends the caller's session.
#[utoipa::path(post, path = "/api/v1/auth/logout", responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn logout(State(hub): HubState, _staff: Staff, headers: HeaderMap) -> ApiResult<Response> {
    let token = extract::token_of(&headers).ok_or_else(ApiError::unauthorized)?;
    session::logout(&hub, &token).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    if let Ok(value) = HeaderValue::from_str(&session::expired_cookie()) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
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
    hub.store.write(move |tx| auth::revoke_device(tx, &name, now)).await?;
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
    let office = hub.office.clone();
    Ok(Json(hub.store.read(move |r| crate::summary::today(r, &office)).await?))
}

/// Marks passports ready for pickup (supervisor): the national service is told, and at the
/// kiosk the same booking QR then gives a pickup (pengambilan) ticket.
#[utoipa::path(post, path = "/api/v1/pickups/ready", request_body = PickupReadyRequest, security(("bearer" = [])),
    responses((status = 200, body = PickupReadyResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn pickups_ready(
    State(hub): HubState,
    _supervisor: Supervisor,
    ApiJson(request): ApiJson<PickupReadyRequest>,
) -> ApiResult<Json<PickupReadyResponse>> {
    if request.booking_codes.len() > 500 {
        return Err(ApiError::invalid("at most 500 booking codes at once"));
    }
    let codes: Vec<String> =
        request.booking_codes.iter().map(|c| antrian_rules::code::normalize(c)).collect();
    let now = hub.clock.now_ms();
    let answer = hub
        .store
        .write(move |tx| -> Result<PickupReadyResponse, crate::store::StoreError> {
            let (mut marked, mut unknown) = (Vec::new(), Vec::new());
            for code in codes {
                if antrian_rules::code::is_valid(&code) && tx.central().mark_ready(&code, now)? {
                    marked.push(code);
                } else {
                    unknown.push(code);
                }
            }
            Ok(PickupReadyResponse { marked, unknown })
        })
        .await?;
    Ok(Json(answer))
}

/// Adds a staff user (supervisor: staff only; admin: any staff role).
#[utoipa::path(post, path = "/api/v1/users", request_body = NewUserRequest, security(("bearer" = [])),
    responses((status = 201, body = UserInfo), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "already_exists: a user of that name is there"), (status = 422, body = ErrorBody)))]
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
    let (name, role, now) = (request.username.clone(), request.role, hub.clock.now_ms());
    let username = name.clone();
    hub.store.write(move |tx| auth::add_user(tx, &name, &hash, role, now)).await?;
    Ok((StatusCode::CREATED, Json(UserInfo { username, role })))
}

/// The kiosks and displays (supervisor).
#[utoipa::path(get, path = "/api/v1/devices", security(("bearer" = [])),
    responses((status = 200, body = DevicesResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn devices(State(hub): HubState, _supervisor: Supervisor) -> ApiResult<Json<DevicesResponse>> {
    let rows = hub.store.read(|r| r.accounts().devices()).await?;
    let devices = rows
        .into_iter()
        .map(|d| DeviceInfo {
            name: d.name,
            role: d.role,
            created_at: hub.clock.to_local(d.created_at),
            revoked: d.revoked,
        })
        .collect();
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
    responses((status = 200, description = "JSON; CSV or PDF with `format`",
            content((DailyReport = "application/json"), (String = "text/csv"), (Vec<u8> = "application/pdf"))),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn daily_report(
    State(hub): HubState,
    _supervisor: Supervisor,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> ApiResult<Response> {
    check_office(&hub, &query.office)?;
    let date = query.date.unwrap_or_else(|| hub.clock.today());
    let format = query.format.unwrap_or(crate::report::Format::Json);
    let office = hub.office.clone();
    let bytes = hub.store.read(move |r| crate::report::export(r, &office, date, format)).await?;
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
