//! The applicant texts of `assets/i18n/` (Indonesian first, English), and dates written the
//! Indonesian way ("Rabu, 25 November 2026").

use std::sync::OnceLock;

pub use antrian_proto::i18n::{Lang, Texts};

pub fn texts(lang: Lang) -> &'static Texts {
    static ID: OnceLock<Texts> = OnceLock::new();
    static EN: OnceLock<Texts> = OnceLock::new();
    match lang {
        Lang::Id => ID.get_or_init(|| Texts::from_toml(include_str!("../../assets/i18n/id.toml"), Lang::Id)),
        Lang::En => EN.get_or_init(|| Texts::from_toml(include_str!("../../assets/i18n/en.toml"), Lang::En)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

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
