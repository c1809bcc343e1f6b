//! A throwaway PostgreSQL cluster in a temporary folder, for the tests, the rush benchmark and
//! the demo: `initdb` + `pg_ctl` from the installed server (Debian's `postgresql` package),
//! listening on 127.0.0.1 on a free port, trusted local access, removed when dropped.
//!
//! `initdb` refuses to run as root; as root the cluster is made and run as the `postgres`
//! system user (`runuser -u postgres`), in a folder that user owns (CENTRAL.md).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};

/// What to install when the server is missing.
pub const INSTALL: &str = "install PostgreSQL's server: apt-get install postgresql";

/// A running cluster; stopped and deleted on drop.
#[derive(Debug)]
pub struct Cluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    pub port: u16,
    as_postgres: bool,
}

/// The folder of `initdb` and `pg_ctl`: `ANTRIAN_PG_BIN`, else the newest
/// `/usr/lib/postgresql/<version>/bin`, else `pg_config --bindir`, else the PATH.
pub fn server_bin() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("ANTRIAN_PG_BIN") {
        return Some(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin): &(u32, PathBuf)| bin.join("initdb").exists())
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        let bin = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if bin.join("initdb").exists() {
            return Some(bin);
        }
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths).find(|p| p.join("initdb").exists() && p.join("pg_ctl").exists())
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

impl Cluster {
    /// Starts a new cluster. `durable: false` turns fsync off (tests: much faster, and a
    /// machine crash is not what they test); the benchmark keeps it on.
    pub fn start(durable: bool) -> anyhow::Result<Cluster> {
        let bin = server_bin().with_context(|| format!("PostgreSQL's initdb was not found: {INSTALL}"))?;
        let as_postgres = is_root();
        let dir = tempfile::Builder::new().prefix("antrian-pg-").tempdir_in(std::env::temp_dir())?;
        if as_postgres {
            let status = Command::new("chown").args(["-R", "postgres:"]).arg(dir.path()).status()?;
            if !status.success() {
                bail!("cannot give {} to the postgres user (is there one? {INSTALL})", dir.path().display());
            }
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let cluster = Cluster { bin, dir, port, as_postgres };
        let data = cluster.data();
        cluster.run(
            "initdb",
            &["-D", &data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--locale=C"],
        )?;
        let mut options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=128MB",
            cluster.dir.path().display()
        );
        if !durable {
            options.push_str(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        }
        // Extra server options for a look inside (e.g. `-c shared_preload_libraries=pg_stat_statements`).
        if let Ok(extra) = std::env::var("ANTRIAN_PG_OPTIONS") {
            options.push(' ');
            options.push_str(&extra);
        }
        let log = cluster.dir.path().join("server.log").display().to_string();
        if let Err(error) =
            cluster.run("pg_ctl", &["-D", &data, "-l", &log, "-o", &options, "-w", "-t", "60", "start"])
        {
            let tail = std::fs::read_to_string(&log).unwrap_or_default();
            bail!("{error:#}\nserver log:\n{tail}");
        }
        Ok(cluster)
    }

    /// Starts a cluster for a test, or says loudly that it cannot (and, under
    /// `ANTRIAN_REQUIRE_SYSTEM=1`, fails the test).
    pub fn for_test() -> Option<Cluster> {
        if server_bin().is_none() {
            antrian_proto::skip::missing("PostgreSQL's server (initdb, pg_ctl) is not installed", INSTALL);
            return None;
        }
        Some(Cluster::start(false).expect("start a PostgreSQL cluster"))
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    /// The folder the cluster lives in.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn run(&self, program: &str, args: &[&str]) -> anyhow::Result<()> {
        let path = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        let out = command
            .args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("cannot run {}", path.display()))?;
        if !out.status.success() {
            bail!(
                "{program} failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(())
    }

    /// The URL of database `db` (`postgres` always exists).
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// Creates database `db` and returns its URL.
    pub async fn create_database(&self, db: &str) -> anyhow::Result<String> {
        let (client, connection) =
            tokio_postgres::connect(&self.url("postgres"), tokio_postgres::NoTls).await?;
        let task = tokio::spawn(connection);
        client.batch_execute(&format!("CREATE DATABASE \"{db}\"")).await?;
        drop(client);
        let _ = task.await;
        Ok(self.url(db))
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data();
        let _ = self.run("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
    }
}

/// Prints who each new message in the demo's mail folder is for and its subject (the sign-in
/// code is in the subject).
async fn watch_mail(folder: PathBuf) {
    let mut seen = std::collections::HashSet::new();
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let Ok(entries) = std::fs::read_dir(&folder) else { continue };
        for entry in entries.flatten() {
            if !seen.insert(entry.path()) {
                continue;
            }
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            let header = |name: &str| {
                text.lines().find_map(|l| l.strip_prefix(name)).map(str::trim).unwrap_or("").to_owned()
            };
            println!("  mail to {}: {}", header("To: "), header("Subject: "));
        }
    }
}

/// The office whose release the demo puts a waiting room in front of, and its rate a minute.
const DEMO_ROOM_OFFICE: &str = "kanim-surabaya";
const DEMO_ROOM_RATE: u32 = 60;

/// The demo's configuration: `config` (the default one) with the daily release of
/// `DEMO_ROOM_OFFICE` moved to ten minutes after `now` (WIB, to the minute) and a waiting room
/// in front of it, so that its pre-queue is open as the demo starts. Returns the configuration
/// and the release's time of day (`HH:MM`).
pub fn with_demo_room(config: &str, now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<(String, String)> {
    let opens = (now.with_timezone(&chrono_tz::Asia::Jakarta) + chrono::Duration::minutes(10))
        .format("%H:%M")
        .to_string();
    let office = config.find(&format!("id = \"{DEMO_ROOM_OFFICE}\"")).context("the demo office")?;
    let release = office + config[office..].find("release = { kind = \"rolling\"").context("its release")?;
    let end = release + config[release..].find('\n').context("a line")? + 1;
    let line = format!(
        "release = {{ kind = \"rolling\", days_ahead = 30, min_days_ahead = 1, at = \"{opens}\" }}\n\
         waiting_room = {{ prequeue_minutes = 30, open_minutes = 120, rate_per_minute = {DEMO_ROOM_RATE}, max_active = 0, admission_minutes = 10, pow_bits = 14 }}\n"
    );
    Ok((format!("{}{line}{}", &config[..release], &config[end..]), opens))
}

/// `antrian-central demo`: a throwaway cluster, the schema and issuer key, two replicas on
/// free ports, and (when `antrian-hub` is beside this program) the demo hub joined to them.
/// Runs until Ctrl-C; everything is removed then.
pub async fn demo(hub_listen: &str) -> anyhow::Result<()> {
    if server_bin().is_none() {
        anyhow::bail!("the demo needs a PostgreSQL server to start a throwaway one: {INSTALL}");
    }
    let cluster = tokio::task::spawn_blocking(|| Cluster::start(false)).await??;
    let url = cluster.create_database("antrian").await?;
    let work = cluster.dir().join("demo");
    std::fs::create_dir_all(&work)?;
    let config = crate::config::DEFAULT.replace(
        "transport = \"file:mail\"",
        &format!("transport = \"file:{}\"", work.join("mail").display()),
    );
    let (config, room_opens) = with_demo_room(&config, chrono::Utc::now())?;
    let config_path = work.join("central.toml");
    std::fs::write(&config_path, config)?;
    let me = std::env::current_exe()?;
    let central = |args: &[&str]| {
        let mut command = tokio::process::Command::new(&me);
        command.arg("--config").arg(&config_path).arg("--database-url").arg(&url).args(args);
        command
    };
    let out = central(&["keygen"]).output().await?;
    anyhow::ensure!(out.status.success(), "keygen failed: {}", String::from_utf8_lossy(&out.stderr));
    let trusted = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let out = central(&["hub", "add", "kanim-jaksel"]).output().await?;
    anyhow::ensure!(out.status.success(), "hub add failed: {}", String::from_utf8_lossy(&out.stderr));
    let hub_token = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let mut replicas = Vec::new();
    let mut addresses = Vec::new();
    for _ in 0..2 {
        let mut child = central(&["serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        let stdout = child.stdout.take().context("replica output")?;
        let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(stdout));
        let address = loop {
            match lines.next_line().await? {
                Some(line) => {
                    if let Some(address) = line.strip_prefix("listening on ") {
                        break address.to_owned();
                    }
                }
                None => anyhow::bail!("a replica stopped at start; run `antrian-central serve` to see why"),
            }
        };
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        addresses.push(address);
        replicas.push(child);
    }
    println!("Antrian Pusat demo");
    println!("  PostgreSQL:  {url}  (throwaway, in {})", cluster.dir().display());
    for (n, address) in addresses.iter().enumerate() {
        println!("  replica {}:   {address}/  (the applicant's pages; API under /api/v1)", n + 1);
    }
    println!(
        "  mail: {} (each message's subject is printed below as it is sent)",
        work.join("mail").display()
    );
    println!(
        "  pay a bill as the bank would: {} --config {} --database-url {url} pay BILLCODE --url {}",
        me.display(),
        config_path.display(),
        addresses[0]
    );
    tokio::spawn(watch_mail(work.join("mail")));
    println!(
        "  a waiting room: {}/waiting/{DEMO_ROOM_OFFICE} takes places now; its release is at {room_opens} WIB (then {DEMO_ROOM_RATE} a minute are let in)",
        addresses[0]
    );
    let out = central(&["admin", "add", "demo"]).output().await?;
    anyhow::ensure!(out.status.success(), "admin add failed: {}", String::from_utf8_lossy(&out.stderr));
    println!(
        "  its administrator's view: {}/admin/waiting/{DEMO_ROOM_OFFICE}  (token: {})",
        addresses[0],
        String::from_utf8_lossy(&out.stdout).trim()
    );
    println!("  hub token for kanim-jaksel: {hub_token}");
    println!("  issuer key, for each hub's [issuers]: {}", trusted.split("   #").next().unwrap_or(&trusted));
    let hub = me.with_file_name("antrian-hub");
    let mut hub_child = None;
    if hub.exists() {
        // The demo hub: the office's default configuration, following replica 1.
        let out = tokio::process::Command::new(&hub).arg("default-config").output().await?;
        let hub_config = String::from_utf8_lossy(&out.stdout)
            .replace("trusted_keys = []", trusted.split("   #").next().unwrap_or(""))
            + &format!("\n[central]\nurl = \"{}\"\ntoken = \"{hub_token}\"\n", addresses[0]);
        let hub_toml = work.join("hub.toml");
        std::fs::write(&hub_toml, hub_config)?;
        let child = tokio::process::Command::new(&hub)
            .arg("--config")
            .arg(&hub_toml)
            .args(["demo", "--listen", hub_listen])
            .kill_on_drop(true)
            .spawn()?;
        println!(
            "  the demo hub follows replica 1 (its configuration: {}); its own lines follow",
            hub_toml.display()
        );
        hub_child = Some(child);
    } else {
        println!(
            "  (build antrian-hub beside this program to join the demo hub: cargo build --release --workspace)"
        );
    }
    println!("Ctrl-C (or closing the terminal) stops everything and removes the cluster.");
    // Ctrl-C, a closed terminal (SIGHUP) or SIGTERM: everything is stopped and removed.
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (mut hangup, mut terminate) = (signal(SignalKind::hangup())?, signal(SignalKind::terminate())?);
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = hangup.recv() => {}
            _ = terminate.recv() => {}
        }
    }
    if let Some(mut hub) = hub_child {
        // The hub demo stops on SIGTERM as on Ctrl-C, removing its folder.
        if let Some(pid) = hub.id() {
            let _ = tokio::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().await;
        }
        if tokio::time::timeout(std::time::Duration::from_secs(10), hub.wait()).await.is_err() {
            let _ = hub.kill().await;
        }
    }
    drop(replicas);
    drop(cluster);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_room_takes_places_as_the_demo_starts_and_opens_ten_minutes_later() {
        let now: chrono::DateTime<chrono::Utc> = "2026-12-01T03:00:20Z".parse().expect("time"); // 10:00 WIB
        let (text, opens) = with_demo_room(crate::config::DEFAULT, now).expect("demo room");
        assert_eq!(opens, "10:10");
        let config = crate::config::Config::parse(&text).expect("a valid configuration");
        let office = config.office(DEMO_ROOM_OFFICE).expect("office");
        let (room, settings) = crate::waiting::room_of(office, now).expect("its room is open now");
        assert_eq!(
            room.release_at,
            "2026-12-01T03:10:00Z".parse::<chrono::DateTime<chrono::Utc>>().expect("t")
        );
        assert_eq!(settings.rate_per_minute, DEMO_ROOM_RATE);
        // The other offices are as they were.
        assert!(config.office("kanim-jaksel").expect("jaksel").waiting_room.is_none());
        assert_eq!(text.lines().filter(|l| l.starts_with("waiting_room = {")).count(), 1);
        // Near midnight the release is the next day's, still ten minutes on.
        let late: chrono::DateTime<chrono::Utc> = "2026-12-01T16:55:00Z".parse().expect("time"); // 23:55 WIB
        let (text, opens) = with_demo_room(crate::config::DEFAULT, late).expect("demo room");
        assert_eq!(opens, "00:05");
        let config = crate::config::Config::parse(&text).expect("valid");
        let (room, _) =
            crate::waiting::room_of(config.office(DEMO_ROOM_OFFICE).expect("office"), late).expect("open");
        assert_eq!(
            room.release_at,
            "2026-12-01T17:05:00Z".parse::<chrono::DateTime<chrono::Utc>>().expect("t")
        );
    }
}
