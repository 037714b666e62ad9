//! Any bytes through the CSV reader, in each dialect: it must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rapport_formats::csv::{CsvFormat, CsvOptions, CsvReader};

fuzz_target!(|data: &[u8]| {
    // The first byte picks the dialect, so one corpus covers all of them.
    let (format, body) = match data.split_first() {
        Some((b, rest)) => {
            let format = match b % 5 {
                0 => None,
                1 => Some(CsvFormat::Google),
                2 => Some(CsvFormat::LinkedIn),
                3 => Some(CsvFormat::Outlook),
                _ => Some(CsvFormat::Generic),
            };
            (format, rest)
        }
        None => (None, data),
    };
    let options = CsvOptions { format, ..CsvOptions::default() };
    if let Ok(reader) = CsvReader::new(body, &options) {
        for row in reader {
            let _ = row;
        }
    }
});
