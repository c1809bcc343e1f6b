//! Who may call: staff users (argon2id password hashes), their sessions, and device tokens.
//!
//! - Tokens (sessions and devices) are 256 random bits, kept only as SHA-256 hashes, so the
//!   database holds no secret that lets anyone in.
//! - Sessions expire (`hub.session_hours`) and can be revoked (logout, in `session`);
//!   device tokens are revoked by name.

use antrian_proto::{ErrorCode, Role};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::store::accounts::Principal;
use crate::store::{Read, Write};

/// Who is calling, once their token checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub role: Role,
    pub principal: Principal,
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

pub fn hash_password(password: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(Error::internal)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(Error::internal)
}

pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

pub fn check_new_password(password: &str) -> Result<()> {
    if password.chars().count() < 8 {
        return Err(Error::invalid("password must have at least 8 characters"));
    }
    Ok(())
}

fn check_name(kind: &str, name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok { Ok(()) } else { Err(Error::invalid(format!("{kind} must be 1-64 of a-z, A-Z, 0-9, - _ ."))) }
}

/// Adds a staff user with an already hashed password; returns its id.
pub fn add_user(
    tx: &mut Write<'_>,
    username: &str,
    password_hash: &str,
    role: Role,
    now: i64,
) -> Result<i64> {
    check_name("user name", username)?;
    if role.is_device() {
        return Err(Error::invalid("a user's role is admin, supervisor or staff"));
    }
    if tx.read().accounts().user_exists(username)? {
        return Err(Error::refused(ErrorCode::AlreadyExists, format!("user {username:?} already exists")));
    }
    Ok(tx.accounts().add_user(username, password_hash, role, now)?)
}

/// Adds a device and returns its token, shown once.
pub fn add_device(tx: &mut Write<'_>, name: &str, role: Role, now: i64) -> Result<String> {
    check_name("device name", name)?;
    if !role.is_device() {
        return Err(Error::invalid("a device's role is kiosk or display"));
    }
    if tx.read().accounts().device_active(name)? {
        return Err(Error::refused(
            ErrorCode::AlreadyExists,
            format!("device {name:?} already exists; revoke it first"),
        ));
    }
    let token = new_token();
    tx.accounts().add_device(name, role, &hash_token(&token), now)?;
    Ok(token)
}

pub fn revoke_device(tx: &mut Write<'_>, name: &str, now: i64) -> Result<()> {
    if tx.accounts().revoke_device(name, now)? {
        Ok(())
    } else {
        Err(Error::not_found(format!("device {name:?}")))
    }
}

/// The caller a token belongs to, if it is valid now.
pub fn caller_of(read: Read<'_>, token: &str, now: i64) -> Result<Option<Caller>> {
    let owner = read.accounts().owner_of(&hash_token(token), now)?;
    Ok(owner.map(|(role, principal)| Caller { role, principal }))
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
}
