//! How long one ticket PDF takes to render (goal: under 20 ms).
//! `cargo bench -p antrian-kiosk --bench render_ticket`

use std::time::Instant;

use antrian_kiosk::ticket::{self, TicketPrint};

fn main() {
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-25T09:05:00+07:00").expect("time");
    let sample = ticket::sample(now);
    let print = TicketPrint {
        ticket: &sample,
        header: "Kantor Imigrasi Kelas I Khusus Non TPI Jakarta Selatan",
        footer: "Simpan tiket ini. Pantau antrean Anda dengan memindai kode QR. Layanan tanpa calo.",
        reprint: true,
        printed_at: now,
    };
    for _ in 0..20 {
        std::hint::black_box(ticket::render(&print));
    }
    let mut times: Vec<f64> = (0..500)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(ticket::render(&print));
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let pct = |p: f64| times[((times.len() - 1) as f64 * p) as usize];
    println!(
        "render_ticket: {} renders, {} bytes each; p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms (goal < 20 ms)",
        times.len(),
        ticket::render(&print).len(),
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
}
