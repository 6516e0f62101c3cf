//! The vendor's own details printed at the top of every customer copy: name,
//! hotline, an address or website line and a small logo (PNG or SVG).

use crate::error::AppError;
use crate::{App, Caller};
use base64::Engine;
use fuwu_core::FieldErrors;
use fuwu_core::access::Cap;
use fuwu_core::role::Role;
use fuwu_store::Conn;
use serde::{Deserialize, Serialize};

/// The largest logo, in bytes of the image itself.
pub const MAX_LOGO_BYTES: usize = 200 * 1024;

/// The vendor header of service reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VendorSettings {
    /// The vendor's name (1–100 characters).
    pub name: String,
    /// The service hotline, e.g. `400-000-0000` (1–40 characters).
    pub hotline: String,
    /// One line under the name: address, website (at most 200 characters).
    #[serde(default)]
    pub address: String,
    /// The logo as a data URL, `data:image/png;base64,…` or `data:image/svg+xml;base64,…`
    /// (at most 200 KB of image); null for none.
    #[serde(default)]
    pub logo: Option<String>,
}

impl Default for VendorSettings {
    /// Demo values: a made-up vendor.
    fn default() -> Self {
        VendorSettings {
            name: "澄川数据存储有限公司（演示）".into(),
            hotline: "400-000-0000".into(),
            address: "南京市江宁区示例路 1 号 · www.example.com".into(),
            logo: None,
        }
    }
}

/// A logo decoded: its kind and bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogoKind {
    Png,
    Svg,
}

/// The kind and bytes of a logo data URL, or why it is not one.
pub fn decode_logo(url: &str) -> Result<(LogoKind, Vec<u8>), &'static str> {
    let (kind, b64) = if let Some(b) = url.strip_prefix("data:image/png;base64,") {
        (LogoKind::Png, b)
    } else if let Some(b) = url.strip_prefix("data:image/svg+xml;base64,") {
        (LogoKind::Svg, b)
    } else {
        return Err("invalid_logo");
    };
    if b64.len() > MAX_LOGO_BYTES * 4 / 3 + 8 {
        return Err("too_large");
    }
    let bytes = base64::engine::general_purpose::STANDARD.decode(b64.trim()).map_err(|_| "invalid_logo")?;
    if bytes.len() > MAX_LOGO_BYTES {
        return Err("too_large");
    }
    let ok = match kind {
        LogoKind::Png => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        LogoKind::Svg => std::str::from_utf8(&bytes).is_ok_and(|t| t.contains("<svg")),
    };
    if ok { Ok((kind, bytes)) } else { Err("invalid_logo") }
}

/// A logo file as a data URL, by its name and first bytes (PNG or SVG only).
pub fn logo_url(file_name: &str, bytes: &[u8]) -> Result<String, AppError> {
    let mime = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if file_name.to_ascii_lowercase().ends_with(".svg") {
        "image/svg+xml"
    } else {
        return Err(AppError::invalid("logo", "invalid_logo", "the logo must be a PNG or SVG image"));
    };
    Ok(format!("data:{mime};base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes)))
}

const KEY: &str = "vendor";

/// The settings in force (the demo defaults until an administrator saves).
pub async fn settings(conn: &mut Conn) -> Result<VendorSettings, AppError> {
    match fuwu_store::events::setting(conn, KEY).await? {
        Some(s) => serde_json::from_str(&s).map_err(|e| AppError::Internal(format!("vendor settings unreadable: {e}"))),
        None => Ok(VendorSettings::default()),
    }
}

/// The settings as staff read them through the API (customers see them on their reports).
pub async fn read(app: &App, c: &Caller) -> Result<VendorSettings, AppError> {
    if c.role() == Role::Customer {
        c.require(Cap::ManageSettings)?;
    }
    let mut conn = app.db.reader().acquire().await?;
    settings(&mut conn).await
}

/// Changes the vendor header (admins).
pub async fn set_settings(app: &App, c: &Caller, mut s: VendorSettings) -> Result<VendorSettings, AppError> {
    c.require(Cap::ManageSettings)?;
    let mut errs = FieldErrors::new();
    errs.text("name", &mut s.name, 100);
    errs.text("hotline", &mut s.hotline, 40);
    s.address = s.address.trim().to_owned();
    if s.address.chars().count() > 200 {
        errs.add("address", "too_long", "address must be at most 200 characters");
    }
    if let Some(l) = s.logo.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        match decode_logo(l) {
            Ok(_) => s.logo = Some(l.to_owned()),
            Err("too_large") => errs.add("logo", "too_large", "the logo must be at most 200 KB"),
            Err(code) => errs.add("logo", code, "the logo must be a PNG or SVG image as a data URL"),
        }
    } else {
        s.logo = None;
    }
    errs.into_result()?;
    let mut tx = app.db.begin().await?;
    let before = settings(&mut tx).await?;
    let now = app.clock.now_ms();
    let text = serde_json::to_string(&s).map_err(|e| AppError::Internal(e.to_string()))?;
    fuwu_store::events::put_setting(&mut tx, KEY, &text, now).await?;
    // The audit keeps the texts; a logo is noted by its size only.
    let brief = |v: &VendorSettings| {
        serde_json::json!({"name": v.name, "hotline": v.hotline, "address": v.address,
            "logo_chars": v.logo.as_ref().map(String::len)})
    };
    let (b, a) = (brief(&before), brief(&s));
    fuwu_store::audit::record(&mut tx, now, Some(c.id().0), "setting", 0, KEY, Some(&b), Some(&a)).await?;
    tx.commit().await?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logos_are_png_or_svg_and_small() {
        let png = format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(b"\x89PNG\r\n\x1a\nxx")
        );
        assert_eq!(decode_logo(&png).map(|x| x.0), Ok(LogoKind::Png));
        let svg = format!("data:image/svg+xml;base64,{}", base64::engine::general_purpose::STANDARD.encode(b"<svg/>"));
        assert_eq!(decode_logo(&svg).map(|x| x.0), Ok(LogoKind::Svg));
        assert_eq!(decode_logo("data:image/gif;base64,AAAA").map(|x| x.0), Err("invalid_logo"));
        let fake = format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(b"GIF89a"));
        assert_eq!(decode_logo(&fake).map(|x| x.0), Err("invalid_logo"));
        let big = vec![0u8; MAX_LOGO_BYTES + 1];
        let big = format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(big));
        assert_eq!(decode_logo(&big).map(|x| x.0), Err("too_large"));
    }
}
