//! fuwu's use cases. A request becomes: authorise the caller, load, decide with
//! the core rules, write in one transaction (with its audit row). The JSON API,
//! the pages and the CLI all call these functions, so they cannot disagree.

pub mod auth;
pub mod calendars;
pub mod caller;
pub mod choices;
pub mod error;
pub mod events;
pub mod export;
pub mod housekeeping;
pub mod lookup;
pub mod mail;
pub mod pdf;
pub mod plan;
pub mod records;
pub mod sheet;
pub mod sla;
pub mod users;
pub mod vendor;

pub use caller::Caller;
pub use error::AppError;
use fuwu_store::Db;
pub use fuwu_store::clock::{self, Clock};

/// Settings the use cases need.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// How long a browser session lives without use, in minutes.
    pub session_idle_minutes: i64,
    /// Failed logins per login name within the window before refusing.
    pub login_max_failures: i64,
    /// Failed logins per address within the window before refusing.
    pub login_max_failures_per_ip: i64,
    /// The rate-limit window, in minutes.
    pub login_window_minutes: i64,
    /// Where attachments are stored (outside any web root).
    pub files_dir: std::path::PathBuf,
    /// Largest attachment, in bytes.
    pub attachment_max_bytes: usize,
    /// How long housekeeping keeps sent mail and read notifications.
    pub retention: housekeeping::Retention,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            session_idle_minutes: 8 * 60,
            login_max_failures: 5,
            login_max_failures_per_ip: 30,
            login_window_minutes: 15,
            files_dir: std::path::PathBuf::from("fuwu-data/files"),
            attachment_max_bytes: 20 * 1024 * 1024,
            retention: housekeeping::Retention::default(),
        }
    }
}

/// The application: the database, its settings and the clock it reads "now" from.
#[derive(Debug, Clone)]
pub struct App {
    pub db: Db,
    pub config: AppConfig,
    pub cache: std::sync::Arc<events::Cache>,
    /// The system clock in production; tests and the demo builder set their own.
    pub clock: Clock,
}

impl App {
    pub fn new(db: Db, config: AppConfig) -> App {
        App { db, config, cache: std::sync::Arc::default(), clock: Clock::system() }
    }

    /// The same application reading "now" from `clock`.
    pub fn with_clock(mut self, clock: Clock) -> App {
        self.clock = clock;
        self
    }
}

/// A page of a list.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// 1-based page number.
    pub page: i64,
    pub per_page: i64,
    /// Records matching the filters, over all pages.
    pub total: i64,
}
