//! The hub's keys, kept as files in the data dir (never in the database, so a copy of the
//! database alone does not reveal NIKs or allow forging):
//! - `booking-signing.key`: the Ed25519 key that signs the booking QR codes this hub issues;
//! - `hub-secret.key`: 32 random bytes from which the NIK hash key and the ticket-status
//!   token key are derived.
//!
//! Files are created with mode 0600 on first use.

use std::io::Write;
use std::path::Path;

use antrian_proto::qr::QrSigner;
use anyhow::Context;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

pub const SIGNING_KEY_FILE: &str = "booking-signing.key";
pub const HUB_SECRET_FILE: &str = "hub-secret.key";

type HmacSha256 = Hmac<Sha256>;

#[derive(Debug)]
pub struct Secrets {
    pub signer: QrSigner,
    nik_key: [u8; 32],
    status_key: StatusKey,
    csrf_key: [u8; 32],
}

/// The key of the tickets' status links, alone: what a ticket's view needs, without the keys
/// that sign bookings or hash NIKs.
#[derive(Clone)]
pub struct StatusKey([u8; 32]);

impl std::fmt::Debug for StatusKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StatusKey(..)")
    }
}

impl StatusKey {
    /// The unguessable token of a ticket's status page: the ticket id and 80 bits of MAC.
    pub fn token(&self, ticket_id: &str) -> String {
        format!("{ticket_id}-{}", self.mac(ticket_id))
    }

    /// The ticket id a status token is for, if the token is genuine.
    pub fn check(&self, token: &str) -> Option<String> {
        let (id, given) = token.rsplit_once('-')?;
        let expected = self.mac(id);
        // Constant-time comparison.
        let same = given.len() == expected.len()
            && given.bytes().zip(expected.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
        same.then(|| id.to_owned())
    }

    fn mac(&self, ticket_id: &str) -> String {
        let digest = mac(&self.0, ticket_id.as_bytes());
        data_encoding::BASE32_NOPAD.encode(&digest[..10]).to_ascii_lowercase()
    }
}

impl Secrets {
    /// Loads the keys of `data_dir`, creating the missing ones. Returns whether the signing key
    /// was new.
    pub fn load_or_create(data_dir: &Path) -> anyhow::Result<(Secrets, bool)> {
        let (signing, created) = load_or_create_key(&data_dir.join(SIGNING_KEY_FILE))?;
        let (master, _) = load_or_create_key(&data_dir.join(HUB_SECRET_FILE))?;
        Ok((Secrets::from_keys(&signing, &master), created))
    }

    pub fn from_keys(signing: &[u8; 32], master: &[u8; 32]) -> Secrets {
        Secrets {
            signer: QrSigner::from_secret_bytes(signing),
            nik_key: derive(master, b"antrian nik hash v1"),
            status_key: StatusKey(derive(master, b"antrian status token v1")),
            csrf_key: derive(master, b"antrian csrf v1"),
        }
    }

    /// The keyed hash under which a NIK is kept.
    pub fn nik_hash(&self, nik: &str) -> Vec<u8> {
        mac(&self.nik_key, nik.as_bytes()).to_vec()
    }

    /// The unguessable token of a ticket's status page: the ticket id and 80 bits of MAC.
    pub fn status_token(&self, ticket_id: &str) -> String {
        self.status_key.token(ticket_id)
    }

    /// The ticket id a status token is for, if the token is genuine.
    pub fn check_status_token(&self, token: &str) -> Option<String> {
        self.status_key.check(token)
    }

    /// The status-link key alone, for the office context.
    pub fn status_key(&self) -> StatusKey {
        self.status_key.clone()
    }

    /// The anti-CSRF token that goes with a browser session: pages put it in a header of every
    /// state-changing request, which a cross-site form cannot do.
    pub fn csrf_token(&self, session_token: &str) -> String {
        let digest = mac(&self.csrf_key, session_token.as_bytes());
        data_encoding::BASE64URL_NOPAD.encode(&digest[..18])
    }

    /// Constant-time check of a CSRF token.
    pub fn check_csrf(&self, session_token: &str, given: &str) -> bool {
        let expected = self.csrf_token(session_token);
        given.len() == expected.len()
            && given.bytes().zip(expected.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }
}

fn mac(key: &[u8; 32], message: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(message);
    mac.finalize().into_bytes().into()
}

fn derive(master: &[u8; 32], purpose: &[u8]) -> [u8; 32] {
    mac(master, purpose)
}

/// Reads a 32-byte key file (hex), or creates it with fresh random bytes.
pub fn load_or_create_key(path: &Path) -> anyhow::Result<([u8; 32], bool)> {
    // `Path::exists` would take a failing disk for a missing file and try to create a new key.
    let unreadable =
        || format!("cannot read key file {} (is the data folder's storage failing?)", path.display());
    let found = match std::fs::symlink_metadata(path) {
        Ok(_) => true,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => false,
        Err(error) => return Err(anyhow::Error::new(error).context(unreadable())),
    };
    if found {
        let text = std::fs::read_to_string(path).with_context(unreadable)?;
        let bytes = data_encoding::HEXLOWER_PERMISSIVE
            .decode(text.trim().as_bytes())
            .with_context(|| format!("key file {} is not hex", path.display()))?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| anyhow::anyhow!("key file {} must hold 32 bytes", path.display()))?;
        return Ok((key, false));
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let mut key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file =
        options.open(path).with_context(|| format!("cannot create key file {}", path.display()))?;
    writeln!(file, "{}", data_encoding::HEXLOWER.encode(&key))?;
    file.sync_all()?;
    Ok((key, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_tokens_are_checked_and_not_forgeable_by_changing_the_id() {
        let secrets = Secrets::from_keys(&[1; 32], &[2; 32]);
        let token = secrets.status_token("20261125-A001");
        assert_eq!(secrets.check_status_token(&token).as_deref(), Some("20261125-A001"));
        let forged = token.replace("A001", "A002");
        assert_eq!(secrets.check_status_token(&forged), None);
        assert_eq!(secrets.check_status_token("20261125-A001-aaaaaaaaaaaaaaaa"), None);
        let other_hub = Secrets::from_keys(&[1; 32], &[3; 32]);
        assert_eq!(other_hub.check_status_token(&token), None);
    }

    #[test]
    fn keys_persist_across_loads() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (first, created) = Secrets::load_or_create(dir.path()).expect("create");
        assert!(created);
        let (second, created) = Secrets::load_or_create(dir.path()).expect("load");
        assert!(!created);
        assert_eq!(first.signer.verifying_key(), second.signer.verifying_key());
        assert_eq!(first.nik_hash("3174012345678901"), second.nik_hash("3174012345678901"));
    }
}
