//! Staff users, their sessions, and device tokens. Tokens are kept only as SHA-256 hashes and
//! passwords as argon2id hashes (made by the `auth` module), so the file holds no secret that
//! lets anyone in.

use antrian_proto::Role;
use rusqlite::{Connection, OptionalExtension, params};

use super::{StoreError, StoreResult};

/// Who a valid token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    User { id: i64, username: String },
    Device { id: i64, name: String },
}

/// What a login checks: the user's id, password hash and role.
#[derive(Debug, Clone)]
pub struct Login {
    pub user_id: i64,
    pub password_hash: String,
    pub role: Role,
}

/// A kiosk or display as the supervisor's list shows it.
#[derive(Debug, Clone)]
pub struct DeviceRow {
    pub name: String,
    pub role: Role,
    pub created_at: i64,
    pub revoked: bool,
}

fn role(text: String) -> StoreResult<Role> {
    text.parse().map_err(|_| StoreError::bad_value("role", text))
}

/// Reads of accounts.
#[derive(Clone, Copy)]
pub struct Accounts<'a> {
    conn: &'a Connection,
}

impl<'a> Accounts<'a> {
    pub(super) fn new(conn: &'a Connection) -> Self {
        Accounts { conn }
    }

    /// The enabled user named `username`, for a login.
    pub fn login(&self, username: &str) -> StoreResult<Option<Login>> {
        let row: Option<(i64, String, String)> = self
            .conn
            .prepare_cached("SELECT id, password_hash, role FROM users WHERE username = ?1 AND disabled = 0")?
            .query_row(params![username], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        row.map(|(user_id, password_hash, text)| Ok(Login { user_id, password_hash, role: role(text)? }))
            .transpose()
    }

    /// The role and principal of the token whose hash is `token_hash`, if it is valid at `now`:
    /// an unexpired, unrevoked session of an enabled user, or an unrevoked device.
    pub fn owner_of(&self, token_hash: &[u8], now: i64) -> StoreResult<Option<(Role, Principal)>> {
        let user: Option<(i64, String, String)> = self
            .conn
            .prepare_cached(
                "SELECT u.id, u.username, u.role FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = ?1 AND s.revoked_at IS NULL AND s.expires_at > ?2 AND u.disabled = 0",
            )?
            .query_row(params![token_hash, now], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        if let Some((id, username, text)) = user {
            return Ok(Some((role(text)?, Principal::User { id, username })));
        }
        let device: Option<(i64, String, String)> = self
            .conn
            .prepare_cached(
                "SELECT id, name, role FROM devices WHERE token_hash = ?1 AND revoked_at IS NULL",
            )?
            .query_row(params![token_hash], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        device.map(|(id, name, text)| Ok((role(text)?, Principal::Device { id, name }))).transpose()
    }

    pub fn devices(&self) -> StoreResult<Vec<DeviceRow>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT name, role, created_at, revoked_at IS NOT NULL FROM devices ORDER BY name",
        )?;
        let rows = statement.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?, r.get::<_, bool>(3)?))
        })?;
        rows.map(|row| {
            let (name, text, created_at, revoked) = row?;
            Ok(DeviceRow { name, role: role(text)?, created_at, revoked })
        })
        .collect()
    }

    pub fn user_exists(&self, username: &str) -> StoreResult<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM users WHERE username = ?1")?
            .query_row(params![username], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Whether a device of that name holds a token that is not revoked.
    pub fn device_active(&self, name: &str) -> StoreResult<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM devices WHERE name = ?1 AND revoked_at IS NULL")?
            .query_row(params![name], |_| Ok(()))
            .optional()?
            .is_some())
    }
}

/// Writes of accounts.
pub struct AccountsMut<'a> {
    read: Accounts<'a>,
}

reads_through!(AccountsMut => Accounts);

impl<'a> AccountsMut<'a> {
    pub(super) fn new(conn: &'a Connection) -> Self {
        AccountsMut { read: Accounts::new(conn) }
    }

    fn conn(&self) -> &'a Connection {
        self.read.conn
    }

    /// Adds a user; returns its id.
    pub fn add_user(
        &mut self,
        username: &str,
        password_hash: &str,
        role: Role,
        now: i64,
    ) -> StoreResult<i64> {
        self.conn().execute(
            "INSERT INTO users (username, password_hash, role, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![username, password_hash, role.as_str(), now],
        )?;
        Ok(self.conn().last_insert_rowid())
    }

    /// Adds a device with the hash of its token; a revoked device's name is reused.
    pub fn add_device(&mut self, name: &str, role: Role, token_hash: &[u8], now: i64) -> StoreResult<()> {
        self.conn()
            .execute("DELETE FROM devices WHERE name = ?1 AND revoked_at IS NOT NULL", params![name])?;
        self.conn().execute(
            "INSERT INTO devices (name, role, token_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![name, role.as_str(), token_hash, now],
        )?;
        Ok(())
    }

    /// Revokes a device's token; false when no active device has that name.
    pub fn revoke_device(&mut self, name: &str, now: i64) -> StoreResult<bool> {
        let changed = self.conn().execute(
            "UPDATE devices SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL",
            params![name, now],
        )?;
        Ok(changed > 0)
    }

    /// Opens a session; sessions expired for more than a day are removed on the way.
    pub fn open_session(
        &mut self,
        token_hash: &[u8],
        user_id: i64,
        now: i64,
        expires: i64,
    ) -> StoreResult<()> {
        self.conn().execute(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
            params![token_hash, user_id, now, expires],
        )?;
        self.conn().execute("DELETE FROM sessions WHERE expires_at < ?1", params![now - 86_400_000])?;
        Ok(())
    }

    pub fn revoke_session(&mut self, token_hash: &[u8], now: i64) -> StoreResult<()> {
        self.conn().execute(
            "UPDATE sessions SET revoked_at = ?2 WHERE token_hash = ?1 AND revoked_at IS NULL",
            params![token_hash, now],
        )?;
        Ok(())
    }
}
