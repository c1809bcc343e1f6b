//! The `antrian-hub` command line (API.md, CLI).

use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use antrian_proto::{NewAppointment, Role};
use anyhow::{Context, bail};
use chrono::{DateTime, FixedOffset};
use clap::{Parser, Subcommand};

use crate::clock::Clock;
use crate::config::{Config, DEFAULT_CONFIG};
use crate::error::Error;
use crate::hub::Hub;
use crate::{appointments, auth, demo, secrets};

#[derive(Debug, Parser)]
#[command(name = "antrian-hub", version, about = "The Antrian hub of one passport office")]
pub struct Cli {
    /// The hub.toml to use (default: the embedded demo office).
    #[arg(long, global = true, env = "ANTRIAN_CONFIG")]
    pub config: Option<PathBuf>,
    /// Folder of the database and keys (overrides hub.data_dir).
    #[arg(long, global = true, env = "ANTRIAN_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print a complete, commented hub.toml for the demo office kanim-jaksel.
    DefaultConfig,
    /// Serve the office.
    Serve(ServeArgs),
    /// Serve the demo office from a temporary data dir with today's appointments, printing
    /// the demo logins and device tokens.
    Demo(DemoArgs),
    /// Staff users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Kiosk and display devices.
    Device {
        #[command(subcommand)]
        command: DeviceCommand,
    },
    /// Create the office's booking-signing key if none exists and print its public key.
    Keygen,
    /// A consistent copy of the database and the key files in one file, taken while the hub
    /// serves (SQLite's online backup); restore it with `restore`.
    Backup {
        #[arg(long)]
        out: PathBuf,
    },
    /// Puts a backup in place of the data dir. The hub must be stopped; the current data is
    /// moved aside, not deleted. Displays and kiosks reconnect by themselves.
    Restore {
        #[arg(long)]
        from: PathBuf,
    },
    /// The report of one day, or with `--skm PERIOD` the satisfaction survey's report of a
    /// period (IKM and grade, the nine elements, the least sample, profile, complaints), to
    /// standard output or `--out FILE`.
    Report {
        #[arg(long)]
        office: Option<String>,
        /// YYYY-MM-DD (default: today).
        #[arg(long, conflicts_with = "skm")]
        date: Option<chrono::NaiveDate>,
        /// The survey (SKM) of a month (2026-12), a semester (2026-S2) or a year (2026).
        #[arg(long)]
        skm: Option<String>,
        #[arg(long, value_enum, default_value = "json")]
        format: crate::report::Format,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Import appointments from a CSV file (header: office,service,date,slot,name,nik[,booking_code];
    /// separated by commas, semicolons or tabs; UTF-8), all or nothing.
    Import { file: PathBuf },
}

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub serve: ServeArgs,
    /// No simulated arrivals and clerks: the office stays still until you act.
    #[arg(long)]
    pub no_simulation: bool,
    /// Where the demo writes its full log, its windows' included (the terminal shows only
    /// warnings and errors) [default: antrian-demo.log in the system's temporary folder].
    #[arg(long)]
    pub log: Option<PathBuf>,
}

impl DemoArgs {
    /// The file of the demo's full log.
    pub fn log_path(&self) -> PathBuf {
        self.log.clone().unwrap_or_else(|| std::env::temp_dir().join("antrian-demo.log"))
    }
}

/// Sets up logging for `cli`'s command: lines of `RUST_LOG`'s level (default `info`) on
/// standard error — except for `demo`, which keeps its terminal for the addresses and logins
/// it prints: there only warnings and errors show, and everything goes to the demo's log
/// file (`--log`), emptied at each start.
///
/// Errors: the demo's log file cannot be created.
pub fn init_logging(cli: &Cli) -> anyhow::Result<()> {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::{EnvFilter, Layer, filter::LevelFilter, fmt};

    let wanted = || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let Command::Demo(demo) = &cli.command else {
        fmt().with_env_filter(wanted()).with_writer(std::io::stderr).with_ansi(terminal).init();
        return Ok(());
    };
    let path = demo.log_path();
    // Emptied, then written in append mode: the windows the demo starts append to it too,
    // and a writer at its own offset would write over their lines.
    let file = std::fs::File::create(&path)
        .and_then(|_| std::fs::OpenOptions::new().append(true).open(&path))
        .with_context(|| format!("cannot create the log {}", path.display()))?;
    tracing_subscriber::registry()
        .with(fmt::layer().with_writer(std::io::stderr).with_ansi(terminal).with_filter(LevelFilter::WARN))
        .with(fmt::layer().with_writer(std::sync::Mutex::new(file)).with_ansi(false).with_filter(wanted()))
        .init();
    Ok(())
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on, e.g. 0.0.0.0:8080 or 127.0.0.1:0 (any free port).
    #[arg(long)]
    pub listen: Option<String>,
    /// Start the hub's clock at this instant (RFC 3339) and let it run on.
    #[arg(long)]
    pub clock: Option<DateTime<FixedOffset>>,
    /// Let the hub's clock run this many times as fast as real time (the day simulator,
    /// training); timers and waiting times follow it.
    #[arg(long, default_value_t = 1.0)]
    pub clock_speed: f64,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user; the password is read from standard input.
    Add {
        name: String,
        #[arg(long)]
        role: Role,
    },
}

#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Add a device and print its token (shown only once).
    Add {
        name: String,
        #[arg(long)]
        role: Role,
    },
    /// Revoke a device's token.
    Revoke { name: String },
}

/// An operation's error as the command line says it: a refusal by its message alone.
fn explain(error: Error) -> anyhow::Error {
    match error {
        Error::Refused(refusal) => anyhow::anyhow!("{}", refusal.message),
        other => anyhow::anyhow!(other),
    }
}

fn load_config(cli: &Cli) -> anyhow::Result<Config> {
    match &cli.config {
        Some(path) => Config::load(path),
        None => Ok(Config::demo()),
    }
}

fn data_dir(cli: &Cli, config: &Config) -> PathBuf {
    cli.data_dir.clone().unwrap_or_else(|| config.hub.data_dir.clone())
}

fn open_hub(
    config: Config,
    dir: &Path,
    clock: Option<DateTime<FixedOffset>>,
    speed: f64,
) -> anyhow::Result<Arc<Hub>> {
    let tz = config.office.tz;
    let clock = match clock {
        Some(start) => Clock::starting_at(tz, start),
        None => Clock::system(tz),
    };
    let clock = if speed == 1.0 { clock } else { clock.with_speed(speed) };
    Hub::open(config, dir, clock)
}

/// Runs a command. Everything but serving is plain blocking work (database, files, stdin),
/// done with `block_in_place` so no async worker thread is ever blocked by it.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match &cli.command {
        Command::Serve(args) => {
            let config = load_config(&cli)?;
            if cli.config.is_none() {
                tracing::warn!(
                    "no --config given: serving the embedded demo office (antrian-hub default-config > hub.toml)"
                );
            }
            let dir = data_dir(&cli, &config);
            let listen = args.listen.clone().unwrap_or_else(|| config.hub.listen.clone());
            let (clock, speed) = (args.clock, args.clock_speed);
            if !(speed > 0.0 && speed <= 10_000.0) {
                anyhow::bail!("--clock-speed {speed}: expected a number above 0 and at most 10000");
            }
            let hub = tokio::task::block_in_place(|| open_hub(config, &dir, clock, speed))?;
            // One serving hub per data dir (a restore waits for it to stop); taken once the
            // data dir is known to be this office's, so a refused one is left as it was.
            let _serving = crate::backup::ServingLock::take(&dir)?;
            serve_until_signal(hub, &listen).await
        }
        Command::Demo(args) => {
            let (hub, temp, listen, seeded) =
                tokio::task::block_in_place(|| prepare_demo(&cli, &args.serve, &args.log_path()))?;
            let data = cli.data_dir.clone().unwrap_or_else(|| temp.path().to_owned());
            let log = args.log_path();
            let windows: Vec<_> = [("antrian-kiosk", "kiosk.toml"), ("antrian-display", "display.toml")]
                .into_iter()
                .filter_map(|(program, config)| start_demo_window(program, &data.join(config), &log))
                .collect();
            if !args.no_simulation && !listen.ends_with(":0") {
                start_simulation(&hub, &listen, seeded);
            }
            let result = serve_until_signal(hub, &listen).await;
            for mut window in windows {
                let _ = window.kill();
                let _ = window.wait();
            }
            drop(temp);
            result
        }
        _ => tokio::task::block_in_place(|| run_blocking(&cli)),
    }
}

/// Opens a device window (`antrian-kiosk`, `antrian-display`) next to the demo when it was
/// built beside this binary and a graphical session is there; otherwise the demo prints how
/// to start it. The window's log goes to the demo's `log` file.
fn start_demo_window(program: &str, config: &Path, log: &Path) -> Option<std::process::Child> {
    let graphical = std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some();
    let binary =
        std::env::current_exe().ok()?.with_file_name(format!("{program}{}", std::env::consts::EXE_SUFFIX));
    if !graphical || !config.exists() || !binary.exists() {
        return None;
    }
    let stderr = match std::fs::OpenOptions::new().append(true).open(log) {
        Ok(file) => std::process::Stdio::from(file),
        Err(_) => std::process::Stdio::inherit(),
    };
    match std::process::Command::new(&binary).arg("--config").arg(config).stderr(stderr).spawn() {
        Ok(child) => {
            println!("  {program} window started");
            Some(child)
        }
        Err(error) => {
            tracing::warn!(%error, program, "cannot start the window");
            None
        }
    }
}

/// Simulated arrivals and clerks for the demo (counter 1 is left to the person trying it).
fn start_simulation(hub: &Hub, listen: &str, seeded: demo::Seeded) {
    let Some(kiosk) = seeded.devices.iter().find(|(_, role, _)| *role == Role::Kiosk) else { return };
    let sample = seeded.sample_booking.as_ref().map(|b| b.booking_code.clone());
    let bookings = seeded.bookings.into_iter().filter(|b| Some(&b.booking_code) != sample.as_ref()).collect();
    let walk_ins =
        hub.config.services.iter().filter(|s| s.walk_in_quota.is_some()).map(|s| s.id.clone()).collect();
    let counters: Vec<String> = hub.config.counters.iter().skip(1).map(|c| c.id.clone()).collect();
    println!(
        "  simulated office: applicants arrive at the kiosk, clerks work counters {}; counter {} is yours",
        counters.join(", "),
        hub.config.counters.first().map_or("-", |c| c.id.as_str())
    );
    tokio::spawn(demo::simulate(format!("http://{listen}"), kiosk.2.clone(), bookings, walk_ins, counters));
}

/// Opens and seeds the demo office and prints how to use it.
fn prepare_demo(
    cli: &Cli,
    args: &ServeArgs,
    log: &Path,
) -> anyhow::Result<(Arc<Hub>, tempfile::TempDir, String, demo::Seeded)> {
    let config = load_config(cli)?;
    let temp = tempfile::Builder::new().prefix("antrian-demo-").tempdir()?;
    let dir = cli.data_dir.clone().unwrap_or_else(|| temp.path().to_owned());
    let listen = args.listen.clone().unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    let clock = args.clock.or_else(|| demo::office_hours_clock(&config));
    let hub = open_hub(config, &dir, clock, args.clock_speed)?;
    let seeded = demo::seed(&hub, 6).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "Antrian demo: {} — {}", hub.config.office.name, hub.clock.now().format("%Y-%m-%d %H:%M"))?;
    writeln!(out, "  data dir (removed on exit): {}", dir.display())?;
    writeln!(out, "  full log: {} (here: only warnings and errors)", log.display())?;
    writeln!(out, "  {} appointments booked for today", seeded.appointments)?;
    writeln!(out, "  staff console: http://{listen}/staff   booking: http://{listen}/book")?;
    for (user, password, role) in demo::DEMO_USERS {
        writeln!(out, "  login {user:<11} password {password:<16} ({})", role.as_str())?;
    }
    for (name, role, token) in &seeded.devices {
        writeln!(out, "  device {name:<10} ({}) token {token}", role.as_str())?;
    }
    let token_of = |role: Role| seeded.devices.iter().find(|(_, r, _)| *r == role).map(|(_, _, t)| t);
    let office = &hub.config.office.id;
    // (With a port chosen at bind time the address is not known yet: no files then.)
    if let Some(token) = token_of(Role::Display).filter(|_| !listen.ends_with(":0")) {
        let path = dir.join("display.toml");
        let text = format!(
            "hub_url = \"http://{listen}\"\ntoken = \"{token}\"\noffice = \"{office}\"\nvoice = true\nfullscreen = false\nrunning_text = \"Selamat datang. Siapkan KTP dan dokumen asli Anda. Waspada calo!\"\n",
        );
        std::fs::write(&path, text)?;
        writeln!(
            out,
            "  waiting-room display: cargo run --release -p antrian-display -- --config {}",
            path.display()
        )?;
    }
    if let Some(token) = token_of(Role::Kiosk).filter(|_| !listen.ends_with(":0")) {
        let path = dir.join("kiosk.toml");
        let tickets = dir.join("tiket");
        // Tickets go to PDF files in the data dir: a demo machine has no ticket printer.
        let text = format!(
            "hub_url = \"http://{listen}\"\ntoken = \"{token}\"\noffice = \"{office}\"\nprinter = \"file:{}\"\nfullscreen = false\n",
            tickets.display()
        );
        std::fs::write(&path, text)?;
        writeln!(out, "  kiosk: cargo run --release -p antrian-kiosk -- --config {}", path.display())?;
        writeln!(out, "  kiosk tickets (PDF): {}", tickets.display())?;
    }
    if let Some(booking) = &seeded.sample_booking {
        writeln!(
            out,
            "  sample booking {} (NIK ...{}), slot {}: QR text\n    {}",
            booking.booking_code, booking.nik_last4, booking.slot, booking.qr
        )?;
    }
    Ok((hub, temp, listen, seeded))
}

fn run_blocking(cli: &Cli) -> anyhow::Result<()> {
    match &cli.command {
        Command::DefaultConfig => {
            print!("{DEFAULT_CONFIG}");
            Ok(())
        }
        Command::Serve(_) | Command::Demo(_) => unreachable!("served by run"),
        Command::User { command: UserCommand::Add { name, role } } => {
            let config = load_config(cli)?;
            let dir = data_dir(cli, &config);
            let hub = open_hub(config, &dir, None, 1.0)?;
            let mut password = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut password)
                .context("cannot read the password from stdin")?;
            let password = password.trim_end_matches(['\r', '\n']).to_owned();
            auth::check_new_password(&password).map_err(explain)?;
            let hash = auth::hash_password(&password).map_err(explain)?;
            let (name, role, now) = (name.clone(), *role, hub.clock.now_ms());
            hub.store
                .write_blocking(move |tx| auth::add_user(tx, &name, &hash, role, now))
                .map_err(explain)?;
            hub.store.close();
            eprintln!("user added");
            Ok(())
        }
        Command::Device { command } => {
            let config = load_config(cli)?;
            let dir = data_dir(cli, &config);
            let hub = open_hub(config, &dir, None, 1.0)?;
            let now = hub.clock.now_ms();
            match command {
                DeviceCommand::Add { name, role } => {
                    let (name, role) = (name.clone(), *role);
                    let token = hub
                        .store
                        .write_blocking(move |tx| auth::add_device(tx, &name, role, now))
                        .map_err(explain)?;
                    println!("{token}");
                }
                DeviceCommand::Revoke { name } => {
                    let name = name.clone();
                    hub.store
                        .write_blocking(move |tx| auth::revoke_device(tx, &name, now))
                        .map_err(explain)?;
                    eprintln!("device revoked");
                }
            }
            hub.store.close();
            Ok(())
        }
        Command::Keygen => {
            let config = load_config(cli)?;
            let dir = data_dir(cli, &config);
            let (secrets, created) = secrets::Secrets::load_or_create(&dir)?;
            let key = secrets.signer.verifying_key();
            eprintln!(
                "{} booking-signing key {} in {}",
                if created { "created" } else { "existing" },
                secrets.signer.key_id(),
                dir.join(secrets::SIGNING_KEY_FILE).display()
            );
            println!("{}", antrian_proto::qr::encode_public_key(&key));
            Ok(())
        }
        Command::Backup { out } => {
            let config = load_config(cli)?;
            let dir = data_dir(cli, &config);
            let manifest = crate::backup::backup(&dir, &config.office.id, out)?;
            let size = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
            println!(
                "backup of {}: {} tickets, events up to {}, schema {}; written to {} ({:.1} MB). Keep it off this machine.",
                manifest.office,
                manifest.tickets,
                manifest.last_event_id,
                manifest.schema_version,
                out.display(),
                size as f64 / 1e6
            );
            Ok(())
        }
        Command::Restore { from } => {
            let config = load_config(cli)?;
            let dir = data_dir(cli, &config);
            let (manifest, aside) = crate::backup::restore(&dir, &config.office.id, from)?;
            println!(
                "restored the backup of {} taken {} ({} tickets, events up to {}) into {}",
                manifest.office,
                manifest.taken_at,
                manifest.tickets,
                manifest.last_event_id,
                dir.display()
            );
            if let Some(aside) = aside {
                println!("the data that was there is kept in {}", aside.display());
            }
            println!(
                "start the hub again (systemctl start antrian-hub); displays and kiosks reconnect by themselves"
            );
            Ok(())
        }
        Command::Report { office, date, skm, format, out } => {
            let config = load_config(cli)?;
            if let Some(office) = office
                && office != &config.office.id
            {
                bail!("office {office:?} is not served by this configuration ({})", config.office.id);
            }
            let dir = data_dir(cli, &config);
            let period = skm.as_deref().map(crate::skm::Period::parse).transpose().map_err(explain)?;
            let hub = open_hub(config, &dir, None, 1.0)?;
            let date = date.unwrap_or_else(|| hub.clock.today());
            let bytes = match &period {
                Some(period) => {
                    hub.store.read_blocking(|r| crate::skm::export(r, &hub.office, period, *format))
                }
                None => hub.store.read_blocking(|r| crate::report::export(r, &hub.office, date, *format)),
            }
            .map_err(explain)?;
            hub.store.close();
            match out {
                Some(path) => std::fs::write(path, &bytes)
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None => std::io::stdout().write_all(&bytes)?,
            }
            Ok(())
        }
        Command::Import { file } => {
            let config = load_config(cli)?;
            let dir = data_dir(cli, &config);
            let (lines, items): (Vec<u64>, Vec<NewAppointment>) = read_csv(file)?.into_iter().unzip();
            let hub = open_hub(config, &dir, None, 1.0)?;
            let count = items.len();
            let (office, keys) = (hub.office.clone(), hub.secrets.clone());
            let now = hub.clock.now_ms();
            let result = hub
                .store
                .write_blocking(move |tx| appointments::create(tx, &office, &keys, items, "import", now));
            hub.store.close();
            match result {
                Ok(created) => {
                    eprintln!("imported {} appointments", created.len());
                    debug_assert_eq!(created.len(), count);
                    Ok(())
                }
                Err(e) => {
                    let line = e.detail().and_then(|d| d.index).and_then(|i| lines.get(i));
                    let message = match &e {
                        Error::Refused(refusal) => refusal.message.clone(),
                        other => other.to_string(),
                    };
                    match line {
                        Some(line) => {
                            bail!("{}: line {line}: {message}; nothing was imported", file.display())
                        }
                        None => bail!("{}: {message}; nothing was imported", file.display()),
                    }
                }
            }
        }
    }
}

#[derive(Debug, serde::Deserialize)]
struct CsvRow {
    office: String,
    service: String,
    date: String,
    slot: String,
    name: String,
    nik: String,
    #[serde(default)]
    booking_code: Option<String>,
}

/// Reads an appointments CSV (see [`parse_csv_lines`]); a malformed line is named.
pub fn read_csv(path: &Path) -> anyhow::Result<Vec<(u64, NewAppointment)>> {
    let file = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    parse_csv_lines(file, &path.display().to_string())
}

/// [`parse_csv_lines`] without the line numbers.
pub fn parse_csv(input: impl std::io::Read, name: &str) -> anyhow::Result<Vec<NewAppointment>> {
    Ok(parse_csv_lines(input, name)?.into_iter().map(|(_, item)| item).collect())
}

/// The columns of an appointments CSV, in any order; `booking_code` may be left out.
const CSV_COLUMNS: [&str; 6] = ["office", "service", "date", "slot", "name", "nik"];

/// Parses appointments CSV text (header `office,service,date,slot,name,nik[,booking_code]`);
/// `name` names the source in errors.
///
/// Files as spreadsheets save them are read too: the separator is taken from the header line
/// — a comma, a semicolon (Excel where the decimal mark is a comma, as in the Indonesian
/// locale) or a tab — and a UTF-8 byte-order mark is skipped. A file that is not UTF-8, a
/// header without the columns, or a NIK a spreadsheet turned into a number (`3.17401E+15`) is
/// refused with what to do, and so is a column of another name (an issuer's codes would be
/// lost with it). Rows with every field empty (a spreadsheet's trailing `;;;;;`) are
/// skipped. Each appointment comes with the line it was read from (1 is the header).
pub fn parse_csv_lines(
    mut input: impl std::io::Read,
    name: &str,
) -> anyhow::Result<Vec<(u64, NewAppointment)>> {
    let mut bytes = Vec::new();
    input.read_to_end(&mut bytes).with_context(|| format!("cannot read {name}"))?;
    let text = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&bytes);
    if let Err(error) = std::str::from_utf8(text) {
        let line = 1 + text[..error.valid_up_to()].iter().filter(|b| **b == b'\n').count();
        bail!(
            "{name}: line {line} is not UTF-8 text. In Excel, save the file as \"CSV UTF-8 \
             (Comma delimited)\"; in LibreOffice, choose the character set Unicode (UTF-8)"
        );
    }
    let header = text.split(|b| *b == b'\n').next().unwrap_or_default();
    let header = String::from_utf8_lossy(header);
    let has_columns = |separator: char| {
        let columns: Vec<String> =
            header.split(separator).map(|c| c.trim().trim_matches('"').to_ascii_lowercase()).collect();
        CSV_COLUMNS.iter().all(|wanted| columns.iter().any(|c| c == wanted))
    };
    let Some(separator) = [',', ';', '\t'].into_iter().find(|s| has_columns(*s)) else {
        bail!(
            "{name}: line 1 must name the columns office,service,date,slot,name,nik (and \
             optionally booking_code), separated by commas, semicolons or tabs; it is {:?}",
            header.trim()
        );
    };
    let mut reader =
        csv::ReaderBuilder::new().delimiter(separator as u8).trim(csv::Trim::All).from_reader(text);
    // Column names as found (`Office`, `"nik"`) are the fields' names.
    let columns: csv::StringRecord = reader
        .headers()
        .with_context(|| format!("{name}: line 1"))?
        .iter()
        .map(|c| c.trim_matches('"').to_ascii_lowercase())
        .collect();
    if let Some(other) =
        columns.iter().find(|c| !c.is_empty() && !CSV_COLUMNS.contains(c) && *c != "booking_code")
    {
        bail!(
            "{name}: line 1: column {other:?} is not one of office, service, date, slot, name, \
             nik, booking_code; rename it or remove it"
        );
    }
    let mut items = Vec::new();
    for record in reader.records() {
        // (csv's own error names the line.)
        let record = record.with_context(|| name.to_owned())?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        let line = record.position().map_or(0, |p| p.line());
        let row: CsvRow =
            record.deserialize(Some(&columns)).with_context(|| format!("{name}: line {line}"))?;
        let date = chrono::NaiveDate::parse_from_str(&row.date, "%Y-%m-%d").with_context(|| {
            format!("{name}: line {line}: date {:?} is not YYYY-MM-DD (format the column as text)", row.date)
        })?;
        if row.nik.contains(['E', 'e']) && row.nik.contains('+') {
            bail!(
                "{name}: line {line}: NIK {:?} was turned into a number by a spreadsheet and its \
                 last digits are lost; format the NIK column as text and type the 16 digits again",
                row.nik
            );
        }
        items.push((
            line,
            NewAppointment {
                office: row.office,
                service: row.service,
                date,
                slot: row.slot,
                name: row.name,
                nik: row.nik,
                booking_code: row.booking_code.filter(|c| !c.is_empty()),
            },
        ));
    }
    if items.is_empty() {
        bail!("{name}: no appointments in the file");
    }
    Ok(items)
}

async fn serve_until_signal(hub: Arc<Hub>, listen: &str) -> anyhow::Result<()> {
    let address: SocketAddr =
        listen.parse().with_context(|| format!("--listen {listen:?} is not ADDRESS:PORT"))?;
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| format!("cannot listen on {address}"))?;
    let bound = listener.local_addr()?;
    let shutdown = shutdown_signal();
    println!("listening on http://{bound}");
    std::io::stdout().flush()?;
    tracing::info!(office = hub.office_id(), %bound, db = %hub.store.path().display(), "hub serving");
    let served = crate::serve(listener, hub.clone(), shutdown).await;
    hub.store.close();
    tracing::info!("hub stopped");
    served.context("server failed")
}

/// Ctrl-C (SIGINT) or SIGTERM. The handlers are installed when this is called, not when the
/// future is first polled: a signal that comes just after "listening on" is printed still
/// stops the hub cleanly (the demo's folder removed) instead of killing it.
fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let interrupt = signal(SignalKind::interrupt()).ok();
        let terminate = signal(SignalKind::terminate()).ok();
        async move {
            let wait = |s: Option<tokio::signal::unix::Signal>| async move {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = wait(interrupt) => {},
                _ = wait(terminate) => {},
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}
