//! A whole office day, replayed through the real API of the real `antrian-hub` binary at an
//! accelerated clock (`serve --clock 07:30 --clock-speed N`): booked applicants arriving
//! around their slots (some early, some never), same-day bookings, priority, lost-passport
//! and pickup walk-ins at four kiosks, eleven clerks calling, serving and finishing at
//! realistic service times, applicants who are away when called and come back later, a
//! waiting-room display following the event stream — and, if asked, the hub SIGKILLed at
//! random moments and restarted. Every invariant is checked; the day's waiting-time figures
//! per service and stage are printed.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use antrian_proto::{BookingRequest, CheckinRequest, Client, ClientError, NewAppointment, Ticket};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::{RunningHub, free_port, run_cli};

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Clock seconds per real second.
    pub speed: f64,
    /// How many times to SIGKILL and restart the hub during the day.
    pub kills: usize,
    pub seed: u64,
    /// Fraction of the full day's applicants (1.0: 200 booked, 50 priority, 20 same-day, 10
    /// lost/damaged, 40 pickups).
    pub scale: f64,
}

/// What the day showed.
#[derive(Debug, Default)]
pub struct DayResult {
    pub violations: Vec<String>,
    /// The figures, as a printable table.
    pub figures: String,
    pub tickets: usize,
    pub calls: usize,
    pub kills: usize,
    pub real_seconds: f64,
    /// Survey answers the hub acknowledged.
    pub survey_answers: usize,
    /// The IKM as the supervisor's SKM page of the day's month shows it (its text, e.g.
    /// "81,25"), and that page's data-value (unrounded).
    pub skm_page_ikm: Option<(String, String)>,
    /// The month's SKM report as PDF, from the API.
    pub skm_pdf: Option<Vec<u8>>,
}

const DAY: &str = "2026-11-25";
const START: &str = "2026-11-25T07:30:00+07:00";
/// The last arrivals come before this; then the clerks empty the queues.
const LAST_ARRIVAL: (u32, u32) = (15, 0);

fn at(hour: u32, minute: u32) -> DateTime<FixedOffset> {
    at_time(NaiveTime::from_hms_opt(hour, minute, 0).expect("time"))
}

/// `time` on the simulated day, at the office.
fn at_time(time: NaiveTime) -> DateTime<FixedOffset> {
    let tz = FixedOffset::east_opt(7 * 3600).expect("WIB");
    let date = NaiveDate::parse_from_str(DAY, "%Y-%m-%d").expect("day");
    tz.from_local_datetime(&date.and_time(time)).single().expect("instant")
}

/// The simulation's clock: the hub's clock, carried forward at `speed`.
#[derive(Debug)]
struct SimClock {
    anchor: (Instant, DateTime<FixedOffset>),
    speed: f64,
}

impl SimClock {
    fn now(&self) -> DateTime<FixedOffset> {
        let passed = self.anchor.0.elapsed().as_secs_f64() * self.speed;
        self.anchor.1 + chrono::Duration::milliseconds((passed * 1000.0) as i64)
    }

    async fn sleep_until(&self, when: DateTime<FixedOffset>) {
        let ms = (when - self.now()).num_milliseconds();
        if ms > 0 {
            tokio::time::sleep(Duration::from_secs_f64(ms as f64 / 1000.0 / self.speed)).await;
        }
    }

    async fn sleep_minutes(&self, minutes: f64) {
        tokio::time::sleep(Duration::from_secs_f64(minutes * 60.0 / self.speed)).await;
    }
}

/// Retries `call` while the hub is away (killed, restarting), for up to a minute of real time;
/// the caller keeps the same `request_id` across tries.
async fn retry<T, F, Fut>(mut call: F) -> Result<T, ClientError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, ClientError>>,
{
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match call().await {
            Err(ClientError::Unreachable(_) | ClientError::Unexpected(_)) if Instant::now() < deadline => {}
            Err(ClientError::Api { status, .. }) if status >= 500 && Instant::now() < deadline => {}
            other => return other,
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn normal(rng: &mut StdRng, mean: f64, sd: f64) -> f64 {
    let (u1, u2): (f64, f64) = (rng.gen_range(1e-9..1.0), rng.r#gen());
    mean + sd * (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// Service minutes at a stage: log-normal around the stage's typical time.
fn service_minutes(rng: &mut StdRng, stage: &str) -> f64 {
    let median = match stage {
        "berkas" => 5.0,
        "wawancara" => 6.0,
        _ => 2.5,
    };
    (median * normal(rng, 0.0, 0.35).exp()).clamp(1.0, median * 4.0)
}

fn request_id(rng: &mut StdRng) -> String {
    format!("sim-{:016x}", rng.r#gen::<u64>())
}

/// Who comes in.
#[derive(Debug, Clone)]
enum Visit {
    Booked { qr: String, code: String },
    SameDay { nik: String },
    WalkIn(&'static str),
}

#[derive(Debug, Clone)]
struct Applicant {
    id: usize,
    visit: Visit,
    arrive: DateTime<FixedOffset>,
    /// Away from the waiting room when first called; back this many minutes later.
    away_for: Option<f64>,
    /// A walk-in beyond the service's quota: must be refused.
    over_quota: bool,
}

/// What the clients were told, and what they saw.
#[derive(Debug, Default)]
struct Record {
    /// Acknowledged tickets: id → (number, service, booking code).
    acked: HashMap<String, (String, String, Option<String>)>,
    /// call_next answers per (ticket, stage).
    calls: HashMap<(String, String), usize>,
    /// Requeues per (ticket, stage).
    requeues: HashMap<(String, String), usize>,
    /// Applicants away until this clock time, by ticket.
    away: HashMap<String, f64>,
    violations: Vec<String>,
    refused: BTreeMap<String, usize>,
    /// Tickets whose survey answer the hub acknowledged.
    surveyed: Vec<String>,
}

struct Shared {
    clock: SimClock,
    record: Mutex<Record>,
    /// Applicants still to arrive or to come back.
    pending: AtomicUsize,
    /// Tickets issued and not yet done.
    unfinished: AtomicUsize,
    /// Survey answers on their way.
    surveys: AtomicUsize,
    url: String,
}

impl Shared {
    fn violation(&self, text: String) {
        eprintln!("VIOLATION: {text}");
        if let Ok(mut record) = self.record.lock() {
            record.violations.push(text);
        }
    }
}

/// The hub's config for the day: 11 counters (4 document check, 5 photo & interview, 2
/// pickup), same-day booking allowed, no booking rate limit, the lost-passport quota `quota_c`.
fn day_config(quota_c: u32) -> anyhow::Result<String> {
    let (ok, text, err) = run_cli(&["default-config"], "");
    anyhow::ensure!(ok, "default-config: {err}");
    let mut config: toml::Table = toml::from_str(&text)?;
    let booking = config
        .get_mut("booking")
        .and_then(|b| b.as_table_mut())
        .ok_or_else(|| anyhow::anyhow!("[booking]"))?;
    booking.insert("min_days_ahead".into(), 0.into());
    booking.insert("rate_limit_per_minute".into(), 0.into());
    booking.insert("max_active_per_nik".into(), 5.into());
    if let Some(slots) = config.get_mut("slots").and_then(|s| s.as_array_mut()) {
        for slot in slots {
            if let Some(capacity) = slot.get_mut("capacity").and_then(|c| c.as_table_mut()) {
                capacity.insert("A".into(), 24.into());
                capacity.insert("B".into(), 12.into());
            }
        }
    }
    if let Some(services) = config.get_mut("services").and_then(|s| s.as_array_mut()) {
        for service in services {
            if service.get("id").and_then(|i| i.as_str()) == Some("C") {
                service.as_table_mut().map(|t| t.insert("walk_in_quota".into(), i64::from(quota_c).into()));
            }
        }
    }
    let counters: Vec<toml::Value> = (1..=11)
        .map(|n| {
            let stage = match n {
                1..=4 => "berkas",
                5..=9 => "wawancara",
                _ => "pengambilan",
            };
            let mut counter = toml::Table::new();
            counter.insert("id".into(), n.to_string().into());
            counter.insert("name".into(), format!("Loket {n}").into());
            counter.insert("stages".into(), toml::Value::Array(vec![stage.into()]));
            toml::Value::Table(counter)
        })
        .collect();
    config.insert("counters".into(), toml::Value::Array(counters));
    Ok(toml::to_string(&config)?)
}

fn slots(config: &str) -> Vec<(String, NaiveTime, NaiveTime)> {
    let table: toml::Table = toml::from_str(config).unwrap_or_default();
    table
        .get("slots")
        .and_then(|s| s.as_array())
        .map(|slots| {
            slots
                .iter()
                .filter_map(|s| {
                    let start = s.get("start")?.as_str()?;
                    let end = s.get("end")?.as_str()?;
                    Some((
                        start.to_owned(),
                        NaiveTime::parse_from_str(start, "%H:%M").ok()?,
                        NaiveTime::parse_from_str(end, "%H:%M").ok()?,
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Runs the day. The hub's data stays in `dir` for inspection.
pub async fn run_day(options: &Options, dir: &std::path::Path) -> anyhow::Result<DayResult> {
    let real_start = Instant::now();
    let mut rng = StdRng::seed_from_u64(options.seed);
    let scaled = |n: f64| ((n * options.scale).round() as usize).max(1);
    let (n_booked, n_priority, n_same_day, n_lost, n_pickup) =
        (scaled(200.0), scaled(50.0), scaled(20.0), scaled(10.0), scaled(40.0));
    let config = day_config(n_lost as u32)?;
    let config_path = dir.join("hub.toml");
    std::fs::write(&config_path, &config)?;
    let data = dir.join("data");
    let global: Vec<String> = vec![
        "--config".into(),
        config_path.display().to_string(),
        "--data-dir".into(),
        data.display().to_string(),
    ];
    let cli = |rest: &[&str], stdin: &str| {
        let mut args: Vec<&str> = global.iter().map(String::as_str).collect();
        args.extend_from_slice(rest);
        run_cli(&args, stdin)
    };
    anyhow::ensure!(cli(&["user", "add", "admin", "--role", "admin"], "admin-password\n").0, "user add");
    anyhow::ensure!(cli(&["user", "add", "petugas", "--role", "staff"], "petugas-password\n").0, "user add");
    let mut kiosk_tokens = Vec::new();
    for k in 1..=4 {
        let (ok, token, err) = cli(&["device", "add", &format!("kiosk-{k}"), "--role", "kiosk"], "");
        anyhow::ensure!(ok, "device add: {err}");
        kiosk_tokens.push(token.trim().to_owned());
    }
    let (_, display_token, _) = cli(&["device", "add", "tv-1", "--role", "display"], "");
    let listen = format!("127.0.0.1:{}", free_port());
    let log = dir.join("hub.log");
    let speed = options.speed.to_string();
    let start_hub = |clock: &str| {
        let args: Vec<&str> = global.iter().map(String::as_str).collect();
        RunningHub::start(&args, &["--listen", &listen, "--clock", clock, "--clock-speed", &speed], &log)
    };
    eprintln!("setup took {:.1} s real", real_start.elapsed().as_secs_f64());
    // Starting the hub and reading its database block: done where blocking is allowed.
    let mut hub = tokio::task::block_in_place(|| start_hub(START));
    hub.wait_healthy().await;
    let url = hub.url.clone();
    let health = Client::new(&url).health().await?;
    let shared = Arc::new(Shared {
        clock: SimClock { anchor: (Instant::now(), health.now), speed: options.speed },
        record: Mutex::new(Record::default()),
        pending: AtomicUsize::new(0),
        unfinished: AtomicUsize::new(0),
        surveys: AtomicUsize::new(0),
        url: url.clone(),
    });

    // The bookings made before the day, spread over the slots.
    let slot_list = slots(&config);
    let admin = Client::new(&url).login("admin", "admin-password").await?.0;
    let mut appointments = Vec::new();
    for i in 0..n_booked {
        let (slot, _, _) = &slot_list[i % slot_list.len()];
        appointments.push(NewAppointment {
            office: "kanim-jaksel".into(),
            service: if i % 3 == 2 { "B".into() } else { "A".into() },
            date: NaiveDate::parse_from_str(DAY, "%Y-%m-%d")?,
            slot: slot.clone(),
            name: format!("Pemohon {i}"),
            nik: format!("3174{:012}", 100_000 + i),
            booking_code: None,
        });
    }
    let booked = admin.create_appointments(appointments).await?;
    let mut applicants = Vec::new();
    for (i, appointment) in booked.iter().enumerate() {
        let roll: f64 = rng.r#gen();
        if roll < 0.06 {
            continue; // a no-show
        }
        let (_, start, end) =
            slot_list.iter().find(|(s, _, _)| *s == appointment.slot).cloned().expect("slot of booking");
        let (slot_start, slot_end) = (at_time(start), at_time(end));
        let arrive = if roll < 0.11 {
            slot_start - chrono::Duration::minutes(80) // too early: told to come back
        } else {
            let minutes = normal(&mut rng, -15.0, 20.0)
                .clamp(-55.0, (slot_end - slot_start).num_minutes() as f64 - 2.0);
            slot_start + chrono::Duration::seconds((minutes * 60.0) as i64)
        };
        applicants.push(Applicant {
            id: i,
            visit: Visit::Booked { qr: appointment.qr.clone(), code: appointment.booking_code.clone() },
            arrive,
            away_for: rng.gen_bool(0.04).then(|| rng.gen_range(15.0..40.0)),
            over_quota: false,
        });
    }
    let uniform = |rng: &mut StdRng, from: (u32, u32), to: (u32, u32)| {
        let (a, b) = (at(from.0, from.1), at(to.0, to.1));
        a + chrono::Duration::seconds(rng.gen_range(0..(b - a).num_seconds()))
    };
    let mut next_id = booked.len();
    let mut add = |rng: &mut StdRng, visit: Visit, arrive, over_quota| {
        applicants.push(Applicant {
            id: next_id,
            visit,
            arrive,
            away_for: rng.gen_bool(0.04).then(|| rng.gen_range(15.0..40.0)),
            over_quota,
        });
        next_id += 1;
    };
    for i in 0..n_same_day {
        let arrive = uniform(&mut rng, (8, 0), (10, 30));
        add(&mut rng, Visit::SameDay { nik: format!("3175{:012}", 500_000 + i) }, arrive, false);
    }
    for _ in 0..n_priority {
        let arrive = uniform(&mut rng, (8, 0), (14, 30));
        add(&mut rng, Visit::WalkIn("P"), arrive, false);
    }
    for i in 0..n_lost + 2 {
        // The last two come after the quota is used up.
        let arrive =
            if i < n_lost { uniform(&mut rng, (8, 0), (12, 0)) } else { uniform(&mut rng, (13, 0), (14, 0)) };
        add(&mut rng, Visit::WalkIn("C"), arrive, i >= n_lost);
    }
    for _ in 0..n_pickup {
        let arrive = uniform(&mut rng, (8, 0), LAST_ARRIVAL);
        add(&mut rng, Visit::WalkIn("D"), arrive, false);
    }
    shared.pending.store(applicants.len(), Ordering::SeqCst);

    // The waiting-room display, following the stream through every restart.
    let display_state = Arc::new(Mutex::new(antrian_display::feed::Shared::default()));
    let announced: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let heard = announced.clone();
    let display = tokio::spawn(antrian_display::feed::run(
        Client::new(&url).with_token(display_token.trim()),
        "kanim-jaksel".into(),
        display_state.clone(),
        move |call| {
            if let Ok(mut heard) = heard.lock() {
                heard.push((call.ticket_id.clone(), call.stage.clone()));
            }
        },
        || {},
    ));

    let staff = Client::new(&url).login("petugas", "petugas-password").await?.0;
    let mut tasks = Vec::new();
    for (i, applicant) in applicants.into_iter().enumerate() {
        let kiosk = Client::new(&url).with_token(&kiosk_tokens[i % kiosk_tokens.len()]);
        let seed = rng.r#gen();
        tasks.push(tokio::spawn(arrive(shared.clone(), kiosk, applicant, seed, slot_list.clone())));
    }
    let mut clerks = Vec::new();
    for counter in 1..=11 {
        let seed = rng.r#gen();
        clerks.push(tokio::spawn(clerk(shared.clone(), staff.clone(), counter.to_string(), seed)));
    }

    // The faults: SIGKILL at random moments of the day, restart at once on the same address.
    let day_real = (at(LAST_ARRIVAL.0, LAST_ARRIVAL.1) - at(7, 30)).num_seconds() as f64 / options.speed;
    let mut kill_at: Vec<f64> = (0..options.kills).map(|_| rng.gen_range(0.05..0.95) * day_real).collect();
    kill_at.sort_by(f64::total_cmp);
    let mut kills = 0;
    for moment in kill_at {
        let wait = moment - real_start.elapsed().as_secs_f64();
        if wait > 0.0 {
            tokio::time::sleep(Duration::from_secs_f64(wait)).await;
        }
        hub.kill();
        kills += 1;
        let clock = shared.clock.now().to_rfc3339();
        eprintln!("hub SIGKILLed at {clock}; restarting");
        hub = tokio::task::block_in_place(|| start_hub(&clock));
        hub.wait_healthy().await;
    }
    for task in tasks {
        task.await?;
    }
    eprintln!(
        "all applicants in at {} ({:.0} s real)",
        shared.clock.now().format("%H:%M"),
        real_start.elapsed().as_secs_f64()
    );
    for clerk in clerks {
        clerk.await?;
    }
    eprintln!(
        "last counter closed at {} ({:.0} s real)",
        shared.clock.now().format("%H:%M"),
        real_start.elapsed().as_secs_f64()
    );
    let surveys_deadline = Instant::now() + Duration::from_secs(120);
    while shared.surveys.load(Ordering::SeqCst) > 0 {
        if Instant::now() > surveys_deadline {
            shared.violation(format!(
                "{} survey answers never finished",
                shared.surveys.load(Ordering::SeqCst)
            ));
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    display.abort();

    let table: toml::Table = toml::from_str(&config)?;
    let max_in_row = table
        .get("queue")
        .and_then(|q| q.get("priority_max_in_row"))
        .and_then(|k| k.as_integer())
        .unwrap_or(0) as u32;
    let mut result = tokio::task::block_in_place(|| -> anyhow::Result<DayResult> {
        let mut result = verify(&shared, &data, &announced, &slot_list, n_lost, max_in_row)?;
        result.figures = figures(&data)?;
        Ok(result)
    })?;
    let report = admin_report(&url).await;
    if let Some(report) = report {
        result.figures.push_str(&report);
    }
    result.kills = kills;
    (result.skm_page_ikm, result.skm_pdf) = skm_page(&url).await;
    result.real_seconds = real_start.elapsed().as_secs_f64();
    hub.kill();
    Ok(result)
}

/// The supervisor's SKM page of the day's month, as a browser gets it (console login, then
/// the page): the IKM's text and data-value; and the month's SKM PDF from the API.
async fn skm_page(url: &str) -> (Option<(String, String)>, Option<Vec<u8>>) {
    let http =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let Ok(login) = http
        .post(format!("{url}/staff/login"))
        .form(&[("username", "admin"), ("password", "admin-password")])
        .send()
        .await
    else {
        return (None, None);
    };
    let Some(cookie) = login
        .headers()
        .get("set-cookie")
        .and_then(|c| c.to_str().ok())
        .and_then(|c| c.split(';').next())
        .map(str::to_owned)
    else {
        return (None, None);
    };
    let month = &DAY[..7];
    let page =
        match http.get(format!("{url}/staff/skm?period={month}")).header("cookie", &cookie).send().await {
            Ok(answer) => answer.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
    let ikm = page.split_once("<span id=\"ikm\" data-value=\"").and_then(|(_, rest)| {
        let (value, rest) = rest.split_once("\">")?;
        let (text, _) = rest.split_once("</span>")?;
        Some((text.to_owned(), value.to_owned()))
    });
    let pdf = match http
        .get(format!("{url}/api/v1/offices/kanim-jaksel/skm?period={month}&format=pdf"))
        .header("cookie", &cookie)
        .send()
        .await
    {
        Ok(answer) if answer.status().is_success() => answer.bytes().await.ok().map(|b| b.to_vec()),
        _ => None,
    };
    (ikm, pdf)
}

async fn admin_report(url: &str) -> Option<String> {
    let admin = Client::new(url).login("admin", "admin-password").await.ok()?.0;
    let report: antrian_proto::DailyReport = admin
        .send::<(), _>(
            reqwest::Method::GET,
            &format!("/api/v1/reports/daily?office=kanim-jaksel&date={DAY}"),
            None,
        )
        .await
        .ok()??;
    let mut out = String::from("\nThe hub's own daily report (waiting minutes per stage):\n");
    for stage in report.stages {
        out.push_str(&format!(
            "  {:<22} served {:>4}  no-show {:>3}  wait mean {:>5.1}  p50 {:>5.1}  p90 {:>5.1}  max {:>5.1}\n",
            stage.name, stage.served, stage.no_shows, stage.waiting.mean, stage.waiting.p50, stage.waiting.p90, stage.waiting.max
        ));
    }
    Some(out)
}

/// One applicant: arrives, checks in (or takes a walk-in number, or books same-day first).
async fn arrive(
    shared: Arc<Shared>,
    kiosk: Client,
    applicant: Applicant,
    seed: u64,
    slots: Vec<(String, NaiveTime, NaiveTime)>,
) {
    let mut rng = StdRng::seed_from_u64(seed);
    let clock = &shared.clock;
    let mut visit = applicant.visit.clone();
    if let Visit::SameDay { nik, .. } = &visit {
        // Books on the phone in the morning, for a slot at least an hour later.
        clock.sleep_until(applicant.arrive).await;
        let after = (clock.now() + chrono::Duration::minutes(60)).time();
        let mut booked = None;
        for (slot, start, _) in slots.iter().filter(|(_, start, _)| *start >= after) {
            let request = BookingRequest {
                office: "kanim-jaksel".into(),
                service: "A".into(),
                date: NaiveDate::parse_from_str(DAY, "%Y-%m-%d").expect("day"),
                slot: slot.clone(),
                name: format!("Pemohon hari ini {}", applicant.id),
                nik: nik.clone(),
            };
            let public = Client::new(&shared.url);
            match retry(|| public.book(&request)).await {
                Ok(appointment) => {
                    booked = Some((appointment, *start));
                    break;
                }
                Err(e) if e.code() == Some("quota_full") => continue,
                Err(e) => {
                    shared.violation(format!("same-day booking refused: {e}"));
                    break;
                }
            }
        }
        let Some((appointment, start)) = booked else {
            shared.pending.fetch_sub(1, Ordering::SeqCst);
            return;
        };
        let slot_start = at_time(start);
        clock.sleep_until(slot_start + chrono::Duration::minutes(rng.gen_range(-40..20))).await;
        visit = Visit::Booked { qr: appointment.qr, code: appointment.booking_code };
    } else {
        clock.sleep_until(applicant.arrive).await;
    }
    let ticket = loop {
        let id = request_id(&mut rng);
        let answer = match &visit {
            Visit::WalkIn(service) => retry(|| kiosk.walkin(service, Some(&id))).await.map(|t| (t, false)),
            Visit::Booked { qr, .. } => {
                let request = CheckinRequest {
                    qr: Some(qr.clone()),
                    request_id: Some(id.clone()),
                    ..Default::default()
                };
                retry(|| kiosk.checkin(&request)).await.map(|a| (a.ticket, a.reprint))
            }
            Visit::SameDay { .. } => unreachable!("booked above"),
        };
        match answer {
            Ok((ticket, reprint)) => {
                if reprint {
                    shared.violation(format!(
                        "first check-in of applicant {} answered as a reprint",
                        applicant.id
                    ));
                }
                if applicant.over_quota {
                    shared.violation(format!("walk-in {} issued beyond the quota", ticket.number));
                }
                break Some(ticket);
            }
            Err(e) if e.code() == Some("too_early") => {
                // Told when check-in opens; comes back then.
                let from = e.detail().and_then(|d| d.from);
                if let Ok(mut record) = shared.record.lock() {
                    *record.refused.entry("too_early (came back later)".into()).or_default() += 1;
                }
                clock
                    .sleep_until(
                        from.unwrap_or(clock.now()) + chrono::Duration::minutes(rng.gen_range(0..10)),
                    )
                    .await;
            }
            Err(e) if e.code() == Some("quota_full") && applicant.over_quota => {
                if let Ok(mut record) = shared.record.lock() {
                    *record.refused.entry("quota_full (as expected)".into()).or_default() += 1;
                }
                break None;
            }
            Err(e) => {
                shared.violation(format!("applicant {} refused: {e}", applicant.id));
                break None;
            }
        }
    };
    if let Some(ticket) = ticket
        && let Ok(mut record) = shared.record.lock()
    {
        let code = match &visit {
            Visit::Booked { code, .. } => Some(code.clone()),
            _ => None,
        };
        if let Some((number, _, _)) = record.acked.get(&ticket.id).cloned() {
            shared_violation_locked(&mut record, format!("ticket {} ({number}) issued twice", ticket.id));
        }
        record.acked.insert(ticket.id.clone(), (ticket.number.clone(), ticket.service.clone(), code));
        shared.unfinished.fetch_add(1, Ordering::SeqCst);
        if let Some(away) = applicant.away_for {
            record.away.insert(ticket.id.clone(), away);
        }
    }
    shared.pending.fetch_sub(1, Ordering::SeqCst);
}

fn shared_violation_locked(record: &mut Record, text: String) {
    eprintln!("VIOLATION: {text}");
    record.violations.push(text);
}

/// One clerk at `counter`: call, serve, finish, until the day is over and nobody waits.
async fn clerk(shared: Arc<Shared>, staff: Client, counter: String, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let clock = &shared.clock;
    clock.sleep_until(at(7, 55)).await;
    let _ = retry(|| staff.counter_action(&counter, "open")).await;
    loop {
        let id = request_id(&mut rng);
        let called = retry(|| staff.call_next(&counter, Some(&id))).await;
        let ticket: Ticket = match called {
            Ok(Some(ticket)) => ticket,
            Ok(None) => {
                let day_over = clock.now() > at(LAST_ARRIVAL.0, LAST_ARRIVAL.1);
                let idle = shared.pending.load(Ordering::SeqCst) == 0
                    && shared.unfinished.load(Ordering::SeqCst) == 0;
                if day_over && idle {
                    let _ = retry(|| staff.counter_action(&counter, "close")).await;
                    return;
                }
                clock.sleep_minutes(1.0).await;
                continue;
            }
            Err(e) => {
                shared.violation(format!("counter {counter}: call-next failed: {e}"));
                clock.sleep_minutes(1.0).await;
                continue;
            }
        };
        let key = (ticket.id.clone(), ticket.stage.clone());
        let away = {
            let Ok(mut record) = shared.record.lock() else { return };
            let count = record.calls.entry(key.clone()).or_default();
            *count += 1;
            let count = *count;
            let allowed = 1 + record.requeues.get(&key).copied().unwrap_or(0);
            if count > allowed {
                shared_violation_locked(
                    &mut record,
                    format!("{} called {count} times at {}", ticket.number, ticket.stage),
                );
            }
            record.away.remove(&ticket.id)
        };
        if let Some(minutes) = away {
            // Not there: wait two minutes, then no-show; the applicant comes back later and
            // the information desk puts the ticket back in the queue.
            clock.sleep_minutes(2.0).await;
            let id = request_id(&mut rng);
            if let Err(e) = retry(|| staff.ticket_action_with(&ticket.id, "no-show", &id)).await {
                shared.violation(format!("no-show of {} failed: {e}", ticket.number));
                continue;
            }
            shared.pending.fetch_add(1, Ordering::SeqCst);
            let (shared, staff) = (shared.clone(), staff.clone());
            let requeue_id = request_id(&mut rng);
            tokio::spawn(async move {
                shared.clock.sleep_minutes(minutes).await;
                if let Ok(mut record) = shared.record.lock() {
                    *record.requeues.entry(key).or_default() += 1;
                }
                if let Err(e) = retry(|| staff.ticket_action_with(&ticket.id, "requeue", &requeue_id)).await {
                    shared.violation(format!("requeue of {} failed: {e}", ticket.number));
                }
                shared.pending.fetch_sub(1, Ordering::SeqCst);
            });
            continue;
        }
        clock.sleep_minutes(rng.gen_range(0.3..1.2)).await; // walking up to the counter
        let id = request_id(&mut rng);
        if let Err(e) = retry(|| staff.ticket_action_with(&ticket.id, "start", &id)).await {
            shared.violation(format!("start of {} failed: {e}", ticket.number));
        }
        clock.sleep_minutes(service_minutes(&mut rng, &ticket.stage)).await;
        let id = request_id(&mut rng);
        match retry(|| staff.ticket_action_with(&ticket.id, "finish", &id)).await {
            Ok(after) if after.state == antrian_proto::TicketState::Done => {
                // Six in ten answer the satisfaction survey from the ticket's QR, within
                // minutes; the hub is the one that holds them to once per ticket.
                if rng.gen_bool(0.6) {
                    shared.surveys.fetch_add(1, Ordering::SeqCst);
                    let answer = survey_answer(&mut rng);
                    let delay = rng.gen_range(0.5..20.0);
                    tokio::spawn(answer_survey(shared.clone(), after, answer, delay));
                }
                shared.unfinished.fetch_sub(1, Ordering::SeqCst);
            }
            Ok(_) => {}
            Err(e) => shared.violation(format!("finish of {} failed: {e}", ticket.number)),
        }
    }
}

/// One applicant's survey answer: the nine answers, each from its element's own spread (the
/// completion time and the facilities fare worse, the cost and the staff better), a profile
/// part of the time, now and then a comment, half of those complaints.
fn survey_answer(rng: &mut StdRng) -> serde_json::Value {
    // Chances of 1, 2, 3 (4 is the rest) per element.
    const SPREAD: [[f64; 3]; 9] = [
        [0.02, 0.08, 0.55],
        [0.03, 0.12, 0.55],
        [0.10, 0.30, 0.45],
        [0.01, 0.04, 0.35],
        [0.02, 0.08, 0.60],
        [0.01, 0.06, 0.50],
        [0.01, 0.05, 0.45],
        [0.05, 0.20, 0.55],
        [0.06, 0.25, 0.50],
    ];
    let answers: Vec<u8> = SPREAD
        .iter()
        .map(|[one, two, three]| {
            let roll: f64 = rng.r#gen();
            if roll < *one {
                1
            } else if roll < one + two {
                2
            } else if roll < one + two + three {
                3
            } else {
                4
            }
        })
        .collect();
    let pick = |rng: &mut StdRng, values: &[&str]| -> String {
        if rng.gen_bool(0.7) { values[rng.gen_range(0..values.len())].to_owned() } else { String::new() }
    };
    let comment = if rng.gen_bool(0.1) { "Antrean di loket berkas terlalu lama." } else { "" };
    serde_json::json!({
        "answers": answers,
        "age": pick(rng, &["u20", "21-30", "31-40", "41-50", "51-60", "o60"]),
        "sex": pick(rng, &["L", "P"]),
        "education": pick(rng, &["sd", "smp", "sma", "diploma", "s1", "s2"]),
        "occupation": pick(rng, &["pns", "swasta", "wirausaha", "pelajar", "lainnya"]),
        "comment": comment,
        "complaint": !comment.is_empty() && rng.gen_bool(0.5),
    })
}

/// The applicant answers the survey `delay` minutes after the visit, from the ticket's QR
/// (its status token), retrying through hub restarts; a retry whose first try had landed is
/// told `already_exists`, which is the answer being in.
async fn answer_survey(shared: Arc<Shared>, ticket: Ticket, answer: serde_json::Value, delay: f64) {
    shared.clock.sleep_minutes(delay).await;
    let token = ticket.status_url.rsplit('/').next().unwrap_or_default().to_owned();
    let client = Client::new(&shared.url);
    let path = format!("/api/v1/survey/{token}");
    let sent: Result<Option<serde_json::Value>, ClientError> =
        retry(|| client.send(reqwest::Method::POST, &path, Some(&answer))).await;
    match sent {
        Ok(_) => {
            if let Ok(mut record) = shared.record.lock() {
                record.surveyed.push(ticket.id.clone());
            }
        }
        Err(ClientError::Api { code: antrian_proto::ErrorCode::AlreadyExists, .. }) => {
            if let Ok(mut record) = shared.record.lock() {
                record.surveyed.push(ticket.id.clone());
            }
        }
        Err(e) => shared.violation(format!("the survey answer of {} failed: {e}", ticket.number)),
    }
    shared.surveys.fetch_sub(1, Ordering::SeqCst);
}

/// A ticket as stored: number, service, state, booking code, slot.
type StoredTicket = (String, String, String, Option<String>, Option<String>);

/// The checks on the hub's own record after the day (read from its database).
fn verify(
    shared: &Shared,
    data: &std::path::Path,
    announced: &Mutex<Vec<(String, String)>>,
    slots: &[(String, NaiveTime, NaiveTime)],
    quota_c: usize,
    max_in_row: u32,
) -> anyhow::Result<DayResult> {
    let db = rusqlite::Connection::open_with_flags(
        data.join("antrian.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )?;
    let record = shared.record.lock().map_err(|_| anyhow::anyhow!("record lock"))?;
    let mut violations = record.violations.clone();

    // Nothing acknowledged lost, nothing duplicated.
    let mut tickets: HashMap<String, StoredTicket> = HashMap::new();
    let mut statement =
        db.prepare("SELECT id, number, service, state, booking_code, slot FROM tickets WHERE day = ?1")?;
    let rows = statement.query_map([DAY], |r| {
        Ok((r.get::<_, String>(0)?, (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
    })?;
    for row in rows {
        let (id, rest) = row?;
        tickets.insert(id, rest);
    }
    for (id, (number, _, _)) in &record.acked {
        match tickets.get(id) {
            None => violations.push(format!("acknowledged ticket {number} ({id}) is gone")),
            Some((stored, _, state, _, _)) => {
                if stored != number {
                    violations.push(format!("ticket {id} was {number}, is now {stored}"));
                }
                if state != "done" {
                    violations.push(format!("ticket {number} ended the day {state}, not done"));
                }
            }
        }
    }
    for (id, (number, _, _, _, _)) in &tickets {
        if !record.acked.contains_key(id) {
            violations.push(format!("ticket {number} exists but no client was given it"));
        }
    }
    let mut per_service: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    let mut per_booking: HashMap<String, usize> = HashMap::new();
    for (number, service, _, booking, _) in tickets.values() {
        per_service.entry(service.clone()).or_default().push(number[1..].parse().unwrap_or(0));
        if let Some(code) = booking {
            *per_booking.entry(code.clone()).or_default() += 1;
        }
    }
    for (service, numbers) in &mut per_service {
        numbers.sort_unstable();
        let expected: Vec<u32> = (1..=numbers.len() as u32).collect();
        if *numbers != expected {
            violations.push(format!(
                "service {service}: numbers are not 1..{} without gaps or repeats",
                numbers.len()
            ));
        }
    }
    for (code, count) in per_booking {
        if count > 1 {
            violations.push(format!("booking {code} has {count} tickets"));
        }
    }
    // Quotas.
    let c_issued = per_service.get("C").map_or(0, Vec::len);
    if c_issued > quota_c {
        violations.push(format!("{c_issued} lost/damaged walk-ins issued, quota {quota_c}"));
    }
    for (slot, _, _) in slots {
        for (service, capacity) in [("A", 24), ("B", 12)] {
            let count: i64 = db.query_row(
                "SELECT COUNT(*) FROM appointments WHERE date = ?1 AND slot = ?2 AND service = ?3 AND state != 'cancelled'",
                rusqlite::params![DAY, slot, service],
                |r| r.get(0),
            )?;
            if count > capacity {
                violations
                    .push(format!("slot {slot} service {service}: {count} bookings, capacity {capacity}"));
            }
        }
    }

    // Every entry into a queue is called exactly once, in the order the rules give.
    let mut events = db.prepare("SELECT id, at, kind, data FROM events ORDER BY id")?;
    let rows = events.query_map([], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
    })?;
    // stage → ticket → (priority, effective ms, seq)
    let mut waiting: HashMap<String, HashMap<String, (bool, i64, i64)>> = HashMap::new();
    let mut run: HashMap<String, u32> = HashMap::new();
    let mut entered: HashMap<String, usize> = HashMap::new();
    let mut called_list: Vec<(String, String)> = Vec::new();
    let mut calls = 0;
    for row in rows {
        let (id, at_ms, kind, data) = row?;
        let value: serde_json::Value = serde_json::from_str(&data)?;
        let ticket = value["ticket_id"].as_str().unwrap_or_default().to_owned();
        let stage = value["stage"].as_str().unwrap_or_default().to_owned();
        match kind.as_str() {
            "ticket" if value["state"] == "waiting" => {
                let (number, _, _, _, slot) = tickets.get(&ticket).cloned().unwrap_or_default();
                let first_entry = !entered.contains_key(&ticket);
                *entered.entry(ticket.clone()).or_default() += 1;
                let mut effective = at_ms;
                if first_entry && let Some(slot) = slot {
                    let slot_ms = at_time(NaiveTime::parse_from_str(&slot, "%H:%M")?).timestamp_millis();
                    effective = effective.max(slot_ms);
                }
                let priority = number.starts_with('P');
                waiting.entry(stage).or_default().insert(ticket, (priority, effective, id));
            }
            "ticket" if value["state"] == "cancelled" => {
                if let Some(queue) = waiting.get_mut(&stage) {
                    queue.remove(&ticket);
                }
            }
            "called" if value["recall"].as_u64() == Some(0) => {
                calls += 1;
                called_list.push((ticket.clone(), stage.clone()));
                let queue = waiting.entry(stage.clone()).or_default();
                let Some(entry) = queue.remove(&ticket) else {
                    violations
                        .push(format!("event {id}: {ticket} called at {stage} while not waiting there"));
                    continue;
                };
                let best_normal = queue.values().filter(|e| !e.0).map(|e| (e.1, e.2)).min();
                let best_priority = queue.values().filter(|e| e.0).map(|e| (e.1, e.2)).min();
                let stage_run = run.entry(stage.clone()).or_default();
                // Priority first, or (max_in_row K > 0) at most K priority calls in a row.
                let priority_turn = max_in_row == 0 || *stage_run < max_in_row;
                let ok = if entry.0 {
                    best_priority.is_none_or(|b| (entry.1, entry.2) <= b)
                        && (best_normal.is_none() || priority_turn)
                } else {
                    best_normal.is_none_or(|b| (entry.1, entry.2) <= b)
                        && (best_priority.is_none() || !priority_turn)
                };
                if !ok {
                    violations.push(format!("event {id}: {ticket} called at {stage} out of order"));
                }
                *stage_run = if entry.0 { *stage_run + 1 } else { 0 };
            }
            _ => {}
        }
    }
    for (stage, queue) in &waiting {
        if !queue.is_empty() {
            violations.push(format!("{} tickets still waiting at {stage} after the day", queue.len()));
        }
    }
    // The display heard every call once, in order.
    let heard = announced.lock().map_err(|_| anyhow::anyhow!("lock"))?.clone();
    if heard != called_list {
        violations.push(format!(
            "the display heard {} calls, the hub made {}",
            heard.len(),
            called_list.len()
        ));
    }
    // Every acknowledged survey answer is stored, once, and no other.
    let mut surveyed = record.surveyed.clone();
    surveyed.sort();
    surveyed.dedup();
    if surveyed.len() != record.surveyed.len() {
        violations.push(format!(
            "{} survey answers acknowledged for {} tickets",
            record.surveyed.len(),
            surveyed.len()
        ));
    }
    let mut answered: Vec<String> = db
        .prepare("SELECT ticket_id FROM skm_answered ORDER BY ticket_id")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    answered.sort();
    let responses: i64 = db.query_row("SELECT COUNT(*) FROM skm_responses", [], |r| r.get(0))?;
    if answered != surveyed || responses as usize != surveyed.len() {
        violations.push(format!(
            "survey: {} answers acknowledged, {} tickets marked answered, {responses} responses stored",
            surveyed.len(),
            answered.len()
        ));
    }
    Ok(DayResult {
        violations,
        tickets: tickets.len(),
        calls,
        survey_answers: surveyed.len(),
        ..Default::default()
    })
}

/// Waiting minutes per service and stage, from entering the queue to being called.
fn figures(data: &std::path::Path) -> anyhow::Result<String> {
    let db = rusqlite::Connection::open_with_flags(
        data.join("antrian.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )?;
    let mut statement = db.prepare(
        "SELECT t.service, v.stage, (v.called_at - v.queued_at) / 60000.0
         FROM stage_visits v JOIN tickets t ON t.id = v.ticket_id WHERE v.called_at IS NOT NULL",
    )?;
    let mut waits: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
    for row in statement
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, f64>(2)?)))?
    {
        let (service, stage, minutes) = row?;
        waits.entry((service, stage)).or_default().push(minutes.max(0.0));
    }
    let mut out = String::from("Waiting minutes per service and stage (queue entry to call):\n");
    out.push_str("  service stage          visits   mean    p50    p90    max\n");
    for ((service, stage), mut list) in waits {
        list.sort_by(f64::total_cmp);
        let pct = |p: f64| list[((list.len() - 1) as f64 * p).round() as usize];
        let mean = list.iter().sum::<f64>() / list.len() as f64;
        out.push_str(&format!(
            "  {service:<7} {stage:<14} {:>6} {mean:>6.1} {:>6.1} {:>6.1} {:>6.1}\n",
            list.len(),
            pct(0.5),
            pct(0.9),
            pct(1.0)
        ));
    }
    Ok(out)
}

/// For the binary: where to keep the day's data.
pub fn keep_dir() -> PathBuf {
    std::env::temp_dir().join(format!("antrian-sim-{}", std::process::id()))
}
