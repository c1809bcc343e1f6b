//! The e-mails an applicant gets, each in the account's language, as text and HTML: the
//! sign-in code, the bill, the place offered from the waitlist (its bill, written as the
//! offer), the confirmation with the *Bukti Pendaftaran* PDF attached, the reminder the day
//! before, the expiry of an unpaid bill, and the passport ready for pickup.
//!
//! A letter about an application is queued in `mail_outbox` by the transaction that changes
//! its state ([`crate::booking::history`]), so it is sent exactly when that change commits; any
//! replica sends it (`SKIP LOCKED`), rendering it then from the application as it is. A
//! message the mail server refuses is tried again, at most 20 times.

use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use chrono::NaiveDate;

use crate::Central;
use crate::booking::{Record, state};
use crate::error::ApiResult;
use crate::i18n::{Lang, Texts, fill, rupiah, texts};

/// What a letter about an application says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The bill of a new hold (or, for a place offered from the waitlist, the offer).
    Bill,
    /// Paid: the booking, with the PDF.
    Confirmation,
    /// The day before the booked date.
    Reminder,
    /// The bill ran out and the place was given up.
    Expired,
    /// The office marked the passport ready.
    Ready,
    /// The booking was moved (the one reschedule): the new date, with the new PDF.
    Moved,
}

impl Kind {
    /// The letter a new state of an application sends, if any.
    pub fn for_state(new_state: &str) -> Option<Kind> {
        match new_state {
            state::AWAITING_PAYMENT => Some(Kind::Bill),
            state::BOOKED => Some(Kind::Confirmation),
            state::EXPIRED => Some(Kind::Expired),
            state::READY_FOR_PICKUP => Some(Kind::Ready),
            "rescheduled" => Some(Kind::Moved),
            _ => None,
        }
    }

    /// Whether the letter still says something true of an application now in `current`: a
    /// bill is not sent once paid, nor a reminder for a cancelled booking.
    pub fn still_true(self, current: &str) -> bool {
        match self {
            Kind::Bill => current == state::AWAITING_PAYMENT,
            Kind::Reminder | Kind::Moved => current == state::BOOKED,
            Kind::Confirmation => ![state::CANCELLED, state::EXPIRED].contains(&current),
            Kind::Expired => current == state::EXPIRED,
            Kind::Ready => [state::READY_FOR_PICKUP, state::PICKED_UP].contains(&current),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Bill => "bill",
            Kind::Confirmation => "confirmation",
            Kind::Reminder => "reminder",
            Kind::Expired => "expired",
            Kind::Ready => "ready_for_pickup",
            Kind::Moved => "moved",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        [Kind::Bill, Kind::Confirmation, Kind::Reminder, Kind::Expired, Kind::Ready, Kind::Moved]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

/// A message ready to send.
#[derive(Debug, Clone)]
pub struct Letter {
    pub subject: String,
    pub text: String,
    pub html: String,
    /// File name and PDF bytes.
    pub attachment: Option<(String, Vec<u8>)>,
}

/// What a letter shows, in order; rendered once as text and once as HTML.
#[derive(Template)]
#[template(path = "mail.html")]
struct Content<'a> {
    t: &'a Texts,
    title: String,
    greeting: Option<String>,
    paragraphs: Vec<String>,
    /// A label and a value shown large (a code).
    big: Option<(String, String)>,
    facts: Vec<(String, String)>,
    /// A label and an address.
    action: Option<(String, String)>,
    warning: Option<String>,
}

impl Content<'_> {
    fn text(&self) -> String {
        let mut out = String::new();
        if let Some(greeting) = &self.greeting {
            out.push_str(&format!("{greeting}\n\n"));
        }
        for paragraph in &self.paragraphs {
            out.push_str(&format!("{paragraph}\n\n"));
        }
        if let Some((label, value)) = &self.big {
            out.push_str(&format!("{label}: {value}\n\n"));
        }
        for (label, value) in &self.facts {
            out.push_str(&format!("{label}: {value}\n"));
        }
        if !self.facts.is_empty() {
            out.push('\n');
        }
        if let Some((label, url)) = &self.action {
            out.push_str(&format!("{label}: {url}\n\n"));
        }
        if let Some(warning) = &self.warning {
            out.push_str(&format!("{warning}\n\n"));
        }
        out.push_str(&format!("-- \n{}\n", self.t.t("mail.footer")));
        out
    }

    fn letter(self, subject: String, attachment: Option<(String, Vec<u8>)>) -> Letter {
        let text = self.text();
        let html = self.render().unwrap_or_else(|_| format!("<pre>{}</pre>", escape(&text)));
        Letter { subject, text, html, attachment }
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The sign-in code letter.
pub fn sign_in_code(lang: Lang, code: &str, minutes: u32) -> Letter {
    let t = texts(lang);
    let minutes = minutes.to_string();
    Content {
        t,
        title: t.t("mail.code_title").to_owned(),
        greeting: None,
        paragraphs: vec![fill(t.t("mail.code_lead"), &[("minutes", &minutes)])],
        big: Some((t.t("mail.code_label").to_owned(), code.to_owned())),
        facts: Vec::new(),
        action: None,
        warning: Some(t.t("mail.code_warning").to_owned()),
    }
    .letter(fill(t.t("mail.code_subject"), &[("code", code)]), None)
}

/// Minutes before its slot an applicant may come (the hub's default check-in window opens an
/// hour before; half an hour is what the letters and pages say, so nobody comes too early).
pub const ARRIVE_EARLY_MINUTES: i64 = 30;

/// The facts of an application the pages and letters show, in the record's language.
#[derive(Debug, Clone)]
pub struct Facts {
    pub office_name: String,
    pub office_address: String,
    pub zone: &'static str,
    pub service_name: String,
    pub passport_name: String,
    /// "Senin, 7 Desember 2026".
    pub date: String,
    /// "08:00–09:00".
    pub slot: String,
    /// "07:30" and "09:00".
    pub arrive_from: String,
    pub arrive_to: String,
    /// When the bill runs out, office time, written out.
    pub until: String,
    pub amount: String,
}

/// The facts of `record` for `t`'s language.
pub fn facts(central: &Central, record: &Record, t: &Texts) -> Facts {
    let office = central.config.office(&record.office);
    let zone = crate::i18n::zone_name(office.map_or("", |o| o.timezone.as_str()));
    let service_name = office
        .and_then(|o| o.service(&record.service))
        .map(|s| if t.lang == Lang::En && !s.name_en.is_empty() { s.name_en.clone() } else { s.name.clone() })
        .unwrap_or_else(|| record.service.clone());
    let slot = office.and_then(|o| o.slot(&record.slot));
    let (slot_text, arrive_from, arrive_to) = match slot {
        Some(slot) => (
            format!("{}–{}", slot.start.format("%H:%M"), slot.end.format("%H:%M")),
            (slot.start - chrono::Duration::minutes(ARRIVE_EARLY_MINUTES)).format("%H:%M").to_string(),
            slot.end.format("%H:%M").to_string(),
        ),
        None => (record.slot.clone(), record.slot.clone(), record.slot.clone()),
    };
    let until = record.bill_expires_at.with_timezone(&central.config.tz(&record.office)).naive_local();
    let mut passport_name = t.t(&format!("apply.type_{}", record.passport_type)).to_owned();
    if record.fast_track {
        passport_name = format!("{passport_name} + {}", t.t("apply.fast_short"));
    }
    Facts {
        office_name: office.map_or_else(|| record.office.clone(), |o| o.name.clone()),
        office_address: office.map(|o| o.address.clone()).unwrap_or_default(),
        zone,
        service_name,
        passport_name,
        date: t.long_date(record.date),
        slot: slot_text,
        arrive_from,
        arrive_to,
        until: crate::i18n::date_time(t, until, zone),
        amount: rupiah(record.amount),
    }
}

/// The letter of `kind` about `record`; `offered`: its bill is for a place offered from the
/// waitlist.
pub fn about(central: &Central, kind: Kind, record: &Record, offered: bool) -> Letter {
    let t = texts(Lang::parse(Some(&record.lang)));
    let f = facts(central, record, t);
    let args: Vec<(&str, &str)> = vec![
        ("name", &record.name),
        ("office", &f.office_name),
        ("date", &f.date),
        ("slot", &f.slot),
        ("from", &f.arrive_from),
        ("to", &f.arrive_to),
        ("until", &f.until),
        ("code", record.booking_code.as_deref().unwrap_or(&record.bill_code)),
        ("amount", &f.amount),
    ];
    let key = match (kind, offered) {
        (Kind::Bill, true) => "offer",
        (Kind::Bill, false) => "bill",
        (Kind::Confirmation, _) => "confirmation",
        (Kind::Reminder, _) => "reminder",
        (Kind::Expired, _) => "expired",
        (Kind::Ready, _) => "ready",
        (Kind::Moved, _) => "moved",
    };
    let text = |suffix: &str| fill(t.t(&format!("mail.{key}_{suffix}")), &args);
    let mut paragraphs = vec![text("lead")];
    let mut facts = vec![
        (t.t("page.name_short").to_owned(), record.name.clone()),
        (t.t("page.office").to_owned(), format!("{}, {}", f.office_name, f.office_address)),
        (t.t("page.service").to_owned(), format!("{} ({})", f.service_name, f.passport_name)),
        (t.t("page.date").to_owned(), f.date.clone()),
        (t.t("page.slot").to_owned(), f.slot.clone()),
    ];
    let big = match kind {
        Kind::Bill => {
            paragraphs.push(t.t("mail.how_to_pay").to_owned());
            facts.insert(0, (t.t("bill.amount").to_owned(), f.amount.clone()));
            facts.insert(1, (t.t("bill.deadline").to_owned(), f.until.clone()));
            Some((t.t("bill.code").to_owned(), group_digits(&record.bill_code)))
        }
        Kind::Expired => None,
        _ => record.booking_code.clone().map(|code| (t.t("page.booking_code").to_owned(), code)),
    };
    if matches!(kind, Kind::Confirmation | Kind::Reminder | Kind::Moved) {
        paragraphs.push(fill(t.t("page.arrive"), &args));
        let mut bring = t.t("mail.bring").to_owned();
        for document in crate::pages::documents_to_bring(t, &record.service) {
            bring.push_str(&format!("\n- {document}"));
        }
        paragraphs.push(bring);
    }
    let attachment = (matches!(kind, Kind::Confirmation | Kind::Moved) && record.qr.is_some()).then(|| {
        let name = format!("bukti-pendaftaran-{}.pdf", record.booking_code.as_deref().unwrap_or(""));
        (name, crate::receipt::pdf(central, record, t))
    });
    Content {
        t,
        title: text("title"),
        greeting: Some(fill(t.t("mail.greeting"), &args)),
        paragraphs,
        big,
        facts,
        action: Some((
            t.t("mail.open_application").to_owned(),
            format!("{}/applications/{}?lang={}", central.public_url(), record.id, t.lang.code()),
        )),
        warning: (kind == Kind::Bill).then(|| t.t("mail.bill_warning").to_owned()),
    }
    .letter(text("subject"), attachment)
}

/// A billing code in groups of three digits, as it is typed at an ATM: "001 261 130 912 345".
pub fn group_digits(code: &str) -> String {
    code.as_bytes().chunks(3).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
}

/// Sends the queued letters, and queues the day-before reminders, every second or two; the
/// replicas share the work.
pub fn spawn(central: Arc<Central>) {
    tokio::spawn(async move {
        let mut reminded_at: Option<tokio::time::Instant> = None;
        loop {
            if reminded_at.is_none_or(|at| at.elapsed() >= Duration::from_secs(10)) {
                reminded_at = Some(tokio::time::Instant::now());
                if let Err(error) = queue_reminders(&central).await {
                    tracing::warn!(message = %error.message, "the reminders could not be queued; trying again");
                }
            }
            match send_queued(&central).await {
                Ok(_) => tokio::time::sleep(Duration::from_millis(500)).await,
                Err(error) => {
                    tracing::warn!(message = %error.message, "the letters could not be read; trying again");
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
            }
        }
    });
}

/// From 07:00 office time, the bookings of the next day that have had no reminder get one.
/// How many were queued.
pub async fn queue_reminders(central: &Central) -> ApiResult<u64> {
    let now = central.clock.now();
    let mut client = central.pool.get().await?;
    let mut queued = 0;
    for office in &central.config.offices {
        let local = office.local(now);
        if local.time() < chrono::NaiveTime::from_hms_opt(7, 0, 0).unwrap_or_default() {
            continue;
        }
        let tomorrow: NaiveDate = local.date() + chrono::Duration::days(1);
        let tx = client.transaction().await?;
        queued += tx
            .execute(
                "WITH due AS (
                    UPDATE applications SET reminded = true
                    WHERE office_id = $1 AND date = $2 AND state = 'booked' AND NOT reminded
                    RETURNING id)
                 INSERT INTO mail_outbox (kind, office_id, application_id, created_at)
                 SELECT 'reminder', $1, id, $3 FROM due",
                &[&office.id, &tomorrow, &now],
            )
            .await?;
        tx.commit().await?;
    }
    Ok(queued)
}

/// How long a claimed letter is left to its sender before another replica may try it.
const LEASE_SECONDS: i64 = 300;

/// Sends the letters that are due, one at a time: each is claimed in a short transaction
/// (its next try pushed ahead), rendered and sent, then deleted. A letter the mail server
/// refuses waits 1 s, then 2, 4, … up to an hour, and is never dropped; one whose
/// application's state has moved on (a bill already paid, a reminder for a cancelled booking)
/// is dropped unsent. How many were sent.
async fn send_queued(central: &Central) -> ApiResult<usize> {
    let mut sent = 0;
    for _ in 0..50 {
        let now = central.clock.now();
        let mut client = central.pool.get().await?;
        let tx = client.transaction().await?;
        let row = tx
            .query_opt(
                "SELECT id, kind, office_id, application_id, recipient, subject, body, attempts FROM mail_outbox
                 WHERE next_attempt_at <= $1 ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED",
                &[&now],
            )
            .await?;
        let Some(row) = row else { return Ok(sent) };
        let id: i64 = row.get(0);
        let attempts: i32 = row.get(7);
        tx.execute(
            "UPDATE mail_outbox SET next_attempt_at = $2 WHERE id = $1",
            &[&id, &(now + chrono::Duration::seconds(LEASE_SECONDS))],
        )
        .await?;
        tx.commit().await?;
        let kind: Option<String> = row.get(1);
        let letter = match kind.as_deref().and_then(Kind::parse) {
            Some(kind) => {
                let (office, application): (String, String) = (row.get(2), row.get(3));
                let record = crate::booking::record(&**client, &office, &application).await;
                match record {
                    Ok(record) if kind.still_true(&record.state) => {
                        let offered = kind == Kind::Bill
                            && client
                                .query_opt(
                                    "SELECT 1 FROM waitlist WHERE office_id = $1 AND application_id = $2",
                                    &[&office, &application],
                                )
                                .await?
                                .is_some();
                        Some((record.email.clone(), about(central, kind, &record, offered)))
                    }
                    Ok(record) => {
                        tracing::info!(
                            application,
                            kind = kind.as_str(),
                            state = record.state,
                            "a letter no longer true is not sent"
                        );
                        None
                    }
                    Err(error) if error.code == antrian_proto::ErrorCode::NotFound => {
                        tracing::error!(
                            application,
                            "a letter about an application that is not there is dropped"
                        );
                        None
                    }
                    Err(error) => return Err(error),
                }
            }
            None => {
                let (recipient, subject, body): (Option<String>, Option<String>, Option<String>) =
                    (row.get(4), row.get(5), row.get(6));
                let body = body.unwrap_or_default();
                let letter = Letter {
                    subject: subject.unwrap_or_default(),
                    html: format!("<pre>{}</pre>", escape(&body)),
                    text: body,
                    attachment: None,
                };
                Some((recipient.unwrap_or_default(), letter))
            }
        };
        let Some((recipient, letter)) = letter else {
            client.execute("DELETE FROM mail_outbox WHERE id = $1", &[&id]).await?;
            continue;
        };
        match central.mailer.send(&central.config.mail.from, &recipient, &letter).await {
            Ok(()) => {
                client.execute("DELETE FROM mail_outbox WHERE id = $1", &[&id]).await?;
                sent += 1;
            }
            Err(error) => {
                let wait = 1i64 << attempts.clamp(0, 12);
                let wait = chrono::Duration::seconds(wait.min(3600));
                if attempts >= 10 {
                    tracing::error!(%error, to = recipient, attempts, "a letter still cannot be sent; the mail server refuses it");
                } else {
                    tracing::warn!(%error, to = recipient, "a letter could not be sent; it will be tried again");
                }
                client
                    .execute(
                        "UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = $2 WHERE id = $1",
                        &[&id, &(central.clock.now() + wait)],
                    )
                    .await?;
                return Ok(sent);
            }
        }
    }
    Ok(sent)
}
