//! Tables people send as files: a CSV text or an Excel workbook (`.xlsx`,
//! `.xls`, `.ods`, read with calamine), turned into rows of text with their
//! row numbers, so one parser per kind of data reads both. Dates in Excel are
//! numbers with a date format; they come out as `YYYY-MM-DD` (with the time
//! when it is not midnight), numbers without a needless `.0`.

use crate::AppError;
use calamine::{Data, Reader};

/// One row: its number as the person sees it (1-based) and its cells.
pub type Row = (usize, Vec<String>);

/// Whether the bytes are a workbook rather than text: a ZIP (xlsx, ods) or an OLE file (xls).
pub fn is_workbook(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
}

/// The rows of the first sheet of a workbook, or of a CSV text (UTF-8, commas,
/// double quotes around a cell that holds a comma or a quote).
pub fn rows(bytes: &[u8]) -> Result<Vec<Row>, AppError> {
    if is_workbook(bytes) {
        return workbook_rows(bytes);
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|_| AppError::invalid("file", "not_utf8", "the file must be UTF-8 text (CSV) or an Excel workbook"))?;
    Ok(csv_rows(text))
}

/// A CSV text's rows, line by line.
pub fn csv_rows(text: &str) -> Vec<Row> {
    text.trim_start_matches('\u{feff}').lines().enumerate().map(|(i, l)| (i + 1, csv_line(l))).collect()
}

fn csv_line(line: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if cur.trim().is_empty() => {
                cur.clear();
                quoted = true;
            }
            (',', false) => cells.push(std::mem::take(&mut cur).trim().to_owned()),
            (c, _) => cur.push(c),
        }
    }
    cells.push(cur.trim().to_owned());
    cells
}

fn workbook_rows(bytes: &[u8]) -> Result<Vec<Row>, AppError> {
    let unreadable = |e: &dyn std::fmt::Display| {
        tracing::info!(error = %e, "an uploaded workbook could not be read");
        AppError::invalid("file", "unreadable_workbook", "the workbook cannot be read (save it again as .xlsx or CSV)")
    };
    let mut book =
        calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.to_vec())).map_err(|e| unreadable(&e))?;
    let range = match book.worksheet_range_at(0) {
        Some(Ok(r)) => r,
        Some(Err(e)) => return Err(unreadable(&e)),
        None => return Err(AppError::invalid("file", "empty", "the workbook has no sheet")),
    };
    let first_row = range.start().map_or(0, |(r, _)| r as usize);
    Ok(range.rows().enumerate().map(|(i, cells)| (first_row + i + 1, cells.iter().map(cell_text).collect())).collect())
}

/// A cell as the text a person would type for it.
pub fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_owned(),
        Data::Bool(b) => b.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::DateTime(dt) => excel_date(dt.as_f64()),
    }
}

/// An Excel serial date (days since 1899-12-30, the fraction the time of day).
fn excel_date(serial: f64) -> String {
    let days = serial.floor() as i64;
    let secs = ((serial - serial.floor()) * 86_400.0).round() as i64;
    let base = jiff::civil::date(1899, 12, 30);
    let Ok(date) = base.checked_add(jiff::Span::new().days(days)) else { return serial.to_string() };
    if secs == 0 || secs == 86_400 {
        return date.to_string();
    }
    format!("{date} {:02}:{:02}", secs / 3600, (secs % 3600) / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_with_quotes_and_commas() {
        let rows = csv_rows(
            "\u{feff}date,kind,name\n2027-01-01,holiday,\"元旦, 新年\"\n\n2027-02-03, adjusted_workday ,\"a \"\"b\"\"\"",
        );
        assert_eq!(rows[0], (1, vec!["date".to_owned(), "kind".into(), "name".into()]));
        assert_eq!(rows[1].1[2], "元旦, 新年");
        assert_eq!(rows[3], (4, vec!["2027-02-03".to_owned(), "adjusted_workday".into(), "a \"b\"".into()]));
    }

    #[test]
    fn excel_serial_dates_read_as_dates() {
        assert_eq!(excel_date(46388.0), "2027-01-01");
        assert_eq!(excel_date(45583.5), "2024-10-18 12:00");
        assert_eq!(cell_text(&Data::Float(3.0)), "3");
        assert_eq!(cell_text(&Data::Float(2.5)), "2.5");
    }
}
