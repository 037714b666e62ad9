//! Any bytes through the vCard reader (and format detection): it must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rapport_formats::vcard::{self, ReadOptions};

fuzz_target!(|data: &[u8]| {
    let _ = rapport_formats::detect(data);
    for card in vcard::read(data, ReadOptions::default()) {
        // What was read must write and read back without a fault.
        if let Ok(card) = card {
            let text = vcard::write(std::slice::from_ref(&card));
            let again: Vec<_> = vcard::read(text.as_bytes(), ReadOptions::default()).collect();
            assert_eq!(again.len(), 1, "{text}");
        }
    }
});
