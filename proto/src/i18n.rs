//! Text catalogues for people (feature `i18n`): one TOML file per language, `[section] key =
//! "text"`, read into a map by `section.key`; Indonesian first, English second. The hub's
//! applicant pages and the national service's pages each have their catalogues; this is how
//! both read them, and how both write a date.

use std::collections::HashMap;

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

impl Texts {
    /// Reads a catalogue; a text that is not TOML gives an empty one (a test of each program
    /// keeps its catalogues readable and complete).
    pub fn from_toml(text: &str, lang: Lang) -> Texts {
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

    /// The text for `key`; the key itself when missing (a test keeps the catalogues complete).
    pub fn t<'a>(&'a self, key: &'a str) -> &'a str {
        self.map.get(key).map(String::as_str).unwrap_or(key)
    }

    /// Whether `key` is in the catalogue.
    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// Every key, for the tests that compare two catalogues.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.map.keys().map(String::as_str)
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
            Lang::Id => crate::calendar::tanggal(date),
            Lang::En => date.format("%A, %-d %B %Y").to_string(),
        }
    }
}
