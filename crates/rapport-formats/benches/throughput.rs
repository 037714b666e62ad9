//! Rows (and cards) read per second, in constant memory: `cargo bench -p rapport-formats`.
//! A plain timing loop (no harness) so the crate needs no benchmark framework.

use std::io::Read;
use std::time::Instant;

use rapport_formats::csv::{CsvOptions, CsvReader};
use rapport_formats::{ContactCard, vcard};

/// An endless-enough reader producing `rows` Google Contacts rows without holding them.
struct GoogleRows {
    header: bool,
    left: usize,
    buf: Vec<u8>,
    pos: usize,
}

const HEADER: &str = "First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,Phonetic Last Name,Name Prefix,Name Suffix,Nickname,File As,Organization Name,Organization Title,Organization Department,Birthday,Notes,Photo,Labels,E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value,Phone 1 - Label,Phone 1 - Value,Phone 2 - Label,Phone 2 - Value,Address 1 - Label,Address 1 - Formatted,Address 1 - Street,Address 1 - City,Address 1 - PO Box,Address 1 - Region,Address 1 - Postal Code,Address 1 - Country,Address 1 - Extended Address,Website 1 - Label,Website 1 - Value\n";

impl Read for GoogleRows {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.pos >= self.buf.len() {
            self.buf.clear();
            self.pos = 0;
            if std::mem::take(&mut self.header) {
                self.buf.extend_from_slice(HEADER.as_bytes());
            }
            for _ in 0..self.left.min(256) {
                let n = self.left;
                self.left -= 1;
                let row = format!(
                    "Ada{n},,Lovelace,,,,,,,,Engines {m},Analyst,,1815-12-{d:02},\"Met at the salon, {n}.\nLikes tea.\",,* myContacts ::: Friends,* Home,ada{n}@example.com,Work,ada{n}@engines.example,Mobile,+44 20 7946 {p:04},,,Home,,12 Main St,London,,,SW1Y 4JH,UK,,,\n",
                    m = n % 97,
                    d = n % 28 + 1,
                    p = n % 10_000,
                );
                self.buf.extend_from_slice(row.as_bytes());
            }
        }
        let rest = &self.buf[self.pos..];
        let n = rest.len().min(out.len());
        out[..n].copy_from_slice(&rest[..n]);
        self.pos += n;
        Ok(n)
    }
}

fn main() {
    let rows = 1_000_000;
    let source = GoogleRows {
        header: true,
        left: rows,
        buf: Vec::new(),
        pos: 0,
    };
    let start = Instant::now();
    let reader = match CsvReader::new(source, &CsvOptions::default()) {
        Ok(r) => r,
        Err(e) => return eprintln!("{e}"),
    };
    let (mut ok, mut bad) = (0usize, 0usize);
    for row in reader {
        match row {
            Ok(_) => ok += 1,
            Err(_) => bad += 1,
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "google csv: {ok} rows ({bad} rejected) in {secs:.2}s = {:.0} rows/s",
        ok as f64 / secs
    );

    let generic: String = std::iter::once("Name,Email,Phone,Company\n".to_string())
        .chain((0..1_000_000).map(|n| {
            format!(
                "Person {n},p{n}@example.com,+1 555 {:04},Acme\n",
                n % 10_000
            )
        }))
        .collect();
    let start = Instant::now();
    let count = CsvReader::new(generic.as_bytes(), &CsvOptions::default())
        .map(|r| r.filter(Result::is_ok).count())
        .unwrap_or(0);
    let secs = start.elapsed().as_secs_f64();
    println!(
        "generic csv: {count} rows in {secs:.2}s = {:.0} rows/s",
        count as f64 / secs
    );

    let mut card = ContactCard::named("Ada Lovelace");
    card.emails.push(rapport_core::Labeled::new(
        "ada@example.com",
        Some("work".into()),
    ));
    card.note = Some("Met at the salon.\nLikes tea.".into());
    card.source_id = "u".into();
    let cards = vec![card; 100_000];
    let start = Instant::now();
    let text = vcard::write(&cards);
    let written = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let read = vcard::read(text.as_bytes(), vcard::ReadOptions::default())
        .filter(Result::is_ok)
        .count();
    let secs = start.elapsed().as_secs_f64();
    println!(
        "vcard: wrote {} cards in {written:.2}s, read {read} in {secs:.2}s = {:.0} cards/s",
        cards.len(),
        read as f64 / secs
    );
}
