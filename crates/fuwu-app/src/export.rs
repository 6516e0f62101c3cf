//! Lists and reports as files: one table model written as an Excel workbook
//! (rust_xlsxwriter: a bold frozen header row, an autofilter, column widths
//! from the content, real numbers and dates in the reader's time zone) or as
//! CSV (UTF-8 with a byte-order mark so Excel reads Chinese, CRLF lines). Text
//! that a spreadsheet would take for a formula (`=`, `+`, `-`, `@` first) is
//! written as text in both.

use crate::AppError;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    /// An instant, written in the table's time zone.
    Time(jiff::Timestamp),
    Empty,
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        if s.is_empty() { Cell::Empty } else { Cell::Text(s) }
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::from(s.to_owned())
    }
}

/// A table to export: its sheet name, column headers (in the reader's
/// language), rows, and the time zone its instants are shown in.
#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    pub tz: jiff::tz::TimeZone,
    /// Rows left out beyond the export's limit (said in the last row when not zero).
    pub left_out: i64,
}

/// The most rows one export holds (a larger list is narrowed by its filters first).
pub const MAX_ROWS: i64 = 20_000;

/// The file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Xlsx,
    Csv,
}

impl FileFormat {
    pub fn parse(s: &str) -> Option<FileFormat> {
        match s {
            "xlsx" => Some(FileFormat::Xlsx),
            "csv" => Some(FileFormat::Csv),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            FileFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileFormat::Csv => "text/csv; charset=utf-8",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            FileFormat::Xlsx => "xlsx",
            FileFormat::Csv => "csv",
        }
    }
}

/// The file's bytes.
pub fn write(t: &Table, f: FileFormat) -> Result<Vec<u8>, AppError> {
    match f {
        FileFormat::Xlsx => xlsx(t),
        FileFormat::Csv => Ok(csv(t).into_bytes()),
    }
}

fn local(t: &Table, at: jiff::Timestamp) -> jiff::civil::DateTime {
    at.to_zoned_datetime(t.tz.clone()).datetime()
}

/// Text a spreadsheet would read as a formula is kept as text.
fn defused(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_owned() }
}

fn cell_text(t: &Table, c: &Cell) -> String {
    match c {
        Cell::Text(s) => defused(s),
        Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
        Cell::Number(n) => n.to_string(),
        Cell::Time(at) => local(t, *at).strftime("%Y-%m-%d %H:%M").to_string(),
        Cell::Empty => String::new(),
    }
}

/// The table as CSV.
pub fn csv(t: &Table) -> String {
    let quote = |s: &str| {
        if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_owned() }
    };
    let mut out = String::from("\u{feff}");
    let line = |cells: Vec<String>| cells.iter().map(|c| quote(c)).collect::<Vec<_>>().join(",") + "\r\n";
    out.push_str(&line(t.headers.iter().map(|h| defused(h)).collect()));
    for r in &t.rows {
        out.push_str(&line(r.iter().map(|c| cell_text(t, c)).collect()));
    }
    if t.left_out > 0 {
        out.push_str(&line(vec![format!("… +{}", t.left_out)]));
    }
    out
}

fn xlsx_err(e: rust_xlsxwriter::XlsxError) -> AppError {
    AppError::Internal(format!("writing the workbook: {e}"))
}

/// The table as an Excel workbook.
pub fn xlsx(t: &Table) -> Result<Vec<u8>, AppError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    // A sheet name is at most 31 characters and has none of []:*?/\
    let name: String = t.name.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect();
    if !name.is_empty() {
        ws.set_name(&name).map_err(xlsx_err)?;
    }
    let bold = Format::new().set_bold();
    let when = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let mut widths: Vec<usize> = t.headers.iter().map(|h| display_width(h)).collect();
    for (c, h) in t.headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold).map_err(xlsx_err)?;
    }
    for (r, row) in t.rows.iter().enumerate() {
        let r = (r + 1) as u32;
        for (c, cell) in row.iter().enumerate() {
            let col = c as u16;
            let w = match cell {
                Cell::Text(s) => {
                    ws.write_string(r, col, s).map_err(xlsx_err)?;
                    display_width(s)
                }
                Cell::Number(n) => {
                    ws.write_number(r, col, *n).map_err(xlsx_err)?;
                    n.to_string().len()
                }
                Cell::Time(at) => {
                    let d = local(t, *at);
                    let x = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
                        .and_then(|x| x.and_hms(d.hour() as u16, d.minute() as u8, d.second() as u8))
                        .map_err(xlsx_err)?;
                    ws.write_datetime_with_format(r, col, x, &when).map_err(xlsx_err)?;
                    16
                }
                Cell::Empty => 0,
            };
            if let Some(m) = widths.get_mut(c) {
                *m = (*m).max(w);
            }
        }
    }
    let last = t.rows.len() as u32;
    if t.left_out > 0 {
        ws.write_string(last + 1, 0, format!("… +{}", t.left_out)).map_err(xlsx_err)?;
    }
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, (*w).clamp(6, 60) as f64 + 2.0).map_err(xlsx_err)?;
    }
    ws.set_freeze_panes(1, 0).map_err(xlsx_err)?;
    if !t.headers.is_empty() {
        ws.autofilter(0, 0, last, (t.headers.len() - 1) as u16).map_err(xlsx_err)?;
    }
    wb.save_to_buffer().map_err(xlsx_err)
}

/// Columns a text takes: CJK characters count two.
fn display_width(s: &str) -> usize {
    s.lines().map(|l| l.chars().map(|c| if (c as u32) >= 0x2E80 { 2 } else { 1 }).sum::<usize>()).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        Table {
            name: "事件".into(),
            headers: vec!["编号".into(), "标题".into(), "登记时间".into(), "工时".into()],
            rows: vec![vec![
                "FW-2027-000001".into(),
                Cell::Text("=HYPERLINK(\"x\"), 掉盘".into()),
                Cell::Time("2027-03-01T02:30:00Z".parse().unwrap()),
                Cell::Number(1.5),
            ]],
            tz: jiff::tz::TimeZone::get("Asia/Shanghai").unwrap(),
            left_out: 0,
        }
    }

    #[test]
    fn csv_has_a_bom_quotes_local_times_and_no_formulas() {
        let c = csv(&table());
        assert!(c.starts_with("\u{feff}编号,标题,登记时间,工时\r\n"));
        assert!(c.contains("FW-2027-000001,\"'=HYPERLINK(\"\"x\"\"), 掉盘\",2027-03-01 10:30,1.5\r\n"), "{c}");
    }

    #[test]
    fn a_workbook_is_written() {
        let b = xlsx(&table()).unwrap();
        assert!(b.starts_with(b"PK\x03\x04"));
        // Read back with the same reader the imports use.
        let rows = crate::sheet::rows(&b).unwrap();
        assert_eq!(rows[0].1, ["编号", "标题", "登记时间", "工时"]);
        assert_eq!(rows[1].1[2], "2027-03-01 10:30", "a real date in the reader's time zone");
        assert_eq!(rows[1].1[3], "1.5", "a real number");
    }
}
