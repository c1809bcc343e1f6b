//! PostgreSQL: the pool, the numbered migrations (`central/migrations/V<n>__<name>.sql`,
//! applied by refinery), and the offices of the configuration registered in the database.

use std::str::FromStr;

use anyhow::Context;
use deadpool_postgres::{Manager, ManagerConfig, RecyclingMethod};
use tokio_postgres::NoTls;

use crate::config::Config;

pub type Pool = deadpool_postgres::Pool;
pub type Client = deadpool_postgres::Object;

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// A pool of `size` connections to `url` (`postgres://user@host:port/db`).
pub fn pool(url: &str, size: usize) -> anyhow::Result<Pool> {
    let config = tokio_postgres::Config::from_str(url).with_context(|| {
        format!("database URL {url:?} is not a PostgreSQL URL (postgres://user@host:port/db)")
    })?;
    let manager =
        Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
    Ok(Pool::builder(manager)
        .max_size(size.max(1))
        .wait_timeout(Some(std::time::Duration::from_secs(10)))
        .create_timeout(Some(std::time::Duration::from_secs(5)))
        .runtime(deadpool_postgres::Runtime::Tokio1)
        .build()?)
}

/// Applies the migrations not yet applied; their names, in order.
pub async fn migrate(pool: &Pool) -> anyhow::Result<Vec<String>> {
    let mut client = pool.get().await.context("cannot connect to the database")?;
    // One migrator at a time (replicas started together): a session lock around the run.
    client.execute("SELECT pg_advisory_lock(7411001)", &[]).await?;
    let report = embedded::migrations::runner().run_async(&mut **client).await;
    client.execute("SELECT pg_advisory_unlock(7411001)", &[]).await?;
    let report = report.context("migration failed")?;
    Ok(report.applied_migrations().iter().map(|m| m.to_string()).collect())
}

/// Checks that every migration this program carries is applied, without applying any: what a
/// replica does at start when the migration is run once per upgrade (`antrian-central migrate`,
/// the `antrian-central-migrate` unit) rather than by every replica at once.
///
/// # Errors
/// The database cannot be reached, or its schema is behind (or ahead of) this program: the
/// message names both versions and what to run.
pub async fn check_schema(pool: &Pool) -> anyhow::Result<()> {
    let mut client = pool.get().await.context("cannot connect to the database")?;
    let runner = embedded::migrations::runner();
    let wanted = runner.get_migrations().iter().map(|m| m.version()).max().unwrap_or(0);
    // A database never migrated has no history table (and reading it would fail).
    let has_history: bool = client
        .query_one("SELECT to_regclass('refinery_schema_history') IS NOT NULL", &[])
        .await
        .context("cannot read the database's schema version")?
        .get(0);
    let applied = if has_history {
        runner
            .get_last_applied_migration_async(&mut **client)
            .await
            .context("cannot read the database's schema version")?
            .map_or(0, |m| m.version())
    } else {
        0
    };
    match applied.cmp(&wanted) {
        std::cmp::Ordering::Equal => Ok(()),
        std::cmp::Ordering::Less => anyhow::bail!(
            "the database's schema is at version {applied}, this program needs version {wanted}: run `antrian-central migrate` once (systemctl start antrian-central-migrate), then start the replicas"
        ),
        std::cmp::Ordering::Greater => anyhow::bail!(
            "the database's schema is at version {applied}, newer than this program's {wanted}: upgrade this replica's package to the version the others run"
        ),
    }
}

/// Registers the configured offices (name, a fixed number for bill codes, a change feed);
/// offices already there keep their number.
pub async fn register_offices(pool: &Pool, config: &Config) -> anyhow::Result<()> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    tx.execute("LOCK TABLE offices IN SHARE ROW EXCLUSIVE MODE", &[]).await?;
    for office in &config.offices {
        tx.execute(
            "INSERT INTO offices (office_id, number, name)
             VALUES ($1, (SELECT COALESCE(max(number), 0) + 1 FROM offices), $2)
             ON CONFLICT (office_id) DO UPDATE SET name = EXCLUDED.name",
            &[&office.id, &office.name],
        )
        .await?;
        tx.execute("INSERT INTO office_feeds (office_id) VALUES ($1) ON CONFLICT DO NOTHING", &[&office.id])
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Office id → its number, and back.
pub async fn office_numbers(pool: &Pool) -> anyhow::Result<Vec<(String, i32)>> {
    let client = pool.get().await?;
    Ok(client
        .query("SELECT office_id, number FROM offices", &[])
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect())
}
