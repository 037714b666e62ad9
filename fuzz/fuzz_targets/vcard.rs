//! Any bytes through the vCard reader (and format detection): it must never panic, and
//! reading them as a stream in small pieces must give what reading them whole gives.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rapport_formats::vcard::{self, ReadOptions};

/// Hands out the input a few bytes per read.
struct Trickle<'a>(&'a [u8]);

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = 3.min(buf.len()).min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = rapport_formats::detect(data);
    let whole: Vec<_> = vcard::read(data, ReadOptions::default()).collect();
    let streamed: Vec<_> = vcard::read_from(Trickle(data), ReadOptions::default()).collect();
    assert_eq!(streamed, whole);
    for card in whole {
        // What was read must write and read back without a fault.
        if let Ok(card) = card {
            let text = vcard::write(std::slice::from_ref(&card));
            let again: Vec<_> = vcard::read(text.as_bytes(), ReadOptions::default()).collect();
            assert_eq!(again.len(), 1, "{text}");
        }
    }
});
