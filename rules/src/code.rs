//! Booking codes: what the applicant types on the kiosk's keypad when the QR code will not
//! scan, so unguessable yet easy to read aloud and type — digits and capitals without the
//! look-alikes 0/O and 1/I/L.

use rand::Rng;

/// The characters of a generated code.
pub const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Characters of a generated code: 10 of 31 is 49.5 random bits.
pub const LEN: usize = 10;

/// A new random code from the operating system's generator.
pub fn generate() -> String {
    let mut rng = rand::rngs::OsRng;
    (0..LEN).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}

/// A typed code cleaned up: upper case, without spaces or dashes.
pub fn normalize(code: &str) -> String {
    // ASCII upper case only: a letter whose upper case is ASCII (`ı` → `I`) stays itself and
    // is refused, as the API description's pattern says.
    code.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_uppercase()).collect()
}

/// Whether a (normalized) code may be used: 4–16 of A–Z and 0–9 (codes given by an import
/// may use any letter or digit).
pub fn is_valid(code: &str) -> bool {
    (4..=16).contains(&code.len()) && code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_avoid_look_alikes_and_are_random() {
        let codes: std::collections::HashSet<String> = (0..2000).map(|_| generate()).collect();
        assert_eq!(codes.len(), 2000);
        for code in &codes {
            assert_eq!(code.len(), LEN);
            assert!(!code.contains(['0', 'O', '1', 'I', 'L']), "{code}");
            assert!(is_valid(code));
        }
        let bits = (ALPHABET.len() as f64).log2() * LEN as f64;
        assert!(bits >= 40.0, "{bits} bits");
    }

    #[test]
    fn typed_codes_are_cleaned_and_checked() {
        assert_eq!(normalize(" k7pq-3m9x wz "), "K7PQ3M9XWZ");
        assert!(is_valid("K7PQ"));
        assert!(!is_valid("K7P"), "too short");
        assert!(!is_valid("K7PQ3M9XWZK7PQ3M9"), "too long");
        assert!(!is_valid("K7PQ_3M9"), "not a letter or digit");
    }
}
