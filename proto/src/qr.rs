//! The signed booking-QR text.
//!
//! ```text
//! AQ1.KANIM-JAKSEL.A.20261125.0800.K7PQ3M9XWZ.ABCDEF.<signature>
//! │   │            │ │        │    │          │      └ Ed25519 over everything before the
//! │   │            │ │        │    │          │        last dot, base32 (103 characters)
//! │   │            │ │        │    │          └ key id: base32 of SHA-256(public key), 6 chars
//! │   │            │ │        │    └ booking code
//! │   │            │ │        └ slot start HHMM
//! │   │            │ └ date YYYYMMDD
//! │   │            └ service
//! │   └ office id, upper case
//! └ format and version
//! ```
//!
//! Every character is in the QR alphanumeric set (`0-9 A-Z $%*+-./:` and space), so the code
//! is encoded at 5.5 bits a character: a ~160-character text fits a version-7 QR that phone
//! screens show and cheap scanners read fast. Parsing is strict (upper case only, exact field
//! shapes, zero trailing bits in the signature), so changing any single character of a valid
//! text makes it invalid. Verification needs only the issuers' public keys: no network.

use chrono::{NaiveDate, NaiveTime};
use data_encoding::{BASE32_NOPAD, BASE64};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};

/// Format tag and version.
pub const PREFIX: &str = "AQ1";
/// Length of a key id.
pub const KEY_ID_LEN: usize = 6;
/// The longest text [`QrSigner::sign`] makes, so QR codes stay small.
pub const MAX_LEN: usize = 200;

/// What a booking QR says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingClaim {
    pub booking_code: String,
    /// Office id, lower case as in the configuration (`kanim-jaksel`).
    pub office: String,
    pub service: String,
    pub date: NaiveDate,
    pub slot: NaiveTime,
}

/// Why a text is not a valid booking QR. The hub answers all of them with `invalid_qr`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    #[error("not a booking QR code: {0}")]
    Malformed(&'static str),
    #[error("signed by an unknown key {0}")]
    UnknownKey(String),
    #[error("signature does not match")]
    BadSignature,
    #[error("cannot encode: {0}")]
    Unencodable(&'static str),
}

/// The key id of a public key: the first 30 bits of its SHA-256, in base32.
pub fn key_id(key: &VerifyingKey) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let mut id = BASE32_NOPAD.encode(&digest[..4]);
    id.truncate(KEY_ID_LEN);
    id
}

/// A public key as written in `hub.toml`: standard base64 of its 32 bytes.
pub fn encode_public_key(key: &VerifyingKey) -> String {
    BASE64.encode(key.as_bytes())
}

pub fn decode_public_key(text: &str) -> Result<VerifyingKey, String> {
    let bytes =
        BASE64.decode(text.trim().as_bytes()).map_err(|e| format!("public key is not base64: {e}"))?;
    let bytes: [u8; 32] = bytes.try_into().map_err(|_| "public key must be 32 bytes".to_owned())?;
    VerifyingKey::from_bytes(&bytes).map_err(|e| format!("not an Ed25519 public key: {e}"))
}

/// Signs booking claims with one issuer key.
pub struct QrSigner {
    key: SigningKey,
    key_id: String,
}

impl std::fmt::Debug for QrSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QrSigner").field("key_id", &self.key_id).finish_non_exhaustive()
    }
}

impl QrSigner {
    pub fn from_secret_bytes(secret: &[u8; 32]) -> Self {
        let key = SigningKey::from_bytes(secret);
        let key_id = key_id(&key.verifying_key());
        QrSigner { key, key_id }
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    pub fn sign(&self, claim: &BookingClaim) -> Result<String, QrError> {
        let office = claim.office.to_ascii_uppercase();
        check_field(&office, 1, 32, |c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
            .map_err(|_| QrError::Unencodable("office id must be 1-32 of a-z, 0-9, -"))?;
        check_field(&claim.service, 1, 4, is_upper_alnum)
            .map_err(|_| QrError::Unencodable("service must be 1-4 of A-Z, 0-9"))?;
        check_field(&claim.booking_code, 4, 16, is_upper_alnum)
            .map_err(|_| QrError::Unencodable("booking code must be 4-16 of A-Z, 0-9"))?;
        let body = format!(
            "{PREFIX}.{office}.{}.{}.{}.{}.{}",
            claim.service,
            claim.date.format("%Y%m%d"),
            claim.slot.format("%H%M"),
            claim.booking_code,
            self.key_id
        );
        let signature = self.key.sign(body.as_bytes());
        let text = format!("{body}.{}", BASE32_NOPAD.encode(&signature.to_bytes()));
        if text.len() > MAX_LEN {
            return Err(QrError::Unencodable("text longer than 200 characters"));
        }
        Ok(text)
    }
}

/// Verifies booking QR texts offline against a set of trusted issuer keys.
#[derive(Debug, Clone, Default)]
pub struct QrVerifier {
    keys: Vec<(String, VerifyingKey)>,
}

impl QrVerifier {
    pub fn new(keys: impl IntoIterator<Item = VerifyingKey>) -> Self {
        let mut verifier = QrVerifier::default();
        for key in keys {
            verifier.trust(key);
        }
        verifier
    }

    pub fn trust(&mut self, key: VerifyingKey) {
        let id = key_id(&key);
        if !self.keys.iter().any(|(_, k)| *k == key) {
            self.keys.push((id, key));
        }
    }

    pub fn key_ids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|(id, _)| id.as_str())
    }

    pub fn verify(&self, text: &str) -> Result<BookingClaim, QrError> {
        if text.len() > MAX_LEN + 40 {
            return Err(QrError::Malformed("too long"));
        }
        let (body, signature_text) = text.rsplit_once('.').ok_or(QrError::Malformed("no signature"))?;
        let fields: Vec<&str> = body.split('.').collect();
        let [prefix, office, service, date, slot, code, kid] = fields[..] else {
            return Err(QrError::Malformed("wrong number of fields"));
        };
        if prefix != PREFIX {
            return Err(QrError::Malformed("unknown format"));
        }
        check_field(office, 1, 32, |c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')?;
        check_field(service, 1, 4, is_upper_alnum)?;
        check_field(date, 8, 8, |c| c.is_ascii_digit())?;
        check_field(slot, 4, 4, |c| c.is_ascii_digit())?;
        check_field(code, 4, 16, is_upper_alnum)?;
        check_field(kid, KEY_ID_LEN, KEY_ID_LEN, |c| matches!(c, 'A'..='Z' | '2'..='7'))?;
        let date = NaiveDate::parse_from_str(date, "%Y%m%d").map_err(|_| QrError::Malformed("bad date"))?;
        let slot = NaiveTime::parse_from_str(slot, "%H%M").map_err(|_| QrError::Malformed("bad slot"))?;
        // Strict base32: upper case, no padding, zero trailing bits.
        let signature_bytes = BASE32_NOPAD
            .decode(signature_text.as_bytes())
            .map_err(|_| QrError::Malformed("signature is not base32"))?;
        let signature_bytes: [u8; 64] =
            signature_bytes.try_into().map_err(|_| QrError::Malformed("signature has the wrong length"))?;
        let key = self
            .keys
            .iter()
            .find(|(id, _)| id == kid)
            .map(|(_, key)| key)
            .ok_or_else(|| QrError::UnknownKey(kid.to_owned()))?;
        key.verify(body.as_bytes(), &Signature::from_bytes(&signature_bytes))
            .map_err(|_| QrError::BadSignature)?;
        Ok(BookingClaim {
            booking_code: code.to_owned(),
            office: office.to_ascii_lowercase(),
            service: service.to_owned(),
            date,
            slot,
        })
    }
}

fn is_upper_alnum(c: char) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit()
}

fn check_field(value: &str, min: usize, max: usize, allowed: impl Fn(char) -> bool) -> Result<(), QrError> {
    if value.len() < min || value.len() > max || !value.chars().all(allowed) {
        return Err(QrError::Malformed("bad field"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngCore;

    fn signer() -> QrSigner {
        let mut secret = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut secret);
        QrSigner::from_secret_bytes(&secret)
    }

    fn claim() -> BookingClaim {
        BookingClaim {
            booking_code: "K7PQ3M9XWZ".into(),
            office: "kanim-jaksel".into(),
            service: "A".into(),
            date: NaiveDate::from_ymd_opt(2026, 11, 25).expect("date"),
            slot: NaiveTime::from_hms_opt(8, 0, 0).expect("time"),
        }
    }

    const QR_ALPHANUMERIC: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

    #[test]
    fn a_signed_claim_verifies_and_is_compact_and_qr_alphanumeric() {
        let signer = signer();
        let text = signer.sign(&claim()).expect("sign");
        assert!(text.len() <= MAX_LEN, "{} characters", text.len());
        assert!(text.chars().all(|c| QR_ALPHANUMERIC.contains(c)), "{text}");
        let verifier = QrVerifier::new([signer.verifying_key()]);
        assert_eq!(verifier.verify(&text), Ok(claim()));
    }

    #[test]
    fn changing_any_single_character_is_refused() {
        let signer = signer();
        let text = signer.sign(&claim()).expect("sign");
        let verifier = QrVerifier::new([signer.verifying_key()]);
        let replacements: Vec<char> = "AZ27K09.-a ".chars().collect();
        for (position, original) in text.char_indices() {
            for &replacement in &replacements {
                if replacement == original {
                    continue;
                }
                let mut changed = text.clone();
                changed.replace_range(position..position + 1, &replacement.to_string());
                assert!(
                    verifier.verify(&changed).is_err(),
                    "changed {original:?} to {replacement:?} at {position} and it still verified"
                );
            }
        }
    }

    #[test]
    fn an_unknown_key_is_refused_and_rotation_keeps_old_keys_valid() {
        let old = signer();
        let new = signer();
        let stranger = signer();
        let verifier = QrVerifier::new([old.verifying_key(), new.verifying_key()]);
        assert!(verifier.verify(&old.sign(&claim()).expect("sign")).is_ok());
        assert!(verifier.verify(&new.sign(&claim()).expect("sign")).is_ok());
        assert!(matches!(
            verifier.verify(&stranger.sign(&claim()).expect("sign")),
            Err(QrError::UnknownKey(_))
        ));
    }

    #[test]
    fn a_forged_key_id_does_not_help() {
        // A broker signs with their own key but writes a trusted key's id.
        let trusted = signer();
        let broker = signer();
        let verifier = QrVerifier::new([trusted.verifying_key()]);
        let forged = broker.sign(&claim()).expect("sign").replace(broker.key_id(), trusted.key_id());
        assert_eq!(verifier.verify(&forged), Err(QrError::BadSignature));
    }

    #[test]
    fn garbage_is_refused() {
        let verifier = QrVerifier::new([signer().verifying_key()]);
        for text in
            ["", "hello", "AQ1", "AQ1.......", "AQ1.X.A.20261125.0800.ABCD.ABCDEF.", &"A".repeat(5000)]
        {
            assert!(verifier.verify(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn public_keys_round_trip_through_text() {
        let signer = signer();
        let text = encode_public_key(&signer.verifying_key());
        assert_eq!(decode_public_key(&text), Ok(signer.verifying_key()));
        assert!(decode_public_key("not a key").is_err());
    }
}
