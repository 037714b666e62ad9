//! Input bytes to UTF-8 as a stream: a UTF-8 BOM is dropped, UTF-16 (with a BOM, as
//! Windows tools write "Unicode" CSV) is transcoded chunk by chunk.

use std::io::{self, Read};

/// A reader that yields UTF-8 whatever the input's BOM said.
pub(crate) struct Decoded<R> {
    inner: R,
    /// Bytes read while looking for a BOM, not yet handed out.
    head: Vec<u8>,
    head_pos: usize,
    utf16: Option<Transcoder>,
}

struct Transcoder {
    decoder: encoding_rs::Decoder,
    input: Vec<u8>,
    output: Vec<u8>,
    out_pos: usize,
    done: bool,
}

impl<R: Read> Decoded<R> {
    pub fn new(mut inner: R) -> io::Result<Decoded<R>> {
        let mut head = vec![0; 3];
        let mut filled = 0;
        while filled < head.len() {
            match inner.read(&mut head[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        head.truncate(filled);
        let utf16 = match head.as_slice() {
            [0xFF, 0xFE, ..] => Some(encoding_rs::UTF_16LE),
            [0xFE, 0xFF, ..] => Some(encoding_rs::UTF_16BE),
            _ => None,
        };
        let mut head_pos = 0;
        if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
            head_pos = 3;
        }
        let utf16 = utf16.map(|enc| {
            // The decoder drops the BOM itself; hand it the bytes already read.
            let input = std::mem::take(&mut head);
            Transcoder {
                decoder: enc.new_decoder_with_bom_removal(),
                input,
                output: Vec::new(),
                out_pos: 0,
                done: false,
            }
        });
        Ok(Decoded {
            inner,
            head,
            head_pos,
            utf16,
        })
    }
}

impl<R: Read> Read for Decoded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(t) = &mut self.utf16 else {
            if self.head_pos < self.head.len() {
                let rest = self.head.get(self.head_pos..).unwrap_or_default();
                let n = rest.len().min(buf.len());
                buf[..n].copy_from_slice(&rest[..n]);
                self.head_pos += n;
                return Ok(n);
            }
            return self.inner.read(buf);
        };
        loop {
            if t.out_pos < t.output.len() {
                let rest = t.output.get(t.out_pos..).unwrap_or_default();
                let n = rest.len().min(buf.len());
                buf[..n].copy_from_slice(&rest[..n]);
                t.out_pos += n;
                return Ok(n);
            }
            if t.done {
                return Ok(0);
            }
            let start = t.input.len();
            t.input.resize(start + 32 * 1024, 0);
            let n = loop {
                match self.inner.read(&mut t.input[start..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            };
            t.input.truncate(start + n);
            let last = n == 0;
            let cap = t
                .decoder
                .max_utf8_buffer_length(t.input.len())
                .unwrap_or(t.input.len() * 3 + 16);
            t.output.clear();
            t.output.resize(cap, 0);
            let (_, read, written, _) = t.decoder.decode_to_utf8(&t.input, &mut t.output, last);
            t.output.truncate(written);
            t.out_pos = 0;
            t.input.drain(..read);
            t.done = last;
        }
    }
}

/// CRLF turned into LF, as a stream. The csv crate counts a CRLF record's line only when
/// it reads the next record, so with CRLF every row would be reported one line early;
/// quoted multi-line fields lose their CR too, which readers want anyway. The stream
/// always ends with a LF, so every record has a line break to count.
pub(crate) struct LfOnly<R> {
    inner: R,
    raw: Vec<u8>,
    out: Vec<u8>,
    pos: usize,
    /// The last byte read was a CR, not yet known to start a CRLF.
    cr: bool,
    /// The last byte handed out was a LF, or none was: no LF to add at the end.
    ended: bool,
    eof: bool,
    /// Bytes handed out so far.
    emitted: u64,
    /// An odd number of `"` handed out: at the end, a quote left open.
    odd_quotes: bool,
}

impl<R: Read> LfOnly<R> {
    pub fn new(inner: R) -> LfOnly<R> {
        LfOnly {
            inner,
            raw: vec![0; 64 * 1024],
            out: Vec::new(),
            pos: 0,
            cr: false,
            ended: true,
            eof: false,
            emitted: 0,
            odd_quotes: false,
        }
    }

    /// Every byte has been handed out; `Some(total)` then.
    pub fn finished(&self) -> Option<u64> {
        (self.eof && self.pos >= self.out.len() && !self.cr && self.ended).then_some(self.emitted)
    }

    /// Whether the stream so far holds an odd number of double quotes.
    pub fn odd_quotes(&self) -> bool {
        self.odd_quotes
    }
}

impl<R: Read> Read for LfOnly<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.pos < self.out.len() {
                let rest = self.out.get(self.pos..).unwrap_or_default();
                let n = rest.len().min(buf.len());
                buf[..n].copy_from_slice(&rest[..n]);
                let quotes = rest[..n].iter().filter(|&&b| b == b'"').count();
                self.odd_quotes ^= quotes % 2 == 1;
                self.emitted += n as u64;
                self.pos += n;
                return Ok(n);
            }
            if let Some(&last) = self.out.last() {
                self.ended = last == b'\n';
            }
            self.out.clear();
            self.pos = 0;
            if self.eof {
                if std::mem::take(&mut self.cr) {
                    self.out.push(b'\r');
                }
                if !self.ended {
                    self.out.push(b'\n');
                    self.ended = true;
                }
                if self.out.is_empty() {
                    return Ok(0);
                }
                continue;
            }
            let n = match self.inner.read(&mut self.raw) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            let raw = self.raw.get(..n).unwrap_or_default();
            self.eof = n == 0;
            if !self.cr && !raw.contains(&b'\r') {
                self.out.extend_from_slice(raw);
                continue;
            }
            for &b in raw {
                if std::mem::take(&mut self.cr) && b != b'\n' {
                    self.out.push(b'\r');
                }
                if b == b'\r' {
                    self.cr = true;
                } else {
                    self.out.push(b);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out one byte per read, to cross every chunk boundary.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((&b, rest)), Some(slot)) => {
                    *slot = b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn crlf_becomes_lf_across_chunks() {
        for input in [
            &b"a\r\nb\rc\r\n\r"[..],
            b"\r\r\n",
            b"plain\n",
            b"no end",
            b"",
        ] {
            let mut expected = String::from_utf8_lossy(input).replace("\r\n", "\n");
            if !expected.is_empty() && !expected.ends_with('\n') {
                expected.push('\n');
            }
            for trickle in [false, true] {
                let mut out = String::new();
                let read = if trickle {
                    LfOnly::new(Trickle(input)).read_to_string(&mut out)
                } else {
                    LfOnly::new(input).read_to_string(&mut out)
                };
                assert!(read.is_ok());
                assert_eq!(out, expected, "{input:?} trickled: {trickle}");
            }
        }
    }

    fn check(input: &[u8], expected: &str) {
        let mut out = String::new();
        let read = Decoded::new(input).and_then(|mut d| d.read_to_string(&mut out));
        assert!(read.is_ok(), "{read:?}");
        assert_eq!(out, expected);
    }

    #[test]
    fn boms_are_handled() {
        check(b"a,b\n", "a,b\n");
        check(b"\xEF\xBB\xBFa,b\n", "a,b\n");
        check(b"ab", "ab");
        check(b"", "");
        let utf16le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("Zoë,x\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        check(&utf16le, "Zoë,x\n");
        let utf16be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("Zoë\n".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        check(&utf16be, "Zoë\n");
        // An odd byte at the end becomes a replacement character, not a panic.
        check(&[0xFF, 0xFE, b'a', 0, b'b'], "a\u{FFFD}");
    }
}
