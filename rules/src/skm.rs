//! The satisfaction survey every public-service unit runs: *Survei Kepuasan Masyarakat* (SKM),
//! after Peraturan Menteri PAN-RB No. 14 Tahun 2017 (its appendix: the nine elements, the
//! four-point scale and the questionnaire's wording, the index and its grades).
//!
//! - Nine elements ([`ELEMENTS`], *unsur*), each answered 1 (worst) … 4 (best).
//! - Per element its mean over the responses, the *nilai rata-rata* ([`Index::nrr`]).
//! - The index *IKM* = Σ (NRR × 1/9) × 25, from 25 to 100 ([`ikm`]).
//! - Its grade ([`Grade`]): 88.31–100 A (Sangat Baik), 76.61–88.30 B (Baik), 65.00–76.60 C
//!   (Kurang Baik), 25.00–64.99 D (Tidak Baik), on the index rounded to two decimals as it is
//!   published.
//! - The least number of responses a period needs: the Krejcie–Morgan table the regulation
//!   cites ([`minimum_sample`]).
//!
//! Pure code: the hub stores the answers and asks.

use serde::{Deserialize, Serialize};

/// One element of the survey (*unsur*), with the questionnaire's words in Indonesian and English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Element {
    /// 1..=9, the regulation's order.
    pub number: u8,
    /// A short key (CSV headers, form field names): `u1` … `u9`.
    pub key: &'static str,
    pub name_id: &'static str,
    pub name_en: &'static str,
    pub question_id: &'static str,
    pub question_en: &'static str,
    /// The four answers, worst (1) first.
    pub answers_id: [&'static str; 4],
    pub answers_en: [&'static str; 4],
}

/// The nine elements in the regulation's order (PermenPAN-RB 14/2017, appendix, II.B and the
/// sample questionnaire).
pub const ELEMENTS: [Element; 9] = [
    Element {
        number: 1,
        key: "u1",
        name_id: "Persyaratan",
        name_en: "Requirements",
        question_id: "Bagaimana pendapat Anda tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?",
        question_en: "Did the requirements fit the service you came for?",
        answers_id: ["Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"],
        answers_en: ["Did not fit", "Fitted poorly", "Fitted", "Fitted very well"],
    },
    Element {
        number: 2,
        key: "u2",
        name_id: "Sistem, mekanisme, dan prosedur",
        name_en: "System, mechanism and procedure",
        question_id: "Bagaimana pemahaman Anda tentang kemudahan prosedur pelayanan di unit ini?",
        question_en: "How easy was the procedure at this office?",
        answers_id: ["Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"],
        answers_en: ["Not easy", "Not quite easy", "Easy", "Very easy"],
    },
    Element {
        number: 3,
        key: "u3",
        name_id: "Waktu penyelesaian",
        name_en: "Completion time",
        question_id: "Bagaimana pendapat Anda tentang kecepatan waktu dalam memberikan pelayanan?",
        question_en: "How fast was the service?",
        answers_id: ["Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"],
        answers_en: ["Not fast", "Not quite fast", "Fast", "Very fast"],
    },
    Element {
        number: 4,
        key: "u4",
        name_id: "Biaya/tarif",
        name_en: "Cost/tariff",
        question_id: "Bagaimana pendapat Anda tentang kewajaran biaya/tarif dalam pelayanan?",
        question_en: "How fair was the cost of the service?",
        answers_id: ["Sangat mahal", "Cukup mahal", "Murah", "Gratis"],
        answers_en: ["Very expensive", "Rather expensive", "Cheap", "Free"],
    },
    Element {
        number: 5,
        key: "u5",
        name_id: "Produk spesifikasi jenis pelayanan",
        name_en: "What the service delivers",
        question_id: "Bagaimana pendapat Anda tentang kesesuaian produk pelayanan antara yang tercantum dalam standar pelayanan dengan hasil yang diberikan?",
        question_en: "Did what you received match what the service standard promises?",
        answers_id: ["Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"],
        answers_en: ["Did not match", "Matched poorly", "Matched", "Matched very well"],
    },
    Element {
        number: 6,
        key: "u6",
        name_id: "Kompetensi pelaksana",
        name_en: "Staff competence",
        question_id: "Bagaimana pendapat Anda tentang kompetensi/kemampuan petugas dalam pelayanan?",
        question_en: "How competent were the staff?",
        answers_id: ["Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"],
        answers_en: ["Not competent", "Not quite competent", "Competent", "Very competent"],
    },
    Element {
        number: 7,
        key: "u7",
        name_id: "Perilaku pelaksana",
        name_en: "Staff behaviour",
        question_id: "Bagaimana pendapat Anda tentang perilaku petugas dalam pelayanan terkait kesopanan dan keramahan?",
        question_en: "How polite and friendly were the staff?",
        answers_id: [
            "Tidak sopan dan ramah",
            "Kurang sopan dan ramah",
            "Sopan dan ramah",
            "Sangat sopan dan ramah",
        ],
        answers_en: [
            "Not polite or friendly",
            "Not quite polite and friendly",
            "Polite and friendly",
            "Very polite and friendly",
        ],
    },
    Element {
        number: 8,
        key: "u8",
        name_id: "Penanganan pengaduan, saran dan masukan",
        name_en: "Handling of complaints, suggestions and input",
        question_id: "Bagaimana pendapat Anda tentang penanganan pengaduan pengguna layanan?",
        question_en: "How are complaints from the people served handled?",
        answers_id: [
            "Tidak ada",
            "Ada tetapi tidak berfungsi",
            "Berfungsi kurang maksimal",
            "Dikelola dengan baik",
        ],
        answers_en: [
            "There is no way to complain",
            "There is one, but it does not work",
            "It works, not fully",
            "They are handled well",
        ],
    },
    Element {
        number: 9,
        key: "u9",
        name_id: "Sarana dan prasarana",
        name_en: "Facilities",
        question_id: "Bagaimana pendapat Anda tentang kualitas sarana dan prasarana?",
        question_en: "How good are the facilities (waiting room, seats, toilets, parking)?",
        answers_id: ["Buruk", "Cukup", "Baik", "Sangat baik"],
        answers_en: ["Poor", "Fair", "Good", "Very good"],
    },
];

/// One response: the nine answers in the elements' order, each 1..=4.
pub type Answers = [u8; 9];

/// Why answers are not a response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("the survey has 9 questions; {0} answers were given")]
    Count(usize),
    #[error("question {element} was answered {value}; each answer is 1 (worst) to 4 (best)")]
    Range { element: u8, value: u8 },
}

/// The answers as a response, or why not: exactly nine, each 1..=4.
pub fn answers(given: &[u8]) -> Result<Answers, AnswerError> {
    let answers: Answers = given.try_into().map_err(|_| AnswerError::Count(given.len()))?;
    for (element, value) in ELEMENTS.iter().zip(answers) {
        if !(1..=4).contains(&value) {
            return Err(AnswerError::Range { element: element.number, value });
        }
    }
    Ok(answers)
}

/// The grade of an index (*mutu pelayanan*).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Grade {
    A,
    B,
    C,
    D,
}

impl Grade {
    pub fn letter(self) -> &'static str {
        match self {
            Grade::A => "A",
            Grade::B => "B",
            Grade::C => "C",
            Grade::D => "D",
        }
    }

    /// *Kinerja unit pelayanan*, the regulation's words.
    pub fn name_id(self) -> &'static str {
        match self {
            Grade::A => "Sangat Baik",
            Grade::B => "Baik",
            Grade::C => "Kurang Baik",
            Grade::D => "Tidak Baik",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Grade::A => "Very good",
            Grade::B => "Good",
            Grade::C => "Fair",
            Grade::D => "Not good",
        }
    }
}

/// The grade of `ikm` (25..=100), judged on the index rounded to two decimals as it is
/// published: 88.31 and above A, 76.61 to 88.30 B, 65.00 to 76.60 C, below 65.00 D.
pub fn grade(ikm: f64) -> Grade {
    let hundredths = (ikm * 100.0).round() as i64;
    match hundredths {
        8831.. => Grade::A,
        7661.. => Grade::B,
        6500.. => Grade::C,
        _ => Grade::D,
    }
}

/// IKM = Σ (NRR × 1/9) × 25 over the nine elements' means (each 1..=4): 25..=100.
pub fn ikm(nrr: &[f64; 9]) -> f64 {
    nrr.iter().map(|n| n / 9.0).sum::<f64>() * 25.0
}

/// A period's index.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Index {
    pub responses: usize,
    /// Each element's mean answer (1..=4), in the elements' order.
    pub nrr: [f64; 9],
    /// Unrounded; publish it with two decimals.
    pub ikm: f64,
    pub grade: Grade,
    /// The element with the lowest mean (the first of equals): 0..=8.
    pub weakest: usize,
}

/// The index of `responses`; `None` without any.
pub fn index(responses: &[Answers]) -> Option<Index> {
    if responses.is_empty() {
        return None;
    }
    let mut nrr = [0.0; 9];
    for (i, mean) in nrr.iter_mut().enumerate() {
        let total: u64 = responses.iter().map(|r| u64::from(r[i])).sum();
        *mean = total as f64 / responses.len() as f64;
    }
    let ikm = ikm(&nrr);
    let weakest = (0..9).fold(0, |low, i| if nrr[i] < nrr[low] { i } else { low });
    Some(Index { responses: responses.len(), nrr, ikm, grade: grade(ikm), weakest })
}

/// The least number of responses for a period that served `population` visitors: Krejcie and
/// Morgan (1970), s = χ²·N·P(1−P) / (d²(N−1) + χ²·P(1−P)) with χ² = 3.841 (1 degree of freedom,
/// 95 %), P = 0.5 and d = 0.05, rounded to the nearest whole — the table the regulation cites
/// (10 → 10, 100 → 80, 1,000 → 278, 75,000 → 382). The table's last row (100,000 → 384) gives
/// the formula's limit instead of its value there (382.6 → 383); this gives 383, and 384 from
/// about 1,000,000.
pub fn minimum_sample(population: u64) -> u64 {
    if population == 0 {
        return 0;
    }
    let (chi, p, d) = (3.841_f64, 0.5_f64, 0.05_f64);
    let n = population as f64;
    let s = chi * n * p * (1.0 - p) / (d * d * (n - 1.0) + chi * p * (1.0 - p));
    (s.round() as u64).min(population)
}

/// The respondent's profile the form asks, every part optional.
pub mod profile {
    /// (value, Indonesian, English).
    pub type Choice = (&'static str, &'static str, &'static str);

    pub const AGE: [Choice; 6] = [
        ("u20", "20 tahun ke bawah", "20 or younger"),
        ("21-30", "21–30 tahun", "21–30"),
        ("31-40", "31–40 tahun", "31–40"),
        ("41-50", "41–50 tahun", "41–50"),
        ("51-60", "51–60 tahun", "51–60"),
        ("o60", "di atas 60 tahun", "over 60"),
    ];
    pub const SEX: [Choice; 2] = [("L", "Laki-laki", "Male"), ("P", "Perempuan", "Female")];
    pub const EDUCATION: [Choice; 6] = [
        ("sd", "SD ke bawah", "Primary school or less"),
        ("smp", "SMP", "Junior high school"),
        ("sma", "SMA/SMK", "Senior high school"),
        ("diploma", "D1/D2/D3/D4", "Diploma"),
        ("s1", "S1", "Bachelor's degree"),
        ("s2", "S2 ke atas", "Master's degree or higher"),
    ];
    pub const OCCUPATION: [Choice; 7] = [
        ("pns", "PNS", "Civil servant"),
        ("tni_polri", "TNI/Polri", "Armed forces/police"),
        ("swasta", "Pegawai swasta", "Private employee"),
        ("wirausaha", "Wirausaha", "Self-employed"),
        ("pelajar", "Pelajar/Mahasiswa", "Student"),
        ("rumah_tangga", "Mengurus rumah tangga", "Homemaker"),
        ("lainnya", "Lainnya", "Other"),
    ];

    /// Whether `value` is one of `choices` (an empty answer is allowed: every part is optional).
    pub fn allowed(choices: &[Choice], value: &str) -> bool {
        value.is_empty() || choices.iter().any(|(v, ..)| *v == value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn a_hand_worked_period() {
        // Four respondents; by hand: NRR u1 = (4+3+3+2)/4 = 3.00, u2 = (3+3+3+3)/4 = 3.00,
        // u3 = (2+2+3+1)/4 = 2.00, u4 = 4.00, u5 = 3.25, u6 = 3.50, u7 = 3.75, u8 = 2.50,
        // u9 = 3.00; Σ = 28.00; IKM = 28/9 × 25 = 77.777… → 77.78, grade B.
        let responses = [
            [4, 3, 2, 4, 3, 4, 4, 3, 3],
            [3, 3, 2, 4, 3, 3, 4, 2, 3],
            [3, 3, 3, 4, 4, 4, 4, 3, 3],
            [2, 3, 1, 4, 3, 3, 3, 2, 3],
        ];
        let index = index(&responses).expect("an index");
        let expected = [3.0, 3.0, 2.0, 4.0, 3.25, 3.5, 3.75, 2.5, 3.0];
        for (got, want) in index.nrr.iter().zip(expected) {
            assert!(close(*got, want), "{:?}", index.nrr);
        }
        assert!(close(index.ikm, 28.0 / 9.0 * 25.0));
        assert_eq!(format!("{:.2}", index.ikm), "77.78");
        assert_eq!(index.grade, Grade::B);
        assert_eq!(ELEMENTS[index.weakest].key, "u3", "completion time is the weakest");
    }

    #[test]
    fn the_extremes_are_25_and_100() {
        let worst = index(&[[1; 9]]).expect("index");
        assert!(close(worst.ikm, 25.0));
        assert_eq!(worst.grade, Grade::D);
        let best = index(&[[4; 9], [4; 9]]).expect("index");
        assert!(close(best.ikm, 100.0));
        assert_eq!(best.grade, Grade::A);
        assert!(index(&[]).is_none());
    }

    #[test]
    fn each_grade_boundary() {
        assert_eq!(grade(88.31), Grade::A);
        assert_eq!(grade(88.30), Grade::B);
        assert_eq!(grade(76.61), Grade::B);
        assert_eq!(grade(76.60), Grade::C);
        assert_eq!(grade(65.00), Grade::C);
        assert_eq!(grade(64.99), Grade::D);
        assert_eq!(grade(100.0), Grade::A);
        assert_eq!(grade(25.0), Grade::D);
        // Judged as published, to two decimals: 88.304 is 88.30 (B), 88.305 is 88.31 (A).
        assert_eq!(grade(88.304), Grade::B);
        assert_eq!(grade(88.3051), Grade::A);
        assert_eq!(grade(64.994), Grade::D);
        assert_eq!(grade(64.996), Grade::C);
    }

    #[test]
    fn boundaries_reached_from_real_answers() {
        // 9 elements × n respondents: IKM = total / (9n) × 25. With 100 respondents whose
        // answers total 3,179: 3179 / 900 × 25 = 88.305… → 88.31, A; 3,178 → 88.277… → 88.28, B.
        let with_total = |total: u32| -> Vec<Answers> {
            let mut left = total - 900; // every answer at least 1
            (0..100)
                .map(|_| {
                    let mut r = [1u8; 9];
                    for a in r.iter_mut() {
                        let add = left.min(3);
                        *a += add as u8;
                        left -= add;
                    }
                    r
                })
                .collect()
        };
        assert_eq!(index(&with_total(3179)).expect("i").grade, Grade::A);
        assert_eq!(index(&with_total(3178)).expect("i").grade, Grade::B);
        // 2,758 / 900 × 25 = 76.611… (B); 2,757 → 76.583… (C).
        assert_eq!(index(&with_total(2758)).expect("i").grade, Grade::B);
        assert_eq!(index(&with_total(2757)).expect("i").grade, Grade::C);
        // 2,340 / 900 × 25 = 65.00 (C); 2,339 → 64.972… (D).
        assert_eq!(index(&with_total(2340)).expect("i").grade, Grade::C);
        assert_eq!(index(&with_total(2339)).expect("i").grade, Grade::D);
    }

    #[test]
    fn answers_are_nine_each_one_to_four() {
        assert_eq!(answers(&[4, 3, 2, 1, 4, 3, 2, 1, 4]), Ok([4, 3, 2, 1, 4, 3, 2, 1, 4]));
        assert_eq!(answers(&[4; 8]), Err(AnswerError::Count(8)));
        assert_eq!(answers(&[4; 10]), Err(AnswerError::Count(10)));
        assert_eq!(answers(&[4, 4, 4, 4, 0, 4, 4, 4, 4]), Err(AnswerError::Range { element: 5, value: 0 }));
        assert_eq!(answers(&[4, 4, 4, 4, 4, 4, 4, 4, 5]), Err(AnswerError::Range { element: 9, value: 5 }));
        assert!(AnswerError::Range { element: 5, value: 0 }.to_string().contains("question 5"));
    }

    #[test]
    fn the_krejcie_morgan_table() {
        // Krejcie & Morgan (1970), Table 1.
        for (n, s) in [
            (10, 10),
            (30, 28),
            (50, 44),
            (100, 80),
            (200, 132),
            (500, 217),
            (1000, 278),
            (2000, 322),
            (5000, 357),
            (10000, 370),
            (75000, 382),
            (100000, 383),
            (1000000, 384),
        ] {
            assert_eq!(minimum_sample(n), s, "N = {n}");
        }
        assert_eq!(minimum_sample(0), 0);
        assert_eq!(minimum_sample(1), 1);
    }

    #[test]
    fn every_element_has_four_answers_in_both_languages() {
        for (i, e) in ELEMENTS.iter().enumerate() {
            assert_eq!(usize::from(e.number), i + 1);
            assert_eq!(e.key, format!("u{}", i + 1));
            assert!(e.answers_id.iter().chain(&e.answers_en).all(|a| !a.is_empty()));
            assert!(e.question_id.ends_with('?') && e.question_en.ends_with('?'));
        }
        assert!(profile::allowed(&profile::SEX, ""));
        assert!(profile::allowed(&profile::SEX, "P"));
        assert!(!profile::allowed(&profile::SEX, "X"));
    }
}
