//! What the kiosk shows, as plain data, and the reducer that changes it. Every touch and scan
//! is an [`Action`]; every report of the worker an [`Outcome`]. [`KioskState::act`] returns
//! the job, if any, to hand to the worker. No egui and no I/O here, so the whole flow of the
//! screens is tested on its own; the `ui` module only draws this state and turns touches into
//! actions.

use antrian_proto::{ErrorCode, Office, RefusalDetail, ServiceInfo, Ticket};

use crate::config::{KioskConfig, PrinterTarget};
use crate::texts::Lang;
use crate::worker::{Job, Outcome};

/// Which keypad box is being filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Code,
    Nik,
}

/// How far the ticket's printing got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrintState {
    Printing,
    Printed,
    Failed(String),
    NoPrinter,
}

#[derive(Debug, Clone)]
pub enum Screen {
    Welcome,
    /// The keypad: booking code and the last 4 NIK digits.
    Manual {
        code: String,
        nik: String,
        field: Field,
    },
    /// The walk-in services.
    WalkIn,
    /// Waiting for the hub's answer to job `seq`; `back` is where "try again" leads.
    Working {
        seq: u64,
        back: Box<Screen>,
    },
    Result {
        seq: u64,
        ticket: Box<Ticket>,
        reprint: bool,
        print: PrintState,
    },
    Refused {
        code: ErrorCode,
        detail: Option<RefusalDetail>,
        back: Box<Screen>,
    },
    /// The hub did not answer a check-in.
    Unreachable {
        reason: String,
    },
}

/// The hub as the kiosk last saw it.
#[derive(Debug, Clone, Default)]
pub struct HubStatus {
    pub office: Option<Office>,
    /// `None` until the first answer; then whether the hub answered.
    pub online: Option<bool>,
    pub reason: String,
}

/// What the applicant (or the scanner) did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The scanner read a code.
    Scan(String),
    /// The scanner read only part of a code.
    PartialScan,
    SwitchLanguage,
    /// "Enter booking code" on the welcome screen.
    OpenKeypad,
    /// "No online booking" on the welcome screen.
    OpenWalkIn,
    /// A keypad box was touched.
    SelectField(Field),
    /// A keypad key.
    Key(char),
    Delete,
    Clear,
    /// "Take a number" on the keypad.
    Submit,
    /// A walk-in service button.
    ChooseService(String),
    /// "Try again" after a refusal: back to what was being filled in.
    Retry,
    /// "Back": to the welcome screen.
    Back,
    /// "Done" on the ticket: the next applicant.
    Done,
    /// Nobody touched the screen for the idle timeout.
    Idle,
}

/// A passing notice shown above the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// The scanner read only part of a code: scan again.
    PartialScan,
}

/// Booking codes are 4 to 16 characters (the usual one is 10); the NIK part is 4 digits.
pub const CODE_MAX: usize = 16;
pub const CODE_USUAL: usize = 10;
pub const NIK_DIGITS: usize = 4;

/// Whether the keypad's boxes can be sent.
pub fn ready_to_submit(code: &str, nik: &str) -> bool {
    (4..=CODE_MAX).contains(&code.len()) && nik.len() == NIK_DIGITS
}

#[derive(Debug, Clone)]
pub struct KioskState {
    pub lang: Lang,
    pub screen: Screen,
    pub hub: HubStatus,
    /// The language every applicant starts in.
    home_lang: Lang,
    /// Whether a printer is configured (otherwise the number is only shown).
    printer: bool,
    /// A passing notice for the applicant (cleared by the next action).
    pub notice: Option<Notice>,
    /// The walk-in services offered, in this order (empty: all the office's).
    walk_in_order: Vec<String>,
    next_seq: u64,
}

impl KioskState {
    pub fn new(config: &KioskConfig) -> KioskState {
        KioskState {
            lang: config.language,
            screen: Screen::Welcome,
            hub: HubStatus::default(),
            home_lang: config.language,
            notice: None,
            printer: config.printer_target() != PrinterTarget::None,
            walk_in_order: config.walk_in_services.clone(),
            next_seq: 1,
        }
    }

    /// Screens that stay when nobody touches the kiosk.
    pub fn resting(&self) -> bool {
        matches!(self.screen, Screen::Welcome | Screen::Working { .. })
    }

    /// Back to the welcome screen in the configured language.
    pub fn reset(&mut self) {
        self.screen = Screen::Welcome;
        self.lang = self.home_lang;
    }

    /// Applies what the applicant did; the job for the worker, with its sequence number, if
    /// the action asks the hub for something.
    pub fn act(&mut self, action: Action) -> Option<(u64, Job)> {
        self.notice = None;
        match action {
            Action::Scan(text) => return self.start(Job::Scan(text), Screen::Welcome),
            Action::PartialScan => {
                if !matches!(self.screen, Screen::Working { .. }) {
                    self.notice = Some(Notice::PartialScan);
                }
            }
            Action::SwitchLanguage => self.lang = self.lang.other(),
            Action::OpenKeypad => {
                self.screen = Screen::Manual { code: String::new(), nik: String::new(), field: Field::Code }
            }
            Action::OpenWalkIn => self.screen = Screen::WalkIn,
            Action::SelectField(chosen) => {
                if let Screen::Manual { field, .. } = &mut self.screen {
                    *field = chosen;
                }
            }
            Action::Key(key) => self.type_key(key),
            Action::Delete | Action::Clear => {
                if let Screen::Manual { code, nik, field } = &mut self.screen {
                    let target = if *field == Field::Code { code } else { nik };
                    if action == Action::Delete {
                        target.pop();
                    } else {
                        target.clear();
                    }
                }
            }
            Action::Submit => {
                if let Screen::Manual { code, nik, .. } = &self.screen
                    && ready_to_submit(code, nik)
                {
                    let job = Job::Code { code: code.clone(), nik_last4: nik.clone() };
                    let back = self.screen.clone();
                    return self.start(job, back);
                }
            }
            Action::ChooseService(service) => {
                if matches!(self.screen, Screen::WalkIn) {
                    return self.start(Job::WalkIn(service), Screen::WalkIn);
                }
            }
            Action::Retry => {
                if let Screen::Refused { back, .. } = &self.screen {
                    self.screen = (**back).clone();
                }
            }
            Action::Back => self.screen = Screen::Welcome,
            Action::Done => self.reset(),
            Action::Idle => {
                if !self.resting() {
                    self.reset();
                }
            }
        }
        None
    }

    fn type_key(&mut self, key: char) {
        let Screen::Manual { code, nik, field } = &mut self.screen else { return };
        match field {
            Field::Code if code.len() < CODE_MAX && key.is_ascii_alphanumeric() => {
                code.push(key.to_ascii_uppercase());
                // The usual code is complete: the NIK digits come next.
                if code.len() >= CODE_USUAL && nik.is_empty() {
                    *field = Field::Nik;
                }
            }
            Field::Nik if nik.len() < NIK_DIGITS && key.is_ascii_digit() => nik.push(key),
            _ => {}
        }
    }

    /// One thing at a time: while a job is out, a scan is dropped, not queued behind it.
    fn start(&mut self, job: Job, back: Screen) -> Option<(u64, Job)> {
        if matches!(self.screen, Screen::Working { .. }) {
            return None;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.screen = Screen::Working { seq, back: Box::new(back) };
        Some((seq, job))
    }

    /// Takes one report of the worker. An answer to a job nobody waits for any more (the
    /// screen timed out) changes nothing.
    pub fn apply(&mut self, outcome: Outcome) {
        let waiting_for = match &self.screen {
            Screen::Working { seq, .. } => Some(*seq),
            _ => None,
        };
        match outcome {
            Outcome::Hub(Ok(office)) => {
                self.hub = HubStatus { office: Some(office), online: Some(true), reason: String::new() };
                if matches!(self.screen, Screen::Unreachable { .. }) {
                    self.screen = Screen::Welcome;
                }
            }
            Outcome::Hub(Err(reason)) => {
                self.hub.online = Some(false);
                self.hub.reason = reason;
            }
            Outcome::Ticket { seq, ticket, reprint } if waiting_for == Some(seq) => {
                let print = if self.printer { PrintState::Printing } else { PrintState::NoPrinter };
                self.screen = Screen::Result { seq, ticket: Box::new(ticket), reprint, print };
            }
            Outcome::Refused { seq, code, detail } if waiting_for == Some(seq) => {
                let back = match std::mem::replace(&mut self.screen, Screen::Welcome) {
                    Screen::Working { back, .. } => back,
                    _ => Box::new(Screen::Welcome),
                };
                self.screen = Screen::Refused { code, detail, back };
            }
            Outcome::Unreachable { seq, reason } if waiting_for == Some(seq) => {
                self.hub.online = Some(false);
                self.screen = Screen::Unreachable { reason };
            }
            Outcome::Printed { seq, result } => {
                if let Screen::Result { seq: shown, print, .. } = &mut self.screen
                    && *shown == seq
                    && *print != PrintState::NoPrinter
                {
                    *print = match result {
                        Ok(_) => PrintState::Printed,
                        Err(reason) => PrintState::Failed(reason),
                    };
                }
            }
            Outcome::Ticket { .. } | Outcome::Refused { .. } | Outcome::Unreachable { .. } => {}
        }
    }

    /// The walk-in services offered here, in the configured order.
    pub fn walk_in_services(&self) -> Vec<ServiceInfo> {
        let Some(office) = &self.hub.office else { return Vec::new() };
        let offered = office.services.iter().filter(|s| s.walk_in);
        if self.walk_in_order.is_empty() {
            offered.cloned().collect()
        } else {
            self.walk_in_order
                .iter()
                .filter_map(|id| offered.clone().find(|s| &s.id == id).cloned())
                .collect()
        }
    }

    /// Whether the screens for the applicant give way to the officer's notice: the hub is
    /// known to be away.
    pub fn offline(&self) -> bool {
        self.hub.online == Some(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(extra: &str) -> KioskConfig {
        with_printer("none", extra)
    }

    fn with_printer(printer: &str, extra: &str) -> KioskConfig {
        KioskConfig::parse(&format!(
            "hub_url = \"http://127.0.0.1:9\"\ntoken = \"t\"\noffice = \"kanim-jaksel\"\nprinter = \"{printer}\"\n{extra}"
        ))
        .expect("config")
    }

    fn ticket(number: &str) -> Ticket {
        serde_json::from_value(serde_json::json!({
            "id": format!("20261125-{number}"), "number": number, "office": "kanim-jaksel", "service": "A",
            "service_name": "Paspor Baru", "stage": "berkas", "stage_name": "Pemeriksaan Berkas",
            "state": "waiting", "priority": false, "counter": null, "booking_code": null,
            "people_ahead": 0, "eta_minutes": 0, "status_url": "http://hub/t/x",
            "checked_in_at": "2026-11-25T09:05:00+07:00", "called_at": null, "recall": 0
        }))
        .expect("ticket")
    }

    fn keypad(state: &KioskState) -> (String, String, Field) {
        match &state.screen {
            Screen::Manual { code, nik, field } => (code.clone(), nik.clone(), *field),
            other => panic!("not the keypad: {other:?}"),
        }
    }

    #[test]
    fn the_keypad_fills_the_code_then_the_nik_and_sends_them() {
        let mut state = KioskState::new(&config(""));
        state.act(Action::OpenKeypad);
        for key in "k7pq3m9xw".chars() {
            state.act(Action::Key(key));
        }
        assert_eq!(keypad(&state), ("K7PQ3M9XW".into(), String::new(), Field::Code));
        assert_eq!(state.act(Action::Submit), None, "not ready: no NIK digits");
        // The tenth character completes the usual code: the NIK box comes next.
        state.act(Action::Key('Z'));
        assert_eq!(keypad(&state).2, Field::Nik);
        for key in "12a345".chars() {
            state.act(Action::Key(key));
        }
        assert_eq!(keypad(&state).1, "1234", "digits only, at most four");
        state.act(Action::Delete);
        state.act(Action::Key('9'));
        let (seq, job) = state.act(Action::Submit).expect("a job");
        assert_eq!(job, Job::Code { code: "K7PQ3M9XWZ".into(), nik_last4: "1239".into() });
        assert!(matches!(&state.screen, Screen::Working { seq: s, .. } if *s == seq));
        // Refused: "try again" brings back what was typed, to correct it.
        state.apply(Outcome::Refused { seq, code: ErrorCode::UnknownBooking, detail: None });
        assert!(matches!(state.screen, Screen::Refused { code: ErrorCode::UnknownBooking, .. }));
        state.act(Action::Retry);
        assert_eq!(keypad(&state), ("K7PQ3M9XWZ".into(), "1239".into(), Field::Nik));
        state.act(Action::SelectField(Field::Code));
        state.act(Action::Clear);
        assert_eq!(keypad(&state), (String::new(), "1239".into(), Field::Code));
    }

    #[test]
    fn one_job_at_a_time_and_late_answers_are_ignored() {
        let mut state = KioskState::new(&config(""));
        let (first, _) = state.act(Action::Scan("QR-1".into())).expect("job");
        assert_eq!(state.act(Action::Scan("QR-2".into())), None, "a second scan while working is dropped");
        // The hub answers a job that is no longer waited for: nothing changes.
        state.apply(Outcome::Ticket { seq: first + 7, ticket: ticket("A009"), reprint: false });
        assert!(matches!(state.screen, Screen::Working { .. }));
        state.apply(Outcome::Ticket { seq: first, ticket: ticket("A001"), reprint: false });
        match &state.screen {
            Screen::Result { ticket, print, reprint, .. } => {
                assert_eq!(
                    (ticket.number.as_str(), print, *reprint),
                    ("A001", &PrintState::NoPrinter, false)
                );
            }
            other => panic!("{other:?}"),
        }
        // A printed report of an earlier job does not touch this screen.
        state.apply(Outcome::Printed { seq: first, result: Err("no printer".into()) });
        assert!(matches!(&state.screen, Screen::Result { print: PrintState::NoPrinter, .. }));
    }

    #[test]
    fn printing_is_followed_to_the_end() {
        let mut state = KioskState::new(&with_printer("cups", ""));
        let (seq, _) = state.act(Action::Scan("QR".into())).expect("job");
        state.apply(Outcome::Ticket { seq, ticket: ticket("A001"), reprint: true });
        assert!(matches!(&state.screen, Screen::Result { print: PrintState::Printing, reprint: true, .. }));
        state.apply(Outcome::Printed { seq, result: Err("paper out".into()) });
        assert!(
            matches!(&state.screen, Screen::Result { print: PrintState::Failed(r), .. } if r == "paper out")
        );
    }

    #[test]
    fn the_hub_going_away_and_coming_back() {
        let mut state = KioskState::new(&config(""));
        let (seq, _) = state.act(Action::Scan("QR".into())).expect("job");
        state.apply(Outcome::Unreachable { seq, reason: "connection refused".into() });
        assert!(matches!(&state.screen, Screen::Unreachable { reason } if reason == "connection refused"));
        assert!(state.offline());
        let office: Office = serde_json::from_value(serde_json::json!({
            "id": "kanim-jaksel", "name": "Kantor Imigrasi Jakarta Selatan", "address": "", "timezone": "Asia/Jakarta",
            "stages": [], "counters": [], "slots": [],
            "services": [
                {"id": "C", "name": "Hilang/Rusak", "name_en": "Lost", "route": ["berkas"], "booked": false, "walk_in": true, "priority": false},
                {"id": "A", "name": "Paspor Baru", "name_en": "New", "route": ["berkas"], "booked": true, "walk_in": false, "priority": false},
                {"id": "P", "name": "Prioritas", "name_en": "Priority", "route": ["berkas"], "booked": false, "walk_in": true, "priority": true}
            ]
        }))
        .expect("office");
        state.apply(Outcome::Hub(Ok(office.clone())));
        assert!(matches!(state.screen, Screen::Welcome), "the hub is back: the next applicant can start");
        assert!(!state.offline());
        let ids = |s: &KioskState| s.walk_in_services().into_iter().map(|s| s.id).collect::<Vec<_>>();
        assert_eq!(ids(&state), ["C", "P"], "only walk-in services");
        let mut ordered = KioskState::new(&config("walk_in_services = [\"P\", \"X\", \"C\"]"));
        ordered.apply(Outcome::Hub(Ok(office)));
        assert_eq!(ids(&ordered), ["P", "C"], "in the configured order, unknown ones left out");
    }

    #[test]
    fn a_partial_scan_shows_a_hint_until_the_next_action() {
        let mut state = KioskState::new(&config(""));
        assert_eq!(state.act(Action::PartialScan), None, "nothing is sent to the hub");
        assert_eq!(state.notice, Some(Notice::PartialScan));
        assert!(state.act(Action::Scan("QR".into())).is_some(), "the next scan is read");
        assert_eq!(state.notice, None);
        state.act(Action::PartialScan);
        assert_eq!(state.notice, None, "no hint over a check-in under way");
    }

    #[test]
    fn walk_ins_and_leaving_the_kiosk_alone() {
        let mut state = KioskState::new(&config("language = \"id\""));
        state.act(Action::SwitchLanguage);
        assert_eq!(state.lang, Lang::En);
        assert_eq!(state.act(Action::ChooseService("C".into())), None, "only from the walk-in screen");
        state.act(Action::OpenWalkIn);
        let (seq, job) = state.act(Action::ChooseService("C".into())).expect("job");
        assert_eq!(job, Job::WalkIn("C".into()));
        state.apply(Outcome::Refused { seq, code: ErrorCode::QuotaFull, detail: None });
        state.act(Action::Idle);
        assert!(
            matches!(state.screen, Screen::Welcome) && state.lang == Lang::Id,
            "reset for the next applicant"
        );
        // Resting screens stay.
        let (_, _) = state.act(Action::Scan("QR".into())).expect("job");
        state.act(Action::Idle);
        assert!(matches!(state.screen, Screen::Working { .. }), "an answer is still awaited");
    }
}
