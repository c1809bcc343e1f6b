//! Staff sessions: logging in (the API's `POST /auth/login` and the console's form both use
//! [`login`]), the session cookie a browser keeps, and logging out.
//!
//! A login is slowed down after repeated failures for a user name ([`crate::throttle`]), and a
//! wrong user name costs the same time as a wrong password.

use std::sync::Arc;

use antrian_proto::{ErrorCode, Role};
use axum::http::HeaderMap;

use crate::auth::{self, Caller};
use crate::error::{Error, Result};
use crate::hub::Hub;

/// The browser's session cookie.
pub const SESSION_COOKIE: &str = "antrian_session";

/// A session just opened.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub role: Role,
    /// When it expires (ms).
    pub expires_ms: i64,
}

/// Checks a user name and password and opens a session.
pub async fn login(hub: &Arc<Hub>, username: &str, password: &str) -> Result<Session> {
    let now = hub.clock.now_ms();
    let wrong = || Error::refused(ErrorCode::Unauthorized, "wrong user name or password");
    let username = username.trim().to_owned();
    if username.is_empty() || username.len() > 64 || password.len() > 1024 {
        return Err(wrong());
    }
    hub.logins.check_allowed(&username, now)?;
    let name = username.clone();
    let account = hub.store.read(move |r| r.accounts().login(&name).map_err(Error::from)).await?;
    // Verify against a real hash even for unknown users, so timing does not tell them apart.
    let stored = account.as_ref().map(|a| a.password_hash.clone());
    let password = password.to_owned();
    let verified = tokio::task::spawn_blocking(move || {
        static UNKNOWN_USER_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let hash = stored.unwrap_or_else(|| {
            UNKNOWN_USER_HASH.get_or_init(|| auth::hash_password("no such user").unwrap_or_default()).clone()
        });
        auth::verify_password(&hash, &password)
    })
    .await
    .map_err(Error::internal)?;
    let Some(account) = account.filter(|_| verified) else {
        hub.logins.record_failure(&username, now);
        tracing::warn!(%username, "failed login");
        return Err(wrong());
    };
    hub.logins.record_success(&username);
    let token = auth::new_token();
    let expires_ms = now + i64::from(hub.config.hub.session_hours) * 3_600_000;
    let (hash, user) = (auth::hash_token(&token), account.user_id);
    hub.store
        .write(move |tx| tx.accounts().open_session(&hash, user, now, expires_ms).map_err(Error::from))
        .await?;
    Ok(Session { token, role: account.role, expires_ms })
}

/// Ends the session of `token`.
pub async fn logout(hub: &Hub, token: &str) -> Result<()> {
    let (hash, now) = (auth::hash_token(token), hub.clock.now_ms());
    hub.store.write(move |tx| tx.accounts().revoke_session(&hash, now).map_err(Error::from)).await
}

/// The caller behind a session or device token, if it is valid now.
pub async fn caller_of(hub: &Hub, token: String) -> Result<Option<Caller>> {
    if token.is_empty() || token.len() > 200 {
        return Ok(None);
    }
    let now = hub.clock.now_ms();
    hub.store.read(move |r| auth::caller_of(r, &token, now)).await
}

/// The `Set-Cookie` value of a browser session lasting `hours`.
pub fn cookie(token: &str, hours: u32) -> String {
    format!(
        "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
        i64::from(hours) * 3600
    )
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn expired_cookie() -> String {
    format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
}

/// The session cookie, if the browser sent one.
pub fn cookie_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
}
