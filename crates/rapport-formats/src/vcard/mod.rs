//! vCard: 2.1, 3.0 and 4.0 in (as Google, Apple, Outlook and Android write them), 4.0 out.
//!
//! Reading is two steps: [`Cards`] cuts the input into cards of properties (unfolding
//! lines, joining quoted-printable soft breaks, checking each line), then `build` turns one
//! card's properties into a [`ContactCard`]. A fault rejects its own card only: the reader
//! resynchronises on the next `BEGIN:VCARD`.

mod build;
mod write;

use std::io::{BufReader, Read};

pub use write::{write, write_card};

use crate::csv::decode::Decoded;
use crate::text::{Line, MAX_LINE, MAX_LOGICAL_LINE, StreamLines};
use crate::{ContactCard, ParseError, Reason};

/// A card with more properties than this is rejected.
pub const MAX_PROPERTIES: usize = 10_000;

/// What the vCard reader keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// Leave `photo` empty (photos are the bulk of most exports).
    pub skip_photos: bool,
}

/// Reads every card of `input` (a whole `.vcf` file, UTF-8 with or without BOM, or UTF-16
/// with a BOM). Each item is a card or the reason one card was rejected.
pub fn read(input: &[u8], options: ReadOptions) -> Cards<&[u8]> {
    read_from(input, options)
}

/// Reads the cards of a stream as [`read`] reads those of a slice, holding one card (and
/// at most [`MAX_LOGICAL_LINE`] bytes of a line) in memory at a time. A read error
/// rejects the card being read with [`Reason::Io`] and ends the cards.
pub fn read_from<R: Read>(input: R, options: ReadOptions) -> Cards<R> {
    let (lines, error) = match Decoded::new(input) {
        Ok(d) => (
            Some(StreamLines::new(BufReader::with_capacity(64 * 1024, d))),
            None,
        ),
        Err(e) => (None, Some(ParseError::new(1, Reason::Io(e.to_string())))),
    };
    Cards {
        lines,
        error,
        pending: None,
        options,
        in_stray: false,
    }
}

/// Iterator over the cards of one input; see [`read`] and [`read_from`].
pub struct Cards<R> {
    /// `None` once a read error ended the input.
    lines: Option<StreamLines<BufReader<Decoded<R>>>>,
    /// A read error not reported yet.
    error: Option<ParseError>,
    /// A line read too far (the `BEGIN:VCARD` that ended a card without `END:VCARD`),
    /// handed out again first.
    pending: Option<Logical>,
    options: ReadOptions,
    /// Inside a run of lines outside any card (reported once per run).
    in_stray: bool,
}

/// One unfolded content line, or the fault found in it.
struct Logical {
    line: usize,
    bytes: Vec<u8>,
    fault: Option<Reason>,
}

impl Logical {
    /// `BEGIN:VCARD`, `END:VCARD` and the like, case and surrounding blanks ignored.
    fn is(&self, what: &str) -> bool {
        self.bytes
            .trim_ascii()
            .eq_ignore_ascii_case(what.as_bytes())
    }
}

impl<R: Read> Cards<R> {
    fn next_logical(&mut self) -> Option<Logical> {
        if let Some(l) = self.pending.take() {
            return Some(l);
        }
        let lines = self.lines.as_mut()?;
        let Some(first) = lines.next() else {
            let error = lines
                .take_error()
                .map(|e| ParseError::new(lines.next_no(), Reason::Io(e.to_string())));
            if error.is_some() {
                self.error = error;
                self.lines = None;
            }
            return None;
        };
        let start_line = first.no;
        let mut fault = check_physical(&first);
        // The unfolded length, counting the input's lines at their full length.
        let mut len = first.len;
        let mut bytes = first.bytes;
        while let Some(next) = lines.peek() {
            let soft_break =
                bytes.last() == Some(&b'=') && is_quoted_printable(&bytes) && !is_end(&next.bytes);
            let (skip, rest) = match next.bytes.as_slice() {
                _ if soft_break => (0, next.bytes.as_slice()),
                [b' ' | b'\t', rest @ ..] => (1, rest),
                _ => break,
            };
            if soft_break {
                bytes.pop();
                len -= 1;
            }
            if len + next.len - skip <= MAX_LOGICAL_LINE {
                bytes.extend_from_slice(rest);
                len += next.len - skip;
            } else {
                fault = fault.or(Some(Reason::LineTooLong(MAX_LOGICAL_LINE)));
            }
            fault = fault.or_else(|| check_physical(next));
            lines.next();
        }
        Some(Logical {
            line: start_line,
            bytes,
            fault,
        })
    }

    /// Reads one card after its `BEGIN:VCARD` line.
    fn read_card(&mut self, begin: usize) -> Result<ContactCard, ParseError> {
        let mut props = Vec::new();
        let mut warnings = Vec::new();
        let mut fault: Option<ParseError> = None;
        loop {
            let Some(l) = self.next_logical() else {
                return Err(self
                    .error
                    .take()
                    .unwrap_or_else(|| ParseError::new(begin, Reason::Unterminated)));
            };
            if let Some(reason) = l.fault {
                fault = fault.or(Some(ParseError::new(l.line, reason)));
                continue;
            }
            if l.bytes.trim_ascii().is_empty() {
                continue;
            }
            if l.is("END:VCARD") {
                break;
            }
            if l.is("BEGIN:VCARD") {
                let line = l.line;
                self.pending = Some(l);
                return Err(ParseError::new(line, Reason::NestedBegin { outer: begin }));
            }
            if fault.is_some() {
                continue;
            }
            if props.len() >= MAX_PROPERTIES {
                fault = Some(ParseError::new(
                    l.line,
                    Reason::TooManyProperties(MAX_PROPERTIES),
                ));
                continue;
            }
            match build::Prop::parse(l.line, &l.bytes) {
                Ok(p) => props.push(p),
                Err(reason) => warnings.push(ParseError::new(l.line, reason)),
            }
        }
        if let Some(f) = fault {
            return Err(f);
        }
        let mut card = build::build(&props, begin, self.options)?;
        warnings.append(&mut card.warnings);
        card.warnings = warnings;
        Ok(card)
    }
}

impl<R: Read> Iterator for Cards<R> {
    type Item = Result<ContactCard, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let Some(l) = self.next_logical() else {
                return self.error.take().map(Err);
            };
            if l.is("BEGIN:VCARD") {
                self.in_stray = false;
                return Some(self.read_card(l.line));
            }
            if l.bytes.trim_ascii().is_empty() || self.in_stray {
                continue;
            }
            self.in_stray = true;
            let reason = l
                .fault
                .unwrap_or_else(|| Reason::OutsideCard(preview(&l.bytes)));
            return Some(Err(ParseError::new(l.line, reason)));
        }
    }
}

fn check_physical(line: &Line) -> Option<Reason> {
    if line.len > MAX_LINE {
        Some(Reason::LineTooLong(MAX_LINE))
    } else if line.bytes.contains(&0) {
        Some(Reason::NulByte)
    } else {
        None
    }
}

fn is_end(line: &[u8]) -> bool {
    line.trim_ascii().eq_ignore_ascii_case(b"END:VCARD")
}

/// Whether the parameters (before the first colon) say QUOTED-PRINTABLE.
fn is_quoted_printable(line: &[u8]) -> bool {
    let head = line
        .iter()
        .position(|&b| b == b':')
        .map_or(line, |i| &line[..i]);
    head.windows(16)
        .any(|w| w.eq_ignore_ascii_case(b"QUOTED-PRINTABLE"))
}

/// The start of a line for an error message: at most 40 characters.
pub(crate) fn preview(bytes: &[u8]) -> String {
    let s = String::from_utf8_lossy(bytes.get(..bytes.len().min(160)).unwrap_or_default());
    let t = s.trim();
    let mut out: String = t.chars().take(40).filter(|c| !c.is_control()).collect();
    if t.chars().count() > 40 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests;
