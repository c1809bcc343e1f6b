//! The applicant texts of `assets/i18n/` (Indonesian first, English), and dates written the
//! Indonesian way ("Rabu, 25 November 2026").

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::NaiveDate;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Id,
    En,
}

impl Lang {
    /// `en` gives English; anything else the default, Indonesian.
    pub fn parse(code: Option<&str>) -> Lang {
        match code {
            Some("en") => Lang::En,
            _ => Lang::Id,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }
}

/// One language's texts, by `section.key`.
#[derive(Debug)]
pub struct Texts {
    pub lang: Lang,
    map: HashMap<String, String>,
}

fn load(text: &str, lang: Lang) -> Texts {
    let table: toml::Table = toml::from_str(text).unwrap_or_default();
    let mut map = HashMap::new();
    for (section, values) in table {
        if let Some(values) = values.as_table() {
            for (key, value) in values {
                if let Some(value) = value.as_str() {
                    map.insert(format!("{section}.{key}"), value.to_owned());
                }
            }
        }
    }
    Texts { lang, map }
}

pub fn texts(lang: Lang) -> &'static Texts {
    static ID: OnceLock<Texts> = OnceLock::new();
    static EN: OnceLock<Texts> = OnceLock::new();
    match lang {
        Lang::Id => ID.get_or_init(|| load(include_str!("../../assets/i18n/id.toml"), Lang::Id)),
        Lang::En => EN.get_or_init(|| load(include_str!("../../assets/i18n/en.toml"), Lang::En)),
    }
}

impl Texts {
    /// The text for `key`; the key itself when missing (a test keeps the catalogues complete).
    pub fn t<'a>(&'a self, key: &'a str) -> &'a str {
        self.map.get(key).map(String::as_str).unwrap_or(key)
    }

    /// The texts of one section as JSON, for a page's script; `<` escaped so it cannot end
    /// the script element.
    pub fn section_json(&self, section: &str) -> String {
        let prefix = format!("{section}.");
        let subset: HashMap<&str, &str> =
            self.map.iter().filter_map(|(k, v)| k.strip_prefix(&prefix).map(|k| (k, v.as_str()))).collect();
        serde_json::to_string(&subset).unwrap_or_else(|_| "{}".into()).replace('<', "\\u003c")
    }

    /// A date as people write it: "Rabu, 25 November 2026" or "Wednesday, 25 November 2026".
    pub fn long_date(&self, date: NaiveDate) -> String {
        match self.lang {
            Lang::Id => antrian_proto::calendar::tanggal(date),
            Lang::En => date.format("%A, %-d %B %Y").to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_the_indonesian_way() {
        let date = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
        assert_eq!(texts(Lang::Id).long_date(date), "Rabu, 25 November 2026");
        assert_eq!(texts(Lang::En).long_date(date), "Wednesday, 25 November 2026");
        let date = NaiveDate::from_ymd_opt(2027, 1, 3).expect("date");
        assert_eq!(texts(Lang::Id).long_date(date), "Minggu, 3 Januari 2027");
    }

    #[test]
    fn texts_come_from_the_catalogues_and_are_safe_in_scripts() {
        assert_eq!(texts(Lang::Id).t("page.submit"), "Daftar");
        assert_eq!(texts(Lang::En).t("page.submit"), "Book");
        assert_eq!(texts(Lang::Id).t("page.nope"), "page.nope");
        let json = texts(Lang::Id).section_json("booking_error");
        assert!(json.contains("quota_full") && !json.contains('<'));
        assert_eq!(Lang::parse(Some("en")), Lang::En);
        assert_eq!(Lang::parse(Some("fr")), Lang::Id);
        assert_eq!(Lang::parse(None), Lang::Id);
    }
}
