//! Wire types of the hub's v1 API. Field names follow `API.md`; fields may be added, never
//! renamed.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

/// Who is calling. `admin` ⊃ `supervisor` ⊃ `staff`; devices are `kiosk` or `display`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Supervisor,
    Staff,
    Kiosk,
    Display,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Supervisor => "supervisor",
            Role::Staff => "staff",
            Role::Kiosk => "kiosk",
            Role::Display => "display",
        }
    }

    /// Staff roles rank `admin` > `supervisor` > `staff`; devices have no rank.
    pub fn staff_rank(self) -> Option<u8> {
        match self {
            Role::Admin => Some(3),
            Role::Supervisor => Some(2),
            Role::Staff => Some(1),
            Role::Kiosk | Role::Display => None,
        }
    }

    pub fn is_device(self) -> bool {
        matches!(self, Role::Kiosk | Role::Display)
    }

    /// True when `self` may act where `required` is asked for (`admin` may do what
    /// `supervisor` and `staff` may; devices only what their own role may).
    pub fn satisfies(self, required: Role) -> bool {
        match (self.staff_rank(), required.staff_rank()) {
            (Some(have), Some(need)) => have >= need,
            _ => self == required,
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "admin" => Ok(Role::Admin),
            "supervisor" => Ok(Role::Supervisor),
            "staff" => Ok(Role::Staff),
            "kiosk" => Ok(Role::Kiosk),
            "display" => Ok(Role::Display),
            other => {
                Err(format!("unknown role {other:?} (expected admin, supervisor, staff, kiosk or display)"))
            }
        }
    }
}

/// The machine-readable error codes of `API.md`.
///
/// On the wire a code is its snake_case name. A code this build does not know (a newer hub's)
/// is read as [`ErrorCode::Unknown`], never as an error: a device shows its general sentence
/// for it instead of failing to read the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Unauthorized,
    Forbidden,
    NotFound,
    InvalidRequest,
    InvalidTransition,
    InvalidQr,
    UnknownBooking,
    WrongOffice,
    WrongDate,
    TooEarly,
    TooLate,
    Cancelled,
    NotWalkIn,
    QuotaFull,
    DuplicateBooking,
    InvalidNik,
    Closed,
    CounterBusy,
    TooManyAttempts,
    BookingLimit,
    RateLimited,
    Unavailable,
    Internal,
    /// A `request_id` already used by the same caller for a different request.
    IdempotencyConflict,
    /// A user or device by that name is already there (staff accounts; not in `API.md`).
    AlreadyExists,
    /// The NIK's embedded birth date or sex disagrees with the form (`CENTRAL.md`).
    NikMismatch,
    /// The account already has its 5 applicants (`CENTRAL.md`).
    ApplicantLimit,
    /// An uploaded file is over the size limit.
    TooLarge,
    /// An uploaded file is not JPEG, PNG or PDF.
    UnsupportedType,
    /// An uploaded file is empty or cannot be read as what it says it is.
    Unreadable,
    /// The date's quota has not been released yet.
    NotReleased,
    /// The applicant has not uploaded every document the application needs.
    MissingDocuments,
    /// A payment notification whose signature does not match.
    BadSignature,
    /// The bill (or the offer) expired before it was paid.
    Expired,
    /// A payment notification for another amount than the bill's.
    AmountMismatch,
    /// A date of a quota release behind its waiting room, asked for without a valid admission
    /// (`CENTRAL.md`, the waiting room; issue 15).
    NotAdmitted,
    /// A code this build does not know. Never sent by a hub.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 36] = [
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::InvalidRequest,
        ErrorCode::InvalidTransition,
        ErrorCode::InvalidQr,
        ErrorCode::UnknownBooking,
        ErrorCode::WrongOffice,
        ErrorCode::WrongDate,
        ErrorCode::TooEarly,
        ErrorCode::TooLate,
        ErrorCode::Cancelled,
        ErrorCode::NotWalkIn,
        ErrorCode::QuotaFull,
        ErrorCode::DuplicateBooking,
        ErrorCode::InvalidNik,
        ErrorCode::Closed,
        ErrorCode::CounterBusy,
        ErrorCode::TooManyAttempts,
        ErrorCode::BookingLimit,
        ErrorCode::RateLimited,
        ErrorCode::Unavailable,
        ErrorCode::Internal,
        ErrorCode::IdempotencyConflict,
        ErrorCode::AlreadyExists,
        ErrorCode::NikMismatch,
        ErrorCode::ApplicantLimit,
        ErrorCode::TooLarge,
        ErrorCode::UnsupportedType,
        ErrorCode::Unreadable,
        ErrorCode::NotReleased,
        ErrorCode::MissingDocuments,
        ErrorCode::BadSignature,
        ErrorCode::Expired,
        ErrorCode::AmountMismatch,
        ErrorCode::NotAdmitted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::InvalidTransition => "invalid_transition",
            ErrorCode::InvalidQr => "invalid_qr",
            ErrorCode::UnknownBooking => "unknown_booking",
            ErrorCode::WrongOffice => "wrong_office",
            ErrorCode::WrongDate => "wrong_date",
            ErrorCode::TooEarly => "too_early",
            ErrorCode::TooLate => "too_late",
            ErrorCode::Cancelled => "cancelled",
            ErrorCode::NotWalkIn => "not_walk_in",
            ErrorCode::QuotaFull => "quota_full",
            ErrorCode::DuplicateBooking => "duplicate_booking",
            ErrorCode::InvalidNik => "invalid_nik",
            ErrorCode::Closed => "closed",
            ErrorCode::CounterBusy => "counter_busy",
            ErrorCode::TooManyAttempts => "too_many_attempts",
            ErrorCode::BookingLimit => "booking_limit",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
            ErrorCode::IdempotencyConflict => "idempotency_conflict",
            ErrorCode::AlreadyExists => "already_exists",
            ErrorCode::NikMismatch => "nik_mismatch",
            ErrorCode::ApplicantLimit => "applicant_limit",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::UnsupportedType => "unsupported_type",
            ErrorCode::Unreadable => "unreadable",
            ErrorCode::NotReleased => "not_released",
            ErrorCode::MissingDocuments => "missing_documents",
            ErrorCode::BadSignature => "bad_signature",
            ErrorCode::Expired => "expired",
            ErrorCode::AmountMismatch => "amount_mismatch",
            ErrorCode::NotAdmitted => "not_admitted",
            ErrorCode::Unknown => "unknown",
        }
    }

    /// The HTTP status this code is answered with.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::Unauthorized | ErrorCode::BadSignature => 401,
            ErrorCode::Forbidden | ErrorCode::NotAdmitted => 403,
            ErrorCode::NotFound | ErrorCode::UnknownBooking => 404,
            ErrorCode::InvalidRequest
            | ErrorCode::InvalidQr
            | ErrorCode::NotWalkIn
            | ErrorCode::InvalidNik
            | ErrorCode::NikMismatch
            | ErrorCode::Unreadable
            | ErrorCode::MissingDocuments => 422,
            ErrorCode::TooLarge => 413,
            ErrorCode::UnsupportedType => 415,
            ErrorCode::InvalidTransition
            | ErrorCode::WrongOffice
            | ErrorCode::WrongDate
            | ErrorCode::TooEarly
            | ErrorCode::TooLate
            | ErrorCode::Cancelled
            | ErrorCode::QuotaFull
            | ErrorCode::DuplicateBooking
            | ErrorCode::Closed
            | ErrorCode::CounterBusy
            | ErrorCode::BookingLimit
            | ErrorCode::IdempotencyConflict
            | ErrorCode::AlreadyExists
            | ErrorCode::ApplicantLimit
            | ErrorCode::NotReleased
            | ErrorCode::Expired
            | ErrorCode::AmountMismatch => 409,
            ErrorCode::TooManyAttempts | ErrorCode::RateLimited => 429,
            ErrorCode::Unavailable => 503,
            ErrorCode::Internal | ErrorCode::Unknown => 500,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every error answer: `{"error": {"code", "message"}}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// Machine-readable code, e.g. `invalid_qr`.
    pub code: ErrorCode,
    /// English text for logs and staff; devices show their own translated sentence per code.
    pub message: String,
    /// What the refusal is about, for the device's sentence (see [`RefusalDetail`]). A detail
    /// this build cannot read is left out rather than failing the whole answer.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient_detail")]
    pub detail: Option<RefusalDetail>,
}

fn lenient_detail<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<RefusalDetail>, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    Ok(serde_json::from_value(value).ok())
}

/// What a refusal is about, so that a device can say it in its own words ("your appointment
/// is on Thursday 26 November at 10:00"). Each field is given only with the codes its
/// documentation names; fields a client does not know are ignored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefusalDetail {
    /// `wrong_office`: the office the booking is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office: Option<String>,
    /// `wrong_date`, `too_late`: the booked date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// `wrong_date`, `too_early`, `too_late`: the booked slot, `HH:MM`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot: Option<String>,
    /// `too_early`: when check-in for the slot opens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<DateTime<FixedOffset>>,
    /// A refused item of a batch (`POST /appointments`, the CSV import): its place, from 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    /// `too_many_attempts`, `rate_limited`: seconds to wait before trying again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    pub status: String,
    pub version: String,
    /// The hub's clock (it may run from `--clock`).
    #[serde(default)]
    pub now: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    pub token: String,
    pub role: Role,
    #[serde(default)]
    pub expires_at: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfficesResponse {
    pub offices: Vec<Office>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Office {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub timezone: String,
    #[serde(default)]
    pub stages: Vec<StageInfo>,
    pub services: Vec<ServiceInfo>,
    #[serde(default)]
    pub counters: Vec<CounterInfo>,
    #[serde(default)]
    pub slots: Vec<SlotInfo>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StageInfo {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceInfo {
    /// Also the ticket prefix letter.
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    #[serde(default)]
    pub route: Vec<String>,
    /// Booked by appointment.
    #[serde(default)]
    pub booked: bool,
    /// Offered at the kiosk without appointment.
    #[serde(default)]
    pub walk_in: bool,
    #[serde(default)]
    pub priority: bool,
    /// Walk-in tickets per day; `None` when the service is not walk-in.
    #[serde(default)]
    pub walk_in_quota: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CounterInfo {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub stages: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlotInfo {
    /// Slot start, `HH:MM`; the slot's name in the API.
    pub slot: String,
    #[serde(default)]
    pub end: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AppointmentState {
    Booked,
    CheckedIn,
    Cancelled,
    NoShow,
    /// A state this build does not know (a newer hub's). Never sent by a hub of this version.
    #[serde(other)]
    Unknown,
}

impl AppointmentState {
    pub fn as_str(self) -> &'static str {
        match self {
            AppointmentState::Booked => "booked",
            AppointmentState::CheckedIn => "checked_in",
            AppointmentState::Cancelled => "cancelled",
            AppointmentState::NoShow => "no_show",
            AppointmentState::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "booked" => AppointmentState::Booked,
            "checked_in" => AppointmentState::CheckedIn,
            "cancelled" => AppointmentState::Cancelled,
            "no_show" => AppointmentState::NoShow,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewAppointment {
    pub office: String,
    pub service: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub date: NaiveDate,
    /// Slot start, `HH:MM`.
    pub slot: String,
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
        )
    )]
    pub name: String,
    /// 16 digits; kept only as a keyed hash plus its last 4 digits.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9]{16}$"))]
    pub nik: String,
    /// An issuer's booking code; the hub makes one when absent: 4–16 letters or digits, with
    /// spaces and dashes between them left out.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "^[ -]*(?:[A-Za-z0-9][ -]*){4,16}$"))]
    pub booking_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateAppointmentsRequest {
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 10000))]
    pub appointments: Vec<NewAppointment>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Appointment {
    pub booking_code: String,
    pub office: String,
    pub service: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub date: NaiveDate,
    pub slot: String,
    pub name: String,
    pub nik_last4: String,
    pub state: AppointmentState,
    /// The signed text to put in the booking QR code.
    pub qr: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppointmentsResponse {
    pub appointments: Vec<Appointment>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NikLast4 {
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9]{4}$"))]
    pub nik_last4: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TicketState {
    Waiting,
    Called,
    Serving,
    Done,
    NoShow,
    Cancelled,
    /// The office's day ended before the ticket was finished: closed at the change of day.
    Closed,
    /// A state this build does not know (a newer hub's): neither waiting nor at a counter.
    /// Never sent by a hub of this version.
    #[serde(other)]
    Unknown,
}

impl TicketState {
    pub fn as_str(self) -> &'static str {
        match self {
            TicketState::Waiting => "waiting",
            TicketState::Called => "called",
            TicketState::Serving => "serving",
            TicketState::Done => "done",
            TicketState::NoShow => "no_show",
            TicketState::Cancelled => "cancelled",
            TicketState::Closed => "closed",
            TicketState::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "waiting" => TicketState::Waiting,
            "called" => TicketState::Called,
            "serving" => TicketState::Serving,
            "done" => TicketState::Done,
            "no_show" => TicketState::NoShow,
            "cancelled" => TicketState::Cancelled,
            "closed" => TicketState::Closed,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ticket {
    pub id: String,
    /// Prefix letter and three digits, e.g. `A001`.
    pub number: String,
    pub office: String,
    pub service: String,
    #[serde(default)]
    pub service_name: String,
    pub stage: String,
    #[serde(default)]
    pub stage_name: String,
    pub state: TicketState,
    pub priority: bool,
    /// The counter that called it, while called or serving.
    pub counter: Option<String>,
    #[serde(default)]
    pub counter_name: Option<String>,
    pub booking_code: Option<String>,
    /// Booked slot start (`HH:MM`), for appointments.
    #[serde(default)]
    pub slot: Option<String>,
    pub people_ahead: u32,
    pub eta_minutes: u32,
    /// The applicant's live status page; its token is the only key to it.
    pub status_url: String,
    pub checked_in_at: DateTime<FixedOffset>,
    pub called_at: Option<DateTime<FixedOffset>>,
    /// How often it was announced again at its current stage.
    #[serde(default)]
    pub recall: u32,
    /// The applicant's name — only in answers to staff.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckinRequest {
    /// The booking-QR text as scanned.
    #[serde(default)]
    pub qr: Option<String>,
    #[serde(default)]
    pub booking_code: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9]{4}$"))]
    pub nik_last4: Option<String>,
    #[serde(default)]
    /// Sent again with a retry, the first answer comes back instead of a second action.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub request_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckinResponse {
    pub ticket: Ticket,
    /// True when this booking had already checked in: the same ticket, to print again.
    pub reprint: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WalkinRequest {
    pub service: String,
    #[serde(default)]
    /// Sent again with a retry, the first answer comes back instead of a second action.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub request_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketResponse {
    pub ticket: Ticket,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActionRequest {
    #[serde(default)]
    /// Sent again with a retry, the first answer comes back instead of a second action.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub request_id: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallRequest {
    /// The id of a waiting ticket.
    pub ticket: String,
    #[serde(default)]
    /// Sent again with a retry, the first answer comes back instead of a second action.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub request_id: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FinishRequest {
    /// Default: the next stage of the service's route, or done after the last.
    #[serde(default)]
    pub next_stage: Option<String>,
    #[serde(default)]
    /// Sent again with a retry, the first answer comes back instead of a second action.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub request_id: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransferRequest {
    pub stage: String,
    /// Reserve the ticket for this counter: only it will call the ticket.
    #[serde(default)]
    pub counter: Option<String>,
    #[serde(default)]
    /// Sent again with a retry, the first answer comes back instead of a second action.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub request_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueResponse {
    pub stages: Vec<StageQueue>,
    pub no_show: Vec<Ticket>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StageQueue {
    pub stage: String,
    /// In call order.
    pub waiting: Vec<Ticket>,
    /// Called or being served.
    pub serving: Vec<Ticket>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum CounterState {
    Open,
    Paused,
    Closed,
    /// A state this build does not know (a newer hub's). Never sent by a hub of this version.
    #[serde(other)]
    Unknown,
}

impl CounterState {
    pub fn as_str(self) -> &'static str {
        match self {
            CounterState::Open => "open",
            CounterState::Paused => "paused",
            CounterState::Closed => "closed",
            CounterState::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "open" => CounterState::Open,
            "paused" => CounterState::Paused,
            "closed" => CounterState::Closed,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CounterStatus {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub stages: Vec<String>,
    pub state: CounterState,
    /// The ticket called to or served at this counter.
    pub ticket: Option<Ticket>,
    /// Since when the counter is in its state.
    #[serde(default)]
    pub since: Option<DateTime<FixedOffset>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountersResponse {
    pub counters: Vec<CounterStatus>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CounterResponse {
    pub counter: CounterStatus,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusResponse {
    pub number: String,
    pub state: TicketState,
    pub stage: String,
    #[serde(default)]
    pub stage_name: String,
    #[serde(default)]
    pub service_name: String,
    pub people_ahead: u32,
    pub eta_minutes: u32,
    pub counter: Option<String>,
    #[serde(default)]
    pub counter_name: Option<String>,
    #[serde(default)]
    pub office: String,
    #[serde(default)]
    pub office_name: String,
}

/// `POST /api/v1/bookings`: an applicant books a slot.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BookingRequest {
    pub office: String,
    pub service: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub date: NaiveDate,
    /// Slot start, `HH:MM`.
    pub slot: String,
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
        )
    )]
    pub name: String,
    /// 16 digits.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9]{16}$"))]
    pub nik: String,
}

/// `POST /api/v1/bookings/{code}/reschedule`: move a booking once, before its slot.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RescheduleRequest {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub date: NaiveDate,
    pub slot: String,
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9]{4}$"))]
    pub nik_last4: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlotAvailability {
    /// Slot start, `HH:MM`.
    pub slot: String,
    #[serde(default)]
    pub end: String,
    pub capacity: u32,
    pub booked: u32,
    pub remaining: u32,
    /// Whether a booking made now would be taken: false when the slot has started, the date
    /// is outside the booking horizon, or no place is left (`remaining` 0).
    #[serde(default)]
    pub bookable: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AvailabilityResponse {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    #[serde(default)]
    pub date: NaiveDate,
    #[serde(default)]
    pub service: String,
    /// Why nothing can be booked that day (holiday, weekend, outside the horizon), if so.
    #[serde(default)]
    pub closed: Option<String>,
    pub slots: Vec<SlotAvailability>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CalendarDay {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub date: NaiveDate,
    /// Places left that day for the service (0 when full or closed).
    pub remaining: u32,
    pub closed: bool,
}

/// The booking horizon day by day, for the booking page's calendar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CalendarResponse {
    pub service: String,
    pub days: Vec<CalendarDay>,
}

/// Today's figures of one stage, for the supervisor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StageSummary {
    pub stage: String,
    pub name: String,
    pub waiting: u32,
    /// How long the longest-waiting ticket has waited, in minutes.
    pub longest_wait_minutes: u32,
    /// Visits finished at this stage today (on to the next stage, or done).
    pub served: u32,
    pub no_shows: u32,
    /// Mean minutes from entering the queue to being called, over today's calls.
    pub average_wait_minutes: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SummaryResponse {
    pub tickets_today: u32,
    pub done_today: u32,
    pub stages: Vec<StageSummary>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewUserRequest {
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9._-]{1,64}$"))]
    pub username: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 8))]
    pub password: String,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserInfo {
    pub username: String,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceInfo {
    pub name: String,
    pub role: Role,
    pub created_at: DateTime<FixedOffset>,
    pub revoked: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DevicesResponse {
    pub devices: Vec<DeviceInfo>,
}

/// Durations in minutes over a set of visits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DurationStats {
    pub count: u32,
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub max: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceReport {
    pub service: String,
    pub name: String,
    pub tickets: u32,
    /// Tickets issued without appointment.
    pub walk_ins: u32,
    /// Tickets of booked applicants who checked in.
    pub checked_in: u32,
    pub done: u32,
    pub no_shows: u32,
    pub cancelled: u32,
    /// Tickets still open when the day ended, closed at the change of day.
    #[serde(default)]
    pub closed: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StageReport {
    pub stage: String,
    pub name: String,
    /// Stage visits (a requeued ticket visits again).
    pub visits: u32,
    pub served: u32,
    pub no_shows: u32,
    pub cancelled: u32,
    /// Visits still open when the day ended.
    #[serde(default)]
    pub closed: u32,
    pub requeued: u32,
    /// From entering the queue to being called.
    pub waiting: DurationStats,
    /// From start (or call) to finish.
    pub service_time: DurationStats,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CounterReport {
    pub counter: String,
    pub name: String,
    pub served: u32,
    pub no_shows: u32,
    pub service_time: DurationStats,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppointmentReport {
    /// Bookings for the day that were not cancelled.
    pub booked: u32,
    pub checked_in: u32,
    pub no_show: u32,
    pub cancelled: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HourReport {
    pub hour: u32,
    pub arrivals: u32,
    pub calls: u32,
}

/// `GET /api/v1/reports/daily`: the figures of one day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DailyReport {
    pub office: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub date: NaiveDate,
    pub services: Vec<ServiceReport>,
    pub stages: Vec<StageReport>,
    pub counters: Vec<CounterReport>,
    pub appointments: AppointmentReport,
    pub hours: Vec<HourReport>,
}

/// A counter as a waiting-room screen shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BoardCounter {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub stages: Vec<String>,
    pub state: CounterState,
    #[serde(default)]
    pub number: Option<String>,
    #[serde(default)]
    pub ticket_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WaitingCount {
    pub stage: String,
    pub name: String,
    pub count: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_travel_by_name_and_an_unknown_one_is_tolerated() {
        for code in ErrorCode::ALL {
            let text = serde_json::to_string(&code).expect("serialize");
            assert_eq!(text, format!("\"{}\"", code.as_str()));
            assert_eq!(serde_json::from_str::<ErrorCode>(&text).expect("read back"), code);
        }
        // A newer hub's code: the body is still read, the code is Unknown.
        let body: ErrorBody = serde_json::from_str(
            r#"{"error":{"code":"passport_not_ready","message":"not yet","detail":{"office":"kanim-jaksel","later":1}}}"#,
        )
        .expect("an answer with an unknown code and field is still read");
        assert_eq!(body.error.code, ErrorCode::Unknown);
        assert_eq!(body.error.detail.and_then(|d| d.office).as_deref(), Some("kanim-jaksel"));
        // A detail field of another type: the refusal is still read, without its detail.
        let body: ErrorBody = serde_json::from_str(
            r#"{"error":{"code":"too_early","message":"opens at 12:00","detail":{"from":1764050400}}}"#,
        )
        .expect("an answer with a detail of another shape is still read");
        assert_eq!((body.error.code, body.error.detail), (ErrorCode::TooEarly, None));
    }

    /// Issue 18, item 7: a device newer than its hub gets answers without the fields it added
    /// since; each type reads the shape API.md gives.
    #[test]
    fn an_older_hubs_answers_as_api_md_gives_them_are_read() {
        let ticket: Ticket = serde_json::from_value(serde_json::json!({
            "id": "20261125-A001", "number": "A001", "office": "kanim-jaksel", "service": "A",
            "stage": "berkas", "state": "waiting", "priority": false, "counter": null, "booking_code": null,
            "people_ahead": 4, "eta_minutes": 12, "status_url": "http://hub/t/x",
            "checked_in_at": "2026-11-25T09:05:00+07:00", "called_at": null
        }))
        .expect("the Ticket of API.md");
        assert_eq!((ticket.number.as_str(), ticket.service_name.as_str(), ticket.recall), ("A001", "", 0));
        let status: StatusResponse = serde_json::from_value(serde_json::json!({
            "number": "A001", "state": "called", "stage": "berkas", "people_ahead": 0, "eta_minutes": 0, "counter": "3"
        }))
        .expect("the status of API.md");
        assert_eq!(status.counter.as_deref(), Some("3"));
        let offices: OfficesResponse = serde_json::from_value(serde_json::json!({
            "offices": [{"id": "kanim-jaksel", "name": "Kanim Jaksel",
                "services": [{"id": "A", "name": "Paspor Baru"}]}]
        }))
        .expect("offices with services, ids and names");
        assert_eq!(offices.offices[0].services[0].id, "A");
        let counter: CounterStatus =
            serde_json::from_value(serde_json::json!({"id": "3", "state": "open", "ticket": null}))
                .expect("a counter with its state and current ticket");
        assert_eq!(counter.state, CounterState::Open);
        let event = crate::HubEvent::parse("counter", r#"{"counter":"3","state":"open","ticket":"A001"}"#);
        assert!(event.is_some(), "a counter event without ticket_id");
        let slots: AvailabilityResponse = serde_json::from_value(serde_json::json!({
            "slots": [{"slot": "09:00", "capacity": 20, "booked": 3, "remaining": 17}]
        }))
        .expect("availability of API.md");
        assert_eq!(slots.slots[0].remaining, 17);
    }

    /// Issue 18, item 7, the other way: a device older than its hub gets fields and states it
    /// does not know, and reads the rest.
    #[test]
    fn a_newer_hubs_fields_and_states_are_tolerated() {
        let ticket: Ticket = serde_json::from_value(serde_json::json!({
            "id": "20261125-A001", "number": "A001", "office": "kanim-jaksel", "service": "A",
            "service_name": "Paspor Baru", "stage": "berkas", "stage_name": "Berkas", "state": "on_hold",
            "priority": false, "counter": null, "counter_name": null, "booking_code": null, "slot": "09:00",
            "people_ahead": 0, "eta_minutes": 0, "status_url": "http://hub/t/x",
            "checked_in_at": "2026-11-25T09:05:00+07:00", "called_at": null, "recall": 0,
            "queue_lane": "express", "language": "id"
        }))
        .expect("unknown fields and an unknown state");
        assert_eq!(ticket.state, TicketState::Unknown);
        let counter: CounterStatus = serde_json::from_value(
            serde_json::json!({"id": "3", "name": "Loket 3", "stages": [], "state": "cleaning", "ticket": null}),
        )
        .expect("an unknown counter state");
        assert_eq!(counter.state, CounterState::Unknown);
        let appointment: Appointment = serde_json::from_value(serde_json::json!({
            "booking_code": "K7PQ3M9XWZ", "office": "kanim-jaksel", "service": "A", "date": "2026-11-26",
            "slot": "09:00", "name": "Budi", "nik_last4": "8901", "state": "paid_online", "qr": "x", "fee": 350000
        }))
        .expect("an unknown appointment state");
        assert_eq!(appointment.state, AppointmentState::Unknown);
        let event = crate::HubEvent::parse(
            "ticket",
            r#"{"ticket_id":"t","number":"A001","state":"on_hold","stage":"berkas","counter":null,"lane":"x"}"#,
        );
        assert!(matches!(event, Some(crate::HubEvent::Ticket(t)) if t.state == TicketState::Unknown));
        // What this build sends is what it reads back.
        assert_eq!(serde_json::to_value(TicketState::Closed).expect("json"), "closed");
        assert_eq!(TicketState::parse("unknown"), None, "never read from storage");
    }

    #[test]
    fn a_refusal_detail_keeps_the_wire_shape() {
        let detail = RefusalDetail {
            date: NaiveDate::from_ymd_opt(2026, 12, 2),
            slot: Some("09:00".into()),
            ..RefusalDetail::default()
        };
        assert_eq!(
            serde_json::to_value(&detail).expect("json"),
            serde_json::json!({ "date": "2026-12-02", "slot": "09:00" })
        );
        let from: RefusalDetail =
            serde_json::from_str(r#"{"from":"2026-11-25T12:00:00+07:00","slot":"13:00"}"#).expect("read");
        assert_eq!(from.from.map(|t| t.to_rfc3339()).as_deref(), Some("2026-11-25T12:00:00+07:00"));
    }
}

/// `POST /api/v1/pickups/ready` (supervisor): passports ready for pickup, by booking code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PickupReadyRequest {
    /// One code or many (at most 500), as printed on the booking; spaces and dashes are ignored.
    #[cfg_attr(feature = "openapi", schema(max_items = 500))]
    pub booking_codes: Vec<String>,
}

/// What marking passports ready did: the codes marked (or marked before), and those no booking
/// of this office has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PickupReadyResponse {
    pub marked: Vec<String>,
    pub unknown: Vec<String>,
}
