//! Embedded migrations, applied at start and by `fuwu migrate`.
//!
//! Rules: a released migration is never edited; a change is a new file with
//! the next number. Each migration runs in one transaction.

use crate::{Db, Result};
use sqlx::Row;

/// The migrations, in order: (version, name, portable SQL).
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "foundation", include_str!("../migrations/0001_foundation.sql")),
    (2, "service_flow", include_str!("../migrations/0002_service_flow.sql")),
    (3, "calendars", include_str!("../migrations/0003_calendars.sql")),
    (4, "clocks", include_str!("../migrations/0004_clocks.sql")),
    (5, "sla_checks", include_str!("../migrations/0005_sla_checks.sql")),
    (6, "mail", include_str!("../migrations/0006_mail.sql")),
    (7, "sla_state", include_str!("../migrations/0007_sla_state.sql")),
    (8, "notification_delivery", include_str!("../migrations/0008_notification_delivery.sql")),
    (9, "client_token", include_str!("../migrations/0009_client_token.sql")),
    (10, "client_token_partial", include_str!("../migrations/0010_client_token_partial.sql")),
    (11, "approval_request", include_str!("../migrations/0011_approval_request.sql")),
    (12, "ratings", include_str!("../migrations/0012_ratings.sql")),
    (13, "notification_notice", include_str!("../migrations/0013_notification_notice.sql")),
    (14, "engagements", include_str!("../migrations/0014_engagements.sql")),
    (15, "housekeeping", include_str!("../migrations/0015_housekeeping.sql")),
];

/// Applies the migrations not yet applied; returns how many ran.
pub async fn run(db: &Db) -> Result<usize> {
    let mut tx = db.begin().await?;
    db.dialect.lock_for_migration(&mut tx).await?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .execute(&mut *tx)
    .await?;
    let done: Vec<i64> = sqlx::query("SELECT version FROM schema_migrations")
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.try_get::<i64, _>(0))
        .collect::<Result<_, _>>()?;
    let mut applied = 0;
    for (version, name, sql) in MIGRATIONS {
        if done.contains(version) {
            continue;
        }
        let ddl = db.dialect.render_ddl(sql);
        for stmt in split_statements(&ddl) {
            sqlx::query(sqlx::AssertSqlSafe(stmt)).execute(&mut *tx).await?;
        }
        sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
            .bind(*version)
            .bind(*name)
            .bind(crate::Clock::system().now_ms())
            .execute(&mut *tx)
            .await?;
        applied += 1;
    }
    tx.commit().await?;
    Ok(applied)
}

/// Splits a migration into statements, dropping `--` comment lines.
fn split_statements(sql: &str) -> Vec<String> {
    let body: String = sql.lines().filter(|l| !l.trim_start().starts_with("--")).collect::<Vec<_>>().join("\n");
    body.split(';').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}
