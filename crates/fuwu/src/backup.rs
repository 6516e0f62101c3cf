//! One archive for a whole installation, and bringing it back.
//!
//! `fuwu backup FILE` writes a gzip-compressed tar:
//!
//! ```text
//! fuwu-backup.json   {"format": 1, "database": "sqlite" | "postgres", "created_at": …, "files": N}
//! fuwu.db            SQLite: a `VACUUM INTO` copy (one read transaction, so consistent)
//! fuwu.pgdump        PostgreSQL: `pg_dump --format=custom` (one snapshot)
//! files/<name>       every file of `<data-dir>/files`
//! ```
//!
//! The database is copied first, the files after it. A file is written before
//! the transaction that records it commits and is never changed or removed
//! afterwards, so every attachment of the copy finds its file in the folder by
//! the time the folder is read; files of writes after the copy are extra and
//! harmless. Writers go on while a backup runs (SQLite's copy is a reader).
//!
//! `fuwu restore FILE --data-dir DIR` unpacks an archive into a new data folder:
//! a SQLite archive becomes a working installation (migrated, every attachment
//! checked against its file); a PostgreSQL archive gives the files and the dump
//! with the `pg_restore` command to run.

use crate::cli::CliError;
use crate::config::Config;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The archive format this binary writes and reads.
const FORMAT: u64 = 1;
const MANIFEST: &str = "fuwu-backup.json";
const SQLITE_COPY: &str = "fuwu.db";
const PG_DUMP: &str = "fuwu.pgdump";

/// What `backup` wrote.
#[derive(Debug)]
pub struct Written {
    pub files: usize,
    pub bytes: u64,
}

/// Writes the archive of the configured installation to `file` (which must not exist).
pub async fn backup(cfg: &Config, file: &Path) -> Result<Written, CliError> {
    if file.exists() {
        return Err(CliError(format!("{} exists already; choose a new file", file.display())));
    }
    let work = scratch(file)?;
    let result = async {
        let database = match &cfg.database_url {
            Some(url) => {
                pg_dump(url, &work.join(PG_DUMP)).await?;
                "postgres"
            }
            None => {
                let app = crate::cli::open(cfg).await?;
                fuwu_store::dialect::sqlite_backup(&app.db, &work.join(SQLITE_COPY)).await?;
                app.db.close().await;
                "sqlite"
            }
        };
        let files_dir = cfg.data_dir.join("files");
        let file = file.to_owned();
        let work2 = work.clone();
        let now = fuwu_app::Clock::system().now().to_string();
        tokio::task::spawn_blocking(move || write_archive(&file, &work2, database, &files_dir, &now))
            .await
            .map_err(|e| CliError(format!("the archive writer stopped: {e}")))?
    }
    .await;
    let _ = std::fs::remove_dir_all(&work);
    result
}

/// A scratch folder beside the archive (same file system, removed afterwards).
fn scratch(file: &Path) -> Result<PathBuf, CliError> {
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "backup".into());
    let dir = file.with_file_name(format!(".{name}.work-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| CliError(format!("cannot create {}: {e}", dir.display())))?;
    Ok(dir)
}

async fn pg_dump(url: &str, to: &Path) -> Result<(), CliError> {
    let status =
        tokio::process::Command::new("pg_dump").arg("--format=custom").arg("--file").arg(to).arg(url).status().await;
    match status {
        Ok(s) if s.success() => Ok(()),
        _ => Err(CliError(
            "pg_dump failed or is not installed (it must be of the server's major version or newer)".into(),
        )),
    }
}

/// A file name in `files/` as fuwu writes them (random hex, maybe an extension):
/// nothing else is archived or unpacked.
fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && !name.starts_with('.')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_')
}

fn write_archive(file: &Path, work: &Path, database: &str, files_dir: &Path, now: &str) -> Result<Written, CliError> {
    let partial = file.with_file_name(format!(
        "{}.partial",
        file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
    ));
    let out = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&partial)
        .map_err(|e| CliError(format!("cannot create {}: {e}", partial.display())))?;
    let written = (|| -> Result<Written, CliError> {
        let mut names: Vec<String> = match std::fs::read_dir(files_dir) {
            Ok(d) => d
                .filter_map(|e| e.ok())
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| plain_name(n))
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(CliError(format!("cannot read {}: {e}", files_dir.display()))),
        };
        names.sort();
        let gz = flate2::write::GzEncoder::new(std::io::BufWriter::new(&out), flate2::Compression::fast());
        let mut tar = tar::Builder::new(gz);
        let manifest = serde_json::json!({
            "format": FORMAT, "database": database, "created_at": now, "files": names.len(),
            "fuwu": env!("CARGO_PKG_VERSION"),
        });
        append_bytes(&mut tar, MANIFEST, manifest.to_string().as_bytes())?;
        let db_name = if database == "sqlite" { SQLITE_COPY } else { PG_DUMP };
        tar.append_path_with_name(work.join(db_name), db_name)
            .map_err(|e| CliError(format!("cannot archive the database copy: {e}")))?;
        let mut count = 0;
        for n in &names {
            match std::fs::File::open(files_dir.join(n)) {
                Ok(mut f) => {
                    tar.append_file(format!("files/{n}"), &mut f)
                        .map_err(|e| CliError(format!("cannot archive files/{n}: {e}")))?;
                    count += 1;
                }
                // Only a file of a write that did not commit is ever removed.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(CliError(format!("cannot read files/{n}: {e}"))),
            }
        }
        let gz = tar.into_inner().map_err(|e| CliError(format!("cannot finish the archive: {e}")))?;
        let buf = gz.finish().map_err(|e| CliError(format!("cannot finish the archive: {e}")))?;
        buf.into_inner().map_err(|e| CliError(format!("cannot write the archive: {e}")))?;
        out.sync_all().map_err(|e| CliError(format!("cannot write the archive: {e}")))?;
        Ok(Written { files: count, bytes: out.metadata().map(|m| m.len()).unwrap_or_default() })
    })();
    match written {
        Ok(w) => {
            std::fs::rename(&partial, file).map_err(|e| CliError(format!("cannot name {}: {e}", file.display())))?;
            Ok(w)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

fn append_bytes<W: Write>(tar: &mut tar::Builder<W>, name: &str, bytes: &[u8]) -> Result<(), CliError> {
    let mut h = tar::Header::new_gnu();
    h.set_size(bytes.len() as u64);
    h.set_mode(0o600);
    h.set_cksum();
    tar.append_data(&mut h, name, bytes).map_err(|e| CliError(format!("cannot archive {name}: {e}")))
}

/// What `restore` found.
#[derive(Debug)]
pub struct Restored {
    pub database: String,
    pub files: usize,
    /// SQLite: events and attachments in the restored database, and attachments without their file.
    pub events: i64,
    pub attachments: i64,
    pub missing: i64,
}

/// Unpacks an archive into `dir`, which must not hold an installation yet.
pub async fn restore(file: &Path, dir: &Path) -> Result<Restored, CliError> {
    for taken in [SQLITE_COPY, "fuwu.db-wal", PG_DUMP] {
        if dir.join(taken).exists() {
            return Err(CliError(format!(
                "{} holds an installation already; restore into a new folder",
                dir.display()
            )));
        }
    }
    let files_dir = dir.join("files");
    if std::fs::read_dir(&files_dir).is_ok_and(|mut d| d.next().is_some()) {
        return Err(CliError(format!("{} is not empty; restore into a new folder", files_dir.display())));
    }
    std::fs::create_dir_all(&files_dir).map_err(|e| CliError(format!("cannot create {}: {e}", files_dir.display())))?;
    let (file2, dir2) = (file.to_owned(), dir.to_owned());
    let unpacked = tokio::task::spawn_blocking(move || unpack(&file2, &dir2))
        .await
        .map_err(|e| CliError(format!("the archive reader stopped: {e}")))?;
    let (database, files) = match unpacked {
        Ok(x) => x,
        Err(e) => {
            // Nothing half-restored is left to be taken for an installation.
            for f in [SQLITE_COPY, PG_DUMP] {
                let _ = std::fs::remove_file(dir.join(f));
            }
            let _ = std::fs::remove_dir_all(&files_dir);
            return Err(e);
        }
    };
    let mut r = Restored { database, files, events: 0, attachments: 0, missing: 0 };
    if r.database == "sqlite" {
        let db = fuwu_store::Db::open_dir(dir).await?;
        fuwu_store::migrate::run(&db).await?;
        let mut conn = db.reader().acquire().await?;
        let (events, stored) = fuwu_store::events::backup_census(&mut conn).await?;
        drop(conn);
        db.close().await;
        r.events = events;
        r.attachments = stored.len() as i64;
        r.missing = stored.iter().filter(|n| !plain_name(n) || !files_dir.join(n).is_file()).count() as i64;
    }
    Ok(r)
}

fn unpack(file: &Path, dir: &Path) -> Result<(String, usize), CliError> {
    let f = std::fs::File::open(file).map_err(|e| CliError(format!("cannot open {}: {e}", file.display())))?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(std::io::BufReader::new(f)));
    let bad = |why: String| CliError(format!("{} is not a fuwu backup: {why}", file.display()));
    let mut database: Option<String> = None;
    let mut has_db = false;
    let mut files = 0;
    for entry in archive.entries().map_err(|e| bad(e.to_string()))? {
        let mut entry = entry.map_err(|e| bad(e.to_string()))?;
        if !entry.header().entry_type().is_file() {
            return Err(bad("it holds something other than files".into()));
        }
        let path = entry.path().map_err(|e| bad(e.to_string()))?.to_string_lossy().into_owned();
        if database.is_none() {
            if path != MANIFEST {
                return Err(bad(format!("it starts with {path}, not {MANIFEST}")));
            }
            let mut text = String::new();
            entry.by_ref().take(64 * 1024).read_to_string(&mut text).map_err(|e| bad(e.to_string()))?;
            let m: serde_json::Value = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
            if m["format"].as_u64() != Some(FORMAT) {
                return Err(bad(format!("format {} (this fuwu reads format {FORMAT})", m["format"])));
            }
            database = Some(match m["database"].as_str() {
                Some(d @ ("sqlite" | "postgres")) => d.to_owned(),
                _ => return Err(bad("no database kind".into())),
            });
            continue;
        }
        let target = match path.as_str() {
            SQLITE_COPY | PG_DUMP if !has_db => {
                has_db = true;
                dir.join(&path)
            }
            p => match p.strip_prefix("files/") {
                Some(n) if plain_name(n) => {
                    files += 1;
                    dir.join("files").join(n)
                }
                _ => return Err(bad(format!("unexpected entry {p}"))),
            },
        };
        let mut out = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&target)
            .map_err(|e| CliError(format!("cannot create {}: {e}", target.display())))?;
        std::io::copy(&mut entry, &mut out).map_err(|e| CliError(format!("cannot write {}: {e}", target.display())))?;
        out.sync_all().map_err(|e| CliError(format!("cannot write {}: {e}", target.display())))?;
    }
    let database = database.ok_or_else(|| bad("it is empty".into()))?;
    if !has_db {
        return Err(bad("it holds no database copy".into()));
    }
    Ok((database, files))
}
