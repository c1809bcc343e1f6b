//! Everything the kiosk does away from the UI thread: watching the hub, checking in (with
//! retries that carry the same `request_id`, so a lost answer never costs a second number),
//! rendering and printing the ticket. The UI sends [`Job`]s and reads [`Outcome`]s; the
//! worker wakes the UI after each.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use antrian_proto::{CheckinRequest, Client, ClientError, ErrorCode, Office, RefusalDetail, Ticket};
use rand::Rng;
use tokio::sync::mpsc as async_mpsc;

use crate::config::{KioskConfig, PrinterTarget};
use crate::printer;
use crate::ticket::{self, TicketPrint};

/// What the applicant asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    /// A scanned booking QR.
    Scan(String),
    /// Booking code and the last 4 NIK digits typed on the keypad.
    Code { code: String, nik_last4: String },
    /// A walk-in ticket for this service.
    WalkIn(String),
}

/// What the worker reports; `seq` ties an answer to the job that asked.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// The hub answers (with this office), or does not (why).
    Hub(Result<Office, String>),
    Ticket {
        seq: u64,
        ticket: Ticket,
        reprint: bool,
    },
    /// The hub said no: its error code and detail.
    Refused {
        seq: u64,
        code: ErrorCode,
        detail: Option<RefusalDetail>,
    },
    /// The hub could not be reached, however often it was tried.
    Unreachable {
        seq: u64,
        reason: String,
    },
    /// The ticket of job `seq` went to the printer (Ok: what the printer said) or did not.
    Printed {
        seq: u64,
        result: Result<String, String>,
    },
}

/// The UI's end of the worker.
#[derive(Debug)]
pub struct WorkerHandle {
    jobs: async_mpsc::UnboundedSender<(u64, Job)>,
    outcomes: mpsc::Receiver<Outcome>,
}

impl WorkerHandle {
    /// Starts the worker thread; `wake` asks the UI to repaint.
    pub fn start(config: KioskConfig, wake: impl Fn() + Send + 'static) -> WorkerHandle {
        let (jobs, job_rx) = async_mpsc::unbounded_channel();
        let (out_tx, outcomes) = mpsc::channel();
        let spawned = std::thread::Builder::new().name("antrian-kiosk-worker".into()).spawn(move || {
            match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(runtime) => runtime.block_on(run(config, job_rx, out_tx, wake)),
                Err(error) => tracing::error!(%error, "cannot start the worker's runtime"),
            }
        });
        if let Err(error) = spawned {
            tracing::error!(%error, "cannot start the worker thread");
        }
        WorkerHandle { jobs, outcomes }
    }

    /// Sends job `seq` (numbered by the kiosk state that asked for it).
    pub fn send(&self, seq: u64, job: Job) {
        if self.jobs.send((seq, job)).is_err() {
            tracing::error!("the kiosk worker has stopped");
        }
    }

    pub fn try_recv(&self) -> Option<Outcome> {
        self.outcomes.try_recv().ok()
    }
}

/// How often the hub is asked whether it is there: while it answers, and while it does not.
const HEALTH_ONLINE: Duration = Duration::from_secs(3);
const HEALTH_OFFLINE: Duration = Duration::from_secs(1);
/// Pauses between the tries of one check-in; the first try is at once.
const RETRY_PAUSES: [Duration; 3] =
    [Duration::from_millis(300), Duration::from_millis(1000), Duration::from_millis(2000)];
/// A job that failed for want of the hub and is asked again within this time reuses its
/// `request_id`: if the hub did commit it, the retry gives the same ticket.
const REUSE_WINDOW: Duration = Duration::from_secs(600);

struct Worker {
    config: KioskConfig,
    client: Client,
    printer: PrinterTarget,
    office: Option<Office>,
    /// The last job that could not reach the hub, with its request id.
    unsettled: Option<(Job, String, Instant)>,
    out: mpsc::Sender<Outcome>,
}

async fn run(
    config: KioskConfig,
    mut jobs: async_mpsc::UnboundedReceiver<(u64, Job)>,
    out: mpsc::Sender<Outcome>,
    wake: impl Fn() + Send + 'static,
) {
    let client =
        Client::new(&config.hub_url).with_token(&config.token).with_timeout(config.request_timeout());
    let printer = config.printer_target();
    let mut worker = Worker { config, client, printer, office: None, unsettled: None, out };
    let mut next_check = tokio::time::Instant::now();
    loop {
        tokio::select! {
            job = jobs.recv() => {
                let Some((seq, job)) = job else { return };
                worker.handle(seq, job, &wake).await;
            }
            () = tokio::time::sleep_until(next_check) => {
                let online = worker.check_hub().await;
                wake();
                next_check = tokio::time::Instant::now() + if online { HEALTH_ONLINE } else { HEALTH_OFFLINE };
            }
        }
    }
}

impl Worker {
    fn report(&self, outcome: Outcome) {
        let _ = self.out.send(outcome);
    }

    /// Asks the hub for its health (and the office, once); reports the answer.
    async fn check_hub(&mut self) -> bool {
        let state = match self.client.health().await {
            Err(error) => Err(error.to_string()),
            Ok(_) => match &self.office {
                Some(office) => Ok(office.clone()),
                None => match self.client.offices().await {
                    Err(error) => Err(error.to_string()),
                    Ok(offices) => match offices.offices.into_iter().find(|o| o.id == self.config.office) {
                        Some(office) => {
                            self.office = Some(office.clone());
                            Ok(office)
                        }
                        None => Err(format!("the hub does not know office {:?}", self.config.office)),
                    },
                },
            },
        };
        if let Err(reason) = &state {
            tracing::warn!(%reason, "hub unavailable");
        }
        let online = state.is_ok();
        self.report(Outcome::Hub(state));
        online
    }

    async fn handle(&mut self, seq: u64, job: Job, wake: &impl Fn()) {
        let request_id = match &self.unsettled {
            Some((pending, id, at)) if *pending == job && at.elapsed() < REUSE_WINDOW => id.clone(),
            _ => new_request_id(),
        };
        let mut tries = 0;
        let answer = loop {
            let answer = self.send(&job, &request_id).await;
            let retry = match &answer {
                Err(ClientError::Unreachable(_) | ClientError::Unexpected(_)) => true,
                Err(ClientError::Api { status, .. }) => *status >= 500,
                Ok(_) => false,
            };
            if !retry || tries == RETRY_PAUSES.len() {
                break answer;
            }
            tracing::warn!(try_number = tries + 1, request_id, "check-in got no answer; trying again");
            tokio::time::sleep(RETRY_PAUSES[tries]).await;
            tries += 1;
        };
        match answer {
            Ok((ticket, reprint)) => {
                self.unsettled = None;
                tracing::info!(number = %ticket.number, reprint, "ticket issued");
                self.report(Outcome::Ticket { seq, ticket: ticket.clone(), reprint });
                wake();
                let result = self.print(ticket, reprint).await;
                self.report(Outcome::Printed { seq, result });
            }
            Err(ClientError::Api { status, code, detail, message }) if status < 500 => {
                self.unsettled = None;
                tracing::info!(%code, %message, "check-in refused");
                self.report(Outcome::Refused { seq, code, detail });
            }
            Err(error) => {
                self.unsettled = Some((job, request_id, Instant::now()));
                self.report(Outcome::Unreachable { seq, reason: error.to_string() });
            }
        }
        wake();
    }

    async fn send(&self, job: &Job, request_id: &str) -> Result<(Ticket, bool), ClientError> {
        let request = match job {
            Job::WalkIn(service) => {
                return self.client.walkin(service, Some(request_id)).await.map(|t| (t, false));
            }
            Job::Scan(qr) => CheckinRequest { qr: Some(qr.clone()), ..Default::default() },
            Job::Code { code, nik_last4 } => CheckinRequest {
                booking_code: Some(code.clone()),
                nik_last4: Some(nik_last4.clone()),
                ..Default::default()
            },
        };
        let request = CheckinRequest { request_id: Some(request_id.to_owned()), ..request };
        self.client.checkin(&request).await.map(|a| (a.ticket, a.reprint))
    }

    async fn print(&self, ticket: Ticket, reprint: bool) -> Result<String, String> {
        if self.printer == PrinterTarget::None {
            return Err("no printer configured".into());
        }
        let header = if self.config.ticket_header.is_empty() {
            self.office.as_ref().map_or_else(|| ticket.office.clone(), |o| o.name.clone())
        } else {
            self.config.ticket_header.clone()
        };
        let footer = self.config.footer.clone();
        let target = self.printer.clone();
        let timeout = self.config.print_timeout();
        let printed = tokio::task::spawn_blocking(move || {
            let printed_at = chrono::Local::now().fixed_offset();
            let pdf = ticket::render(&TicketPrint {
                ticket: &ticket,
                header: &header,
                footer: &footer,
                reprint,
                printed_at,
            });
            let name = format!(
                "{}-{}{}",
                ticket.checked_in_at.format("%Y%m%d"),
                ticket.number,
                if reprint { format!("-ulang-{}", printed_at.format("%H%M%S")) } else { String::new() }
            );
            printer::print(&target, &name, &pdf, timeout)
        })
        .await;
        match printed {
            Ok(Ok(said)) => {
                tracing::info!(%said, "ticket printed");
                Ok(said)
            }
            Ok(Err(error)) => {
                tracing::error!(error = %format!("{error:#}"), "printing failed");
                Err(format!("{error:#}"))
            }
            Err(error) => Err(error.to_string()),
        }
    }
}

/// A request id no other kiosk or job will use.
fn new_request_id() -> String {
    let bits: u128 = rand::thread_rng().r#gen();
    format!("kiosk-{bits:032x}")
}
