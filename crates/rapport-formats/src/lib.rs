//! Rapport's standard formats: pure parsers and writers over bytes and strings.
//!
//! - [`vcard`]: vCard 2.1, 3.0 and 4.0 in, 4.0 out.
//! - [`csv`]: Google Contacts, LinkedIn `Connections.csv`, Outlook and generic CSV in,
//!   streamed row by row.
//! - [`ical`]: iCalendar all-day events out (the calendar feed), and read back.
//! - [`detect`]: which of these a file is, from its first bytes.
//!
//! Importers produce [`ContactCard`]s, a neutral contact that the application matches
//! against the store.
//!
//! Architecture invariant: no storage, no network, no clock. Every parser returns errors
//! naming the line at fault and never panics, whatever the input (property tests here,
//! fuzz targets in the repository's `fuzz/`).

mod card;
pub mod csv;
mod error;
pub mod ical;
mod text;
pub mod vcard;

pub use card::ContactCard;
pub use error::{ParseError, Reason};
pub use rapport_core::SubjectKind;

use crate::csv::CsvFormat;

/// What a file holds, as told by its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Vcard,
    /// A JSON document (Rapport's own export).
    Json,
    ICalendar,
    Csv(CsvFormat),
    /// Empty, binary, or text of no known shape.
    Unknown,
}

/// Recognizes a file from its first bytes (64 KiB are enough): vCard and iCalendar by
/// their `BEGIN:` line after an optional BOM and blanks, JSON by its `{` or `[`, the CSV
/// dialects by their header row.
pub fn detect(bytes: &[u8]) -> Format {
    let head = bytes.get(..bytes.len().min(64 * 1024)).unwrap_or_default();
    let text: std::borrow::Cow<'_, [u8]> = match head {
        [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..] => {
            let (decoded, _, _) = encoding_rs::UTF_16LE.decode(head);
            std::borrow::Cow::Owned(decoded.into_owned().into_bytes())
        }
        [0xEF, 0xBB, 0xBF, rest @ ..] => std::borrow::Cow::Borrowed(rest),
        _ => std::borrow::Cow::Borrowed(head),
    };
    let t = text.trim_ascii_start();
    let starts = |p: &[u8]| t.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p));
    if starts(b"BEGIN:VCARD") {
        return Format::Vcard;
    }
    if starts(b"BEGIN:VCALENDAR") {
        return Format::ICalendar;
    }
    if starts(b"{") || starts(b"[") {
        return Format::Json;
    }
    if t.is_empty() || t.contains(&0) {
        return Format::Unknown;
    }
    csv::sniff_format(t).map_or(Format::Unknown, Format::Csv)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &[u8], expected: Format) {
        assert_eq!(
            detect(input),
            expected,
            "{:?}",
            String::from_utf8_lossy(input)
        );
    }

    #[test]
    fn formats_are_detected_from_content() {
        check(
            b"\xEF\xBB\xBF\r\n  begin:vcard\r\nVERSION:3.0",
            Format::Vcard,
        );
        check(b"BEGIN:VCALENDAR\r\n", Format::ICalendar);
        check(b"  {\"people\": []}", Format::Json);
        check(
            b"First Name,Last Name,E-mail 1 - Label,E-mail 1 - Value,Labels\n",
            Format::Csv(CsvFormat::Google),
        );
        check(
            b"Notes:\n\"When exporting your connection data, you may notice...\"\n\nFirst Name,Last Name,URL,Email Address,Company,Position,Connected On\n",
            Format::Csv(CsvFormat::LinkedIn),
        );
        check(
            b"First Name,Middle Name,Last Name,E-mail Address,Mobile Phone\n",
            Format::Csv(CsvFormat::Outlook),
        );
        check(
            b"Full name;Mail\nAda;ada@example.com\n",
            Format::Csv(CsvFormat::Generic),
        );
        check(b"Name\nAda\n", Format::Csv(CsvFormat::Generic));
        check(b"", Format::Unknown);
        check(b"   \n", Format::Unknown);
        check(b"\x00\x01\x02binary", Format::Unknown);
        check(b"just some words", Format::Unknown);
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("BEGIN:VCARD\r\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        check(&utf16, Format::Vcard);
    }
}
