//! Day and month names in Indonesian, for every screen and page that writes a date the way
//! people read it ("Rabu, 25 November 2026").

use chrono::{Datelike, NaiveDate, Weekday};

pub fn hari(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Senin",
        Weekday::Tue => "Selasa",
        Weekday::Wed => "Rabu",
        Weekday::Thu => "Kamis",
        Weekday::Fri => "Jumat",
        Weekday::Sat => "Sabtu",
        Weekday::Sun => "Minggu",
    }
}

/// 1 = Januari … 12 = Desember.
pub fn bulan(month: u32) -> &'static str {
    const NAMES: [&str; 12] = [
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ];
    month.checked_sub(1).and_then(|i| NAMES.get(i as usize)).copied().unwrap_or("")
}

/// "Rabu, 25 November 2026".
pub fn tanggal(date: NaiveDate) -> String {
    format!("{}, {} {} {}", hari(date.weekday()), date.day(), bulan(date.month()), date.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_the_indonesian_way() {
        assert_eq!(tanggal(NaiveDate::from_ymd_opt(2026, 11, 25).expect("date")), "Rabu, 25 November 2026");
        assert_eq!(tanggal(NaiveDate::from_ymd_opt(2027, 1, 3).expect("date")), "Minggu, 3 Januari 2027");
        assert_eq!(bulan(0), "");
    }
}
