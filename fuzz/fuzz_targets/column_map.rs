//! Any text through the `--map COLUMN=FIELD` parser: it must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rapport_formats::csv::{ColumnMap, Field};

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let _ = s.parse::<ColumnMap>();
    let _ = s.parse::<Field>();
});
