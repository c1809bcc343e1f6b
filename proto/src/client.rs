//! A typed async client of the hub's v1 API, used by the kiosk, the display and the tests.
//!
//! [`Client::subscribe`] gives the live event stream as a channel fed by a background task
//! that reconnects by itself (backing off up to 5 s) and resumes with `Last-Event-ID`, so
//! the receiver sees every event exactly once and in order, however often the hub or the
//! network goes away — and, if the hub's log went back (a restore), a
//! [`StreamItem::Reset`] saying to reload.

use std::time::Duration;

use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;

use crate::events::{BoardResponse, EventEnvelope, HubEvent};
use crate::types::*;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The hub answered with an error body.
    #[error("{status} {code}: {message}")]
    Api { status: u16, code: ErrorCode, message: String, detail: Option<RefusalDetail> },
    /// The hub could not be reached, or the connection broke.
    #[error("hub unreachable: {0}")]
    Unreachable(String),
    /// The hub answered something this client does not understand.
    #[error("unexpected answer: {0}")]
    Unexpected(String),
}

impl ClientError {
    /// The API error code's name, if the hub answered with one (`"unknown"` for a code this
    /// build does not know).
    pub fn code(&self) -> Option<&'static str> {
        self.error_code().map(ErrorCode::as_str)
    }

    /// The API error code, if the hub answered with one.
    pub fn error_code(&self) -> Option<ErrorCode> {
        match self {
            ClientError::Api { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// What the refusal is about, when the hub said.
    pub fn detail(&self) -> Option<&RefusalDetail> {
        match self {
            ClientError::Api { detail, .. } => detail.as_ref(),
            _ => None,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// What the event subscription delivers.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamItem {
    /// The stream is (again) connected; events after the last one seen follow.
    Connected,
    /// One event, never delivered twice.
    Event(EventEnvelope),
    /// The hub's log is behind what this subscription saw (its data was restored from a
    /// backup): reload what you show (a display its board); events after `last_event_id`
    /// follow.
    Reset { last_event_id: u64 },
    /// The connection is gone; the subscription is reconnecting.
    Disconnected(String),
}

#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl Client {
    /// `base` is the hub's address, e.g. `http://127.0.0.1:8080`.
    pub fn new(base: impl Into<String>) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(15))
            .build()
            .unwrap_or_default();
        Client { http, base: base.into().trim_end_matches('/').to_owned(), token: None }
    }

    /// Gives up on a request after `timeout` (connecting: at most 3 s of it). Devices use a
    /// short one and retry with the same `request_id`.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.http = reqwest::Client::builder()
            .connect_timeout(timeout.min(Duration::from_secs(3)))
            .timeout(timeout)
            .build()
            .unwrap_or_default();
        self
    }

    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// Sends one request and decodes the JSON answer; `Ok(None)` for 204 No Content.
    pub async fn send<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<Option<T>, ClientError> {
        let mut request = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|e| ClientError::Unreachable(e.to_string()))?;
        let status = response.status();
        if status == StatusCode::NO_CONTENT {
            return Ok(None);
        }
        let bytes = response.bytes().await.map_err(|e| ClientError::Unreachable(e.to_string()))?;
        if status.is_success() {
            return serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| ClientError::Unexpected(format!("{e}")));
        }
        match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(body) => {
                let mut message = body.error.message;
                if body.error.code == ErrorCode::Unknown {
                    // Keep a newer hub's code for the log.
                    let raw = serde_json::from_slice::<serde_json::Value>(&bytes).ok();
                    if let Some(code) = raw.as_ref().and_then(|v| v["error"]["code"].as_str()) {
                        message = format!("[{code}] {message}");
                    }
                }
                Err(ClientError::Api {
                    status: status.as_u16(),
                    code: body.error.code,
                    message,
                    detail: body.error.detail,
                })
            }
            Err(_) => Err(ClientError::Unexpected(format!(
                "{status}: {}",
                String::from_utf8_lossy(&bytes).chars().take(200).collect::<String>()
            ))),
        }
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        self.send::<(), T>(Method::GET, path, None).await?.ok_or_else(no_content)
    }

    async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.send(Method::POST, path, Some(body)).await?.ok_or_else(no_content)
    }

    pub async fn health(&self) -> Result<Health, ClientError> {
        self.get("/api/v1/health").await
    }

    /// Logs in and returns a client that carries the session token.
    pub async fn login(&self, username: &str, password: &str) -> Result<(Client, Role), ClientError> {
        let answer: LoginResponse = self
            .post(
                "/api/v1/auth/login",
                &LoginRequest { username: username.into(), password: password.into() },
            )
            .await?;
        Ok((self.clone().with_token(answer.token), answer.role))
    }

    pub async fn offices(&self) -> Result<OfficesResponse, ClientError> {
        self.get("/api/v1/offices").await
    }

    pub async fn create_appointments(
        &self,
        appointments: Vec<NewAppointment>,
    ) -> Result<Vec<Appointment>, ClientError> {
        let answer: AppointmentsResponse =
            self.post("/api/v1/appointments", &CreateAppointmentsRequest { appointments }).await?;
        Ok(answer.appointments)
    }

    pub async fn booking(&self, code: &str, nik_last4: &str) -> Result<Appointment, ClientError> {
        self.get(&format!("/api/v1/bookings/{code}?nik_last4={nik_last4}")).await
    }

    pub async fn cancel_booking(&self, code: &str, nik_last4: &str) -> Result<Appointment, ClientError> {
        self.post(&format!("/api/v1/bookings/{code}/cancel"), &NikLast4 { nik_last4: nik_last4.into() }).await
    }

    pub async fn book(&self, request: &BookingRequest) -> Result<Appointment, ClientError> {
        self.post("/api/v1/bookings", request).await
    }

    pub async fn reschedule(
        &self,
        code: &str,
        date: chrono::NaiveDate,
        slot: &str,
        nik_last4: &str,
    ) -> Result<Appointment, ClientError> {
        self.post(
            &format!("/api/v1/bookings/{code}/reschedule"),
            &RescheduleRequest { date, slot: slot.into(), nik_last4: nik_last4.into() },
        )
        .await
    }

    pub async fn availability(
        &self,
        office: &str,
        date: chrono::NaiveDate,
        service: &str,
    ) -> Result<AvailabilityResponse, ClientError> {
        self.get(&format!("/api/v1/offices/{office}/availability?date={date}&service={service}")).await
    }

    pub async fn calendar(&self, office: &str, service: &str) -> Result<CalendarResponse, ClientError> {
        self.get(&format!("/api/v1/offices/{office}/calendar?service={service}")).await
    }

    pub async fn checkin(&self, request: &CheckinRequest) -> Result<CheckinResponse, ClientError> {
        self.post("/api/v1/checkins", request).await
    }

    pub async fn checkin_qr(&self, qr: &str) -> Result<CheckinResponse, ClientError> {
        self.checkin(&CheckinRequest { qr: Some(qr.into()), ..Default::default() }).await
    }

    pub async fn walkin(&self, service: &str, request_id: Option<&str>) -> Result<Ticket, ClientError> {
        let answer: TicketResponse = self
            .post(
                "/api/v1/walkins",
                &WalkinRequest { service: service.into(), request_id: request_id.map(Into::into) },
            )
            .await?;
        Ok(answer.ticket)
    }

    pub async fn queue(&self, office: &str) -> Result<QueueResponse, ClientError> {
        self.get(&format!("/api/v1/offices/{office}/queue")).await
    }

    pub async fn counters(&self, office: &str) -> Result<CountersResponse, ClientError> {
        self.get(&format!("/api/v1/offices/{office}/counters")).await
    }

    /// Calls the next waiting ticket to `counter`; `Ok(None)` when nobody waits.
    pub async fn call_next(
        &self,
        counter: &str,
        request_id: Option<&str>,
    ) -> Result<Option<Ticket>, ClientError> {
        let answer: Option<TicketResponse> = self
            .send(
                Method::POST,
                &format!("/api/v1/counters/{counter}/call-next"),
                Some(&ActionRequest { request_id: request_id.map(Into::into) }),
            )
            .await?;
        Ok(answer.map(|a| a.ticket))
    }

    pub async fn call(&self, counter: &str, ticket: &str) -> Result<Ticket, ClientError> {
        let answer: TicketResponse = self
            .post(
                &format!("/api/v1/counters/{counter}/call"),
                &CallRequest { ticket: ticket.into(), request_id: None },
            )
            .await?;
        Ok(answer.ticket)
    }

    /// `action` is `pause`, `open` or `close`.
    pub async fn counter_action(&self, counter: &str, action: &str) -> Result<CounterStatus, ClientError> {
        let answer: CounterResponse =
            self.post(&format!("/api/v1/counters/{counter}/{action}"), &ActionRequest::default()).await?;
        Ok(answer.counter)
    }

    /// `action` is `recall`, `start`, `no-show`, `requeue` or `cancel`.
    pub async fn ticket_action(&self, ticket: &str, action: &str) -> Result<Ticket, ClientError> {
        let answer: TicketResponse =
            self.post(&format!("/api/v1/tickets/{ticket}/{action}"), &ActionRequest::default()).await?;
        Ok(answer.ticket)
    }

    /// A ticket action (`start`, `finish`, `no-show`, `requeue`, ...) with a `request_id`, so
    /// that trying it again after a lost answer acts once.
    pub async fn ticket_action_with(
        &self,
        ticket: &str,
        action: &str,
        request_id: &str,
    ) -> Result<Ticket, ClientError> {
        let request = ActionRequest { request_id: Some(request_id.into()) };
        let answer: TicketResponse =
            self.post(&format!("/api/v1/tickets/{ticket}/{action}"), &request).await?;
        Ok(answer.ticket)
    }

    pub async fn finish(&self, ticket: &str, next_stage: Option<&str>) -> Result<Ticket, ClientError> {
        let answer: TicketResponse = self
            .post(
                &format!("/api/v1/tickets/{ticket}/finish"),
                &FinishRequest { next_stage: next_stage.map(Into::into), request_id: None },
            )
            .await?;
        Ok(answer.ticket)
    }

    pub async fn transfer(
        &self,
        ticket: &str,
        stage: &str,
        counter: Option<&str>,
    ) -> Result<Ticket, ClientError> {
        let answer: TicketResponse = self
            .post(
                &format!("/api/v1/tickets/{ticket}/transfer"),
                &TransferRequest { stage: stage.into(), counter: counter.map(Into::into), request_id: None },
            )
            .await?;
        Ok(answer.ticket)
    }

    pub async fn board(&self, office: &str) -> Result<BoardResponse, ClientError> {
        self.get(&format!("/api/v1/offices/{office}/board")).await
    }

    pub async fn status(&self, token: &str) -> Result<StatusResponse, ClientError> {
        self.get(&format!("/api/v1/status/{token}")).await
    }

    /// Subscribes to the office's live events after `since` (`None`: live events only).
    /// Dropping the receiver ends the background task.
    pub fn subscribe(&self, office: &str, since: Option<u64>) -> mpsc::Receiver<StreamItem> {
        let (tx, rx) = mpsc::channel(1024);
        let client = self.clone();
        let url = format!("{}/api/v1/offices/{office}/events", self.base);
        tokio::spawn(async move { client.run_subscription(url, since, tx).await });
        rx
    }

    async fn run_subscription(self, url: String, since: Option<u64>, tx: mpsc::Sender<StreamItem>) {
        // A hub sends a keep-alive at least every 15 s: silence for longer means a dead link.
        const SILENCE: Duration = Duration::from_secs(40);
        let http =
            reqwest::Client::builder().connect_timeout(Duration::from_secs(3)).build().unwrap_or_default();
        let mut last = since;
        let mut backoff = Duration::from_millis(200);
        loop {
            let mut request = http.get(&url).header("Accept", "text/event-stream");
            if let Some(token) = &self.token {
                request = request.bearer_auth(token);
            }
            if let Some(last) = last {
                request = request.header("Last-Event-ID", last.to_string());
            }
            let reason = match request.send().await {
                Err(e) => format!("cannot connect: {e}"),
                Ok(response) if !response.status().is_success() => {
                    backoff = Duration::from_secs(5);
                    format!("refused: {}", response.status())
                }
                Ok(response) => {
                    if tx.send(StreamItem::Connected).await.is_err() {
                        return;
                    }
                    backoff = Duration::from_millis(200);
                    let mut events = response.bytes_stream().eventsource();
                    loop {
                        match tokio::time::timeout(SILENCE, events.next()).await {
                            Err(_) => break "no keep-alive from the hub".to_owned(),
                            Ok(None) => break "the hub closed the stream".to_owned(),
                            Ok(Some(Err(e))) => break format!("stream broken: {e}"),
                            Ok(Some(Ok(event))) => {
                                let Ok(id) = event.id.parse::<u64>() else { continue };
                                if event.event == crate::events::RESET {
                                    last = Some(id);
                                    if tx.send(StreamItem::Reset { last_event_id: id }).await.is_err() {
                                        return;
                                    }
                                    continue;
                                }
                                if last.is_some_and(|last| id <= last) {
                                    continue;
                                }
                                last = Some(id);
                                let Some(parsed) = HubEvent::parse(&event.event, &event.data) else {
                                    tracing::debug!(kind = %event.event, "skipping unknown event");
                                    continue;
                                };
                                let item = StreamItem::Event(EventEnvelope { id, event: parsed });
                                if tx.send(item).await.is_err() {
                                    return;
                                }
                            }
                        }
                    }
                }
            };
            if tx.send(StreamItem::Disconnected(reason)).await.is_err() {
                return;
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(5));
        }
    }
}

fn no_content() -> ClientError {
    ClientError::Unexpected("204 No Content where a body was expected".into())
}
