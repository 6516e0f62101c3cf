//! fuwu's storage: the only crate with SQL. SQLite and PostgreSQL run the same
//! statements through sqlx's `Any` driver; the few true dialect differences sit
//! in [`dialect`].

pub mod audit;
pub mod auth;
pub mod clock;
pub mod crud;
pub mod dialect;
pub mod events;
pub mod housekeeping;
pub mod lookup;
pub mod mail;
pub mod migrate;
pub mod tables;

pub use clock::Clock;
pub use dialect::Dialect;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use std::str::FromStr;
use std::time::Duration;

/// A connection inside a transaction or from a pool; every store function takes one.
pub type Conn = sqlx::AnyConnection;
/// A write transaction.
pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// Storage errors. Constraint violations are told apart so the app can answer 409.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("a unique value is already taken ({0})")]
    Unique(String),
    #[error("a referenced record does not exist or is still referenced ({0})")]
    ForeignKey(String),
    #[error("stored data could not be read: {0}")]
    Decode(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Sorts constraint violations out of other database errors.
pub fn classify(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e {
        let msg = db.message().to_owned();
        match db.kind() {
            sqlx::error::ErrorKind::UniqueViolation => return StoreError::Unique(msg),
            sqlx::error::ErrorKind::ForeignKeyViolation => return StoreError::ForeignKey(msg),
            _ => {}
        }
    }
    StoreError::Db(e)
}

/// The database: a write pool and a read pool. On SQLite the write pool holds
/// one connection, so writers queue in the application instead of meeting
/// SQLITE_BUSY; readers use their own connections (WAL). On PostgreSQL both are
/// the same pool.
#[derive(Clone, Debug)]
pub struct Db {
    pub dialect: Dialect,
    write: AnyPool,
    read: AnyPool,
}

/// How to reach the database.
#[derive(Clone, Debug, Default)]
pub struct ConnectOptions {
    /// PostgreSQL only: the schema to use (tests use one schema each).
    pub schema: Option<String>,
    /// Connections of the read pool (and of the PostgreSQL pool).
    pub max_connections: Option<u32>,
}

impl Db {
    /// Opens (creating if needed) `fuwu.db` in a data directory.
    pub async fn open_dir(dir: &std::path::Path) -> Result<Db> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Decode(format!("cannot create {}: {e}", dir.display())))?;
        let path = dir.join("fuwu.db");
        Db::connect(&format!("sqlite://{}?mode=rwc", path.display()), ConnectOptions::default()).await
    }

    /// Connects to `sqlite://…` or `postgres://…`.
    pub async fn connect(url: &str, opts: ConnectOptions) -> Result<Db> {
        sqlx::any::install_default_drivers();
        let dialect = Dialect::of_url(url)
            .ok_or_else(|| StoreError::Decode("the database URL must start with sqlite: or postgres:".into()))?;
        let connect = AnyConnectOptions::from_str(url)?;
        match dialect {
            Dialect::Sqlite => {
                let write = sqlite_pool(1, true).connect_with(connect.clone()).await?;
                let read = sqlite_pool(opts.max_connections.unwrap_or(4), false).connect_with(connect).await?;
                let checkpointer = read.clone();
                tokio::spawn(async move {
                    let mut tick = tokio::time::interval(Duration::from_millis(500));
                    while !checkpointer.is_closed() {
                        tick.tick().await;
                        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&checkpointer).await {
                            tracing::debug!(error = %e, "checkpoint");
                        }
                    }
                });
                Ok(Db { dialect, write, read })
            }
            Dialect::Postgres => {
                let schema = opts.schema.clone();
                if let Some(s) = &schema {
                    let pool = AnyPoolOptions::new().max_connections(1).connect_with(connect.clone()).await?;
                    pool.execute(sqlx::AssertSqlSafe(format!("CREATE SCHEMA IF NOT EXISTS {}", dialect::ident(s))))
                        .await?;
                    pool.close().await;
                }
                let pool = AnyPoolOptions::new()
                    .max_connections(opts.max_connections.unwrap_or(10))
                    .acquire_timeout(Duration::from_secs(10))
                    .after_connect(move |conn, _| {
                        let schema = schema.clone();
                        Box::pin(async move {
                            // A commit is acknowledged only once it is on disk, whatever the server's default.
                            conn.execute("SET synchronous_commit TO on").await?;
                            if let Some(s) = schema {
                                conn.execute(sqlx::AssertSqlSafe(format!("SET search_path TO {}", dialect::ident(&s))))
                                    .await?;
                            }
                            Ok(())
                        })
                    })
                    .connect_with(connect)
                    .await?;
                Ok(Db { dialect, write: pool.clone(), read: pool })
            }
        }
    }

    /// Starts a write transaction.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(self.write.begin().await?)
    }

    /// A pool for reads outside a transaction.
    pub fn reader(&self) -> &AnyPool {
        &self.read
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }
}

/// A SQLite pool. The writer never checkpoints (a checkpoint inside a commit
/// stalls every write queued behind it); a background task started in
/// [`Db::connect`] checkpoints passively from a reader instead.
fn sqlite_pool(max: u32, writer: bool) -> AnyPoolOptions {
    AnyPoolOptions::new().max_connections(max).acquire_timeout(Duration::from_secs(30)).after_connect(move |conn, _| {
        Box::pin(async move {
            conn.execute("PRAGMA journal_mode = WAL").await?;
            // FULL: a commit returns only once the WAL is fsynced, so an
            // acknowledged write survives a power cut or an OS crash (NORMAL
            // survives only a process crash). Group commit keeps the cost low.
            conn.execute("PRAGMA synchronous = FULL").await?;
            conn.execute("PRAGMA foreign_keys = ON").await?;
            conn.execute("PRAGMA busy_timeout = 10000").await?;
            // Reads through a memory map and a larger page cache: fewer system calls per query.
            conn.execute("PRAGMA mmap_size = 268435456").await?;
            conn.execute("PRAGMA cache_size = -32768").await?;
            if writer {
                conn.execute("PRAGMA wal_autocheckpoint = 0").await?;
            }
            Ok(())
        })
    })
}

/// RFC 3339 text of a stored time.
pub fn ms_to_rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).map(|t| t.to_string()).unwrap_or_default()
}
pub use sqlx::Error as SqlxError;
