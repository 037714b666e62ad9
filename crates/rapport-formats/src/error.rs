//! Errors and warnings: every one names the line of the fault.

/// A record (a card, a row, a calendar) that could not be read, and where.
///
/// Displayed as `line 12: card not terminated (no END:VCARD)`. Also used for warnings
/// attached to a record that was read (a birthday that is not a date, a broken photo).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct ParseError {
    /// 1-based line in the file (the physical line, counting folded and quoted lines).
    pub line: usize,
    pub reason: Reason,
}

impl ParseError {
    pub fn new(line: usize, reason: Reason) -> ParseError {
        ParseError { line, reason }
    }
}

impl serde::Serialize for ParseError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("ParseError", 2)?;
        st.serialize_field("line", &self.line)?;
        st.serialize_field("message", &self.reason.to_string())?;
        st.end()
    }
}

/// Why a record was rejected, or why part of it was ignored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Reason {
    // vCard structure.
    #[error("card not terminated (no END:VCARD)")]
    Unterminated,
    #[error("BEGIN:VCARD inside the card started at line {outer} (missing END:VCARD?)")]
    NestedBegin { outer: usize },
    #[error("`{0}` outside a card (expected BEGIN:VCARD)")]
    OutsideCard(String),
    #[error("card has more than {0} properties")]
    TooManyProperties(usize),
    #[error("card is a group, not a contact")]
    Group,
    #[error("card has no name (no FN, N, ORG, email or phone)")]
    NoName,
    // Lines and bytes.
    #[error("NUL byte in the line")]
    NulByte,
    #[error("line is longer than {0} bytes")]
    LineTooLong(usize),
    #[error("invalid UTF-8 in {0} (no CHARSET parameter says otherwise)")]
    InvalidUtf8(String),
    #[error("unknown CHARSET `{0}`")]
    UnknownCharset(String),
    #[error("no colon in `{0}`")]
    NoColon(String),
    // Values (usually warnings: the value is ignored, the record kept).
    #[error("{property} `{value}` is not a date")]
    BadDate { property: String, value: String },
    #[error("{0}")]
    BadPhoto(String),
    // CSV.
    #[error("the file is empty (no header row)")]
    Empty,
    #[error("the mapped column `{0}` is not in the header (columns: {1})")]
    MissingColumn(String, String),
    #[error(
        "no column holds a name, organization, email or phone (columns: {0}); map one as COLUMN=name"
    )]
    NothingMapped(String),
    #[error("row has {found} fields but the header has {expected}")]
    TooManyFields { found: usize, expected: usize },
    #[error("row spans {lines} lines and {bytes} bytes: an unclosed quote?")]
    RunawayRow { lines: u64, bytes: usize },
    #[error("no name, organization, email or phone in this row")]
    EmptyRow,
    #[error("row has no name")]
    MissingName,
    #[error("read error: {0}")]
    Io(String),
    // iCalendar.
    #[error("expected {expected}, found `{found}`")]
    Unexpected {
        expected: &'static str,
        found: String,
    },
    #[error("{0} not terminated (no END:{0})")]
    Unclosed(String),
    #[error("event has no {0}")]
    MissingProperty(&'static str),
    #[error("components nested deeper than {0} levels")]
    TooDeep(usize),
}
