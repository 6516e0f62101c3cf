//! Notifications: the in-app list and e-mail. `notify` writes, in the caller's
//! transaction, one in-app notification per recipient (in the recipient's
//! language) and one queued e-mail per recipient with an address. The
//! `Outbox` worker (run by `fuwu serve`) claims due messages, renders them from
//! the templates in the recipient's language and sends them over SMTP; a failed
//! send is retried with exponential backoff. Claims are leased and taken with
//! `FOR UPDATE SKIP LOCKED` on PostgreSQL, so several servers on one database
//! send each message once.

use crate::App;
use crate::error::AppError;
use askama::Template;
use fuwu_core::i18n::{self, t};
use fuwu_core::role::Language;
use fuwu_store::mail::{Job, NewMail};
use fuwu_store::{Conn, crud, tables};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::time::Duration;

/// What happened, for whom: the catalogue keys and the event it is about.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Notice {
    /// The notification kind (`major_incident`, `sla_breach`, …).
    pub kind: String,
    /// Catalogue key of the heading, e.g. `notice.sla_breach.response`.
    pub label: String,
    /// Catalogue key appended to the heading (a purpose, a tier), if any.
    #[serde(default)]
    pub extra: Option<String>,
    pub event_id: i64,
    pub number: String,
    pub title: String,
    /// E-mail not before this instant (ms): a 5×8 contract's business hours.
    #[serde(default, skip_serializing)]
    pub not_before: Option<i64>,
}

impl Notice {
    pub fn new(kind: &str, label: &str, event_id: i64, number: &str, title: &str) -> Notice {
        Notice {
            kind: kind.to_owned(),
            label: label.to_owned(),
            extra: None,
            event_id,
            number: number.to_owned(),
            title: title.to_owned(),
            not_before: None,
        }
    }

    pub fn with_extra(mut self, key: &str) -> Notice {
        self.extra = Some(key.to_owned());
        self
    }

    /// The heading in a language: `重大事件`, `响应已超时（二线）`.
    pub fn heading(&self, lang: Language) -> String {
        let extra = self.extra.as_deref().map(|k| t(lang, k)).unwrap_or("");
        format!("{}{extra}", t(lang, &self.label))
    }

    /// The one-line title of the in-app notification and the mail's subject.
    pub fn line(&self, lang: Language) -> String {
        match lang {
            Language::ZhCn => format!("{} {}：{}", self.heading(lang), self.number, self.title),
            Language::En => format!("{} {}: {}", self.heading(lang), self.number, self.title),
        }
    }
}

/// Tells `users` of `n`: an in-app notification each and an e-mail to each
/// active user with an address — all in the caller's transaction.
pub async fn notify(conn: &mut Conn, at: jiff::Timestamp, users: &[i64], n: &Notice) -> Result<(), AppError> {
    let now = at.as_millisecond();
    let mut people = fuwu_store::mail::recipients(conn, users).await?;
    people.sort_by_key(|p| users.iter().position(|u| *u == p.0));
    let payload = serde_json::to_string(n).map_err(|e| AppError::Internal(e.to_string()))?;
    for (id, email, language, active) in people {
        let lang = i18n::language(language.as_deref().unwrap_or("zh-CN"));
        let row = json!({"user_id": id, "event_id": n.event_id, "kind": n.kind, "title": n.line(lang), "read": false, "deliver_at": n.not_before, "notice": n});
        if let Value::Object(m) = row {
            crud::insert(conn, &tables::NOTIFICATION, &m, now).await?;
        }
        if let Some(addr) = email.as_deref().map(str::trim).filter(|a| !a.is_empty())
            && active
        {
            let mail = NewMail {
                user_id: Some(id),
                event_id: Some(n.event_id),
                to_addr: addr,
                lang: i18n::code(lang),
                kind: &n.kind,
                payload: &payload,
                not_before: n.not_before.unwrap_or(now),
            };
            fuwu_store::mail::enqueue(conn, &mail, now).await?;
        }
    }
    Ok(())
}

/// The caller's unread notifications, as far as they are delivered.
pub async fn unread(app: &App, c: &crate::Caller) -> Result<i64, AppError> {
    let mut conn = app.db.reader().acquire().await?;
    Ok(fuwu_store::events::unread_count(&mut conn, c.id().0, app.clock.now_ms()).await?)
}

/// Marks the caller's delivered notifications read (`ids` empty: all of them); how many.
pub async fn mark_read(app: &App, c: &crate::Caller, ids: &[i64]) -> Result<u64, AppError> {
    let mut tx = app.db.begin().await?;
    let n = fuwu_store::events::mark_read(&mut tx, c.id().0, ids, app.clock.now_ms()).await?;
    tx.commit().await?;
    Ok(n)
}

/// A page of the caller's delivered notifications (newest first), and their total.
pub async fn inbox(
    app: &App,
    c: &crate::Caller,
    limit: i64,
    offset: i64,
) -> Result<(Vec<serde_json::Map<String, Value>>, i64), AppError> {
    let mut conn = app.db.reader().acquire().await?;
    let conn = &mut *conn;
    let spec = crud::ListSpec {
        filters: vec![("user_id".into(), crud::Val::Int(Some(c.id().0)))],
        conds: vec![(fuwu_store::events::VISIBLE.to_owned(), vec![crud::Val::Int(Some(app.clock.now_ms()))])],
        sort: Some(("id".into(), true)),
        limit,
        offset,
        ..Default::default()
    };
    // Each title in the reader's language now, from the stored notice (code and parameters).
    let lang = c.user.data.language;
    let (mut rows, total) = crud::list(conn, &tables::NOTIFICATION, &spec).await?;
    for r in &mut rows {
        if let Some(n) = r.remove("notice").and_then(|v| serde_json::from_value::<Notice>(v).ok()) {
            r.insert("title".into(), json!(n.line(lang)));
        }
    }
    Ok((rows, total))
}

/// What both parts of a notice mail say, in the recipient's language.
struct NoticeView<'a> {
    lang: &'a str,
    greeting: &'a str,
    heading: &'a str,
    event_label: &'a str,
    number: &'a str,
    title: &'a str,
    link: Option<String>,
    open_label: &'a str,
    footer: &'a str,
}

#[derive(Template)]
#[template(path = "mail/notice.txt")]
struct TextPart<'a> {
    v: &'a NoticeView<'a>,
}

#[derive(Template)]
#[template(path = "mail/notice.html")]
struct HtmlPart<'a> {
    v: &'a NoticeView<'a>,
}

/// A rendered message: subject, text part, HTML part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Renders a queued message in its recipient's language.
pub fn render(job: &Job, public_url: Option<&str>) -> Result<Rendered, AppError> {
    let n: Notice = serde_json::from_str(&job.payload)
        .map_err(|e| AppError::Internal(format!("mail {} payload unreadable: {e}", job.id)))?;
    let lang = i18n::language(&job.lang);
    let heading = n.heading(lang);
    let link = public_url.map(|u| format!("{}/events/{}", u.trim_end_matches('/'), n.event_id));
    let v = NoticeView {
        lang: i18n::code(lang),
        greeting: t(lang, "mail.greeting"),
        heading: &heading,
        event_label: t(lang, "mail.event"),
        number: &n.number,
        title: &n.title,
        link,
        open_label: t(lang, "mail.open"),
        footer: t(lang, "mail.footer"),
    };
    let text = TextPart { v: &v }.render().map_err(|e| AppError::Internal(e.to_string()))?;
    let html = HtmlPart { v: &v }.render().map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Rendered { subject: n.line(lang), text, html })
}

/// How the outbox sends.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// `smtp://host:port` (plain, or STARTTLS with `?tls=required`), `smtps://host:465`; credentials in the URL.
    pub smtp_url: String,
    /// The sender, e.g. `服务中心 <service@example.com>`.
    pub from: String,
    /// The address of the web application, for links in mails.
    pub public_url: Option<String>,
    /// How often the worker looks for due mail.
    pub poll: Duration,
    /// How long a claim holds before another worker may take the message.
    pub lease: Duration,
    /// The first retry's delay; each further retry doubles it (at most an hour).
    pub retry_base: Duration,
    /// Attempts before a message is given up (`failed`).
    pub max_attempts: i64,
}

impl MailConfig {
    pub fn new(smtp_url: &str, from: &str) -> MailConfig {
        MailConfig {
            smtp_url: smtp_url.to_owned(),
            from: from.to_owned(),
            public_url: None,
            poll: Duration::from_secs(2),
            lease: Duration::from_secs(300),
            retry_base: Duration::from_secs(30),
            max_attempts: 12,
        }
    }
}

/// The delay before attempt `attempts + 1`: base × 2^attempts, at most an hour.
pub fn backoff(base: Duration, attempts: i64) -> Duration {
    let factor = 1u32 << attempts.clamp(0, 16) as u32;
    base.saturating_mul(factor).min(Duration::from_secs(3600))
}

/// What one pass of the worker did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Delivery {
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
}

/// The sending worker.
pub struct Outbox {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    config: MailConfig,
    worker: String,
}

impl Outbox {
    pub fn new(config: MailConfig) -> Result<Outbox, AppError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&config.smtp_url)
            .map_err(|e| AppError::bad(format!("smtp_url: {e}"), Some("smtp_url")))?
            .timeout(Some(Duration::from_secs(15)))
            .build();
        let from: Mailbox =
            config.from.parse().map_err(|e| AppError::bad(format!("mail_from: {e}"), Some("mail_from")))?;
        let worker = crate::auth::new_secret("mail-")[..21].to_owned();
        Ok(Outbox { transport, from, config, worker })
    }

    fn message(&self, job: &Job) -> Result<Message, String> {
        let r = render(job, self.config.public_url.as_deref()).map_err(|e| e.to_string())?;
        let to: Mailbox = job.to_addr.parse().map_err(|e| format!("recipient {}: {e}", job.to_addr))?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(r.subject)
            .multipart(MultiPart::alternative_plain_html(r.text, r.html))
            .map_err(|e| e.to_string())
    }

    /// Sends every message due at `now`; returns what happened.
    pub async fn deliver_due(&self, app: &App, now: jiff::Timestamp) -> Result<Delivery, AppError> {
        let mut done = Delivery::default();
        let now_ms = now.as_millisecond();
        let lease_until = now_ms + self.config.lease.as_millis() as i64;
        loop {
            let jobs = {
                let mut tx = app.db.begin().await?;
                let jobs =
                    fuwu_store::mail::claim(&mut tx, app.db.dialect, &self.worker, now_ms, lease_until, 20).await?;
                tx.commit().await?;
                jobs
            };
            if jobs.is_empty() {
                return Ok(done);
            }
            for job in jobs {
                let outcome = match self.message(&job) {
                    Ok(m) => self.transport.send(m).await.map(|_| ()).map_err(|e| e.to_string()),
                    Err(e) => Err(e),
                };
                let mut tx = app.db.begin().await?;
                match outcome {
                    Ok(()) => {
                        fuwu_store::mail::mark_sent(&mut tx, job.id, &self.worker, now_ms).await?;
                        done.sent += 1;
                    }
                    Err(e) => {
                        let give_up = job.attempts + 1 >= self.config.max_attempts;
                        let retry = (!give_up)
                            .then(|| now_ms + backoff(self.config.retry_base, job.attempts).as_millis() as i64);
                        tracing::warn!(mail = job.id, attempts = job.attempts + 1, error = %e, "mail not sent");
                        fuwu_store::mail::mark_failed(&mut tx, job.id, &self.worker, &e, retry).await?;
                        if give_up { done.failed += 1 } else { done.retried += 1 }
                    }
                }
                tx.commit().await?;
            }
        }
    }

    /// Runs the worker until the process ends.
    pub fn spawn(self, app: App) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(self.config.poll);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                match self.deliver_due(&app, app.clock.now()).await {
                    Ok(d) if d.sent + d.retried + d.failed > 0 => tracing::info!(?d, "mail"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "mail worker"),
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(lang: &str, title: &str) -> Job {
        let n = Notice::new("major_incident", "notice.major_incident", 7, "FW-2026-000007", title);
        Job {
            id: 1,
            event_id: Some(7),
            to_addr: "m@example.com".into(),
            lang: lang.into(),
            kind: n.kind.clone(),
            payload: serde_json::to_string(&n).unwrap(),
            attempts: 0,
        }
    }

    #[test]
    fn renders_in_the_recipients_language_and_escapes_html() {
        let zh = render(&job("zh-CN", "阵列<script>x</script>掉盘"), Some("https://fuwu.example/")).unwrap();
        assert_eq!(zh.subject, "重大事件 FW-2026-000007：阵列<script>x</script>掉盘");
        assert!(zh.text.contains("https://fuwu.example/events/7"));
        assert!(!zh.html.contains("<script>") && zh.html.contains("script"), "{}", zh.html);
        let en = render(&job("en", "Array down"), None).unwrap();
        assert_eq!(en.subject, "Major incident FW-2026-000007: Array down");
        assert!(en.text.contains("Hello,") && !en.text.contains("http"));
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let b = Duration::from_secs(30);
        assert_eq!(backoff(b, 0), Duration::from_secs(30));
        assert_eq!(backoff(b, 3), Duration::from_secs(240));
        assert_eq!(backoff(b, 10), Duration::from_secs(3600));
        assert_eq!(backoff(b, 1000), Duration::from_secs(3600));
    }
}
