//! Numbers as Indonesian words, for the spoken call: "Nomor antrean A dua belas, silakan
//! menuju loket tiga".

const ONES: [&str; 10] =
    ["nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"];

/// 0..=9999 in Indonesian words: sebelas, dua belas, seratus, seribu, dua ribu lima ...
pub fn number(n: u32) -> String {
    match n {
        0..=9 => ONES[n as usize].to_owned(),
        10 => "sepuluh".to_owned(),
        11 => "sebelas".to_owned(),
        12..=19 => format!("{} belas", ONES[(n - 10) as usize]),
        20..=99 => join(format!("{} puluh", ONES[(n / 10) as usize]), n % 10),
        100..=199 => join("seratus".to_owned(), n % 100),
        200..=999 => join(format!("{} ratus", ONES[(n / 100) as usize]), n % 100),
        1000..=1999 => join("seribu".to_owned(), n % 1000),
        _ => join(format!("{} ribu", number(n / 1000)), n % 1000),
    }
}

fn join(head: String, rest: u32) -> String {
    if rest == 0 { head } else { format!("{head} {}", number(rest)) }
}

/// How a ticket's letter is said, so a speech synthesizer reads it as a letter.
pub fn letter(c: char) -> &'static str {
    match c.to_ascii_uppercase() {
        'A' => "A",
        'B' => "Be",
        'C' => "Ce",
        'D' => "De",
        'E' => "E",
        'F' => "Ef",
        'G' => "Ge",
        'H' => "Ha",
        'I' => "I",
        'J' => "Je",
        'K' => "Ka",
        'L' => "El",
        'M' => "Em",
        'N' => "En",
        'O' => "O",
        'P' => "Pe",
        'Q' => "Ki",
        'R' => "Er",
        'S' => "Es",
        'T' => "Te",
        'U' => "U",
        'V' => "Fe",
        'W' => "We",
        'X' => "Eks",
        'Y' => "Ye",
        'Z' => "Zet",
        _ => "",
    }
}

/// A ticket number as spoken: "A012" → "A dua belas", "P1000" → "Pe seribu".
pub fn ticket(number_text: &str) -> String {
    let letters: String = number_text.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    let digits: String = number_text.chars().skip_while(|c| c.is_ascii_alphabetic()).collect();
    let mut parts: Vec<String> =
        letters.chars().map(|c| letter(c).to_owned()).filter(|s| !s.is_empty()).collect();
    if let Ok(n) = digits.parse::<u32>() {
        parts.push(number(n));
    } else if !digits.is_empty() {
        parts.push(digits);
    }
    parts.join(" ")
}

/// The sentence of a call. A numeric counter id is spoken as a number, otherwise its name.
pub fn call_sentence(ticket_number: &str, counter: &str, counter_name: &str) -> String {
    let counter = match counter.parse::<u32>() {
        Ok(n) => format!("loket {}", number(n)),
        Err(_) => counter_name.to_lowercase(),
    };
    format!("Nomor antrean {}, silakan menuju {counter}", ticket(ticket_number))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_numbers() {
        let cases = [
            (0, "nol"),
            (1, "satu"),
            (10, "sepuluh"),
            (11, "sebelas"),
            (12, "dua belas"),
            (19, "sembilan belas"),
            (20, "dua puluh"),
            (21, "dua puluh satu"),
            (99, "sembilan puluh sembilan"),
            (100, "seratus"),
            (101, "seratus satu"),
            (111, "seratus sebelas"),
            (200, "dua ratus"),
            (345, "tiga ratus empat puluh lima"),
            (999, "sembilan ratus sembilan puluh sembilan"),
            (1000, "seribu"),
            (1001, "seribu satu"),
            (1100, "seribu seratus"),
            (2000, "dua ribu"),
            (2026, "dua ribu dua puluh enam"),
            (9999, "sembilan ribu sembilan ratus sembilan puluh sembilan"),
        ];
        for (n, words) in cases {
            assert_eq!(number(n), words, "{n}");
        }
    }

    /// Every number from 0 to 9999 reads back to itself, so the words are right all the way.
    #[test]
    fn every_number_to_9999_parses_back() {
        fn parse(words: &str) -> u32 {
            let digit = |w: &str| ONES.iter().position(|o| *o == w).map(|p| p as u32);
            let mut total = 0;
            let mut current = 0;
            for word in words.split(' ') {
                match word {
                    "sepuluh" => current += 10,
                    "sebelas" => current += 11,
                    "seratus" => current += 100,
                    "seribu" => total += 1000,
                    "belas" => current += 10,
                    "puluh" => current = current / 10 * 10 + (current % 10) * 10,
                    "ratus" => current = (current % 10) * 100 + current / 10 * 10,
                    "ribu" => {
                        total += current * 1000;
                        current = 0;
                    }
                    other => current += digit(other).unwrap_or_else(|| panic!("unknown word {other:?}")),
                }
            }
            total + current
        }
        for n in 0..=9999 {
            let words = number(n);
            assert!(
                !words.contains("  ") && !words.starts_with(' ') && !words.ends_with(' '),
                "{n}: {words:?}"
            );
            assert!(
                !words.contains("satu puluh")
                    && !words.contains("satu ratus")
                    && !words.contains("satu ribu"),
                "{n}: {words}"
            );
            assert_eq!(parse(&words), n, "{n}: {words}");
        }
    }

    #[test]
    fn calls_are_said_in_indonesian() {
        assert_eq!(ticket("A012"), "A dua belas");
        assert_eq!(ticket("P001"), "Pe satu");
        assert_eq!(ticket("D1000"), "De seribu");
        assert_eq!(
            call_sentence("A012", "3", "Loket 3"),
            "Nomor antrean A dua belas, silakan menuju loket tiga"
        );
        assert_eq!(
            call_sentence("C105", "VIP", "Loket VIP"),
            "Nomor antrean Ce seratus lima, silakan menuju loket vip"
        );
    }
}
