//! Seed data for the demo office: today's appointments spread over the slots, staff logins
//! and device tokens, so a fresh checkout shows a living office.

use std::sync::Arc;

use antrian_proto::{NewAppointment, Role};
use rand::Rng;
use rand::seq::SliceRandom;

use crate::appointments;
use crate::auth;
use crate::error::Result;
use crate::hub::Hub;

/// The demo logins: (user, password, role).
pub const DEMO_USERS: &[(&str, &str, Role)] = &[
    ("admin", "admin-demo", Role::Admin),
    ("supervisor", "supervisor-demo", Role::Supervisor),
    ("loket", "loket-demo", Role::Staff),
];

const FIRST: &[&str] = &[
    "Budi", "Siti", "Agus", "Dewi", "Ahmad", "Sri", "Rudi", "Ani", "Hendra", "Wati", "Joko", "Rina", "Eko",
    "Nur", "Bambang", "Yuni", "Dedi", "Lestari", "Andi", "Fitri", "Made", "Putu", "Yohanes", "Maria",
];
const LAST: &[&str] = &[
    "Santoso",
    "Rahayu",
    "Wijaya",
    "Saputra",
    "Hidayat",
    "Kusuma",
    "Pratama",
    "Siregar",
    "Nasution",
    "Sihombing",
    "Wibowo",
    "Lubis",
    "Setiawan",
    "Purnomo",
    "Halim",
    "Gunawan",
];

/// What the demo seeding made, to print.
#[derive(Debug)]
pub struct Seeded {
    pub appointments: usize,
    pub devices: Vec<(String, Role, String)>,
    pub sample_booking: Option<antrian_proto::Appointment>,
    /// Every booking made, for the simulated arrivals.
    pub bookings: Vec<antrian_proto::Appointment>,
}

/// Seeds today's appointments (`per_slot` per booked service and slot), the demo users and
/// one kiosk and one display token.
pub fn seed(hub: &Arc<Hub>, per_slot: usize) -> Result<Seeded> {
    let now = hub.clock.now_ms();
    let today = hub.clock.today();
    let mut rng = rand::thread_rng();
    let mut items = Vec::new();
    for slot in &hub.config.slots {
        for (service, capacity) in &slot.capacity {
            for _ in 0..per_slot.min(*capacity as usize) {
                let name = format!(
                    "{} {}",
                    FIRST.choose(&mut rng).unwrap_or(&"Budi"),
                    LAST.choose(&mut rng).unwrap_or(&"Santoso")
                );
                let nik = format!("3174{:012}", rng.gen_range(0..1_000_000_000_000u64));
                items.push(NewAppointment {
                    office: hub.config.office.id.clone(),
                    service: service.clone(),
                    date: today,
                    slot: slot.start.format("%H:%M").to_string(),
                    name,
                    nik,
                    booking_code: None,
                });
            }
        }
    }
    let mut password_hashes = Vec::new();
    for (user, password, role) in DEMO_USERS {
        password_hashes.push((user.to_string(), auth::hash_password(password)?, *role));
    }
    let (office, keys) = (hub.office.clone(), hub.secrets.clone());
    let created = hub.store.write_blocking(move |tx| {
        let appointments = appointments::create(tx, &office, &keys, items, "demo", now)?;
        for (user, hash, role) in password_hashes {
            auth::add_user(tx, &user, &hash, role, now)?;
        }
        let kiosk = auth::add_device(tx, "kiosk-1", Role::Kiosk, now)?;
        let display = auth::add_device(tx, "display-1", Role::Display, now)?;
        Ok::<_, crate::error::Error>((appointments, kiosk, display))
    });
    let (appointments, kiosk, display) = created?;
    Ok(Seeded {
        appointments: appointments.len(),
        sample_booking: appointments
            .iter()
            .find(|a| can_check_in_now(hub, a))
            .or(appointments.first())
            .cloned(),
        devices: vec![("kiosk-1".into(), Role::Kiosk, kiosk), ("display-1".into(), Role::Display, display)],
        bookings: appointments,
    })
}

/// Outside office hours (before 07:00 or from 15:00), the demo's clock starts at 09:05 today so
/// there is something to see; inside, it runs on the real time.
pub fn office_hours_clock(config: &crate::config::Config) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    use chrono::{TimeZone, Timelike};
    let now = chrono::Utc::now().with_timezone(&config.office.tz);
    if (7..15).contains(&now.hour()) {
        return None;
    }
    let at = now.date_naive().and_hms_opt(9, 5, 0)?;
    config.office.tz.from_local_datetime(&at).earliest().map(|t| t.fixed_offset())
}

/// Whether `appointment`'s arrival window is open at the hub's current time.
fn can_check_in_now(hub: &Hub, appointment: &antrian_proto::Appointment) -> bool {
    let Some(slot) = hub.config.slot(&appointment.slot) else { return false };
    let now = hub.clock.now_ms();
    let opens = hub.clock.local_ms(appointment.date, slot.start)
        - i64::from(hub.config.checkin.early_minutes) * 60_000;
    let closes =
        hub.clock.local_ms(appointment.date, slot.end) + i64::from(hub.config.checkin.late_minutes) * 60_000;
    (opens..=closes).contains(&now)
}

/// The living office of the demo, through the real HTTP API as kiosks and clerks use it:
/// booked applicants arrive around their slots and check in at the kiosk (with walk-ins among
/// them), and clerks at `counters` call, serve and finish them at a human pace, so the
/// waiting-room screen moves. Runs until the demo stops.
pub async fn simulate(
    url: String,
    kiosk_token: String,
    mut bookings: Vec<antrian_proto::Appointment>,
    walk_in_services: Vec<String>,
    counters: Vec<String>,
) {
    use std::time::Duration;

    let kiosk = antrian_proto::Client::new(&url).with_token(kiosk_token);
    let staff = loop {
        match antrian_proto::Client::new(&url).login("loket", "loket-demo").await {
            Ok((client, _)) => break client,
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    };
    for counter in counters {
        let staff = staff.clone();
        tokio::spawn(async move {
            let _ = staff.counter_action(&counter, "open").await;
            loop {
                // Seconds are drawn before each await: the random source is not Send.
                let (walk, serve, no_show) = {
                    let mut rng = rand::thread_rng();
                    (rng.gen_range(3..8), rng.gen_range(8..30), rng.gen_bool(0.05))
                };
                match staff.call_next(&counter, None).await {
                    Ok(Some(ticket)) => {
                        tokio::time::sleep(Duration::from_secs(walk)).await;
                        if no_show {
                            let _ = staff.ticket_action(&ticket.id, "no-show").await;
                            continue;
                        }
                        let _ = staff.ticket_action(&ticket.id, "start").await;
                        tokio::time::sleep(Duration::from_secs(serve)).await;
                        let _ = staff.finish(&ticket.id, None).await;
                    }
                    _ => tokio::time::sleep(Duration::from_secs(4)).await,
                }
            }
        });
    }
    bookings.sort_by(|a, b| a.slot.cmp(&b.slot));
    let mut arrivals = 0u32;
    for booking in bookings {
        let arrived = loop {
            match kiosk.checkin_qr(&booking.qr).await {
                Err(e) if e.code() == Some("too_early") => tokio::time::sleep(Duration::from_secs(30)).await,
                Err(e) if e.code().is_none() => tokio::time::sleep(Duration::from_secs(2)).await,
                answer => break answer.is_ok(),
            }
        };
        if !arrived {
            continue; // its slot is over: a no-show
        }
        arrivals += 1;
        if arrivals.is_multiple_of(4) && !walk_in_services.is_empty() {
            let service = walk_in_services[arrivals as usize / 4 % walk_in_services.len()].clone();
            let _ = kiosk.walkin(&service, None).await;
        }
        let pause = rand::thread_rng().gen_range(3..9);
        tokio::time::sleep(Duration::from_secs(pause)).await;
    }
}
