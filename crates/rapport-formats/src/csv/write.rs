//! CSV out: one row per contact, with the generic header that [`super::CsvReader`] maps
//! back by itself (`name`, `email`, …). Several values of one field are joined with
//! Google's ` ::: `, which the reader splits again. The convention has no escape: a value
//! that holds `:::` itself would be read back as several (a phone number cannot; an email
//! address could only with a quoted local part).

use std::io::Write;

use crate::ContactCard;

/// The header row written, in order. Every name maps back to its [`super::Field`]
/// automatically (`uid` to the source id).
pub const HEADER: &[&str] = &[
    "name",
    "given_name",
    "family_name",
    "nickname",
    "organization",
    "title",
    "email",
    "phone",
    "url",
    "street",
    "city",
    "region",
    "postal_code",
    "country",
    "birthday",
    "anniversary",
    "tags",
    "note",
    "time_zone",
    "uid",
];

/// Writes contacts as CSV rows under [`HEADER`]. Only the first address is written.
pub struct CsvWriter<W: Write> {
    out: ::csv::Writer<W>,
}

impl<W: Write> CsvWriter<W> {
    /// Starts the file with the header row.
    pub fn new(out: W) -> std::io::Result<CsvWriter<W>> {
        let mut out = ::csv::WriterBuilder::new()
            .terminator(::csv::Terminator::CRLF)
            .from_writer(out);
        out.write_record(HEADER).map_err(into_io)?;
        Ok(CsvWriter { out })
    }

    pub fn write(&mut self, c: &ContactCard) -> std::io::Result<()> {
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        let join = |v: &[rapport_core::Labeled]| {
            v.iter()
                .map(|l| l.value.as_str())
                .collect::<Vec<_>>()
                .join(" ::: ")
        };
        let a = c.addresses.first().cloned().unwrap_or_default();
        let row = [
            c.name.clone(),
            opt(&c.given_name),
            opt(&c.family_name),
            opt(&c.nickname),
            opt(&c.organization),
            opt(&c.title),
            join(&c.emails),
            join(&c.phones),
            join(&c.urls),
            opt(&a.street),
            opt(&a.city),
            opt(&a.region),
            opt(&a.postal_code),
            opt(&a.country),
            c.birthday.map(|d| d.to_string()).unwrap_or_default(),
            c.anniversary.map(|d| d.to_string()).unwrap_or_default(),
            c.tags.join(" ::: "),
            opt(&c.note),
            opt(&c.time_zone),
            c.source_id.clone(),
        ];
        self.out.write_record(&row).map_err(into_io)
    }

    /// Flushes and hands back the destination.
    pub fn finish(self) -> std::io::Result<W> {
        self.out.into_inner().map_err(|e| e.into_error())
    }
}

fn into_io(e: ::csv::Error) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

#[cfg(test)]
mod tests {
    use rapport_core::{AnnualDate, Labeled};

    use super::*;
    use crate::csv::{CsvOptions, CsvReader};

    #[test]
    fn written_rows_read_back() {
        let mut c = ContactCard::named("Ada Lovelace");
        c.given_name = Some("Ada".into());
        c.family_name = Some("Lovelace".into());
        c.organization = Some("Engines, Ltd".into());
        c.emails = vec![
            Labeled::new("ada@example.com", None),
            Labeled::new("ada@work.example", None),
        ];
        c.phones = vec![Labeled::new("+44 20 1234 5678", None)];
        c.tags = vec!["vip".into(), "maths".into()];
        c.note = Some("Line one\nline \"two\"".into());
        c.birthday = AnnualDate::new(None, 12, 10).ok();
        c.source_id = "urn:uuid:1".into();
        let mut w = CsvWriter::new(Vec::new()).unwrap_or_else(|e| panic!("{e}"));
        w.write(&c).unwrap_or_else(|e| panic!("{e}"));
        let bytes = w.finish().unwrap_or_else(|e| panic!("{e}"));
        let rows: Vec<_> = CsvReader::new(bytes.as_slice(), &CsvOptions::default())
            .unwrap_or_else(|e| panic!("{e}"))
            .collect();
        assert_eq!(rows.len(), 1);
        let back = match &rows[0] {
            Ok(b) => b,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(back.name, c.name);
        assert_eq!(back.given_name, c.given_name);
        assert_eq!(back.family_name, c.family_name);
        assert_eq!(back.organization, c.organization);
        let values = |v: &[Labeled]| v.iter().map(|l| l.value.clone()).collect::<Vec<_>>();
        assert_eq!(values(&back.emails), values(&c.emails));
        assert_eq!(values(&back.phones), values(&c.phones));
        assert_eq!(back.tags, c.tags);
        assert_eq!(back.note, c.note);
        assert_eq!(back.birthday, c.birthday);
        assert_eq!(back.source_id, c.source_id);
    }
}
