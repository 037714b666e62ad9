//! vCard: 2.1, 3.0 and 4.0 in (as Google, Apple, Outlook and Android write them), 4.0 out.
//!
//! Reading is two steps: [`Cards`] cuts the input into cards of properties (unfolding
//! lines, joining quoted-printable soft breaks, checking each line), then `build` turns one
//! card's properties into a [`ContactCard`]. A fault rejects its own card only: the reader
//! resynchronises on the next `BEGIN:VCARD`.

mod build;
mod write;

use std::borrow::Cow;

pub use write::{write, write_card};

use crate::text::{MAX_LINE, MAX_LOGICAL_LINE, PhysicalLines};
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
pub fn read(input: &[u8], options: ReadOptions) -> Cards<'_> {
    let src: Cow<'_, [u8]> = match input {
        [0xEF, 0xBB, 0xBF, rest @ ..] => Cow::Borrowed(rest),
        [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..] => {
            let (text, _, _) = encoding_rs::UTF_16LE.decode(input);
            Cow::Owned(text.into_owned().into_bytes())
        }
        _ => Cow::Borrowed(input),
    };
    Cards {
        src,
        cursor: Cursor { pos: 0, line: 1 },
        options,
        in_stray: false,
    }
}

/// Iterator over the cards of one input; see [`read`].
pub struct Cards<'a> {
    src: Cow<'a, [u8]>,
    cursor: Cursor,
    options: ReadOptions,
    /// Inside a run of lines outside any card (reported once per run).
    in_stray: bool,
}

/// Where the reader stands: byte offset and the number of the next physical line.
#[derive(Debug, Clone, Copy)]
struct Cursor {
    pos: usize,
    line: usize,
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

impl Cards<'_> {
    fn next_logical(&mut self) -> Option<Logical> {
        let src = self.src.get(self.cursor.pos..).unwrap_or_default();
        let mut lines = PhysicalLines::new(src);
        let (_, first) = lines.next()?;
        let start_line = self.cursor.line;
        let mut fault = check_physical(first);
        let mut bytes = first.to_vec();
        while let Some(next) = lines.peek() {
            let soft_break =
                bytes.last() == Some(&b'=') && is_quoted_printable(&bytes) && !is_end(next);
            if soft_break {
                bytes.pop();
                bytes.extend_from_slice(next);
            } else if let [b' ' | b'\t', rest @ ..] = next {
                if bytes.len() + rest.len() <= MAX_LOGICAL_LINE {
                    bytes.extend_from_slice(rest);
                } else {
                    fault = fault.or(Some(Reason::LineTooLong(MAX_LOGICAL_LINE)));
                }
            } else {
                break;
            }
            fault = fault.or_else(|| check_physical(next));
            lines.next();
        }
        let consumed = src.len() - lines.remaining();
        self.cursor.pos += consumed;
        self.cursor.line = start_line + lines.next_no() - 1;
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
            let before = self.cursor;
            let Some(l) = self.next_logical() else {
                return Err(ParseError::new(begin, Reason::Unterminated));
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
                self.cursor = before;
                return Err(ParseError::new(
                    l.line,
                    Reason::NestedBegin { outer: begin },
                ));
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

impl Iterator for Cards<'_> {
    type Item = Result<ContactCard, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let l = self.next_logical()?;
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

fn check_physical(line: &[u8]) -> Option<Reason> {
    if line.len() > MAX_LINE {
        Some(Reason::LineTooLong(MAX_LINE))
    } else if line.contains(&0) {
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
