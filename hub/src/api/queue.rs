//! The queue's endpoints: check-in and walk-ins (kiosks), today's queue and the counters,
//! and every counter and ticket action (staff). Each mutating request runs once per
//! `request_id` ([`super::once`]).

use std::sync::Arc;

use antrian_proto::qr::QrError;
use antrian_proto::*;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::check_office;
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, Kiosk, MaybeJson, Staff};
use super::once::once;
use crate::auth::Caller;
use crate::engine::{CounterAction, TicketOp};
use crate::hub::Hub;
use crate::queue::{self, CheckinTarget};

type HubState = State<Arc<Hub>>;

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
            // Signed by another issuer (the national service): a booking the hub has not
            // received yet may check in from the QR alone.
            let own = qr.trim().rsplit('.').nth(1) == Some(hub.secrets.signer.key_id());
            CheckinTarget::Qr(claim, (!own).then(|| qr.trim().to_owned()))
        }
        (None, Some(code), Some(last4)) => {
            if last4.len() != 4 || !last4.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ApiError::invalid("nik_last4 must be 4 digits"));
            }
            CheckinTarget::Code { code: code.clone(), nik_last4: last4.clone() }
        }
        _ => return Err(ApiError::invalid("send either qr, or booking_code and nik_last4")),
    };
    let asked = match &target {
        CheckinTarget::Qr(claim, _) => format!("checkin:{}", claim.booking_code),
        CheckinTarget::Code { code, .. } => format!("checkin:{}", antrian_rules::code::normalize(code)),
    };
    let answer = once(&hub, &kiosk.caller, request.request_id, asked, move |tx, office, now| {
        queue::checkin(tx, office, now, target)
    })
    .await?;
    let status = if answer.reprint { StatusCode::OK } else { StatusCode::CREATED };
    Ok((status, Json(answer)).into_response())
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
    let asked = format!("walkin:{}", request.service);
    let answer = once(&hub, &kiosk.caller, request.request_id, asked, move |tx, office, now| {
        queue::walkin(tx, office, now, &request.service).map(|ticket| TicketResponse { ticket })
    })
    .await?;
    Ok((StatusCode::CREATED, Json(answer)).into_response())
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
    let office = hub.office.clone();
    Ok(Json(hub.store.read(move |r| queue::views::queue(r, &office)).await?))
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
    let office = hub.office.clone();
    let counters = hub.store.read(move |r| queue::views::counters(r, &office)).await?;
    Ok(Json(CountersResponse { counters }))
}

/// Calls the next waiting ticket to this counter; 204 when nobody waits.
#[utoipa::path(post, path = "/api/v1/counters/{counter}/call-next", params(("counter" = String, Path)),
    request_body(content = Option<ActionRequest>, description = "optional"), security(("bearer" = [])),
    responses((status = 200, body = TicketResponse), (status = 204), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn call_next(
    State(hub): HubState,
    staff: Staff,
    Path(counter): Path<String>,
    MaybeJson(request): MaybeJson<ActionRequest>,
) -> ApiResult<Response> {
    let asked = format!("call-next:{counter}");
    let answer = once(&hub, &staff.caller, request.request_id, asked, move |tx, office, now| {
        Ok(queue::call_next(tx, office, now, &counter)?.map(|ticket| TicketResponse { ticket }))
    })
    .await?;
    Ok(match answer {
        Some(answer) => Json(answer).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    })
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
    let asked = format!("call:{counter}:{}", request.ticket);
    let answer = once(&hub, &staff.caller, request.request_id, asked, move |tx, office, now| {
        queue::call_ticket(tx, office, now, &counter, &request.ticket).map(|ticket| TicketResponse { ticket })
    })
    .await?;
    Ok(Json(answer).into_response())
}

async fn counter_action(
    hub: Arc<Hub>,
    caller: Caller,
    counter: String,
    request: ActionRequest,
    action: CounterAction,
) -> ApiResult<Response> {
    let asked = format!("counter:{counter}:{action:?}");
    let answer = once(&hub, &caller, request.request_id, asked, move |tx, office, now| {
        queue::counter_op(tx, office, now, &counter, action).map(|counter| CounterResponse { counter })
    })
    .await?;
    Ok(Json(answer).into_response())
}

/// Pauses a counter (no calls until it is opened or calls again).
#[utoipa::path(post, path = "/api/v1/counters/{counter}/pause", params(("counter" = String, Path)),
    request_body(content = Option<ActionRequest>, description = "optional"), security(("bearer" = [])),
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
    request_body(content = Option<ActionRequest>, description = "optional"), security(("bearer" = [])),
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
    request_body(content = Option<ActionRequest>, description = "optional"), security(("bearer" = [])),
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
    let asked = format!("ticket:{ticket}:{op:?}");
    let answer = once(&hub, &caller, request_id, asked, move |tx, office, now| {
        queue::ticket_op(tx, office, now, &ticket, op).map(|ticket| TicketResponse { ticket })
    })
    .await?;
    Ok(Json(answer).into_response())
}

/// Announces a called ticket again.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/recall", params(("id" = String, Path)),
    request_body(content = Option<ActionRequest>, description = "optional"), security(("bearer" = [])),
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
    request_body(content = Option<ActionRequest>, description = "optional"), security(("bearer" = [])),
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
    request_body(content = Option<FinishRequest>, description = "optional"), security(("bearer" = [])),
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
    request_body(content = Option<ActionRequest>, description = "optional"), security(("bearer" = [])),
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
    request_body(content = Option<ActionRequest>, description = "optional"), security(("bearer" = [])),
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
    request_body(content = Option<ActionRequest>, description = "optional"), security(("bearer" = [])),
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
