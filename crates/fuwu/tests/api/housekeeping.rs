//! Housekeeping (issue 10): expired sessions, login attempts past the limit's
//! window, mail sent long ago and read notifications long past are removed;
//! everything still in use stays; one run per period between all servers.

use crate::both;
use crate::harness::*;
use fuwu_app::housekeeping::{self, Removed};
use fuwu_store::clock::Clock;
use fuwu_store::crud;
use fuwu_store::tables;
use jiff::{SignedDuration, Timestamp};
use serde_json::json;

const MIN: i64 = 60_000;
const DAY: i64 = 24 * 60 * MIN;

/// Rows of a table meeting a condition.
async fn left(t: &TestApp, table: &str, cond: &str) -> i64 {
    use sqlx::Row;
    let sql = format!("SELECT COUNT(*) FROM {table} WHERE {cond}");
    let mut conn = t.app.db.reader().acquire().await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_one(&mut *conn).await.unwrap().try_get(0).unwrap()
}

both!(housekeeping_removes_only_what_has_outlived_its_use, |t: TestApp| async move {
    // A moment well after the demo's history (a year on), on a clock of the test's own.
    let at: Timestamp = Clock::system().now() + SignedDuration::from_hours(365 * 24);
    let app = t.app.clone().with_clock(Clock::fixed(at));
    let now = at.as_millisecond();
    let user = t.user_id("kefu").await;
    let mut tx = app.db.begin().await.unwrap();
    // Sessions: two expired (one this very moment), one live.
    for (hash, expires) in [("hk-old", now - DAY), ("hk-edge", now), ("hk-live", now + MIN)] {
        fuwu_store::auth::create_session(&mut tx, hash, user, "csrf", now - 2 * DAY, expires).await.unwrap();
    }
    // Login attempts: the limit counts 15 minutes back; older ones no longer count.
    for (ip, age) in [("192.0.2.1", 16 * MIN), ("192.0.2.2", 14 * MIN)] {
        fuwu_store::auth::note_attempt(&mut tx, "hk-login", ip, now - age, false).await.unwrap();
    }
    // Mail: sent 31 and 29 days ago; queued for 100 days (a relay down) stays.
    for (to, sent_days) in [("old@hk.test", Some(31)), ("recent@hk.test", Some(29)), ("queued@hk.test", None)] {
        let m = fuwu_store::mail::NewMail {
            user_id: Some(user),
            event_id: None,
            to_addr: to,
            lang: "zh-CN",
            kind: "test",
            payload: "{}",
            not_before: now - 100 * DAY,
        };
        fuwu_store::mail::enqueue(&mut tx, &m, now - 100 * DAY).await.unwrap();
        if let Some(d) = sent_days {
            sqlx::query("UPDATE mail_jobs SET state = 'sent', sent_at = $1 WHERE to_addr = $2")
                .bind(now - d * DAY)
                .bind(to)
                .execute(&mut *tx)
                .await
                .unwrap();
        }
    }
    // Notifications: read and 91 days old goes; read and 89 days, or unread and old, stay.
    for (title, read, age) in [("hk-read-old", true, 91), ("hk-read-recent", true, 89), ("hk-unread-old", false, 200)] {
        let row = json!({"user_id": user, "kind": "test", "title": title, "read": read, "notice": null});
        crud::insert(&mut tx, &tables::NOTIFICATION, row.as_object().unwrap(), now - age * DAY).await.unwrap();
    }
    tx.commit().await.unwrap();
    let audit_before = t.audit_rows().await;

    let removed = housekeeping::sweep(&app, now).await.unwrap();
    assert!(removed.sessions >= 2 && removed.login_attempts >= 1 && removed.sent_mail >= 1, "{removed:?}");
    assert!(removed.read_notifications >= 1, "{removed:?}");
    assert_eq!(left(&t, "sessions", "token_hash LIKE 'hk-%'").await, 1);
    assert_eq!(left(&t, "sessions", "token_hash = 'hk-live'").await, 1);
    assert_eq!(left(&t, "login_attempts", "login = 'hk-login'").await, 1);
    assert_eq!(left(&t, "login_attempts", "ip = '192.0.2.2'").await, 1);
    assert_eq!(left(&t, "mail_jobs", "to_addr LIKE '%@hk.test'").await, 2);
    assert_eq!(left(&t, "mail_jobs", "to_addr = 'old@hk.test'").await, 0);
    assert_eq!(left(&t, "notifications", "title LIKE 'hk-%'").await, 2);
    assert_eq!(left(&t, "notifications", "title = 'hk-read-old'").await, 0);
    // Nothing old remains anywhere, and the run left one audit row with its counts.
    assert_eq!(left(&t, "sessions", &format!("expires_at <= {now}")).await, 0);
    assert_eq!(left(&t, "notifications", &format!("read = 1 AND created_at < {}", now - 90 * DAY)).await, 0);
    assert_eq!(t.audit_rows().await, audit_before + 1);
    // A second run finds nothing more and writes nothing.
    assert_eq!(housekeeping::sweep(&app, now).await.unwrap(), Removed::default());
    assert_eq!(t.audit_rows().await, audit_before + 1);

    // Retention 0 keeps mail and notifications for ever.
    let keep = fuwu_app::housekeeping::Retention { sent_mail_days: 0, read_notification_days: 0 };
    let mut cfg = app.config.clone();
    cfg.retention = keep;
    let keeper = fuwu_app::App { config: cfg, ..app.clone() };
    let later = now + 400 * DAY;
    let r = housekeeping::sweep(&keeper, later).await.unwrap();
    assert_eq!((r.sent_mail, r.read_notifications), (0, 0));
    assert_eq!(left(&t, "mail_jobs", "to_addr = 'recent@hk.test'").await, 1);
});

both!(housekeeping_runs_once_per_period_between_servers, |t: TestApp| async move {
    let at: Timestamp = Clock::system().now() + SignedDuration::from_hours(365 * 24);
    let clock = Clock::fixed(at);
    let a = t.app.clone().with_clock(clock.clone());
    let b = t.app.clone().with_clock(clock.clone());
    assert!(housekeeping::run_claimed(&a, "server-a").await.unwrap().is_some(), "the first claim runs");
    assert!(housekeeping::run_claimed(&b, "server-b").await.unwrap().is_none(), "another server waits");
    assert!(housekeeping::run_claimed(&a, "server-a").await.unwrap().is_none(), "and so does the first");
    clock.advance(SignedDuration::from_mins(59));
    assert!(housekeeping::run_claimed(&b, "server-b").await.unwrap().is_none());
    clock.advance(SignedDuration::from_mins(1));
    // Both at once after the period: exactly one runs.
    let (x, y) = tokio::join!(housekeeping::run_claimed(&a, "server-a"), housekeeping::run_claimed(&b, "server-b"));
    assert_eq!([x.unwrap().is_some(), y.unwrap().is_some()].iter().filter(|w| **w).count(), 1);
});
