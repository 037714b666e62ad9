//! CSV contact exports: Google Contacts, LinkedIn `Connections.csv`, Outlook, and any
//! other CSV through automatic or explicit column mapping.
//!
//! [`CsvReader`] streams: it holds one row at a time, so memory stays flat whatever the
//! file's size. Each row is a [`ContactCard`] or the reason it was rejected, with the
//! physical line where the row starts (quoted multi-line fields counted).

mod columns;
pub(crate) mod decode;
mod write;

use std::borrow::Cow;
use std::io::{self, Read};

use ::csv::ByteRecord;
use rapport_core::{Address, Labeled};

use columns::{AddrPart, Plan, Target};
pub use columns::{ColumnMap, Field, MappingError};
use decode::{Decoded, LfOnly};
pub use write::{CsvWriter, HEADER};

use crate::card::{NameParts, clean_label, non_empty, push_tags};
use crate::text::{parse_civil, parse_loose_date};
use crate::{ContactCard, ParseError, Reason};

/// The CSV dialects the reader knows by their headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CsvFormat {
    /// Google Contacts ("Google CSV"), current and older header names.
    Google,
    /// LinkedIn's `Connections.csv`, with its preamble of notes.
    LinkedIn,
    /// Outlook's "Comma Separated Values" export.
    Outlook,
    /// Anything else: columns mapped by name or by the caller's mapping.
    Generic,
}

/// How to read a CSV file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CsvOptions {
    /// `None`: recognized from the header row.
    pub format: Option<CsvFormat>,
    /// Explicit mappings; they win over the automatic ones.
    pub mapping: Vec<ColumnMap>,
    pub skip_photos: bool,
    /// `None`: the one of `,` `;` tab `|` that splits the first lines most.
    pub delimiter: Option<u8>,
}

/// A row longer than this, or spanning more lines, is rejected (an unclosed quote
/// swallows the rest of the file into one field).
const MAX_ROW_BYTES: usize = 1 << 20;
const MAX_ROW_LINES: u64 = 10_000;
/// How much of the file is looked at to find the delimiter and the header row.
const SNIFF_BYTES: usize = 64 * 1024;
/// How many records may precede the header row (LinkedIn writes a few lines of notes).
const MAX_PREAMBLE: usize = 20;

type Source<R> = io::Chain<io::Cursor<Vec<u8>>, LfOnly<Decoded<R>>>;

/// Streaming reader of contact rows; see the module documentation.
pub struct CsvReader<R: Read> {
    rows: ::csv::Reader<Source<R>>,
    plan: Plan,
    header_line: usize,
    record: ByteRecord,
    skip_photos: bool,
    stopped: bool,
}

impl<R: Read> CsvReader<R> {
    /// Finds the delimiter and the header row and plans the columns. Errors when the file
    /// is empty, a mapped column is missing, or no column can name a contact.
    pub fn new(reader: R, options: &CsvOptions) -> Result<CsvReader<R>, ParseError> {
        let io_err = |e: io::Error| ParseError::new(1, Reason::Io(e.to_string()));
        let mut decoded = LfOnly::new(Decoded::new(reader).map_err(io_err)?);
        let mut prefix = Vec::with_capacity(SNIFF_BYTES);
        (&mut decoded)
            .take(SNIFF_BYTES as u64)
            .read_to_end(&mut prefix)
            .map_err(io_err)?;
        let delimiter = options
            .delimiter
            .unwrap_or_else(|| sniff_delimiter(&prefix));
        let (skip, found) = find_header(&prefix, delimiter, options.format);
        let mut rows = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .buffer_capacity(64 * 1024)
            .from_reader(io::Cursor::new(prefix).chain(decoded));
        let mut record = ByteRecord::new();
        for _ in 0..=skip {
            match rows.read_byte_record(&mut record) {
                Ok(true) => {}
                Ok(false) => return Err(ParseError::new(1, Reason::Empty)),
                Err(e) => return Err(csv_error(&e)),
            }
        }
        let header_line = start_line(&rows, &record);
        let headers = header_strings(&record);
        let format = found.or(options.format).unwrap_or(CsvFormat::Generic);
        let plan = Plan::new(format, headers, &options.mapping)
            .map_err(|r| ParseError::new(header_line, r))?;
        Ok(CsvReader {
            rows,
            plan,
            header_line,
            record,
            skip_photos: options.skip_photos,
            stopped: false,
        })
    }

    /// The dialect read (recognized or given).
    pub fn format(&self) -> CsvFormat {
        self.plan.format
    }

    /// The header row's line (after LinkedIn's preamble, say).
    pub fn header_line(&self) -> usize {
        self.header_line
    }

    /// The header row as read.
    pub fn headers(&self) -> &[String] {
        &self.plan.headers
    }

    fn row(&self, line: usize) -> Result<Option<ContactCard>, ParseError> {
        let rec = &self.record;
        let err = |reason| ParseError::new(line, reason);
        if rec.iter().all(|f| f.trim_ascii().is_empty()) {
            return Ok(None);
        }
        let end_line = self.rows.position().line();
        let lines = end_line.saturating_sub(u64::try_from(line).unwrap_or(u64::MAX));
        if rec.as_slice().len() > MAX_ROW_BYTES || lines > MAX_ROW_LINES {
            return Err(err(Reason::RunawayRow {
                lines,
                bytes: rec.as_slice().len(),
            }));
        }
        let expected = self.plan.headers.len();
        if rec.len() > expected
            && rec
                .iter()
                .skip(expected)
                .any(|f| !f.trim_ascii().is_empty())
        {
            return Err(err(Reason::TooManyFields {
                found: rec.len(),
                expected,
            }));
        }
        let mut row = Row::new(&self.plan, line);
        for &(idx, target) in &self.plan.columns {
            let Some(raw) = rec.get(idx) else { continue };
            let value = text(raw);
            let value = value.trim();
            if !value.is_empty() {
                row.set(target, value, self.header(idx), self.skip_photos);
            }
        }
        row.finish(self.plan.format).map(Some).map_err(err)
    }

    fn header(&self, idx: usize) -> &str {
        self.plan.headers.get(idx).map_or("", String::as_str)
    }
}

impl<R: Read> Iterator for CsvReader<R> {
    type Item = Result<ContactCard, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.stopped {
            match self.rows.read_byte_record(&mut self.record) {
                Ok(false) => self.stopped = true,
                Ok(true) => {
                    let line = start_line(&self.rows, &self.record);
                    match self.row(line) {
                        Ok(None) => {}
                        Ok(Some(card)) => return Some(Ok(card)),
                        Err(e) => return Some(Err(e)),
                    }
                }
                Err(e) => {
                    self.stopped = e.is_io_error();
                    return Some(Err(csv_error(&e)));
                }
            }
        }
        None
    }
}

/// The physical line where the record just read starts. The csv crate's own record
/// position is taken before blank lines are skipped, so it is counted back from the end:
/// the end line, less the line breaks inside quoted fields, less the record's own line
/// break. [`LfOnly`] ends the stream with a LF, so every record has one, but for a last
/// record whose quote never closes: that LF is inside the field.
fn start_line<R: Read>(rows: &::csv::Reader<Source<R>>, rec: &ByteRecord) -> usize {
    let end = rows.position().line();
    let inner = rec.as_slice().iter().filter(|&&b| b == b'\n').count();
    let source = rows.get_ref().get_ref().1;
    let at_end = source.finished() == Some(rows.position().byte());
    let own_break = u64::from(!(at_end && source.odd_quotes()));
    let start = end
        .saturating_sub(u64::try_from(inner).unwrap_or(u64::MAX))
        .saturating_sub(own_break)
        .max(1);
    usize::try_from(start).unwrap_or(usize::MAX)
}

fn csv_error(e: &::csv::Error) -> ParseError {
    let line = e
        .position()
        .map_or(1, |p| usize::try_from(p.line()).unwrap_or(usize::MAX));
    let reason = match e.kind() {
        ::csv::ErrorKind::Io(io) => Reason::Io(io.to_string()),
        _ => Reason::Io(e.to_string()),
    };
    ParseError::new(line, reason)
}

/// A field as text: UTF-8, or else Windows-1252 (what Outlook writes on Western systems).
fn text(raw: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(raw) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => encoding_rs::WINDOWS_1252.decode_without_bom_handling(raw).0,
    }
}

fn header_strings(rec: &ByteRecord) -> Vec<String> {
    rec.iter()
        .map(|f| {
            text(f)
                .trim()
                .trim_start_matches('\u{feff}')
                .trim()
                .to_string()
        })
        .collect()
}

/// The delimiter of the header row: the first line split by any of `,` `;` tab `|`
/// (outside quotes) says which one, the most frequent there (`,` on a tie). Lines of a
/// preamble (LinkedIn's notes) split by none are passed over.
fn sniff_delimiter(prefix: &[u8]) -> u8 {
    for line in prefix.split(|&b| b == b'\n').take(MAX_PREAMBLE) {
        let mut best = (0, b',');
        for d in [b',', b';', b'\t', b'|'] {
            let mut quoted = false;
            let mut n = 0;
            for &b in line {
                if b == b'"' {
                    quoted = !quoted;
                } else if b == d && !quoted {
                    n += 1;
                }
            }
            if n > best.0 {
                best = (n, d);
            }
        }
        if best.0 > 0 {
            return best.1;
        }
    }
    b','
}

/// How many records precede the header row, and the format that header shows. Without
/// a recognizable header (or with `Generic` asked for), the first record is the header.
fn find_header(
    prefix: &[u8],
    delimiter: u8,
    asked: Option<CsvFormat>,
) -> (usize, Option<CsvFormat>) {
    if asked == Some(CsvFormat::Generic) {
        return (0, None);
    }
    let mut rdr = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(prefix);
    let mut rec = ByteRecord::new();
    for i in 0..MAX_PREAMBLE {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            _ => break,
        }
        let found = columns::classify(&header_strings(&rec));
        if found.is_some() && (asked.is_none() || asked == found) {
            return (i, found);
        }
    }
    (0, None)
}

/// What a header row says, for [`crate::detect`].
pub(crate) fn sniff_format(prefix: &[u8]) -> Option<CsvFormat> {
    let delimiter = sniff_delimiter(prefix);
    if let (_, Some(f)) = find_header(prefix, delimiter, None) {
        return Some(f);
    }
    let mut rdr = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(prefix);
    let mut rec = ByteRecord::new();
    match rdr.read_byte_record(&mut rec) {
        Ok(true) if rec.len() >= 2 || columns::looks_like_contacts(&header_strings(&rec)) => {
            Some(CsvFormat::Generic)
        }
        _ => None,
    }
}

#[derive(Default)]
struct Slot {
    value: Option<String>,
    label: Option<String>,
    fixed: Option<&'static str>,
}

#[derive(Default)]
struct AddressSlot {
    parts: [Option<String>; 9],
    fixed: Option<&'static str>,
}

/// One row being read.
struct Row {
    card: ContactCard,
    parts: NameParts,
    file_as: Option<String>,
    lists: [Vec<Slot>; 4],
    addresses: Vec<AddressSlot>,
    notes: Vec<String>,
}

impl Row {
    fn new(plan: &Plan, line: usize) -> Row {
        let slots = |n: usize| (0..n).map(|_| Slot::default()).collect::<Vec<_>>();
        let mut card = ContactCard::named("");
        card.line = line;
        Row {
            card,
            parts: NameParts::default(),
            file_as: None,
            lists: [
                slots(plan.slots[0]),
                slots(plan.slots[1]),
                slots(plan.slots[2]),
                slots(plan.slots[3]),
            ],
            addresses: (0..plan.address_slots)
                .map(|_| AddressSlot::default())
                .collect(),
            notes: Vec::new(),
        }
    }

    fn set(&mut self, target: Target, v: &str, header: &str, skip_photos: bool) {
        let first = |slot: &mut Option<String>| {
            if slot.is_none() {
                *slot = Some(v.to_string());
            }
        };
        match target {
            Target::Name => {
                if self.card.name.is_empty() {
                    self.card.name = v.to_string();
                }
            }
            Target::Given => first(&mut self.parts.given),
            Target::Middle => first(&mut self.parts.middle),
            Target::Family => first(&mut self.parts.family),
            Target::Suffix => first(&mut self.parts.suffix),
            Target::Nickname => first(&mut self.card.nickname),
            Target::FileAs => first(&mut self.file_as),
            Target::Organization => first(&mut self.card.organization),
            Target::Title => first(&mut self.card.title),
            Target::TimeZone => first(&mut self.card.time_zone),
            Target::SourceId => {
                if self.card.source_id.is_empty() {
                    self.card.source_id = v.to_string();
                }
            }
            Target::Photo => {
                if !skip_photos {
                    first(&mut self.card.photo);
                }
            }
            Target::Note => self.notes.push(v.replace("\r\n", "\n")),
            Target::Tags => match self.format_tags(v) {
                TagSplit::Google => push_tags(&mut self.card.tags, v.split(":::")),
                TagSplit::Any => push_tags(
                    &mut self.card.tags,
                    v.split(":::").flat_map(|t| t.split([';', ',', '|'])),
                ),
            },
            Target::Birthday | Target::Anniversary => {
                let date = self.date(v, header);
                let slot = if target == Target::Birthday {
                    &mut self.card.birthday
                } else {
                    &mut self.card.anniversary
                };
                if slot.is_none() {
                    *slot = date;
                }
            }
            Target::ConnectedOn => match parse_civil(v) {
                Some(d) => self.card.connected_on = Some(d),
                None => self.bad_date(v, header),
            },
            Target::Value { list, slot, label } => {
                if let Some(s) = self.lists[list as usize].get_mut(slot) {
                    first(&mut s.value);
                    s.fixed = label;
                }
            }
            Target::Label { list, slot } => {
                if let Some(s) = self.lists[list as usize].get_mut(slot) {
                    s.label = clean_label(v);
                }
            }
            Target::Address { slot, part, label } => {
                if let Some(a) = self.addresses.get_mut(slot) {
                    let p = &mut a.parts[part as usize];
                    match p {
                        Some(existing) if part == AddrPart::Street => {
                            existing.push_str(", ");
                            existing.push_str(v);
                        }
                        Some(_) => {}
                        None => *p = Some(v.to_string()),
                    }
                    a.fixed = a.fixed.or(label);
                }
            }
        }
    }

    /// Google separates labels with ` ::: ` and may put commas in one; others use `;` or `,`.
    fn format_tags(&self, v: &str) -> TagSplit {
        if v.contains(":::") {
            TagSplit::Google
        } else {
            TagSplit::Any
        }
    }

    fn date(&mut self, v: &str, header: &str) -> Option<rapport_core::AnnualDate> {
        match parse_loose_date(v) {
            Ok(d) => d,
            Err(()) => {
                self.bad_date(v, header);
                None
            }
        }
    }

    fn bad_date(&mut self, v: &str, header: &str) {
        let reason = Reason::BadDate {
            property: header.to_string(),
            value: v.chars().take(40).collect(),
        };
        self.card
            .warnings
            .push(ParseError::new(self.card.line, reason));
    }

    fn finish(mut self, format: CsvFormat) -> Result<ContactCard, Reason> {
        let mut c = self.card;
        let [emails, phones, urls, events] = self.lists;
        c.emails = labeled(emails);
        c.phones = labeled(phones);
        c.urls = labeled(urls);
        for e in labeled(events) {
            let is = |l: &str| {
                e.label
                    .as_deref()
                    .is_some_and(|x| x.eq_ignore_ascii_case(l))
            };
            let date = parse_loose_date(&e.value).ok().flatten();
            if is("anniversary") && c.anniversary.is_none() {
                c.anniversary = date;
            } else if is("birthday") && c.birthday.is_none() {
                c.birthday = date;
            }
        }
        c.addresses = self.addresses.into_iter().filter_map(address).collect();
        c.note = non_empty(&std::mem::take(&mut self.notes).join("\n\n"));
        c.given_name = self.parts.given.clone();
        c.family_name = self.parts.family.clone();
        if format == CsvFormat::LinkedIn {
            if c.name.is_empty() && self.parts.display().is_empty() {
                return Err(Reason::MissingName);
            }
            if c.source_id.is_empty()
                && let Some(u) = c.urls.first()
            {
                c.source_id = u.value.clone();
            }
        }
        if c.name.is_empty()
            && self.parts.display().is_empty()
            && let Some(f) = self.file_as.take()
        {
            c.name = f;
        }
        c.finish(&self.parts).map_err(|()| Reason::EmptyRow)?;
        Ok(c)
    }
}

enum TagSplit {
    Google,
    Any,
}

/// Values of slots, Google's ` ::: ` multi-values split, each with its slot's label.
fn labeled(slots: Vec<Slot>) -> Vec<Labeled> {
    let mut out = Vec::new();
    for s in slots {
        let Some(v) = s.value else { continue };
        let label = s.label.or_else(|| s.fixed.map(str::to_string));
        if !v.contains(":::") {
            out.push(Labeled::new(v, label));
            continue;
        }
        for part in v.split(":::") {
            if let Some(p) = non_empty(part) {
                out.push(Labeled::new(p, label.clone()));
            }
        }
    }
    out
}

fn address(a: AddressSlot) -> Option<Address> {
    let [
        label,
        formatted,
        street,
        extended,
        po_box,
        city,
        region,
        postal_code,
        country,
    ] = a.parts;
    let street_line: Vec<String> = [street, extended, po_box].into_iter().flatten().collect();
    let mut addr = Address {
        label: label
            .and_then(|l| clean_label(&l))
            .or_else(|| a.fixed.map(str::to_string)),
        street: non_empty(&street_line.join(", ")),
        city,
        region,
        postal_code,
        country,
    };
    if addr.is_empty() {
        let f = formatted?;
        let one_line: Vec<&str> = f.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        addr.street = non_empty(&one_line.join(", "));
    }
    (!addr.is_empty()).then_some(addr)
}

#[cfg(test)]
mod tests;
