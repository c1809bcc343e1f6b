//! A whole office day at a fast clock through the real hub binary, SIGKILLed three times on
//! the way: every invariant of the day simulator must hold (each queue entry called once and
//! in order, nothing acknowledged lost or duplicated, numbers gap-free, quotas kept, the
//! display hearing every call once, in order, every acknowledged survey answer stored once).
//! Six in ten served applicants answer the satisfaction survey: the IKM the supervisor's SKM
//! page shows must be the one computed here, independently, from the stored answers, and the
//! month's SKM PDF must render and show it. `antrian-sim --kills 10` is the full fault run.

use antrian_e2e::sim::{Options, run_day};
use antrian_e2e::system_tool;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_whole_day_with_three_hub_crashes_keeps_every_invariant() {
    let dir = tempfile::tempdir().expect("tempdir");
    let options = Options { speed: 1000.0, kills: 3, seed: 7, scale: 1.0 };
    let day = run_day(&options, dir.path()).await.expect("the day ran");
    println!("{}", day.figures);
    assert!(day.violations.is_empty(), "broken invariants:\n{}", day.violations.join("\n"));
    assert_eq!(day.kills, 3);
    assert!(day.tickets > 250, "a full day: {} tickets", day.tickets);
    assert!(day.calls > 2 * 200, "{} calls", day.calls);

    // The IKM, by the regulation's formula, from the stored answers alone.
    let db =
        rusqlite::Connection::open(dir.path().join("data").join("antrian.db")).expect("the day's database");
    let (n, sums): (i64, Vec<i64>) = db
        .query_row(
            "SELECT COUNT(*), SUM(u1), SUM(u2), SUM(u3), SUM(u4), SUM(u5), SUM(u6), SUM(u7), SUM(u8), SUM(u9)
             FROM skm_responses",
            [],
            |r| Ok((r.get(0)?, (1..=9).map(|i| r.get(i)).collect::<Result<Vec<i64>, _>>()?)),
        )
        .expect("the answers");
    assert_eq!(n as usize, day.survey_answers, "every acknowledged answer, once");
    assert!(n > 100, "a day's answers: {n}");
    let nrr: Vec<f64> = sums.iter().map(|s| *s as f64 / n as f64).collect();
    let ikm = nrr.iter().map(|x| x * (1.0 / 9.0)).sum::<f64>() * 25.0;
    let shown = format!("{ikm:.2}").replace('.', ",");
    let hundredths = (ikm * 100.0).round() as i64;
    let grade = if hundredths >= 8831 {
        "A"
    } else if hundredths >= 7661 {
        "B"
    } else if hundredths >= 6500 {
        "C"
    } else {
        "D"
    };
    println!("{n} survey answers; NRR {nrr:.3?}; IKM {shown} ({grade})");
    let (text, value) = day.skm_page_ikm.expect("the SKM page shows an IKM");
    assert_eq!(text, shown, "the SKM page's IKM");
    let value: f64 = value.parse().expect("a number");
    assert!((value - ikm).abs() < 1e-9, "{value} vs {ikm}");

    // The same from the command line, and a period that is not one refused in words.
    let (config, data) = (dir.path().join("hub.toml"), dir.path().join("data"));
    let global = ["--config", config.to_str().expect("utf-8"), "--data-dir", data.to_str().expect("utf-8")];
    let (ok, out, err) = antrian_e2e::run_cli(&[&global[..], &["report", "--skm", "2026-11"]].concat(), "");
    assert!(ok, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(report["overall"]["responses"], n);
    assert!((report["overall"]["ikm"].as_f64().expect("ikm") - ikm).abs() < 1e-9, "{}", report["overall"]);
    assert_eq!(report["overall"]["grade"], grade);
    let (ok, _, err) = antrian_e2e::run_cli(&[&global[..], &["report", "--skm", "2026-13"]].concat(), "");
    assert!(!ok && err.contains("write a month (2026-12)"), "{err}");

    // The month's SKM report as PDF: it renders, and shows the nine elements, IKM and grade.
    let pdf = day.skm_pdf.expect("the SKM PDF");
    assert!(pdf.starts_with(b"%PDF-"));
    if !(system_tool("pdftoppm") && system_tool("pdftotext")) {
        return;
    }
    let file = dir.path().join("skm.pdf");
    std::fs::write(&file, &pdf).expect("write");
    let png = dir.path().join("skm");
    let rendered = std::process::Command::new("pdftoppm")
        .args(["-png", "-r", "80", "-f", "1", "-l", "1"])
        .arg(&file)
        .arg(&png)
        .status()
        .expect("pdftoppm");
    assert!(rendered.success());
    let page = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|e| e == "png"))
        .expect("the first page as PNG");
    assert!(std::fs::metadata(&page).expect("png").len() > 10_000, "a page with something on it");
    if let Ok(shots) = std::env::var("ANTRIAN_SCREENSHOTS") {
        std::fs::copy(&page, std::path::Path::new(&shots).join("skm-report-pdf.png")).expect("copy");
    }
    let text = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext");
    let text = String::from_utf8_lossy(&text.stdout);
    for element in
        ["U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9", "Persyaratan", "Sarana dan prasarana"]
    {
        assert!(text.contains(element), "the PDF shows {element}:\n{text}");
    }
    assert!(text.contains(&format!("IKM {shown}")), "the PDF shows IKM {shown}:\n{text}");
    assert!(text.contains(&format!("Mutu {grade}")), "the PDF shows grade {grade}:\n{text}");
    assert!(text.contains("Pengaduan dan tindak lanjut"), "{text}");
}
