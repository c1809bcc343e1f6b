//! `ApiError`: every failure a request can meet, answered as
//! `{"error": {"code", "message", "detail"?}}` with the status of its code. This is the one
//! place where an operation's [`Error`] and the storage's [`StoreError`] become answers;
//! internal and storage failures are logged here, once, and shown as a generic message.

use antrian_proto::{ErrorBody, ErrorCode, ErrorDetail, RefusalDetail};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::error::Error;
use crate::store::StoreError;

#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub detail: Option<RefusalDetail>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError { code, message: message.into(), detail: None }
    }

    pub fn not_found(what: impl std::fmt::Display) -> Self {
        ApiError::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::InvalidRequest, message)
    }

    pub fn unauthorized() -> Self {
        ApiError::new(ErrorCode::Unauthorized, "a valid token or login is required")
    }

    pub fn forbidden() -> Self {
        ApiError::new(ErrorCode::Forbidden, "your role may not do this")
    }

    /// An unexpected failure: logged here, answered with a generic message.
    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!(%error, "internal error");
        ApiError::new(ErrorCode::Internal, "internal error; the hub has logged it")
    }

    /// The storage cannot be read or written: logged here; the caller may try again.
    pub fn unavailable(error: impl std::fmt::Display) -> Self {
        tracing::error!(%error, "storage unavailable");
        ApiError::new(
            ErrorCode::Unavailable,
            "storage is unavailable (disk full or unreadable); nothing was changed, try again",
        )
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message.clone(),
                detail: self.detail.clone(),
            },
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        if error.is_unavailable() { ApiError::unavailable(error) } else { ApiError::internal(error) }
    }
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        match error {
            Error::Refused(refusal) => {
                ApiError { code: refusal.code, message: refusal.message, detail: refusal.detail }
            }
            Error::Store(error) => error.into(),
            Error::Internal(error) => ApiError::internal(error),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status(), axum::Json(self.body())).into_response()
    }
}
