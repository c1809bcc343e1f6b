//! Request extractors: who is calling (by role), and JSON bodies whose errors get the API's
//! error shape. A handler's signature says who may call it.

use std::marker::PhantomData;
use std::sync::Arc;

use antrian_proto::Role;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::{ApiError, ApiResult};
use crate::auth::Caller;
use crate::hub::Hub;
use crate::session;

/// The bearer token, or the session cookie of a browser.
pub fn token_of(headers: &HeaderMap) -> Option<String> {
    token_and_source(headers).map(|(token, _)| token)
}

/// Whether a token came in the Authorization header or in the browser's cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    Bearer,
    Cookie,
}

pub fn token_and_source(headers: &HeaderMap) -> Option<(String, TokenSource)> {
    if let Some(value) = headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok())
        && let Some(token) = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer "))
    {
        return Some((token.trim().to_owned(), TokenSource::Bearer));
    }
    session::cookie_of(headers).map(|token| (token, TokenSource::Cookie))
}

/// The caller behind the request's token, if any and valid.
pub async fn caller_of(hub: &Arc<Hub>, headers: &HeaderMap) -> ApiResult<Option<Caller>> {
    let Some(token) = token_of(headers) else { return Ok(None) };
    Ok(session::caller_of(hub, token).await?)
}

/// Which roles an endpoint admits.
pub trait Policy: Send + Sync + 'static {
    fn allows(role: Role) -> bool;
}

/// Staff, supervisors and admins.
pub struct StaffRole;
impl Policy for StaffRole {
    fn allows(role: Role) -> bool {
        role.satisfies(Role::Staff)
    }
}

/// Supervisors and admins.
pub struct SupervisorRole;
impl Policy for SupervisorRole {
    fn allows(role: Role) -> bool {
        role.satisfies(Role::Supervisor)
    }
}

pub struct AdminRole;
impl Policy for AdminRole {
    fn allows(role: Role) -> bool {
        role.satisfies(Role::Admin)
    }
}

/// Kiosks; supervisors may also check in and issue walk-in tickets from their console.
pub struct KioskRole;
impl Policy for KioskRole {
    fn allows(role: Role) -> bool {
        role == Role::Kiosk || role.satisfies(Role::Supervisor)
    }
}

/// A caller admitted by policy `P`: 401 without a valid token, 403 with the wrong role.
pub struct Auth<P: Policy> {
    pub caller: Caller,
    _policy: PhantomData<P>,
}

pub type Staff = Auth<StaffRole>;
pub type Supervisor = Auth<SupervisorRole>;
pub type Admin = Auth<AdminRole>;
pub type Kiosk = Auth<KioskRole>;

impl<P: Policy> FromRequestParts<Arc<Hub>> for Auth<P> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, hub: &Arc<Hub>) -> Result<Self, Self::Rejection> {
        let caller = caller_of(hub, &parts.headers).await?.ok_or_else(ApiError::unauthorized)?;
        if !P::allows(caller.role) {
            return Err(ApiError::forbidden());
        }
        // A browser's cookie goes along with any request, even one a foreign page makes: a
        // state-changing request on the cookie alone must also carry the page's CSRF token.
        let safe = matches!(parts.method, axum::http::Method::GET | axum::http::Method::HEAD);
        if !safe && let Some((token, TokenSource::Cookie)) = token_and_source(&parts.headers) {
            let given = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or("");
            if !hub.secrets.check_csrf(&token, given) {
                return Err(ApiError::new(
                    antrian_proto::ErrorCode::Forbidden,
                    "missing or wrong CSRF token; reload the page",
                ));
            }
        }
        Ok(Auth { caller, _policy: PhantomData })
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("application/json"))
}

/// Every request body is a JSON object (or, where it is optional, `null`). serde would also
/// read a struct from an array of its fields in order (`["C", "r-1"]`), which no client
/// sends and the document does not allow: that is refused before it is read.
fn parse<T: DeserializeOwned>(headers: &HeaderMap, bytes: &[u8]) -> ApiResult<T> {
    if !is_json(headers) {
        return Err(ApiError::invalid("send a JSON body with Content-Type: application/json"));
    }
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return Err(ApiError::invalid("the body must be a JSON object, not an array"));
    }
    serde_json::from_slice(bytes).map_err(|e| ApiError::invalid(format!("malformed JSON: {e}")))
}

/// A required JSON body.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let headers = request.headers().clone();
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|e| ApiError::invalid(format!("cannot read the body: {e}")))?;
        parse(&headers, &bytes).map(ApiJson)
    }
}

/// Query parameters; a missing or malformed one is `invalid_request` (422) with the JSON error
/// body, like every other error of the API.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str(query)
            .map(ApiQuery)
            .map_err(|e| ApiError::invalid(format!("query parameters: {e}")))
    }
}

/// An optional JSON body: none (zero bytes) or `null` means the default; anything else must be
/// the JSON of `T` (white space alone is not JSON, and is refused like any malformed body).
pub struct MaybeJson<T>(pub T);

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for MaybeJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let headers = request.headers().clone();
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|e| ApiError::invalid(format!("cannot read the body: {e}")))?;
        if bytes.is_empty() {
            return Ok(MaybeJson(T::default()));
        }
        parse::<Option<T>>(&headers, &bytes).map(|body| MaybeJson(body.unwrap_or_default()))
    }
}
