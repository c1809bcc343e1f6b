//! Any text scanned at a kiosk goes through the booking-QR verifier: it must never panic,
//! and nothing but a text signed by a trusted key may pass — a mutated valid code included.
#![no_main]

use std::sync::OnceLock;

use antrian_proto::qr::{BookingClaim, QrSigner, QrVerifier};
use libfuzzer_sys::fuzz_target;

fn setup() -> &'static (QrVerifier, String) {
    static SETUP: OnceLock<(QrVerifier, String)> = OnceLock::new();
    SETUP.get_or_init(|| {
        let signer = QrSigner::from_secret_bytes(&[42; 32]);
        let valid = signer
            .sign(&BookingClaim {
                booking_code: "K7M2P9QX4T".into(),
                office: "kanim-jaksel".into(),
                service: "A".into(),
                date: chrono::NaiveDate::from_ymd_opt(2026, 11, 25).expect("date"),
                slot: chrono::NaiveTime::from_hms_opt(9, 0, 0).expect("time"),
            })
            .expect("sign");
        (QrVerifier::new([signer.verifying_key()]), valid)
    })
}

fuzz_target!(|data: &[u8]| {
    let (verifier, valid) = setup();
    if let Ok(text) = std::str::from_utf8(data) {
        if verifier.verify(text).is_ok() {
            assert_eq!(text, valid, "only the one signed text verifies");
        }
    }
    // The valid code with the input spliced in at a position chosen by the input.
    if let Some((&at, rest)) = data.split_first() {
        let at = usize::from(at) % valid.len();
        let mut mutated = valid.as_bytes()[..at].to_vec();
        mutated.extend_from_slice(rest);
        mutated.extend_from_slice(&valid.as_bytes()[(at + rest.len()).min(valid.len())..]);
        if let Ok(text) = std::str::from_utf8(&mutated) {
            if verifier.verify(text).is_ok() {
                assert_eq!(text, valid, "a changed code must not verify");
            }
        }
    }
});
