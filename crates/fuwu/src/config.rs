//! Configuration: defaults < `fuwu.toml` < `FUWU_*` environment variables <
//! command-line flags. Secrets (database passwords) are never printed.

use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The settings file's shape; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub cookie_secure: Option<bool>,
    pub max_body_bytes: Option<usize>,
    pub attachment_max_bytes: Option<usize>,
    pub session_idle_minutes: Option<i64>,
    pub login_max_failures: Option<i64>,
    pub log: Option<String>,
    /// SMTP relay for e-mail notifications, e.g. `smtp://relay:25` or `smtps://user:pw@relay:465`.
    pub smtp_url: Option<String>,
    /// The sender of notification mails.
    pub mail_from: Option<String>,
    /// How often the mail worker looks for due mail, in milliseconds.
    pub mail_poll_ms: Option<u64>,
    /// The first retry delay of a failed mail, in seconds (doubling after each failure).
    pub mail_retry_seconds: Option<u64>,
    /// The address users reach the web application at (links in mails).
    pub public_url: Option<String>,
    /// Reverse proxies (addresses or networks) whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Option<Vec<String>>,
    /// Housekeeping removes sent mail older than this many days (0: keeps it).
    pub mail_retention_days: Option<i64>,
    /// Housekeeping removes read notifications older than this many days (0: keeps them).
    pub notification_retention_days: Option<i64>,
}

/// Values from flags or environment (clap merges the two; flags win).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub listen: Option<String>,
}

/// The settings in force.
#[derive(Clone)]
pub struct Config {
    pub listen: String,
    pub data_dir: PathBuf,
    /// `None`: SQLite in `data_dir`.
    pub database_url: Option<String>,
    pub cookie_secure: bool,
    pub max_body_bytes: usize,
    /// Largest attachment (log file), in bytes.
    pub attachment_max_bytes: usize,
    pub session_idle_minutes: i64,
    pub login_max_failures: i64,
    pub log: String,
    /// `None`: mails are queued but not sent (no relay configured).
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub mail_poll_ms: u64,
    pub mail_retry_seconds: u64,
    pub public_url: Option<String>,
    pub trusted_proxies: Vec<fuwu_web::extract::TrustedProxy>,
    pub retention: fuwu_app::housekeeping::Retention,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("database", &self.database_display())
            .field("cookie_secure", &self.cookie_secure)
            .field("smtp", &self.smtp_url.as_deref().map(redact_url))
            .finish_non_exhaustive()
    }
}

/// Hides the password of a database URL.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_owned(),
    }
}

impl Config {
    /// Reads the file (the named one, else `./fuwu.toml` if present) and applies overrides.
    pub fn load(o: &Overrides) -> Result<Config, String> {
        let file = match &o.config {
            Some(p) => Some(read(p)?),
            None if Path::new("fuwu.toml").exists() => Some(read(Path::new("fuwu.toml"))?),
            None => None,
        }
        .unwrap_or_default();
        Ok(Config {
            listen: o.listen.clone().or(file.listen).unwrap_or_else(|| "127.0.0.1:8080".to_owned()),
            data_dir: o.data_dir.clone().or(file.data_dir).unwrap_or_else(|| PathBuf::from("fuwu-data")),
            database_url: o.database_url.clone().or(file.database_url).filter(|u| !u.trim().is_empty()),
            cookie_secure: env_bool("FUWU_COOKIE_SECURE").or(file.cookie_secure).unwrap_or(true),
            max_body_bytes: file.max_body_bytes.unwrap_or(1024 * 1024),
            attachment_max_bytes: file.attachment_max_bytes.unwrap_or(20 * 1024 * 1024),
            session_idle_minutes: file.session_idle_minutes.unwrap_or(8 * 60),
            login_max_failures: file.login_max_failures.unwrap_or(5),
            log: std::env::var("FUWU_LOG").ok().or(file.log).unwrap_or_else(|| "info".to_owned()),
            smtp_url: std::env::var("FUWU_SMTP_URL").ok().or(file.smtp_url).filter(|u| !u.trim().is_empty()),
            mail_from: std::env::var("FUWU_MAIL_FROM")
                .ok()
                .or(file.mail_from)
                .unwrap_or_else(|| "fuwu <fuwu@localhost>".to_owned()),
            mail_poll_ms: env_num("FUWU_MAIL_POLL_MS").or(file.mail_poll_ms).unwrap_or(2000),
            mail_retry_seconds: env_num("FUWU_MAIL_RETRY_SECONDS").or(file.mail_retry_seconds).unwrap_or(30),
            public_url: std::env::var("FUWU_PUBLIC_URL").ok().or(file.public_url).filter(|u| !u.trim().is_empty()),
            trusted_proxies: trusted_proxies(file.trusted_proxies)?,
            retention: retention(file.mail_retention_days, file.notification_retention_days)?,
        })
    }

    /// What to show of the database: the folder, or the URL without its password.
    pub fn database_display(&self) -> String {
        match &self.database_url {
            Some(u) => redact_url(u),
            None => format!("SQLite in {}", self.data_dir.display()),
        }
    }

    pub fn app_config(&self) -> fuwu_app::AppConfig {
        fuwu_app::AppConfig {
            session_idle_minutes: self.session_idle_minutes,
            login_max_failures: self.login_max_failures,
            files_dir: self.data_dir.join("files"),
            attachment_max_bytes: self.attachment_max_bytes,
            retention: self.retention,
            ..fuwu_app::AppConfig::default()
        }
    }

    /// The mail worker's settings, when a relay is configured.
    pub fn mail_config(&self) -> Option<fuwu_app::mail::MailConfig> {
        let url = self.smtp_url.as_deref()?;
        let mut m = fuwu_app::mail::MailConfig::new(url, &self.mail_from);
        m.public_url = self.public_url.clone();
        m.poll = std::time::Duration::from_millis(self.mail_poll_ms.max(50));
        m.retry_base = std::time::Duration::from_secs(self.mail_retry_seconds.max(1));
        Some(m)
    }

    pub fn web_config(&self) -> fuwu_web::WebConfig {
        fuwu_web::WebConfig {
            cookie_secure: self.cookie_secure,
            max_body_bytes: self.max_body_bytes,
            trusted_proxies: self.trusted_proxies.clone(),
            public_url: self.public_url.clone(),
        }
    }
}

/// `FUWU_TRUSTED_PROXIES` (comma-separated) or the file's list; none by default.
fn trusted_proxies(file: Option<Vec<String>>) -> Result<Vec<fuwu_web::extract::TrustedProxy>, String> {
    let list: Vec<String> = match std::env::var("FUWU_TRUSTED_PROXIES") {
        Ok(v) => v.split(',').map(str::to_owned).filter(|p| !p.trim().is_empty()).collect(),
        Err(_) => file.unwrap_or_default(),
    };
    list.iter().map(|p| fuwu_web::extract::TrustedProxy::parse(p)).collect()
}

/// `FUWU_MAIL_RETENTION_DAYS`, `FUWU_NOTIFICATION_RETENTION_DAYS` or the file's; 30 and 90 days by default.
fn retention(mail: Option<i64>, notifications: Option<i64>) -> Result<fuwu_app::housekeeping::Retention, String> {
    let d = fuwu_app::housekeeping::Retention::default();
    let pick = |name: &str, file: Option<i64>, default: i64| -> Result<i64, String> {
        let v = match std::env::var(name) {
            Ok(v) => v.trim().parse().map_err(|_| format!("{name} must be a number of days"))?,
            Err(_) => file.unwrap_or(default),
        };
        if v < 0 { Err(format!("{name}: a number of days, 0 or more")) } else { Ok(v) }
    };
    Ok(fuwu_app::housekeeping::Retention {
        sent_mail_days: pick("FUWU_MAIL_RETENTION_DAYS", mail, d.sent_mail_days)?,
        read_notification_days: pick("FUWU_NOTIFICATION_RETENTION_DAYS", notifications, d.read_notification_days)?,
    })
}

fn read(p: &Path) -> Result<FileConfig, String> {
    let text = std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
    toml::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))
}

fn env_num(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

fn env_bool(name: &str) -> Option<bool> {
    std::env::var(name).ok().map(|v| matches!(v.as_str(), "1" | "true" | "yes" | "on"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        assert_eq!(redact_url("postgres://fuwu:s3cret@db:5432/fuwu"), "postgres://fuwu:***@db:5432/fuwu");
        assert_eq!(redact_url("postgres://db/fuwu"), "postgres://db/fuwu");
        let c = Config {
            listen: "x".into(),
            data_dir: "d".into(),
            database_url: Some("postgres://u:pw@h/db".into()),
            cookie_secure: true,
            max_body_bytes: 1,
            attachment_max_bytes: 1,
            session_idle_minutes: 1,
            login_max_failures: 1,
            log: "info".into(),
            smtp_url: Some("smtps://mailer:mailpw@relay:465".into()),
            mail_from: "x <x@y>".into(),
            mail_poll_ms: 1,
            mail_retry_seconds: 1,
            public_url: None,
            trusted_proxies: Vec::new(),
            retention: Default::default(),
        };
        assert!(!format!("{c:?}").contains("pw"));
    }

    #[test]
    fn flags_beat_the_file_which_beats_defaults() {
        let dir = std::env::temp_dir().join(format!("fuwu-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("fuwu.toml");
        std::fs::write(&f, "listen = \"127.0.0.1:9000\"\ndata_dir = \"/srv/fuwu\"\n").unwrap();
        let c = Config::load(&Overrides {
            config: Some(f.clone()),
            listen: Some("127.0.0.1:9100".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(c.listen, "127.0.0.1:9100");
        assert_eq!(c.data_dir, PathBuf::from("/srv/fuwu"));
        std::fs::write(&f, "trusted_proxies = [\"10.0.0.0/8\", \"192.0.2.1\"]\n").unwrap();
        let c = Config::load(&Overrides { config: Some(f.clone()), ..Default::default() }).unwrap();
        assert_eq!(c.trusted_proxies.len(), 2);
        std::fs::write(&f, "trusted_proxies = [\"proxy\"]\n").unwrap();
        assert!(Config::load(&Overrides { config: Some(f.clone()), ..Default::default() }).is_err());
        std::fs::write(&f, "").unwrap();
        let c = Config::load(&Overrides { config: Some(f.clone()), ..Default::default() }).unwrap();
        assert_eq!((c.retention.sent_mail_days, c.retention.read_notification_days), (30, 90));
        std::fs::write(&f, "mail_retention_days = 7\nnotification_retention_days = 0\n").unwrap();
        let c = Config::load(&Overrides { config: Some(f.clone()), ..Default::default() }).unwrap();
        assert_eq!((c.retention.sent_mail_days, c.retention.read_notification_days), (7, 0));
        std::fs::write(&f, "mail_retention_days = -1\n").unwrap();
        assert!(Config::load(&Overrides { config: Some(f.clone()), ..Default::default() }).is_err());
        std::fs::write(&f, "lisen = 1\n").unwrap();
        assert!(Config::load(&Overrides { config: Some(f), ..Default::default() }).unwrap_err().contains("lisen"));
    }
}
