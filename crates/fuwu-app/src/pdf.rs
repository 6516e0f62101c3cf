//! The customer's copy of a service report as a PDF file (A4), drawn with
//! krilla. Latin text is set in DejaVu Sans, CJK in Droid Sans Fallback
//! (both compiled into the binary, see `fonts/` and their licences); krilla
//! embeds each as a subset of the glyphs used, so a report is tens of kilobytes. Lines wrap at the column's width:
//! between any two CJK characters, at spaces between Latin words, and inside a
//! word too long for a line; closing punctuation never starts a line.

use crate::error::AppError;
use crate::events::document::ServiceReportDoc;
use base64::Engine;
use fuwu_core::i18n::t;
use fuwu_core::role::Language;
use jiff::tz::TimeZone;
use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Size, Transform};
use krilla::image::Image;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};
use skrifa::MetadataProvider;
use skrifa::instance::{LocationRef, Size as FontSize};
use std::sync::LazyLock;

/// DejaVu Sans (Bitstream Vera licence): Latin, digits and punctuation.
static LATIN_DATA: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
/// Droid Sans Fallback Full (Apache License 2.0): the CJK characters.
static CJK_DATA: &[u8] = include_bytes!("../fonts/DroidSansFallbackFull.ttf");

static FONTS: LazyLock<Option<[Font; 2]>> = LazyLock::new(|| {
    Some([Font::new(krilla::Data::from(LATIN_DATA), 0)?, Font::new(krilla::Data::from(CJK_DATA), 0)?])
});

static FACES: LazyLock<Option<[(skrifa::FontRef<'static>, f32); 2]>> = LazyLock::new(|| {
    let face = |d: &'static [u8]| {
        let f = skrifa::FontRef::new(d).ok()?;
        let upem = f.metrics(FontSize::unscaled(), LocationRef::default()).units_per_em as f32;
        Some((f, upem))
    };
    Some([face(LATIN_DATA)?, face(CJK_DATA)?])
});

/// Which face sets `c` (0: Latin, 1: CJK) and its width at 1 pt.
struct Metrics {
    widths: std::collections::HashMap<char, (usize, f32)>,
}

impl Metrics {
    fn new() -> Metrics {
        Metrics { widths: std::collections::HashMap::new() }
    }

    fn glyph(&mut self, c: char) -> (usize, f32) {
        if let Some(w) = self.widths.get(&c) {
            return *w;
        }
        let w = match FACES.as_ref() {
            Some(faces) => {
                let latin = !is_wide(c) && faces[0].0.charmap().map(c).is_some();
                let i = if latin { 0 } else { 1 };
                let (f, upem) = &faces[i];
                let gid = f.charmap().map(c).unwrap_or_default();
                let adv = f.glyph_metrics(FontSize::unscaled(), LocationRef::default()).advance_width(gid);
                (i, adv.unwrap_or(*upem / 2.0) / upem)
            }
            None if is_wide(c) => (1, 1.0),
            None => (0, 0.5),
        };
        self.widths.insert(c, w);
        w
    }

    fn width(&mut self, s: &str, size: f32) -> f32 {
        s.chars().map(|c| self.glyph(c).1).sum::<f32>() * size
    }

    /// `s` cut into runs of one face, each with its x offset at `size`.
    fn runs(&mut self, s: &str, size: f32) -> Vec<(usize, f32, String)> {
        let mut out: Vec<(usize, f32, String)> = Vec::new();
        let mut x = 0.0;
        for c in s.chars() {
            let (face, w) = self.glyph(c);
            match out.last_mut() {
                Some((f, _, run)) if *f == face => run.push(c),
                _ => out.push((face, x, c.to_string())),
            }
            x += w * size;
        }
        out
    }
}

/// Characters written without spaces between them: a line may break before or after each.
pub fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FDF | 0x3000..=0x303F | 0x3040..=0x30FF | 0x3100..=0x312F | 0x31A0..=0x31FF
        | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F
        | 0xFF00..=0xFFEF | 0x20000..=0x2FFFF)
}

/// Punctuation that must not start a line (it stays with the character before).
fn closes(c: char) -> bool {
    "，。、；：！？）》」』】〕”’…,.;:!?)]}%".contains(c)
}

/// Splits `text` into lines no wider than `max` by `width`: paragraphs at
/// newlines; breaks between CJK characters, at spaces, and inside a word only
/// when it alone is too wide.
pub fn wrap(text: &str, max: f32, width: &mut dyn FnMut(&str) -> f32) -> Vec<String> {
    let mut out = Vec::new();
    for para in text.split('\n') {
        let para = para.trim_end();
        // Tokens: a CJK character (with closing punctuation after it), a Latin word, or a space.
        let mut tokens: Vec<String> = Vec::new();
        for c in para.chars() {
            let attach = match tokens.last() {
                Some(last) => {
                    let prev = last.chars().last().unwrap_or(' ');
                    if closes(c) {
                        prev != ' '
                    } else if c == ' ' || is_wide(c) {
                        false
                    } else {
                        prev != ' ' && !is_wide(prev) && !closes(prev)
                    }
                }
                None => false,
            };
            match (attach, tokens.last_mut()) {
                (true, Some(last)) => last.push(c),
                _ => tokens.push(c.to_string()),
            }
        }
        let mut line = String::new();
        for tok in tokens {
            let candidate = format!("{line}{tok}");
            if width(candidate.trim_end()) <= max || line.trim().is_empty() && width(&tok) <= max {
                line = candidate;
                continue;
            }
            if !line.trim().is_empty() {
                out.push(line.trim_end().to_owned());
                line = String::new();
            }
            if tok == " " {
                continue;
            }
            // A word wider than the line: break it between characters.
            for c in tok.chars() {
                let candidate = format!("{line}{c}");
                if width(&candidate) > max && !line.is_empty() {
                    out.push(std::mem::take(&mut line));
                }
                line.push(c);
            }
        }
        out.push(line.trim_end().to_owned());
    }
    out
}

/// China's time (for the copy stored when a report is confirmed).
pub fn china() -> TimeZone {
    TimeZone::get("Asia/Shanghai").unwrap_or_else(|_| TimeZone::fixed(jiff::tz::offset(8)))
}

/// `YYYY-MM-DD HH:MM` in `tz`.
pub fn local(ms: i64, tz: &TimeZone) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned_datetime(tz.clone()).strftime("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 48.0;
const LABEL_W: f32 = 96.0;
const BODY: f32 = 10.0;

enum Op {
    Text { x: f32, y: f32, size: f32, text: String, grey: bool },
    Rule { y: f32 },
    Image { x: f32, y: f32, w: f32, h: f32, image: Image },
}

/// Lays out lines top to bottom, starting a new page when one is full.
struct Layout {
    pages: Vec<Vec<Op>>,
    y: f32,
    m: Metrics,
    footer: String,
}

impl Layout {
    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let n = self.pages.len() - 1;
        &mut self.pages[n]
    }

    fn room(&mut self, h: f32) {
        if self.y + h > PAGE_H - MARGIN - 20.0 {
            self.pages.push(Vec::new());
            self.y = MARGIN;
        }
    }

    fn line(&mut self, x: f32, size: f32, text: &str, grey: bool) {
        let h = size * 1.5;
        self.room(h);
        let y = self.y + size;
        self.ops().push(Op::Text { x, y, size, text: text.to_owned(), grey });
        self.y += h;
    }

    fn wrapped(&mut self, x: f32, size: f32, text: &str, grey: bool) {
        let max = PAGE_W - MARGIN - x;
        let m = &mut self.m;
        let lines = wrap(text, max, &mut |s| m.width(s, size));
        for l in lines {
            self.line(x, size, &l, grey);
        }
    }

    /// A label in the left column and its value wrapped in the right one.
    fn row(&mut self, label: &str, value: &str) {
        if value.trim().is_empty() {
            return;
        }
        let max = PAGE_W - 2.0 * MARGIN - LABEL_W;
        let m = &mut self.m;
        let lines = wrap(value, max, &mut |s| m.width(s, BODY));
        self.room(BODY * 1.5);
        let y = self.y + BODY;
        self.ops().push(Op::Text { x: MARGIN, y, size: BODY, text: label.to_owned(), grey: true });
        for l in lines {
            self.line(MARGIN + LABEL_W, BODY, &l, false);
        }
    }

    fn heading(&mut self, text: &str) {
        self.room(40.0);
        self.y += 6.0;
        self.line(MARGIN, 12.0, text, false);
    }

    fn rule(&mut self) {
        self.y += 4.0;
        let y = self.y;
        self.ops().push(Op::Rule { y });
        self.y += 8.0;
    }

    fn image(&mut self, image: Image, max_w: f32, max_h: f32) -> f32 {
        let (w, h) = image.size();
        let scale = (max_w / w.max(1) as f32).min(max_h / h.max(1) as f32).min(1.0);
        let (w, h) = (w as f32 * scale, h as f32 * scale);
        self.room(h + 4.0);
        let y = self.y;
        self.ops().push(Op::Image { x: MARGIN, y, w, h, image });
        w
    }
}

fn png(data_url: &str) -> Option<Image> {
    let b64 = data_url.strip_prefix("data:image/png;base64,")?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(b64.trim()).ok()?;
    Image::from_png(krilla::Data::from(bytes), true).ok()
}

/// The report as a PDF file.
pub fn render(doc: &ServiceReportDoc, lang: Language, tz: &TimeZone) -> Result<Vec<u8>, AppError> {
    let tr = |k: &str| t(lang, k).to_owned();
    let mut l = Layout { pages: Vec::new(), y: MARGIN, m: Metrics::new(), footer: String::new() };
    // The vendor header: logo, name, hotline, address line.
    let v = &doc.vendor;
    let top = l.y;
    let mut x = MARGIN;
    if let Some(img) = v.logo.as_deref().and_then(png) {
        x += l.image(img, 120.0, 44.0) + 12.0;
    }
    l.y = top;
    l.line(x, 16.0, &v.name, false);
    l.line(x, BODY, &format!("{} {}", tr("doc.hotline"), v.hotline), false);
    if !v.address.is_empty() {
        l.line(x, 9.0, &v.address, true);
    }
    l.y = l.y.max(top + 48.0);
    l.rule();
    let kind = if doc.kind == "fault" { tr("doc.fault_report") } else { tr("doc.service_report") };
    l.line(MARGIN, 18.0, &kind, false);
    l.y += 4.0;
    l.row(&tr("event.number"), &format!("{} · {} v{}", doc.number, tr("report.version"), doc.version));
    l.row(&tr("event.title"), &doc.title);
    l.row(&tr("event.customer"), &doc.customer);
    if let Some(s) = &doc.site {
        l.row(&tr("doc.site"), &s.name);
        l.row(&tr("field.address"), &s.address);
    }
    if let Some(c) = &doc.contact {
        l.row(&tr("event.contact"), c);
    }
    if let Some(a) = &doc.asset {
        l.row(&tr("doc.model"), &a.model);
        l.row(&tr("field.serial_number"), &a.serial);
        l.row(&tr("field.hardware_version"), &a.hardware);
        l.row(&tr("field.software_version"), &a.software);
    }
    l.row(&tr("doc.engineers"), &doc.engineers.join("、"));
    if !doc.visits.is_empty() {
        l.heading(&tr("doc.visits"));
        for vi in &doc.visits {
            let at = |ms: Option<i64>| ms.map(|m| local(m, tz)).unwrap_or_else(|| "—".into());
            let text = format!(
                "{} · {} {} · {} {}",
                vi.engineer,
                tr("doc.arrived"),
                at(vi.arrived_at),
                tr("doc.departed"),
                at(vi.departed_at)
            );
            l.wrapped(MARGIN, BODY, &text, false);
        }
    }
    for (key, body) in [("report.findings", &doc.findings), ("report.actions_taken", &doc.actions_taken)] {
        l.heading(&tr(key));
        l.wrapped(MARGIN, BODY, body, false);
    }
    if !doc.parts.is_empty() {
        l.heading(&tr("doc.parts"));
        l.wrapped(MARGIN, BODY, &doc.parts.join("\n"), false);
    }
    if !doc.versions.is_empty() {
        l.heading(&tr("doc.versions"));
        l.wrapped(MARGIN, BODY, &doc.versions.join("\n"), false);
    }
    if let Some(r) = &doc.result {
        l.heading(&tr("doc.result"));
        l.wrapped(MARGIN, BODY, r, false);
    }
    l.heading(&tr("report.confirmation"));
    match &doc.confirmation {
        Some(c) => {
            let method = t(lang, &format!("confirm_method.{}", c.method)).to_owned();
            l.row(&tr("report.signer"), &c.signer);
            l.row(&tr("doc.confirmed_at"), &format!("{} · {method}", local(c.at, tz)));
            if let Some(img) = c.signature.as_deref().and_then(png) {
                l.y += 4.0;
                l.room(90.0);
                let y0 = l.y;
                l.image(img, 220.0, 80.0);
                l.y = y0 + 84.0;
            }
        }
        None => l.line(MARGIN, BODY, &tr("report.unconfirmed"), false),
    }
    l.y += 8.0;
    l.wrapped(MARGIN, 8.0, &format!("{}: {}", tr("report.hash"), doc.hash), true);
    l.footer = format!("{} · {} {}", v.name, tr("doc.hotline"), v.hotline);
    draw(l, &format!("{kind} {}", doc.number), lang)
}

fn draw(l: Layout, title: &str, lang: Language) -> Result<Vec<u8>, AppError> {
    let fonts = FONTS.clone().ok_or_else(|| AppError::Internal("the report fonts cannot be read".into()))?;
    let mut m = Metrics::new();
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(title.to_owned())
            .language(fuwu_core::i18n::code(lang).to_owned())
            .creator("fuwu".to_owned()),
    );
    let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| AppError::Internal("page size".into()))?;
    let count = l.pages.len();
    for (n, ops) in l.pages.into_iter().enumerate() {
        let mut page = document.start_page_with(settings.clone());
        let mut s = page.surface();
        let black = Fill::default();
        let grey = Fill { paint: rgb::Color::new(96, 96, 96).into(), ..Fill::default() };
        for op in ops {
            match op {
                Op::Text { x, y, size, text, grey: g } => {
                    s.set_fill(Some(if g { grey.clone() } else { black.clone() }));
                    for (face, dx, run) in m.runs(&text, size) {
                        s.draw_text(
                            Point::from_xy(x + dx, y),
                            fonts[face].clone(),
                            size,
                            &run,
                            false,
                            TextDirection::Auto,
                        );
                    }
                }
                Op::Rule { y } => {
                    let mut pb = PathBuilder::new();
                    pb.move_to(MARGIN, y);
                    pb.line_to(PAGE_W - MARGIN, y);
                    if let Some(path) = pb.finish() {
                        s.set_fill(None);
                        s.set_stroke(Some(Stroke { width: 0.8, ..Stroke::default() }));
                        s.draw_path(&path);
                        s.set_stroke(None);
                    }
                }
                Op::Image { x, y, w, h, image } => {
                    if let Some(size) = Size::from_wh(w, h) {
                        s.push_transform(&Transform::from_translate(x, y));
                        s.draw_image(image, size);
                        s.pop();
                    }
                }
            }
        }
        s.set_fill(Some(grey));
        let foot = format!("{} · {}/{}", l.footer, n + 1, count);
        for (face, dx, run) in m.runs(&foot, 8.0) {
            let at = Point::from_xy(MARGIN + dx, PAGE_H - MARGIN + 14.0);
            s.draw_text(at, fonts[face].clone(), 8.0, &run, false, TextDirection::Auto);
        }
        s.finish();
        page.finish();
    }
    document.finish().map_err(|e| AppError::Internal(format!("PDF: {e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> f32 {
        s.chars().map(|c| if is_wide(c) { 1.0 } else { 0.5 }).sum()
    }

    #[test]
    fn chinese_breaks_between_any_two_characters() {
        let lines = wrap("存储阵列控制器故障已更换", 5.0, &mut w);
        assert_eq!(lines, ["存储阵列控", "制器故障已", "更换"]);
    }

    #[test]
    fn closing_punctuation_stays_with_the_character_before() {
        let lines = wrap("更换电源。重启完成", 4.0, &mut w);
        assert_eq!(lines[0], "更换电");
        assert_eq!(lines[1], "源。重启");
    }

    #[test]
    fn latin_words_break_at_spaces_and_long_words_inside() {
        assert_eq!(wrap("replace the fan", 4.0, &mut w), ["replace", "the fan"]);
        assert_eq!(wrap("abcdefghij", 2.0, &mut w), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("固件 V5.2.1 升级", 6.0, &mut w), ["固件 V5.2.1", "升级"]);
        assert_eq!(wrap("a\n\nb", 9.0, &mut w), ["a", "", "b"]);
    }

    #[test]
    fn the_font_measures_han_wider_than_latin() {
        let mut m = Metrics::new();
        assert!(m.width("服务", 10.0) > m.width("ab", 10.0));
        assert!(m.width("服", 10.0) > 5.0);
    }
}
