//! The commands of the `fuwu` binary.

use crate::config::{Config, Overrides};
use clap::{Args, Parser, Subcommand};
use fuwu_app::{App, users};
use fuwu_core::ids::*;
use fuwu_core::role::{Role, Tier};
use fuwu_store::{ConnectOptions, Db, migrate};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "fuwu",
    version,
    about = "fuwu 服务 — service management for a tiered after-sales support organisation"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// The data folder (SQLite database and files).
    #[arg(long, global = true, env = "FUWU_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// A PostgreSQL URL; when set, used instead of SQLite in the data folder.
    #[arg(long, global = true, env = "FUWU_DATABASE_URL", value_name = "URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// The settings file (default ./fuwu.toml when present).
    #[arg(long, global = true, env = "FUWU_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "FUWU_LISTEN", value_name = "ADDR:PORT")]
        listen: Option<String>,
        /// Fill an empty database with the demo organisation first.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations.
    Migrate,
    /// Fill an empty data folder with a realistic demo organisation.
    Demo,
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Write one archive (tar.gz) to FILE: a consistent copy of the database (SQLite's own copy,
    /// or pg_dump for PostgreSQL) and every attachment file. Safe while the server runs.
    Backup { file: PathBuf },
    /// Unpack a backup archive into a new data folder (give it with --data-dir): SQLite becomes a
    /// working installation; for PostgreSQL the files and the dump are unpacked for pg_restore.
    Restore { file: PathBuf },
    /// The e-mail queue.
    Mail {
        #[command(subcommand)]
        command: MailCommand,
    },
    /// SLA tools.
    Sla {
        #[command(subcommand)]
        command: SlaCommand,
    },
    /// Planned services (inspections, standby, training, optimisation reviews, DR drills).
    Plan {
        #[command(subcommand)]
        command: PlanCommand,
    },
    /// Measure performance on a scratch database; the last line is one JSON object.
    Bench {
        #[command(subcommand)]
        scenario: BenchScenario,
    },
}

#[derive(Debug, Subcommand)]
pub enum SlaCommand {
    /// Print when a clock started at START with DURATION of working time falls due (RFC 3339 with offset).
    Due {
        /// An RFC 3339 time, e.g. 2026-02-13T16:00:00+08:00.
        #[arg(long)]
        start: String,
        /// Working time, like 4h, 90m or 1h30m.
        #[arg(long)]
        duration: String,
        /// 5x8 (Monday–Friday 09:00–18:00 Asia/Shanghai, official holidays and adjusted working days), 7x24,
        /// or a calendar defined in the database.
        #[arg(long, default_value = "5x8")]
        calendar: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Generate every contract's missing engagements of the contract years that begin in YEAR
    /// (idempotent: a second run creates nothing); prints each one created.
    Generate {
        #[arg(long, value_parser = clap::value_parser!(i16).range(2000..=2100))]
        year: i16,
    },
}

#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Messages by state (queued, sent, failed) as one JSON object.
    Status,
    /// Queue every failed message again, to be sent at once (after the relay was fixed).
    Retry,
}

#[derive(Debug, Subcommand)]
pub enum BenchScenario {
    /// The SLA sweeper over N open events with running clocks.
    SlaSweep {
        #[arg(long, default_value_t = 100_000)]
        open_events: usize,
        #[arg(long, default_value_t = 10)]
        sweeps: usize,
        /// Events made due before each sweep.
        #[arg(long, default_value_t = 200)]
        due_per_sweep: usize,
        #[arg(long)]
        database: Option<String>,
    },
    /// Server-side render time of the main pages with the demo data.
    Pages {
        /// Events recorded first, to fill the queues.
        #[arg(long, default_value_t = 2_000)]
        events: usize,
        /// Requests per page.
        #[arg(long, default_value_t = 50)]
        rounds: usize,
        #[arg(long)]
        database: Option<String>,
    },
    /// Events recorded through the HTTP API by a specialist, against the raw insert rate.
    Intake {
        #[arg(long, default_value_t = 20_000)]
        events: usize,
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// A PostgreSQL URL to run on (a scratch schema is made and dropped); default SQLite in a temporary folder.
        #[arg(long)]
        database: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user; prints a generated password unless one is given.
    Add {
        #[arg(long)]
        login: String,
        #[arg(long)]
        name: String,
        /// admin, manager, specialist, engineer, partner_engineer or customer.
        #[arg(long)]
        role: String,
        /// For engineers: L1, L2 or L3.
        #[arg(long)]
        tier: Option<String>,
        #[arg(long)]
        team_id: Option<i64>,
        #[arg(long)]
        branch_id: Option<i64>,
        #[arg(long)]
        partner_id: Option<i64>,
        #[arg(long)]
        contact_id: Option<i64>,
        #[arg(long)]
        email: Option<String>,
        /// The password (read from FUWU_PASSWORD if not given; generated if neither).
        #[arg(long, env = "FUWU_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a user; prints the token alone on the last line.
    Create {
        #[arg(long)]
        user: String,
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

/// A command's failure, printed and turned into exit code 1 (2 for usage).
#[derive(Debug)]
pub struct CliError(pub String);

impl<E: std::fmt::Display> From<E> for CliError {
    fn from(e: E) -> Self {
        CliError(e.to_string())
    }
}

/// Opens the configured database and applies migrations.
pub async fn open(cfg: &Config) -> Result<App, CliError> {
    let db = match &cfg.database_url {
        Some(url) => Db::connect(url, ConnectOptions::default()).await?,
        None => Db::open_dir(&cfg.data_dir).await?,
    };
    migrate::run(&db).await?;
    Ok(App::new(db, cfg.app_config()))
}

pub async fn run(cli: Cli) -> Result<(), CliError> {
    let mut overrides = Overrides {
        config: cli.global.config.clone(),
        data_dir: cli.global.data_dir.clone(),
        database_url: cli.global.database_url.clone(),
        listen: None,
    };
    if let Command::Serve { listen, .. } = &cli.command {
        overrides.listen = listen.clone();
    }
    let cfg = Config::load(&overrides).map_err(CliError)?;
    match cli.command {
        Command::Mail { command } => {
            let app = open(&cfg).await?;
            if matches!(command, MailCommand::Retry) {
                let mut tx = app.db.begin().await?;
                let n = fuwu_store::mail::retry_failed(&mut tx, app.clock.now_ms()).await?;
                tx.commit().await?;
                eprintln!("{n} failed messages queued again");
            }
            let mut conn = app.db.reader().acquire().await?;
            let counts = fuwu_store::mail::counts(&mut conn).await?;
            let mut m = serde_json::Map::new();
            for state in ["queued", "sent", "failed"] {
                m.insert(state.into(), serde_json::json!(0));
            }
            for (state, n) in counts {
                m.insert(state, serde_json::json!(n));
            }
            println!("{}", serde_json::Value::Object(m));
            Ok(())
        }
        Command::Sla { command: SlaCommand::Due { start, duration, calendar } } => {
            let app = open(&cfg).await?;
            let due =
                fuwu_app::calendars::preview(&app, None, &calendar, &start, &duration).await.map_err(|e| match e {
                    fuwu_app::AppError::Invalid(f) => CliError(
                        f.0.iter().map(|x| format!("--{}: {}", x.field, x.message)).collect::<Vec<_>>().join("; "),
                    ),
                    other => CliError(other.to_string()),
                })?;
            println!("{due}");
            Ok(())
        }
        Command::Plan { command: PlanCommand::Generate { year } } => {
            let app = open(&cfg).await?;
            let done = fuwu_app::plan::generate_year(&app, year).await.map_err(|e| CliError(e.to_string()))?;
            let mut total = 0;
            for g in done.iter().filter(|g| !g.created.is_empty()) {
                for c in &g.created {
                    total += 1;
                    println!(
                        "{}\tyear {}\t{} {}/{}\t{}..{}\tsuggested {}",
                        g.contract_number,
                        c.year_index,
                        c.kind.as_str(),
                        c.seq,
                        c.of,
                        c.window_start,
                        c.window_end,
                        c.suggested_date.as_deref().unwrap_or("-")
                    );
                }
            }
            let contracts = done.iter().filter(|g| !g.created.is_empty()).count();
            println!("{total} engagement(s) created for {contracts} contract(s) of {} covering {year}", done.len());
            Ok(())
        }
        Command::Serve { demo, .. } => serve(&cfg, demo).await,
        Command::Migrate => {
            let db = match &cfg.database_url {
                Some(url) => Db::connect(url, ConnectOptions::default()).await?,
                None => Db::open_dir(&cfg.data_dir).await?,
            };
            let n = migrate::run(&db).await?;
            println!("{n} migration(s) applied to {}", cfg.database_display());
            Ok(())
        }
        Command::Demo => {
            let app = open(&cfg).await?;
            let logins = crate::demo::fill(&app).await?;
            println!("demo organisation written to {}", cfg.database_display());
            let h = crate::demo::fill_history(&app, crate::demo::HISTORY_EVENTS).await?;
            println!("six months of history: {} events, {} steps", h.events, h.steps);
            for r in &h.refused {
                eprintln!("warning: a demo step was refused: {r}");
            }
            println!("events by state: {}", serde_json::to_string(&h.by_state).unwrap_or_default());
            let p = crate::demo::fill_plans(&app).await?;
            for r in &p.refused {
                eprintln!("warning: a demo plan step was refused: {r}");
            }
            println!(
                "planned services: {} engagements by state: {}",
                p.engagements,
                serde_json::to_string(&p.by_state).unwrap_or_default()
            );
            print_logins(&logins);
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Add { login, name, role, tier, team_id, branch_id, partner_id, contact_id, email, password },
        } => {
            let app = open(&cfg).await?;
            let role = Role::parse(&role).ok_or_else(|| CliError(format!("unknown role {role}")))?;
            let tier = match tier.as_deref() {
                None => None,
                Some("L1") => Some(Tier::L1),
                Some("L2") => Some(Tier::L2),
                Some("L3") => Some(Tier::L3),
                Some(t) => return Err(CliError(format!("unknown tier {t}; use L1, L2 or L3"))),
            };
            let generated = password.is_none();
            let password = password.unwrap_or_else(|| fuwu_app::auth::new_secret("")[..16].to_owned());
            let mut user = crate::demo::user(&login, &name, role);
            user.email = email;
            user.tier = tier;
            user.team_id = team_id.map(TeamId);
            user.branch_id = branch_id.map(BranchId);
            user.partner_id = partner_id.map(PartnerId);
            user.contact_id = contact_id.map(ContactId);
            let u = users::create_user(&app, None, user, &password).await?;
            println!("user {} created with id {}", u.data.login, u.id);
            if generated {
                println!("password: {password}");
            }
            Ok(())
        }
        Command::Token { command: TokenCommand::Create { user, name } } => {
            let app = open(&cfg).await?;
            let u = fuwu_app::auth::user_by_login(&app, &user)
                .await?
                .ok_or_else(|| CliError(format!("no user with login {user}")))?;
            let t = fuwu_app::auth::create_token(&app, None, u.id, &name).await?;
            println!("token {} created for {} (id {}); it is shown once:", t.info.name, user, t.info.id);
            println!("{}", t.token);
            Ok(())
        }
        Command::Backup { file } => {
            let w = crate::backup::backup(&cfg, &file).await?;
            println!(
                "backup written to {} (the database and {} attachment files, {} bytes)",
                file.display(),
                w.files,
                w.bytes
            );
            Ok(())
        }
        Command::Restore { file } => {
            let Some(dir) = cli.global.data_dir.as_deref() else {
                return Err(CliError("name the new data folder: fuwu restore FILE --data-dir DIR".into()));
            };
            let r = crate::backup::restore(&file, dir).await?;
            if r.database == "sqlite" {
                println!(
                    "restored into {}: {} events, {} attachments, {} files ({} attachments without their file)",
                    dir.display(),
                    r.events,
                    r.attachments,
                    r.files,
                    r.missing
                );
            } else {
                println!(
                    "unpacked into {}: {} files in {}/files and the database dump {}/fuwu.pgdump; \
                     load it into an empty database with: pg_restore --no-owner --dbname \"$FUWU_DATABASE_URL\" {}/fuwu.pgdump",
                    dir.display(),
                    r.files,
                    dir.display(),
                    dir.display(),
                    dir.display()
                );
            }
            Ok(())
        }
        Command::Bench { scenario: BenchScenario::SlaSweep { open_events, sweeps, due_per_sweep, database } } => {
            let r = crate::bench::sla_sweep(open_events, sweeps, due_per_sweep, database.as_deref()).await?;
            println!("{r}");
            Ok(())
        }
        Command::Bench { scenario: BenchScenario::Pages { events, rounds, database } } => {
            eprintln!("bench pages: {events} events, {rounds} requests per page");
            let r = crate::bench::pages(events, rounds.max(1), database.as_deref()).await?;
            println!("{r}");
            Ok(())
        }
        Command::Bench { scenario: BenchScenario::Intake { events, concurrency, database } } => {
            eprintln!(
                "bench intake: {events} events at concurrency {concurrency} on {}",
                database.as_deref().map_or("SQLite".to_owned(), crate::config::redact_url)
            );
            let r = crate::bench::intake(events, concurrency, database.as_deref()).await?;
            println!("{r}");
            Ok(())
        }
    }
}

fn print_logins(logins: &[(String, String, String)]) {
    println!("\nlogins (password for all: {}):", crate::demo::DEMO_PASSWORD);
    for (login, role, who) in logins {
        println!("  {login:<14} {role:<18} {who}");
    }
}

async fn serve(cfg: &Config, demo: bool) -> Result<(), CliError> {
    let app = open(cfg).await?;
    if demo && !users::any_user(&app).await? {
        let logins = crate::demo::fill(&app).await?;
        let h = crate::demo::fill_history(&app, crate::demo::HISTORY_EVENTS).await?;
        println!("demo organisation and six months of history ({} events) written", h.events);
        crate::demo::fill_plans(&app).await?;
        print_logins(&logins);
    } else if !users::any_user(&app).await? {
        let password = fuwu_app::auth::new_secret("")[..16].to_owned();
        let admin = crate::demo::user("admin", "系统管理员", Role::Admin);
        users::create_user(&app, None, admin, &password).await?;
        println!(
            "first administrator created — login: admin  password: {password}  (shown once; change it after logging in)"
        );
    }
    let listener = tokio::net::TcpListener::bind(&cfg.listen)
        .await
        .map_err(|e| CliError(format!("cannot listen on {}: {e}", cfg.listen)))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, database = %cfg.database_display(), "fuwu listening");
    println!("fuwu is running: open http://{addr}/ (API docs at http://{addr}/api/docs/)");
    // The SLA sweeper: warnings and breaches every few seconds (several servers may run it).
    let sweeper = app.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
        loop {
            tick.tick().await;
            match fuwu_app::events::sweep::sweep(&sweeper, sweeper.clock.now()).await {
                Ok(s) if s.warnings + s.breaches > 0 => tracing::info!(?s, "SLA sweep"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "SLA sweep failed"),
            }
        }
    });
    // Housekeeping: expired sessions, old login attempts, old sent mail and read
    // notifications; looked at every few minutes, run once an hour between all servers.
    let keeper = app.clone();
    tokio::spawn(async move {
        let holder = fuwu_app::auth::new_secret("keep-")[..21].to_owned();
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(300));
        loop {
            tick.tick().await;
            match fuwu_app::housekeeping::run_claimed(&keeper, &holder).await {
                Ok(Some(r)) if r.total() > 0 => tracing::info!(?r, "housekeeping"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "housekeeping failed"),
            }
        }
    });
    // The mail worker: sends queued notification mails (several servers may run it).
    match cfg.mail_config() {
        Some(m) => {
            let outbox = fuwu_app::mail::Outbox::new(m).map_err(|e| CliError(e.to_string()))?;
            outbox.spawn(app.clone());
            tracing::info!(smtp = %crate::config::redact_url(cfg.smtp_url.as_deref().unwrap_or_default()), "mail worker running");
        }
        None => tracing::info!("no smtp_url configured: notification mails are queued, not sent"),
    }
    let router = fuwu_web::router(app.clone(), cfg.web_config());
    axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    app.db.close().await;
    Ok(())
}
