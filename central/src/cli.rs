//! The `antrian-central` command (CENTRAL.md, Contract): `default-config`, `migrate`,
//! `keygen`, `hub add OFFICE`, `serve`, and `demo`.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::config::{self, Config};
use crate::{Central, clock, db, secrets};

#[derive(Debug, Parser)]
#[command(name = "antrian-central", version, about = "Antrian Pusat: the national passport booking service")]
pub struct Cli {
    /// The configuration file (`default-config` prints one); without it, the built-in default.
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// PostgreSQL URL, e.g. postgres://antrian@127.0.0.1/antrian.
    #[arg(long, global = true, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Prints a complete, commented central.toml.
    DefaultConfig,
    /// Creates or updates the database's tables.
    Migrate,
    /// Creates the QR issuer key if there is none, and prints the line a hub trusts it by.
    Keygen,
    /// Administrators' tokens (the waiting room's live controls).
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Office hubs' tokens.
    Hub {
        #[command(subcommand)]
        command: HubCommand,
    },
    /// Serves the API.
    Serve {
        /// Address to listen on (`127.0.0.1:0`: any free port, printed).
        #[arg(long)]
        listen: Option<String>,
        /// Start the clock at this instant (RFC 3339) and let it run (demos, tests).
        #[arg(long)]
        clock: Option<String>,
        /// With --clock: how many times faster than real time it runs (tests of what takes
        /// minutes, such as the waiting room's admission rate).
        #[arg(long, default_value_t = 1.0)]
        clock_speed: f64,
        /// Do not migrate: refuse to start unless the schema is current. The replicas of a
        /// deployment start so (the migration runs once per upgrade, `antrian-central migrate`).
        #[arg(long)]
        no_migrate: bool,
    },
    /// Pays a bill as a payment channel would: a signed notification to a replica (demos and
    /// trials; a real channel signs with its own copy of the secret).
    Pay {
        /// The bill's code (kode billing), spaces allowed.
        bill: String,
        /// The replica to notify, e.g. http://127.0.0.1:8090.
        #[arg(long)]
        url: String,
        /// The channel of `[[payments.channels]]` that pays (default: the first).
        #[arg(long)]
        channel: Option<String>,
    },
    /// A throwaway PostgreSQL cluster, two replicas and the demo hub joined to them.
    Demo {
        /// Where the demo hub listens (`127.0.0.1:0`: any free port, printed).
        #[arg(long, default_value = "127.0.0.1:8080")]
        hub_listen: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Prints a new administrator's token for NAME (shown once).
    Add { name: String },
}

#[derive(Debug, Subcommand)]
pub enum HubCommand {
    /// Prints a new token for OFFICE's hub (shown once; put it in the hub's [central] token).
    Add { office: String },
}

fn load(cli: &Cli) -> anyhow::Result<Config> {
    match &cli.config {
        Some(path) => Config::load(path),
        None => Config::parse(config::DEFAULT),
    }
}

fn database_url(cli: &Cli) -> anyhow::Result<&str> {
    cli.database_url.as_deref().context("no database: give --database-url postgres://… or set DATABASE_URL")
}

/// Runs the command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match &cli.command {
        Command::DefaultConfig => {
            print!("{}", config::DEFAULT);
            Ok(())
        }
        Command::Migrate => {
            let config = load(&cli)?;
            let pool = db::pool(database_url(&cli)?, 2)?;
            let applied = db::migrate(&pool).await?;
            db::register_offices(&pool, &config).await?;
            if applied.is_empty() {
                println!("the database is up to date");
            }
            for name in applied {
                println!("applied {name}");
            }
            Ok(())
        }
        Command::Keygen => {
            let pool = db::pool(database_url(&cli)?, 2)?;
            db::migrate(&pool).await?;
            let (signer, created) = secrets::keygen(&pool).await?;
            if created {
                eprintln!("created the issuer key {}", signer.key_id());
            } else {
                eprintln!("the issuer key {} was already there; nothing changed", signer.key_id());
            }
            println!(
                "trusted_keys = [\"{}\"]   # [issuers] of each hub's hub.toml",
                antrian_proto::qr::encode_public_key(&signer.verifying_key())
            );
            Ok(())
        }
        Command::Admin { command: AdminCommand::Add { name } } => {
            let pool = db::pool(database_url(&cli)?, 2)?;
            db::migrate(&pool).await?;
            let token = secrets::new_token();
            pool.get()
                .await?
                .execute(
                    "INSERT INTO admin_tokens (token_hash, name, created_at) VALUES ($1, $2, now())",
                    &[&secrets::token_hash(&token), &name],
                )
                .await?;
            println!("{token}");
            eprintln!("the administrator {name}'s token; it is not shown again");
            Ok(())
        }
        Command::Hub { command: HubCommand::Add { office } } => {
            let config = load(&cli)?;
            if config.office(office).is_none() {
                let known: Vec<&str> = config.offices.iter().map(|o| o.id.as_str()).collect();
                anyhow::bail!("no office {office:?} in the configuration (known: {})", known.join(", "));
            }
            let pool = db::pool(database_url(&cli)?, 2)?;
            db::migrate(&pool).await?;
            db::register_offices(&pool, &config).await?;
            let token = secrets::new_token();
            let client = pool.get().await?;
            client
                .execute(
                    "INSERT INTO hub_tokens (token_hash, office_id, created_at) VALUES ($1, $2, now())",
                    &[&secrets::token_hash(&token), &office],
                )
                .await?;
            println!("{token}");
            eprintln!(
                "put this token in the [central] section of {office}'s hub.toml; it is not shown again"
            );
            Ok(())
        }
        Command::Serve { listen, clock, clock_speed, no_migrate } => {
            let config = load(&cli)?;
            let clock = match clock {
                Some(text) => clock::Clock::running(
                    chrono::DateTime::parse_from_rfc3339(text)
                        .with_context(|| {
                            format!("--clock {text:?} is not RFC 3339 (2026-11-25T09:00:00+07:00)")
                        })?
                        .to_utc(),
                    *clock_speed,
                ),
                None => clock::Clock::system(),
            };
            let listen = listen.clone().unwrap_or_else(|| config.central.listen.clone());
            if config.central.public_url.is_empty() && config.mail.transport.starts_with("smtp://") {
                tracing::warn!(
                    "central.public_url is empty: links in e-mails point to http://{listen}, which applicants cannot reach, and the sign-in cookie is not marked Secure; set it to the address applicants use (https://…)"
                );
            }
            let central = Central::start(config, database_url(&cli)?, clock, !*no_migrate).await?;
            serve(central, &listen).await
        }
        Command::Pay { bill, url, channel } => {
            let config = load(&cli)?;
            let channel = match channel {
                Some(id) => config.channel(id).with_context(|| format!("no payment channel {id:?}"))?,
                None => config.payments.channels.first().context("no [[payments.channels]] configured")?,
            };
            let bill: String = bill.chars().filter(char::is_ascii_digit).collect();
            let pool = db::pool(database_url(&cli)?, 1)?;
            let row = pool
                .get()
                .await?
                .query_opt("SELECT amount FROM applications WHERE bill_code = $1", &[&bill])
                .await?
                .with_context(|| format!("no bill {bill}"))?;
            let amount: i64 = row.get(0);
            let body = serde_json::json!({"channel": channel.id, "bill_code": bill, "amount": amount,
                "paid_at": chrono::Utc::now().to_rfc3339(), "reference": format!("{}-{bill}", channel.id)})
            .to_string();
            let answer = reqwest::Client::new()
                .post(format!("{}/api/v1/payments/notify", url.trim_end_matches('/')))
                .header("Content-Type", "application/json")
                .header("X-Antrian-Signature", crate::api::signature(&channel.secret, body.as_bytes()))
                .body(body)
                .send()
                .await
                .with_context(|| format!("cannot reach {url}"))?;
            let status = answer.status();
            let text = answer.text().await.unwrap_or_default();
            anyhow::ensure!(status.is_success(), "the service answered {status}: {text}");
            println!("paid bill {bill} (Rp {amount}): {text}");
            Ok(())
        }
        Command::Demo { hub_listen } => crate::pgtest::demo(hub_listen).await,
    }
}

/// Serves until SIGTERM or Ctrl-C.
pub async fn serve(central: Arc<Central>, listen: &str) -> anyhow::Result<()> {
    let listener =
        tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    println!("listening on http://{}", listener.local_addr()?);
    let _ = central.public_url.set(format!("http://{}", listener.local_addr()?));
    let app = crate::api::router(central);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {}
            }
        })
        .await?;
    Ok(())
}
