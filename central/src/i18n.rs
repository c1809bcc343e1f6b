//! The applicant's texts (`central/assets/i18n/`, Indonesian first, English), read with
//! [`antrian_proto::i18n`]; and how the pages and letters write money, dates and times.

use std::sync::OnceLock;

pub use antrian_proto::i18n::{Lang, Texts};
use chrono::{Datelike, NaiveDate, NaiveDateTime};

pub fn texts(lang: Lang) -> &'static Texts {
    static ID: OnceLock<Texts> = OnceLock::new();
    static EN: OnceLock<Texts> = OnceLock::new();
    match lang {
        Lang::Id => ID.get_or_init(|| Texts::from_toml(include_str!("../assets/i18n/id.toml"), Lang::Id)),
        Lang::En => EN.get_or_init(|| Texts::from_toml(include_str!("../assets/i18n/en.toml"), Lang::En)),
    }
}

/// `text` with each `{name}` replaced by its value.
pub fn fill(text: &str, args: &[(&str, &str)]) -> String {
    let mut out = text.to_owned();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// Rupiah as written in Indonesia, in both languages: "Rp 1.350.000".
pub fn rupiah(amount: i64) -> String {
    let digits = amount.abs().to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(c);
    }
    format!("Rp {}{grouped}", if amount < 0 { "-" } else { "" })
}

/// A short date: "Sen, 7 Des 2026" / "Mon, 7 Dec 2026".
pub fn short_date(t: &Texts, date: NaiveDate) -> String {
    match t.lang {
        Lang::Id => {
            use antrian_proto::calendar::{bulan, hari};
            let day: String = hari(date.weekday()).chars().take(3).collect();
            let month: String = bulan(date.month()).chars().take(3).collect();
            format!("{day}, {} {month} {}", date.day(), date.year())
        }
        Lang::En => date.format("%a, %-d %b %Y").to_string(),
    }
}

/// A date and time at the office, with its zone's name: "Jumat, 4 Desember 2026, 14.00 WIB".
pub fn date_time(t: &Texts, at: NaiveDateTime, zone: &str) -> String {
    match t.lang {
        Lang::Id => format!("{}, {} {zone}", t.long_date(at.date()), at.format("%H.%M")),
        Lang::En => format!("{}, {} {zone}", t.long_date(at.date()), at.format("%H:%M")),
    }
}

/// The zone's Indonesian abbreviation (WIB, WITA, WIT) for an IANA name.
pub fn zone_name(timezone: &str) -> &'static str {
    match timezone {
        "Asia/Makassar" | "Asia/Ujung_Pandang" => "WITA",
        "Asia/Jayapura" => "WIT",
        _ => "WIB",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_dates_and_times_read_as_people_write_them() {
        assert_eq!(rupiah(1_350_000), "Rp 1.350.000");
        assert_eq!(rupiah(350_000), "Rp 350.000");
        assert_eq!(rupiah(999), "Rp 999");
        let date = NaiveDate::from_ymd_opt(2026, 12, 7).expect("date");
        assert_eq!(short_date(texts(Lang::Id), date), "Sen, 7 Des 2026");
        assert_eq!(short_date(texts(Lang::En), date), "Mon, 7 Dec 2026");
        let at = date.and_hms_opt(14, 0, 0).expect("time");
        assert_eq!(date_time(texts(Lang::Id), at, "WIB"), "Senin, 7 Desember 2026, 14.00 WIB");
        assert_eq!(date_time(texts(Lang::En), at, "WITA"), "Monday, 7 December 2026, 14:00 WITA");
        assert_eq!(fill("{a} and {b}", &[("a", "1"), ("b", "2")]), "1 and 2");
    }

    /// Both catalogues have the same keys, and every key the code and the templates ask for.
    #[test]
    fn the_catalogues_are_complete() {
        let (id, en) = (texts(Lang::Id), texts(Lang::En));
        let mut id_keys: Vec<&str> = id.keys().collect();
        let mut en_keys: Vec<&str> = en.keys().collect();
        id_keys.sort_unstable();
        en_keys.sort_unstable();
        assert!(id_keys.len() > 100, "the catalogue could not be read");
        assert_eq!(id_keys, en_keys, "id.toml and en.toml must have the same keys");
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut sources = Vec::new();
        for dir in ["templates", "src", "src/pages"] {
            for entry in std::fs::read_dir(root.join(dir)).expect("folder") {
                let path = entry.expect("entry").path();
                if path.is_file() {
                    sources.push((path.clone(), std::fs::read_to_string(&path).expect("read")));
                }
            }
        }
        let mut missing = Vec::new();
        for (path, text) in &sources {
            for part in text.split("t.t(\"").skip(1) {
                let key = part.split('"').next().unwrap_or("");
                if !key.ends_with('.') && !id.has(key) {
                    missing.push(format!("{}: {key}", path.display()));
                }
            }
        }
        assert!(missing.is_empty(), "keys missing from the catalogues: {missing:#?}");
    }
}
