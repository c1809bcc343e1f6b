//! Every error answer: `{"error": {"code", "message"}}` (API.md's shape), its status from the
//! code. A database fault is logged with its cause and answered 503 `unavailable`, saying to
//! try again; the applicant's data is unchanged (the transaction rolled back).

use antrian_proto::{ErrorBody, ErrorCode, ErrorDetail};
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// Which case of the code it is, when the pages say them apart (`unreadable`: `empty`,
    /// `mismatch`, `photo`, `pdf`): their sentence is `error.<code>_<reason>`.
    pub reason: Option<&'static str>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError { code, message: message.into(), reason: None }
    }

    /// The same refusal, naming its case for the pages.
    pub fn because(mut self, reason: &'static str) -> Self {
        self.reason = Some(reason);
        self
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::InvalidRequest, message)
    }

    pub fn not_found(what: impl std::fmt::Display) -> Self {
        ApiError::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    pub fn unauthorized() -> Self {
        ApiError::new(ErrorCode::Unauthorized, "sign in first: request a code by e-mail and verify it")
    }

    pub fn unavailable() -> Self {
        ApiError::new(
            ErrorCode::Unavailable,
            "the service cannot reach its database just now; nothing was changed — try again in a minute",
        )
    }
}

impl From<antrian_rules::Refusal> for ApiError {
    fn from(refusal: antrian_rules::Refusal) -> Self {
        ApiError::new(refusal.code(), refusal.to_string())
    }
}

impl From<tokio_postgres::Error> for ApiError {
    fn from(error: tokio_postgres::Error) -> Self {
        let detail = error.as_db_error().map(|db| format!("{}: {}", db.code().code(), db.message()));
        tracing::error!(%error, detail, "database error");
        ApiError::unavailable()
    }
}

impl From<deadpool_postgres::PoolError> for ApiError {
    fn from(error: deadpool_postgres::PoolError) -> Self {
        tracing::error!(%error, "no database connection");
        ApiError::unavailable()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = ErrorBody { error: ErrorDetail { code: self.code, message: self.message, detail: None } };
        (status, Json(body)).into_response()
    }
}
