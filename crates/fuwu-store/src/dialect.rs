//! The true differences between SQLite and PostgreSQL, in one place.

use crate::{Conn, Result};

/// The database family behind a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    pub fn of_url(url: &str) -> Option<Dialect> {
        if url.starts_with("sqlite:") {
            Some(Dialect::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Some(Dialect::Postgres)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
        }
    }

    /// Rewrites the portable migration tokens for this dialect.
    pub fn render_ddl(self, sql: &str) -> String {
        let pk = match self {
            Dialect::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
            Dialect::Postgres => "BIGSERIAL PRIMARY KEY",
        };
        sql.replace("@PK@", pk)
    }

    /// The clause that lets several workers claim queue rows without waiting on
    /// or taking each other's: PostgreSQL skips rows another transaction has
    /// locked; SQLite has one writer at a time, so the claim is already exclusive.
    pub fn skip_locked(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }

    /// Serialises concurrent migrators (several servers starting on one database).
    pub async fn lock_for_migration(self, conn: &mut Conn) -> Result<()> {
        if self == Dialect::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock(7417001)").execute(conn).await?;
        }
        Ok(())
    }
}

/// Quotes an identifier (schema names in tests).
pub fn ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', ""))
}

/// A consistent copy of a (possibly running) SQLite database, by `VACUUM INTO`.
pub async fn sqlite_backup(db: &crate::Db, file: &std::path::Path) -> Result<()> {
    if db.dialect != Dialect::Sqlite {
        return Err(crate::StoreError::Decode(
            "backup by VACUUM INTO is for SQLite; use pg_dump for PostgreSQL".into(),
        ));
    }
    let target = file.to_string_lossy().replace('\'', "''");
    sqlx::query(sqlx::AssertSqlSafe(format!("VACUUM INTO '{target}'"))).execute(db.reader()).await?;
    Ok(())
}

/// Drops a PostgreSQL schema and everything in it (benchmarks' scratch schemas).
pub async fn drop_schema(db: &crate::Db, schema: &str) -> Result<()> {
    if db.dialect == Dialect::Postgres {
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {} CASCADE", ident(schema))))
            .execute(db.reader())
            .await?;
    }
    Ok(())
}
