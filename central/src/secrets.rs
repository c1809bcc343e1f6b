//! The secrets every replica shares, kept in the database (`secrets` table): the booking-QR
//! issuer key (made by `keygen`), the key of the NIK's hash, and the key that seals the full
//! NIK for the office's records. A replica reads them at start.

use antrian_proto::qr::QrSigner;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::db::Pool;

/// The keys a replica works with.
pub struct Keys {
    pub issuer: QrSigner,
    nik_hash: [u8; 32],
    nik_seal: XChaCha20Poly1305,
    /// Signs the waiting room's challenges, places and admissions.
    room: [u8; 32],
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys").field("issuer", &self.issuer.key_id()).finish_non_exhaustive()
    }
}

/// 32 random bytes from the operating system.
pub fn random32() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}

/// SHA-256 of a token, as stored (a token itself is never stored).
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A new bearer token: 32 random bytes in base32.
pub fn new_token() -> String {
    data_encoding::BASE32_NOPAD.encode(&random32())
}

/// Creates the secret `name` unless it exists (two replicas racing keep one), and returns it.
async fn ensure(pool: &Pool, name: &str) -> anyhow::Result<Vec<u8>> {
    let client = pool.get().await?;
    client
        .execute(
            "INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            &[&name, &random32().to_vec()],
        )
        .await?;
    let row = client.query_one("SELECT value FROM secrets WHERE name = $1", &[&name]).await?;
    Ok(row.get(0))
}

fn key32(bytes: &[u8], name: &str) -> anyhow::Result<[u8; 32]> {
    bytes.try_into().map_err(|_| anyhow::anyhow!("secret {name} in the database is not 32 bytes"))
}

/// Creates the issuer key if there is none; whether it was created now.
pub async fn keygen(pool: &Pool) -> anyhow::Result<(QrSigner, bool)> {
    let client = pool.get().await?;
    let created = client
        .execute(
            "INSERT INTO secrets (name, value) VALUES ('issuer', $1) ON CONFLICT (name) DO NOTHING",
            &[&random32().to_vec()],
        )
        .await?
        == 1;
    let row = client.query_one("SELECT value FROM secrets WHERE name = 'issuer'", &[]).await?;
    Ok((QrSigner::from_secret_bytes(&key32(&row.get::<_, Vec<u8>>(0), "issuer")?), created))
}

impl Keys {
    /// Loads the keys; the issuer key must exist (`keygen`).
    pub async fn load(pool: &Pool) -> anyhow::Result<Keys> {
        let client = pool.get().await?;
        let issuer = client.query_opt("SELECT value FROM secrets WHERE name = 'issuer'", &[]).await?;
        let Some(issuer) = issuer else {
            anyhow::bail!("there is no issuer key yet: run `antrian-central keygen` once, then start again");
        };
        let issuer = QrSigner::from_secret_bytes(&key32(&issuer.get::<_, Vec<u8>>(0), "issuer")?);
        let nik_hash = key32(&ensure(pool, "nik_hash").await?, "nik_hash")?;
        let seal = key32(&ensure(pool, "nik_seal").await?, "nik_seal")?;
        let room = key32(&ensure(pool, "waiting_room").await?, "waiting_room")?;
        Ok(Keys { issuer, nik_hash, nik_seal: XChaCha20Poly1305::new((&seal).into()), room })
    }

    /// `text` with its signature appended (`text.MAC`, the MAC in base32): the waiting room's
    /// challenges, places and admissions, which every replica can check without the database.
    pub fn sign(&self, text: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.room).expect("any key length");
        mac.update(text.as_bytes());
        let tag = &mac.finalize().into_bytes()[..20];
        format!("{text}.{}", data_encoding::BASE32_NOPAD.encode(tag))
    }

    /// The text of a token [`Keys::sign`] made; `None` if it was not (constant-time check).
    pub fn verify<'a>(&self, token: &'a str) -> Option<&'a str> {
        let (text, tag) = token.rsplit_once('.')?;
        let tag = data_encoding::BASE32_NOPAD.decode(tag.as_bytes()).ok()?;
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.room).expect("any key length");
        mac.update(text.as_bytes());
        mac.verify_truncated_left(&tag).ok()?;
        (tag.len() == 20).then_some(text)
    }

    /// The NIK's keyed hash (HMAC-SHA256), as stored and compared.
    pub fn nik_hash(&self, nik: &str) -> Vec<u8> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.nik_hash).expect("any key length");
        mac.update(nik.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// The NIK sealed (XChaCha20-Poly1305, random nonce first).
    pub fn seal(&self, nik: &str) -> Vec<u8> {
        let mut nonce = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let mut sealed = nonce.to_vec();
        sealed.extend(self.nik_seal.encrypt(XNonce::from_slice(&nonce), nik.as_bytes()).expect("encrypt"));
        sealed
    }

    /// A sealed NIK opened; `None` if it was not sealed with this key.
    pub fn open(&self, sealed: &[u8]) -> Option<String> {
        if sealed.len() < 24 {
            return None;
        }
        let plain = self.nik_seal.decrypt(XNonce::from_slice(&sealed[..24]), &sealed[24..]).ok()?;
        String::from_utf8(plain).ok()
    }
}
