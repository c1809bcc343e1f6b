//! Every word the kiosk shows, in Indonesian and English. One struct per language, so a
//! missing translation does not compile; one plain sentence per check-in error code, saying
//! what happened and what to do next.

use antrian_proto::{ErrorCode, RefusalDetail};
use chrono::NaiveDate;
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Id,
    En,
}

impl Lang {
    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::Id => &ID,
            Lang::En => &EN,
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Id => Lang::En,
            Lang::En => Lang::Id,
        }
    }
}

/// The fixed texts of the screens.
#[derive(Debug)]
pub struct Texts {
    /// The button that switches to the other language (written in that language).
    pub switch_language: &'static str,
    pub welcome_title: &'static str,
    pub welcome_scan: &'static str,
    pub welcome_scan_hint: &'static str,
    /// The scanner read only part of a code.
    pub partial_scan: &'static str,
    pub button_manual: &'static str,
    pub button_walk_in: &'static str,
    pub manual_title: &'static str,
    pub manual_code: &'static str,
    pub manual_nik: &'static str,
    pub manual_hint: &'static str,
    pub key_delete: &'static str,
    pub key_clear: &'static str,
    pub button_submit: &'static str,
    pub button_back: &'static str,
    pub button_done: &'static str,
    pub button_retry: &'static str,
    pub walk_in_title: &'static str,
    pub walk_in_hint: &'static str,
    pub walk_in_priority_hint: &'static str,
    pub walk_in_none: &'static str,
    pub working: &'static str,
    pub result_title: &'static str,
    pub result_reprint: &'static str,
    pub result_wait_at: &'static str,
    pub result_ahead: &'static str,
    pub result_eta: &'static str,
    pub result_minutes: &'static str,
    pub result_people: &'static str,
    pub result_first: &'static str,
    pub printing: &'static str,
    pub printed: &'static str,
    pub print_failed: &'static str,
    pub no_printer: &'static str,
    pub result_phone: &'static str,
    pub offline_title: &'static str,
    pub offline_body: &'static str,
    pub offline_retrying: &'static str,
    pub error_title: &'static str,
}

pub static ID: Texts = Texts {
    switch_language: "English",
    welcome_title: "Selamat Datang",
    welcome_scan: "Pindai kode QR bukti pendaftaran Anda",
    welcome_scan_hint: "Arahkan kode QR ke pemindai di bawah layar ini",
    partial_scan: "Kode QR hanya terbaca sebagian. Pindai ulang: tahan kode QR diam di bawah pemindai.",
    button_manual: "Masukkan kode booking",
    button_walk_in: "Tanpa pendaftaran online",
    manual_title: "Masukkan kode booking dan 4 angka terakhir NIK",
    manual_code: "Kode booking",
    manual_nik: "4 angka terakhir NIK",
    manual_hint: "Sentuh kotak untuk mengisinya. Kode booking tertulis di bawah kode QR pada bukti pendaftaran.",
    key_delete: "Hapus",
    key_clear: "Kosongkan",
    button_submit: "Ambil nomor antrean",
    button_back: "Kembali",
    button_done: "Selesai",
    button_retry: "Coba lagi",
    walk_in_title: "Pilih layanan",
    walk_in_hint: "Untuk pemohon yang datang tanpa pendaftaran online",
    walk_in_priority_hint: "Lansia, penyandang disabilitas, ibu hamil, anak balita",
    walk_in_none: "Tidak ada layanan tanpa pendaftaran di kiosk ini. Silakan hubungi petugas.",
    working: "Mohon tunggu sebentar",
    result_title: "Nomor antrean Anda",
    result_reprint: "CETAK ULANG - Anda sudah check-in. Ini nomor Anda yang sama.",
    result_wait_at: "Silakan duduk di ruang tunggu dan perhatikan layar panggilan",
    result_ahead: "Di depan Anda",
    result_eta: "Perkiraan tunggu",
    result_minutes: "menit",
    result_people: "orang",
    result_first: "Anda berikutnya",
    printing: "Tiket sedang dicetak",
    printed: "Silakan ambil tiket Anda di bawah",
    print_failed: "Tiket tidak dapat dicetak. Catat nomor Anda atau hubungi petugas. Nomor Anda tetap berlaku.",
    no_printer: "Catat nomor Anda. Nomor Anda tetap berlaku.",
    result_phone: "Pindai kode QR pada tiket untuk memantau antrean di ponsel Anda",
    offline_title: "Mohon maaf, kiosk sedang tidak dapat melayani",
    offline_body: "Silakan hubungi petugas di meja informasi. Pendaftaran Anda tetap berlaku.",
    offline_retrying: "Kiosk akan kembali melayani dengan sendirinya.",
    error_title: "Mohon maaf",
};

pub static EN: Texts = Texts {
    switch_language: "Bahasa Indonesia",
    welcome_title: "Welcome",
    welcome_scan: "Scan the QR code of your booking confirmation",
    welcome_scan_hint: "Hold the QR code under the scanner below this screen",
    partial_scan: "The QR code was read only in part. Scan again: hold the code still under the scanner.",
    button_manual: "Enter booking code",
    button_walk_in: "No online booking",
    manual_title: "Enter your booking code and the last 4 digits of your NIK",
    manual_code: "Booking code",
    manual_nik: "Last 4 digits of NIK",
    manual_hint: "Touch a box to fill it in. The booking code is printed under the QR code of your confirmation.",
    key_delete: "Delete",
    key_clear: "Clear",
    button_submit: "Get queue number",
    button_back: "Back",
    button_done: "Done",
    button_retry: "Try again",
    walk_in_title: "Choose a service",
    walk_in_hint: "For applicants who came without an online booking",
    walk_in_priority_hint: "Elderly, disabled, pregnant, with small children",
    walk_in_none: "This kiosk offers no service without booking. Please see an officer.",
    working: "One moment, please",
    result_title: "Your queue number",
    result_reprint: "REPRINT - You have already checked in. This is your same number.",
    result_wait_at: "Please take a seat in the waiting room and watch the call screen",
    result_ahead: "Ahead of you",
    result_eta: "Estimated wait",
    result_minutes: "minutes",
    result_people: "people",
    result_first: "You are next",
    printing: "Your ticket is printing",
    printed: "Please take your ticket below",
    print_failed: "The ticket could not be printed. Write down your number or see an officer. Your number stays valid.",
    no_printer: "Write down your number. Your number stays valid.",
    result_phone: "Scan the QR code on the ticket to follow the queue on your phone",
    offline_title: "Sorry, this kiosk cannot serve you right now",
    offline_body: "Please see an officer at the information desk. Your booking stays valid.",
    offline_retrying: "The kiosk will start serving again by itself.",
    error_title: "Sorry",
};

/// What the applicant reads when the hub refuses: what happened and what to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    pub what: String,
    pub next: String,
}

fn date_in(lang: Lang, date: NaiveDate) -> String {
    match lang {
        Lang::Id => antrian_proto::calendar::tanggal(date),
        Lang::En => date.format("%A %-d %B %Y").to_string(),
    }
}

/// The sentence for an error `code` of the hub (with its `detail`, when the hub gave one).
/// Codes without a sentence of their own (and codes of a newer hub) get the general "see an
/// officer" sentence.
pub fn error_sentence(lang: Lang, code: ErrorCode, detail: Option<&RefusalDetail>) -> Sentence {
    use ErrorCode as E;
    let date = detail.and_then(|d| d.date);
    let slot = detail.and_then(|d| d.slot.as_deref()).unwrap_or("");
    let office = detail.and_then(|d| d.office.as_deref());
    let (what, next) = match (lang, code) {
        (Lang::Id, E::InvalidQr) => (
            "Kode QR ini tidak dapat dibaca atau tidak sah.".to_owned(),
            "Gunakan bukti pendaftaran asli dari situs resmi, atau sentuh \"Masukkan kode booking\"."
                .to_owned(),
        ),
        (Lang::En, E::InvalidQr) => (
            "This QR code cannot be read or is not valid.".to_owned(),
            "Use the original booking confirmation from the official site, or touch \"Enter booking code\"."
                .to_owned(),
        ),
        (Lang::Id, E::UnknownBooking) => (
            "Kode booking atau 4 angka terakhir NIK tidak cocok.".to_owned(),
            "Periksa kembali bukti pendaftaran Anda dan coba lagi.".to_owned(),
        ),
        (Lang::En, E::UnknownBooking) => (
            "The booking code or the last 4 digits of the NIK do not match.".to_owned(),
            "Check your booking confirmation and try again.".to_owned(),
        ),
        (Lang::Id, E::WrongOffice) => (
            format!(
                "Pendaftaran ini untuk kantor imigrasi lain ({}).",
                office.unwrap_or("lihat bukti pendaftaran")
            ),
            "Silakan datang ke kantor yang tertulis pada bukti pendaftaran Anda.".to_owned(),
        ),
        (Lang::En, E::WrongOffice) => (
            format!(
                "This booking is for another immigration office ({}).",
                office.unwrap_or("see your confirmation")
            ),
            "Please go to the office named on your booking confirmation.".to_owned(),
        ),
        (Lang::Id, E::WrongDate) => (
            match date {
                Some(d) => format!("Jadwal Anda bukan hari ini, tetapi {} pukul {slot}.", date_in(lang, d)),
                None => "Jadwal Anda bukan hari ini.".to_owned(),
            },
            "Silakan datang kembali pada tanggal tersebut.".to_owned(),
        ),
        (Lang::En, E::WrongDate) => (
            match date {
                Some(d) => format!("Your appointment is not today but on {} at {slot}.", date_in(lang, d)),
                None => "Your appointment is not today.".to_owned(),
            },
            "Please come back on that day.".to_owned(),
        ),
        (Lang::Id | Lang::En, E::TooEarly) => {
            let from = detail.and_then(|d| d.from).map(|t| t.format("%H:%M").to_string());
            match (lang, from) {
                (Lang::Id, Some(from)) => (
                    format!("Anda datang terlalu awal untuk jadwal pukul {slot}."),
                    format!("Check-in dibuka pukul {from}. Silakan kembali ke kiosk pada jam tersebut."),
                ),
                (Lang::Id, None) => (
                    "Anda datang terlalu awal untuk jadwal Anda.".to_owned(),
                    "Silakan kembali mendekati jam jadwal Anda.".to_owned(),
                ),
                (Lang::En, Some(from)) => (
                    format!("You are too early for your {slot} appointment."),
                    format!("Check-in opens at {from}. Please come back to the kiosk then."),
                ),
                (Lang::En, None) => (
                    "You are too early for your appointment.".to_owned(),
                    "Please come back closer to your appointment time.".to_owned(),
                ),
            }
        }
        (Lang::Id, E::TooLate) => (
            match date {
                Some(d) => format!(
                    "Waktu check-in untuk jadwal Anda ({} pukul {slot}) sudah lewat.",
                    date_in(lang, d)
                ),
                None => "Waktu check-in untuk jadwal Anda sudah lewat.".to_owned(),
            },
            "Silakan hubungi petugas di meja informasi, atau daftar ulang di situs resmi.".to_owned(),
        ),
        (Lang::En, E::TooLate) => (
            match date {
                Some(d) => {
                    format!("Check-in for your appointment ({} at {slot}) has closed.", date_in(lang, d))
                }
                None => "Check-in for your appointment has closed.".to_owned(),
            },
            "Please see an officer at the information desk, or book again on the official site.".to_owned(),
        ),
        (Lang::Id, E::Cancelled) => (
            "Pendaftaran ini sudah dibatalkan.".to_owned(),
            "Silakan daftar ulang di situs resmi atau hubungi petugas.".to_owned(),
        ),
        (Lang::En, E::Cancelled) => (
            "This booking was cancelled.".to_owned(),
            "Please book again on the official site or see an officer.".to_owned(),
        ),
        (Lang::Id, E::NotWalkIn) => (
            "Layanan ini hanya untuk pemohon dengan pendaftaran online.".to_owned(),
            "Silakan daftar di situs resmi atau hubungi petugas.".to_owned(),
        ),
        (Lang::En, E::NotWalkIn) => (
            "This service is only for applicants with an online booking.".to_owned(),
            "Please book on the official site or see an officer.".to_owned(),
        ),
        (Lang::Id, E::QuotaFull) => (
            "Kuota layanan ini untuk hari ini sudah habis.".to_owned(),
            "Silakan daftar online untuk hari lain, atau hubungi petugas.".to_owned(),
        ),
        (Lang::En, E::QuotaFull) => (
            "Today's quota for this service is used up.".to_owned(),
            "Please book online for another day, or see an officer.".to_owned(),
        ),
        (Lang::Id, E::TooManyAttempts | E::RateLimited) => (
            "Terlalu banyak percobaan dalam waktu singkat.".to_owned(),
            "Tunggu sebentar, lalu coba lagi.".to_owned(),
        ),
        (Lang::En, E::TooManyAttempts | E::RateLimited) => {
            ("Too many attempts in a short time.".to_owned(), "Wait a moment, then try again.".to_owned())
        }
        (Lang::Id, _) => (
            "Terjadi gangguan pada sistem.".to_owned(),
            "Silakan hubungi petugas. Pendaftaran Anda tetap berlaku.".to_owned(),
        ),
        (Lang::En, _) => (
            "Something went wrong in the system.".to_owned(),
            "Please see an officer. Your booking stays valid.".to_owned(),
        ),
    };
    Sentence { what, next }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The error codes API.md gives for check-in and walk-in.
    const CODES: [ErrorCode; 9] = [
        ErrorCode::InvalidQr,
        ErrorCode::UnknownBooking,
        ErrorCode::WrongOffice,
        ErrorCode::WrongDate,
        ErrorCode::TooEarly,
        ErrorCode::TooLate,
        ErrorCode::Cancelled,
        ErrorCode::NotWalkIn,
        ErrorCode::QuotaFull,
    ];

    #[test]
    fn every_code_has_its_own_sentence_in_both_languages() {
        for lang in [Lang::Id, Lang::En] {
            let general = error_sentence(lang, ErrorCode::Internal, None);
            assert_eq!(error_sentence(lang, ErrorCode::Unknown, None), general, "a newer hub's code");
            let mut seen = std::collections::HashSet::new();
            for code in CODES {
                let sentence = error_sentence(lang, code, None);
                assert_ne!(sentence, general, "{code} in {lang:?} has its own sentence");
                assert!(seen.insert(sentence.what.clone()), "{code} in {lang:?} repeats another sentence");
                assert!(!sentence.next.is_empty());
            }
        }
    }

    #[test]
    fn dates_and_times_from_the_hub_are_in_the_sentence() {
        let detail: RefusalDetail =
            serde_json::from_value(serde_json::json!({ "date": "2026-12-02", "slot": "09:00" }))
                .expect("detail");
        let id = error_sentence(Lang::Id, ErrorCode::WrongDate, Some(&detail));
        assert_eq!(id.what, "Jadwal Anda bukan hari ini, tetapi Rabu, 2 Desember 2026 pukul 09:00.");
        let en = error_sentence(Lang::En, ErrorCode::WrongDate, Some(&detail));
        assert_eq!(en.what, "Your appointment is not today but on Wednesday 2 December 2026 at 09:00.");
        let detail: RefusalDetail = serde_json::from_value(
            serde_json::json!({ "from": "2026-11-25T12:00:00+07:00", "slot": "13:00" }),
        )
        .expect("detail");
        assert!(error_sentence(Lang::Id, ErrorCode::TooEarly, Some(&detail)).next.contains("pukul 12:00"));
        assert!(error_sentence(Lang::En, ErrorCode::TooEarly, Some(&detail)).next.contains("opens at 12:00"));
    }
}
