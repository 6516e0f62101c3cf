//! SLA settings: the warning share.

use crate::error::AppError;
use crate::{App, Caller};
use fuwu_core::access::Cap;
use fuwu_core::sla::{self, DEFAULT_WARN_PERCENT, MAX_WARN_PERCENT, MIN_WARN_PERCENT};
use fuwu_store::Conn;
use serde::{Deserialize, Serialize};

/// The SLA settings an administrator may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlaSettings {
    /// The share of a target at which a warning goes out, in percent (50–95; default 75).
    pub warning_percent: i64,
}

impl SlaSettings {
    /// The warning share as a fraction.
    pub fn share(self) -> f64 {
        sla::warn_share(self.warning_percent).unwrap_or(DEFAULT_WARN_PERCENT as f64 / 100.0)
    }
}

const KEY: &str = "sla";

pub async fn settings(conn: &mut Conn) -> Result<SlaSettings, AppError> {
    match fuwu_store::events::setting(conn, KEY).await? {
        Some(s) => serde_json::from_str(&s).map_err(|e| AppError::Internal(format!("SLA settings unreadable: {e}"))),
        None => Ok(SlaSettings { warning_percent: DEFAULT_WARN_PERCENT }),
    }
}

/// Changes the SLA settings (admins). A lower share takes effect at once: every
/// open event is looked at by the next sweep.
pub async fn set_settings(app: &App, c: &Caller, s: SlaSettings) -> Result<SlaSettings, AppError> {
    c.require(Cap::ManageSettings)?;
    if sla::warn_share(s.warning_percent).is_none() {
        return Err(AppError::invalid(
            "warning_percent",
            "range",
            format!(
                "预警比例须在 {MIN_WARN_PERCENT}–{MAX_WARN_PERCENT} 之间 / must be {MIN_WARN_PERCENT} to {MAX_WARN_PERCENT}"
            ),
        ));
    }
    let mut tx = app.db.begin().await?;
    let before = settings(&mut tx).await?;
    let now = app.clock.now_ms();
    let text = serde_json::to_string(&s).map_err(|e| AppError::Internal(e.to_string()))?;
    fuwu_store::events::put_setting(&mut tx, KEY, &text, now).await?;
    if s.warning_percent < before.warning_percent {
        fuwu_store::events::recheck_all(&mut tx, now).await?;
    }
    let (b, a) = (serde_json::to_value(before).ok(), serde_json::to_value(s).ok());
    fuwu_store::audit::record(&mut tx, now, Some(c.id().0), "setting", 0, KEY, b.as_ref(), a.as_ref()).await?;
    tx.commit().await?;
    Ok(s)
}
