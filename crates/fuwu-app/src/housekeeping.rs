//! Housekeeping: what has outlived its use is removed — expired sessions,
//! login attempts older than the limit's window, mail sent long ago, read
//! notifications long past. `fuwu serve` runs [`run_claimed`] every few
//! minutes; the lease makes it one run per period whichever servers share the
//! database. [`sweep`] is the deletion itself, at a given moment.

use crate::App;
use crate::error::AppError;
use fuwu_store::housekeeping as hk;
use serde::Serialize;

/// How long what housekeeping removes is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Sent mail is kept this many days (0: for ever).
    pub sent_mail_days: i64,
    /// Read notifications are kept this many days after they were made (0: for ever).
    pub read_notification_days: i64,
}

impl Default for Retention {
    fn default() -> Self {
        Retention { sent_mail_days: 30, read_notification_days: 90 }
    }
}

/// How often housekeeping runs (between all servers).
pub const PERIOD: std::time::Duration = std::time::Duration::from_secs(3600);

/// What one run removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Removed {
    pub sessions: u64,
    pub login_attempts: u64,
    pub sent_mail: u64,
    pub read_notifications: u64,
}

impl Removed {
    pub fn total(&self) -> u64 {
        self.sessions + self.login_attempts + self.sent_mail + self.read_notifications
    }
}

const DAY_MS: i64 = 24 * 3600 * 1000;

/// Deletes, as of `now` (ms), whatever has outlived its use. Each batch is its
/// own short transaction (a large backlog never holds the write lock for long;
/// a run cut short leaves nothing half-done and the next run goes on); a run
/// that removed anything writes one audit row with the counts.
pub async fn sweep(app: &App, now: i64) -> Result<Removed, AppError> {
    let r = &app.config.retention;
    let attempts_before = now - app.config.login_window_minutes.max(1) * 60_000;
    let mut out = Removed {
        sessions: batches(app, Gone::Sessions, now).await?,
        login_attempts: batches(app, Gone::LoginAttempts, attempts_before).await?,
        ..Removed::default()
    };
    if r.sent_mail_days > 0 {
        out.sent_mail = batches(app, Gone::SentMail, now - r.sent_mail_days * DAY_MS).await?;
    }
    if r.read_notification_days > 0 {
        out.read_notifications = batches(app, Gone::ReadNotifications, now - r.read_notification_days * DAY_MS).await?;
    }
    if out.total() > 0 {
        let mut tx = app.db.begin().await?;
        let counts = serde_json::to_value(out).ok();
        fuwu_store::audit::record(&mut tx, now, None, "housekeeping", 0, "remove", None, counts.as_ref()).await?;
        tx.commit().await?;
    }
    Ok(out)
}

#[derive(Debug, Clone, Copy)]
enum Gone {
    Sessions,
    LoginAttempts,
    SentMail,
    ReadNotifications,
}

/// Runs one bounded delete in its own transaction until a batch comes back short.
async fn batches(app: &App, what: Gone, cutoff: i64) -> Result<u64, AppError> {
    let mut total = 0;
    loop {
        let mut tx = app.db.begin().await?;
        let n = match what {
            Gone::Sessions => hk::delete_expired_sessions(&mut tx, cutoff).await?,
            Gone::LoginAttempts => hk::delete_login_attempts(&mut tx, cutoff).await?,
            Gone::SentMail => hk::delete_sent_mail(&mut tx, cutoff).await?,
            Gone::ReadNotifications => hk::delete_read_notifications(&mut tx, cutoff).await?,
        };
        tx.commit().await?;
        total += n;
        if n < hk::BATCH as u64 {
            return Ok(total);
        }
    }
}

/// Runs [`sweep`] if no server has run it within the [`PERIOD`]: `None` when
/// another holds the lease.
pub async fn run_claimed(app: &App, holder: &str) -> Result<Option<Removed>, AppError> {
    let now = app.clock.now_ms();
    let mut tx = app.db.begin().await?;
    let won = hk::claim_lease(&mut tx, "housekeeping", holder, now, now + PERIOD.as_millis() as i64).await?;
    tx.commit().await?;
    if !won {
        return Ok(None);
    }
    sweep(app, now).await.map(Some)
}
