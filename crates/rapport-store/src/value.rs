//! The values that cross the storage boundary, the same for both engines.
//!
//! Only these SQL types are used by the schema: TEXT, BIGINT, DOUBLE PRECISION and NULL,
//! and bytes (`BLOB` on SQLite, `bytea` on PostgreSQL) for the one large binary
//! document, the kept network graph.
//! Timestamps are BIGINT microseconds since the Unix epoch; dates are TEXT `YYYY-MM-DD`.

use jiff::Timestamp;
use jiff::civil::Date;
use rapport_core::Id;

use crate::StoreError;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Bytes(Vec<u8>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(v)
    }
}
impl From<u32> for Value {
    fn from(v: u32) -> Value {
        Value::Int(v as i64)
    }
}
impl From<i32> for Value {
    fn from(v: i32) -> Value {
        Value::Int(v as i64)
    }
}
impl From<u8> for Value {
    fn from(v: u8) -> Value {
        Value::Int(v as i64)
    }
}
impl From<i8> for Value {
    fn from(v: i8) -> Value {
        Value::Int(v as i64)
    }
}
impl From<u16> for Value {
    fn from(v: u16) -> Value {
        Value::Int(v as i64)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Int(v as i64)
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Value {
        Value::Real(v)
    }
}
impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(v)
    }
}
impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Value {
        Value::Bytes(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(v.to_string())
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Value {
        Value::Text(v.clone())
    }
}
impl From<&Id> for Value {
    fn from(v: &Id) -> Value {
        Value::Text(v.as_str().to_string())
    }
}
impl From<Id> for Value {
    fn from(v: Id) -> Value {
        Value::Text(v.as_str().to_string())
    }
}
impl From<Timestamp> for Value {
    fn from(v: Timestamp) -> Value {
        Value::Int(micros(v))
    }
}
impl From<Date> for Value {
    fn from(v: Date) -> Value {
        Value::Text(v.to_string())
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map(Into::into).unwrap_or(Value::Null)
    }
}

/// Microseconds since the epoch: the stored form of a timestamp.
pub fn micros(t: Timestamp) -> i64 {
    t.as_microsecond()
}

pub fn from_micros(v: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_microsecond(v).map_err(|e| StoreError::Corrupt(format!("timestamp {v}: {e}")))
}

/// One result row: its values by column position.
#[derive(Debug, Clone, PartialEq)]
pub struct Row(pub Vec<Value>);

impl Row {
    fn at(&self, i: usize) -> Result<&Value, StoreError> {
        self.0
            .get(i)
            .ok_or_else(|| StoreError::Corrupt(format!("column {i} missing")))
    }

    pub fn text(&self, i: usize) -> Result<String, StoreError> {
        match self.at(i)? {
            Value::Text(s) => Ok(s.clone()),
            Value::Int(v) => Ok(v.to_string()),
            other => Err(StoreError::Corrupt(format!(
                "column {i}: expected text, found {other:?}"
            ))),
        }
    }

    pub fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError> {
        match self.at(i)? {
            Value::Null => Ok(None),
            _ => self.text(i).map(Some),
        }
    }

    pub fn i64(&self, i: usize) -> Result<i64, StoreError> {
        self.cell(i)?.int(i)
    }

    pub fn opt_i64(&self, i: usize) -> Result<Option<i64>, StoreError> {
        self.cell(i)?.opt_int(i)
    }

    pub fn id(&self, i: usize) -> Result<Id, StoreError> {
        let s = self.text(i)?;
        Id::parse(&s).map_err(|_| StoreError::Corrupt(format!("column {i}: `{s}` is not an id")))
    }

    pub fn timestamp(&self, i: usize) -> Result<Timestamp, StoreError> {
        from_micros(self.i64(i)?)
    }

    pub fn date(&self, i: usize) -> Result<Date, StoreError> {
        let s = self.text(i)?;
        parse_date(&s)
            .ok_or_else(|| StoreError::Corrupt(format!("column {i}: `{s}` is not a date")))
    }

    /// Parses a column holding a JSON document.
    pub fn json<T: serde::de::DeserializeOwned>(&self, i: usize) -> Result<T, StoreError> {
        (self as &dyn Cells).json(i)
    }
}

/// One value of a row read in place (text borrowed from the driver, nothing copied), or
/// one value bound by a bulk insert (text borrowed from the records being written).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
    Bytes(&'a [u8]),
}

impl<'a> From<&'a Value> for Cell<'a> {
    fn from(v: &'a Value) -> Cell<'a> {
        match v {
            Value::Null => Cell::Null,
            Value::Int(v) => Cell::Int(*v),
            Value::Real(v) => Cell::Real(*v),
            Value::Text(s) => Cell::Text(s),
            Value::Bytes(b) => Cell::Bytes(b),
        }
    }
}
impl<'a> From<&'a str> for Cell<'a> {
    fn from(v: &'a str) -> Cell<'a> {
        Cell::Text(v)
    }
}
impl<'a> From<&'a String> for Cell<'a> {
    fn from(v: &'a String) -> Cell<'a> {
        Cell::Text(v)
    }
}
impl<'a> From<&'a Id> for Cell<'a> {
    fn from(v: &'a Id) -> Cell<'a> {
        Cell::Text(v.as_str())
    }
}
impl From<i64> for Cell<'_> {
    fn from(v: i64) -> Self {
        Cell::Int(v)
    }
}
impl From<bool> for Cell<'_> {
    fn from(v: bool) -> Self {
        Cell::Int(v as i64)
    }
}
impl From<Timestamp> for Cell<'_> {
    fn from(v: Timestamp) -> Self {
        Cell::Int(micros(v))
    }
}
impl<'a, T: Into<Cell<'a>>> From<Option<T>> for Cell<'a> {
    fn from(v: Option<T>) -> Cell<'a> {
        v.map(Into::into).unwrap_or(Cell::Null)
    }
}

impl<'a> Cell<'a> {
    pub fn int(self, i: usize) -> Result<i64, StoreError> {
        match self {
            Cell::Int(v) => Ok(v),
            Cell::Real(v) => Ok(v as i64),
            Cell::Text(s) => s
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("column {i}: `{s}` is not an integer"))),
            Cell::Null => Err(StoreError::Corrupt(format!("column {i}: unexpected NULL"))),
            Cell::Bytes(_) => Err(StoreError::Corrupt(format!(
                "column {i}: expected an integer, found bytes"
            ))),
        }
    }

    pub fn opt_int(self, i: usize) -> Result<Option<i64>, StoreError> {
        match self {
            Cell::Null => Ok(None),
            _ => self.int(i).map(Some),
        }
    }

    pub fn opt_str(self, i: usize) -> Result<Option<&'a str>, StoreError> {
        match self {
            Cell::Null => Ok(None),
            Cell::Text(s) => Ok(Some(s)),
            other => Err(StoreError::Corrupt(format!(
                "column {i}: expected text, found {other:?}"
            ))),
        }
    }

    pub fn str(self, i: usize) -> Result<&'a str, StoreError> {
        self.opt_str(i)?
            .ok_or_else(|| StoreError::Corrupt(format!("column {i}: unexpected NULL")))
    }

    /// The bytes of a bytes column (or of a text one).
    pub fn bytes(self, i: usize) -> Result<&'a [u8], StoreError> {
        match self {
            Cell::Bytes(b) => Ok(b),
            Cell::Text(s) => Ok(s.as_bytes()),
            other => Err(StoreError::Corrupt(format!(
                "column {i}: expected bytes, found {other:?}"
            ))),
        }
    }
}

/// A row read in place by [`crate::conn::Conn::for_each`]: its cells by position.
pub trait Cells {
    fn cell(&self, i: usize) -> Result<Cell<'_>, StoreError>;
}

impl Cells for Row {
    fn cell(&self, i: usize) -> Result<Cell<'_>, StoreError> {
        self.at(i).map(Cell::from)
    }
}

impl dyn Cells + '_ {
    pub fn str(&self, i: usize) -> Result<&str, StoreError> {
        self.cell(i)?.str(i)
    }

    pub fn opt_str(&self, i: usize) -> Result<Option<&str>, StoreError> {
        self.cell(i)?.opt_str(i)
    }

    pub fn bytes(&self, i: usize) -> Result<&[u8], StoreError> {
        self.cell(i)?.bytes(i)
    }

    pub fn i64(&self, i: usize) -> Result<i64, StoreError> {
        self.cell(i)?.int(i)
    }

    pub fn opt_i64(&self, i: usize) -> Result<Option<i64>, StoreError> {
        self.cell(i)?.opt_int(i)
    }

    pub fn id(&self, i: usize) -> Result<Id, StoreError> {
        let s = self.str(i)?;
        Id::parse(s).map_err(|_| StoreError::Corrupt(format!("column {i}: `{s}` is not an id")))
    }

    pub fn timestamp(&self, i: usize) -> Result<Timestamp, StoreError> {
        from_micros(self.i64(i)?)
    }

    pub fn opt_timestamp(&self, i: usize) -> Result<Option<Timestamp>, StoreError> {
        self.opt_i64(i)?.map(from_micros).transpose()
    }

    /// Parses a column holding a JSON document.
    pub fn json<T: serde::de::DeserializeOwned>(&self, i: usize) -> Result<T, StoreError> {
        serde_json::from_str(self.str(i)?)
            .map_err(|e| StoreError::Corrupt(format!("column {i}: bad document: {e}")))
    }

    pub fn date(&self, i: usize) -> Result<Date, StoreError> {
        self.opt_date(i)?
            .ok_or_else(|| StoreError::Corrupt(format!("column {i}: unexpected NULL")))
    }

    /// A date column that may be `NULL`, read once.
    pub fn opt_date(&self, i: usize) -> Result<Option<Date>, StoreError> {
        match self.opt_str(i)? {
            Some(s) => parse_date(s)
                .map(Some)
                .ok_or_else(|| StoreError::Corrupt(format!("column {i}: `{s}` is not a date"))),
            None => Ok(None),
        }
    }
}

/// A stored date (`YYYY-MM-DD`), read digit by digit: the agenda reads tens of
/// thousands, and the general parser costs several times more. Anything else goes
/// through the general parser.
pub(crate) fn parse_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<i64> {
        b.get(r)?.iter().try_fold(0i64, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0'))
        })
    };
    if b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && let (Some(y), Some(m), Some(d)) = (digits(0..4), digits(5..7), digits(8..10))
    {
        return Date::new(y as i16, m as i8, d as i8).ok();
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn stored_dates_read_as_the_general_parser_reads_them(
            s in "[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9-]{10}|[0-9+-]{0,12}"
        ) {
            proptest::prop_assert_eq!(parse_date(&s), s.parse::<Date>().ok(), "{}", s);
        }
    }
}
