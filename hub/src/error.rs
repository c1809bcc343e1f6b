//! [`Error`]: why an operation did not happen — a rule refused it (with the API's error code,
//! an English message and, for a device's sentence, a typed detail), or the storage failed.
//! Every refusal of the engine and of the booking rules is given its code here, in one place;
//! the HTTP layer turns an `Error` into an answer once (`api::error`).

use antrian_proto::{ErrorCode, RefusalDetail};

use crate::engine::{ActionRefusal, CallRefusal, CheckinRefusal, CounterRefusal, WalkInRefusal};
use crate::store::StoreError;

/// A refusal as the API gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub code: ErrorCode,
    pub message: String,
    pub detail: Option<RefusalDetail>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A rule said no: the caller can do something about it.
    #[error("{}: {}", .0.code, .0.message)]
    Refused(Refusal),
    /// The storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Something that should not happen (a fault of the hub or its configuration).
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn refused(code: ErrorCode, message: impl Into<String>) -> Error {
        Error::Refused(Refusal { code, message: message.into(), detail: None })
    }

    pub fn not_found(what: impl std::fmt::Display) -> Error {
        Error::refused(ErrorCode::NotFound, format!("{what} not found"))
    }

    pub fn invalid(message: impl Into<String>) -> Error {
        Error::refused(ErrorCode::InvalidRequest, message)
    }

    pub fn transition(message: impl Into<String>) -> Error {
        Error::refused(ErrorCode::InvalidTransition, message)
    }

    pub fn internal(error: impl std::fmt::Display) -> Error {
        Error::Internal(error.to_string())
    }

    /// Adds the detail a device puts in its sentence.
    pub fn with_detail(self, detail: RefusalDetail) -> Error {
        match self {
            Error::Refused(refusal) => Error::Refused(Refusal { detail: Some(detail), ..refusal }),
            other => other,
        }
    }

    /// The API error code this error is answered with.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Refused(refusal) => refusal.code,
            Error::Store(error) if error.is_unavailable() => ErrorCode::Unavailable,
            Error::Store(_) | Error::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The refusal's detail, if any.
    pub fn detail(&self) -> Option<&RefusalDetail> {
        match self {
            Error::Refused(refusal) => refusal.detail.as_ref(),
            _ => None,
        }
    }
}

impl From<antrian_rules::Refusal> for Error {
    fn from(refusal: antrian_rules::Refusal) -> Error {
        Error::refused(refusal.code(), refusal.to_string())
    }
}

impl From<CheckinRefusal> for Error {
    fn from(refusal: CheckinRefusal) -> Error {
        let message = refusal.to_string();
        let booked =
            |date, slot| RefusalDetail { date: Some(date), slot: Some(slot), ..RefusalDetail::default() };
        match refusal {
            CheckinRefusal::WrongOffice { office, .. } => Error::refused(ErrorCode::WrongOffice, message)
                .with_detail(RefusalDetail { office: Some(office), ..RefusalDetail::default() }),
            CheckinRefusal::Cancelled => Error::refused(ErrorCode::Cancelled, message),
            CheckinRefusal::Passed { date, slot } | CheckinRefusal::TooLate { date, slot, .. } => {
                Error::refused(ErrorCode::TooLate, message).with_detail(booked(date, slot))
            }
            CheckinRefusal::WrongDate { date, slot } => {
                Error::refused(ErrorCode::WrongDate, message).with_detail(booked(date, slot))
            }
            CheckinRefusal::TooEarly { from, slot } => Error::refused(ErrorCode::TooEarly, message)
                .with_detail(RefusalDetail {
                    from: Some(from),
                    slot: Some(slot),
                    ..RefusalDetail::default()
                }),
            CheckinRefusal::UnknownSlot(_) => Error::Internal(message),
        }
    }
}

impl From<WalkInRefusal> for Error {
    fn from(refusal: WalkInRefusal) -> Error {
        let code = match refusal {
            WalkInRefusal::UnknownService(_) | WalkInRefusal::ByAppointment(_) => ErrorCode::NotWalkIn,
            WalkInRefusal::QuotaFull { .. } => ErrorCode::QuotaFull,
        };
        Error::refused(code, refusal.to_string())
    }
}

impl From<ActionRefusal> for Error {
    fn from(refusal: ActionRefusal) -> Error {
        let code = match refusal {
            ActionRefusal::Transition { .. } => ErrorCode::InvalidTransition,
            ActionRefusal::UnknownStage(_)
            | ActionRefusal::UnknownCounter(_)
            | ActionRefusal::NotServed { .. } => ErrorCode::InvalidRequest,
        };
        Error::refused(code, refusal.to_string())
    }
}

impl From<CounterRefusal> for Error {
    fn from(refusal: CounterRefusal) -> Error {
        Error::refused(ErrorCode::CounterBusy, refusal.to_string())
    }
}

impl From<CallRefusal> for Error {
    fn from(refusal: CallRefusal) -> Error {
        match refusal {
            CallRefusal::Busy(busy) => busy.into(),
            other => Error::refused(ErrorCode::InvalidTransition, other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    #[test]
    fn refusals_keep_their_code_and_what_the_device_needs() {
        let date = NaiveDate::from_ymd_opt(2026, 12, 2).expect("date");
        let error = Error::from(CheckinRefusal::WrongDate { date, slot: "09:00".into() });
        assert_eq!(error.code(), ErrorCode::WrongDate);
        assert_eq!(error.detail().and_then(|d| d.date), Some(date));
        let error = Error::from(antrian_rules::Refusal::QuotaFull {
            service: "A".into(),
            slot: "09:00".into(),
            date,
        });
        assert_eq!(error.code(), ErrorCode::QuotaFull);
        assert_eq!(Error::from(StoreError::Closed).code(), ErrorCode::Unavailable);
        assert_eq!(Error::from(StoreError::bad_value("ticket state", "lost")).code(), ErrorCode::Internal);
        assert_eq!(Error::from(CheckinRefusal::UnknownSlot("09:00".into())).code(), ErrorCode::Internal);
    }
}
