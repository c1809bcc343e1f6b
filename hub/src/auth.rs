//! Staff users, sessions and device tokens.
//!
//! - Passwords are kept as argon2id hashes; tokens (sessions and devices) only as SHA-256
//!   hashes, so the database holds no secret that lets anyone in.
//! - Sessions expire (`hub.session_hours`) and can be revoked (logout); device tokens are
//!   revoked by name.
//! - After `hub.login_free_failures` failed logins for a user name, each further try must wait
//!   (2 s, doubling up to 5 min) and is answered `too_many_attempts` until then.

use std::collections::HashMap;
use std::sync::Mutex;

use antrian_proto::{ErrorCode, Role};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::db::Tx;
use crate::error::{ApiError, ApiResult};

/// Who is calling, once their token checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub role: Role,
    pub principal: Principal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    User { id: i64, username: String },
    Device { id: i64, name: String },
}

impl Caller {
    /// The key under which this caller's `request_id`s are remembered.
    pub fn idempotency_key(&self) -> String {
        match &self.principal {
            Principal::User { id, .. } => format!("user:{id}"),
            Principal::Device { id, .. } => format!("device:{id}"),
        }
    }

    pub fn name(&self) -> &str {
        match &self.principal {
            Principal::User { username, .. } => username,
            Principal::Device { name, .. } => name,
        }
    }
}

pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    data_encoding::BASE64URL_NOPAD.encode(&bytes)
}

pub fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

pub fn hash_password(password: &str) -> ApiResult<String> {
    let mut salt = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(ApiError::internal)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(ApiError::internal)
}

pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

pub fn check_new_password(password: &str) -> ApiResult<()> {
    if password.chars().count() < 8 {
        return Err(ApiError::invalid("password must have at least 8 characters"));
    }
    Ok(())
}

fn check_name(kind: &str, name: &str) -> ApiResult<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok { Ok(()) } else { Err(ApiError::invalid(format!("{kind} must be 1-64 of a-z, A-Z, 0-9, - _ ."))) }
}

/// Adds a staff user; the password is hashed here.
pub fn add_user(
    tx: &mut Tx<'_>,
    username: &str,
    password_hash: &str,
    role: Role,
    now: i64,
) -> ApiResult<i64> {
    check_name("user name", username)?;
    if role.is_device() {
        return Err(ApiError::invalid("a user's role is admin, supervisor or staff"));
    }
    let exists: Option<i64> = tx
        .conn
        .query_row("SELECT id FROM users WHERE username = ?1", params![username], |r| r.get(0))
        .optional()?;
    if exists.is_some() {
        return Err(ApiError::invalid(format!("user {username:?} already exists")));
    }
    tx.conn.execute(
        "INSERT INTO users (username, password_hash, role, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![username, password_hash, role.as_str(), now],
    )?;
    Ok(tx.conn.last_insert_rowid())
}

/// Adds a device and returns its token, shown once.
pub fn add_device(tx: &mut Tx<'_>, name: &str, role: Role, now: i64) -> ApiResult<String> {
    check_name("device name", name)?;
    if !role.is_device() {
        return Err(ApiError::invalid("a device's role is kiosk or display"));
    }
    let exists: Option<i64> = tx
        .conn
        .query_row("SELECT id FROM devices WHERE name = ?1 AND revoked_at IS NULL", params![name], |r| {
            r.get(0)
        })
        .optional()?;
    if exists.is_some() {
        return Err(ApiError::invalid(format!("device {name:?} already exists; revoke it first")));
    }
    // A revoked device's name may be reused.
    tx.conn.execute("DELETE FROM devices WHERE name = ?1 AND revoked_at IS NOT NULL", params![name])?;
    let token = new_token();
    tx.conn.execute(
        "INSERT INTO devices (name, role, token_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![name, role.as_str(), hash_token(&token), now],
    )?;
    Ok(token)
}

pub fn revoke_device(tx: &mut Tx<'_>, name: &str, now: i64) -> ApiResult<()> {
    let changed = tx.conn.execute(
        "UPDATE devices SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL",
        params![name, now],
    )?;
    if changed == 0 {
        return Err(ApiError::not_found(format!("device {name:?}")));
    }
    Ok(())
}

pub fn create_session(tx: &mut Tx<'_>, user_id: i64, now: i64, hours: u32) -> ApiResult<(String, i64)> {
    let token = new_token();
    let expires = now + i64::from(hours) * 3_600_000;
    tx.conn.execute(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
        params![hash_token(&token), user_id, now, expires],
    )?;
    // Expired sessions are of no use to anyone.
    tx.conn.execute("DELETE FROM sessions WHERE expires_at < ?1", params![now - 86_400_000])?;
    Ok((token, expires))
}

pub fn revoke_session(tx: &mut Tx<'_>, token: &str, now: i64) -> ApiResult<()> {
    tx.conn.execute(
        "UPDATE sessions SET revoked_at = ?2 WHERE token_hash = ?1 AND revoked_at IS NULL",
        params![hash_token(token), now],
    )?;
    Ok(())
}

/// The caller a token belongs to, if it is valid now.
pub fn lookup_token(conn: &Connection, token: &str, now: i64) -> ApiResult<Option<Caller>> {
    let hash = hash_token(token);
    let user = conn
        .prepare_cached(
            "SELECT u.id, u.username, u.role FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = ?1 AND s.revoked_at IS NULL AND s.expires_at > ?2 AND u.disabled = 0",
        )?
        .query_row(params![hash, now], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
        })
        .optional()?;
    if let Some((id, username, role)) = user {
        let role = role.parse().map_err(ApiError::internal)?;
        return Ok(Some(Caller { role, principal: Principal::User { id, username } }));
    }
    let device = conn
        .prepare_cached("SELECT id, name, role FROM devices WHERE token_hash = ?1 AND revoked_at IS NULL")?
        .query_row(params![hash], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
        })
        .optional()?;
    if let Some((id, name, role)) = device {
        let role = role.parse().map_err(ApiError::internal)?;
        return Ok(Some(Caller { role, principal: Principal::Device { id, name } }));
    }
    Ok(None)
}

/// Failed-login bookkeeping, in memory: a restart forgives, which is acceptable for a LAN
/// hub and keeps the database free of write traffic from guessing.
#[derive(Debug)]
pub struct AuthState {
    failures: Mutex<HashMap<String, (u32, i64)>>,
    free_failures: u32,
    pub session_hours: u32,
}

impl AuthState {
    pub fn new(config: &Config) -> Self {
        AuthState {
            failures: Mutex::new(HashMap::new()),
            free_failures: config.hub.login_free_failures,
            session_hours: config.hub.session_hours,
        }
    }

    /// Refuses a try that comes before the user name's waiting time is over.
    pub fn check_allowed(&self, username: &str, now: i64) -> ApiResult<()> {
        let failures = self.failures.lock().map_err(|_| ApiError::internal("lock poisoned"))?;
        if let Some((_, next_allowed)) = failures.get(username)
            && now < *next_allowed
        {
            let seconds = (next_allowed - now + 999) / 1000;
            return Err(ApiError::new(
                ErrorCode::TooManyAttempts,
                format!("too many failed logins; try again in {seconds} s"),
            )
            .with_detail(serde_json::json!({ "retry_after_seconds": seconds })));
        }
        Ok(())
    }

    pub fn record_failure(&self, username: &str, now: i64) {
        if let Ok(mut failures) = self.failures.lock() {
            if failures.len() > 10_000 {
                failures.retain(|_, (_, next)| *next > now);
            }
            let entry = failures.entry(username.to_owned()).or_insert((0, 0));
            entry.0 += 1;
            if entry.0 > self.free_failures {
                let exponent = (entry.0 - self.free_failures - 1).min(8);
                let wait_ms = (2_000i64 << exponent).min(300_000);
                entry.1 = now + wait_ms;
            }
        }
    }

    pub fn record_success(&self, username: &str) {
        if let Ok(mut failures) = self.failures.lock() {
            failures.remove(username);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_hash() {
        let hash = hash_password("rahasia-loket-3").expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(!hash.contains("rahasia"));
        assert!(verify_password(&hash, "rahasia-loket-3"));
        assert!(!verify_password(&hash, "rahasia-loket-4"));
        assert!(!verify_password("garbage", "rahasia-loket-3"));
    }

    #[test]
    fn repeated_failures_are_slowed_down_and_success_forgives() {
        let state = AuthState { failures: Mutex::new(HashMap::new()), free_failures: 3, session_hours: 1 };
        for _ in 0..3 {
            state.record_failure("budi", 0);
            assert!(state.check_allowed("budi", 0).is_ok());
        }
        state.record_failure("budi", 0);
        let refused = state.check_allowed("budi", 1_000).expect_err("must wait");
        assert_eq!(refused.code, ErrorCode::TooManyAttempts);
        assert!(state.check_allowed("budi", 2_000).is_ok());
        state.record_failure("budi", 2_000);
        assert!(state.check_allowed("budi", 5_000).is_err(), "the wait doubles");
        assert!(state.check_allowed("siti", 5_000).is_ok(), "other users are not affected");
        state.record_success("budi");
        assert!(state.check_allowed("budi", 5_000).is_ok());
    }
}
