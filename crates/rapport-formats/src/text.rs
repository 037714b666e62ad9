//! Pieces shared by the vCard and iCalendar readers and writers: physical lines, folding,
//! TEXT escaping, quoted-printable, base64 and the date forms exporters write.

use rapport_core::AnnualDate;

/// A physical line longer than this is rejected (no real exporter writes one).
pub(crate) const MAX_LINE: usize = 1 << 20;
/// An unfolded (logical) line longer than this is rejected: 8 MiB holds a large photo.
pub(crate) const MAX_LOGICAL_LINE: usize = 8 << 20;

/// Physical lines of `input`, split at LF with a CR before it removed, numbered from 1.
pub(crate) struct PhysicalLines<'a> {
    rest: &'a [u8],
    next_no: usize,
}

impl<'a> PhysicalLines<'a> {
    pub fn new(input: &'a [u8]) -> Self {
        PhysicalLines {
            rest: input,
            next_no: 1,
        }
    }

    /// The next line without consuming it.
    pub fn peek(&self) -> Option<&'a [u8]> {
        if self.rest.is_empty() {
            return None;
        }
        let end = self
            .rest
            .iter()
            .position(|&b| b == b'\n')
            .unwrap_or(self.rest.len());
        let line = &self.rest[..end];
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    }
}

impl<'a> Iterator for PhysicalLines<'a> {
    type Item = (usize, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let (line, rest) = match self.rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&self.rest[..i], &self.rest[i + 1..]),
            None => (self.rest, &self.rest[self.rest.len()..]),
        };
        self.rest = rest;
        let no = self.next_no;
        self.next_no += 1;
        Some((no, line.strip_suffix(b"\r").unwrap_or(line)))
    }
}

/// One physical line of a stream (see [`StreamLines`]).
pub(crate) struct Line {
    /// Its number, from 1.
    pub no: usize,
    /// Its bytes without the line break. A line longer than [`MAX_LINE`] is not kept
    /// whole: its first `MAX_LINE` bytes, then `x` when the bytes dropped hold anything
    /// but blanks, then its last byte, so that it is still too long, ends as it ended and
    /// trims to no keyword.
    pub bytes: Vec<u8>,
    /// Its length in the input, without the line break.
    pub len: usize,
}

/// Physical lines of a stream, split like [`PhysicalLines`] (at LF, a CR before it
/// removed), with one line of look-ahead and memory bounded by [`MAX_LINE`] whatever the
/// input. A read error ends the lines; [`StreamLines::take_error`] then tells it.
pub(crate) struct StreamLines<R> {
    inner: R,
    peeked: Option<Line>,
    next_no: usize,
    error: Option<std::io::Error>,
    done: bool,
}

impl<R: std::io::BufRead> StreamLines<R> {
    pub fn new(inner: R) -> Self {
        StreamLines {
            inner,
            peeked: None,
            next_no: 1,
            error: None,
            done: false,
        }
    }

    /// The next line without consuming it.
    pub fn peek(&mut self) -> Option<&Line> {
        if self.peeked.is_none() {
            self.peeked = self.read_line();
        }
        self.peeked.as_ref()
    }

    /// The number the next line will have.
    pub fn next_no(&self) -> usize {
        self.peeked.as_ref().map_or(self.next_no, |l| l.no)
    }

    /// The read error that ended the lines, once.
    pub fn take_error(&mut self) -> Option<std::io::Error> {
        self.error.take()
    }

    fn read_line(&mut self) -> Option<Line> {
        // Kept whole up to here, so that a CR can still be removed exactly.
        const KEEP: usize = MAX_LINE + 2;
        if self.done {
            return None;
        }
        let mut bytes = Vec::new();
        let mut len = 0;
        // Of the bytes beyond KEEP: whether one is not blank, and the last two.
        let mut dropped_text = false;
        let mut tail = [None::<u8>; 2];
        let mut any = false;
        loop {
            let buf = match self.inner.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.error = Some(e);
                    self.done = true;
                    break;
                }
            };
            if buf.is_empty() {
                self.done = true;
                break;
            }
            any = true;
            let end = buf.iter().position(|&b| b == b'\n');
            let chunk = &buf[..end.unwrap_or(buf.len())];
            let room = KEEP.saturating_sub(bytes.len()).min(chunk.len());
            bytes.extend_from_slice(&chunk[..room]);
            for &b in &chunk[room..] {
                dropped_text |= !b.is_ascii_whitespace();
                tail = [tail[1], Some(b)];
            }
            len += chunk.len();
            let used = chunk.len() + usize::from(end.is_some());
            self.inner.consume(used);
            if end.is_some() {
                break;
            }
        }
        if !any {
            return None;
        }
        let no = self.next_no;
        self.next_no += 1;
        if len <= KEEP {
            if bytes.last() == Some(&b'\r') {
                bytes.pop();
                len -= 1;
            }
            return Some(Line { no, bytes, len });
        }
        let mut last = tail[1];
        if last == Some(b'\r') {
            len -= 1;
            last = tail[0].or(bytes.last().copied());
        }
        bytes.truncate(MAX_LINE);
        if dropped_text {
            bytes.push(b'x');
        }
        bytes.extend(last);
        Some(Line { no, bytes, len })
    }
}

impl<R: std::io::BufRead> Iterator for StreamLines<R> {
    type Item = Line;

    fn next(&mut self) -> Option<Line> {
        match self.peeked.take() {
            Some(l) => Some(l),
            None => self.read_line(),
        }
    }
}

/// Appends `line` to `out` folded at 75 octets (RFC 6350 §3.2, RFC 5545 §3.1), never
/// inside a UTF-8 sequence, each physical line ended by CRLF.
pub(crate) fn fold_into(out: &mut String, line: &str) {
    let mut rest = line;
    let mut limit = 75;
    loop {
        if rest.len() <= limit {
            out.push_str(rest);
            out.push_str("\r\n");
            return;
        }
        let mut cut = limit;
        while cut > 0 && !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let (head, tail) = rest.split_at(cut);
        out.push_str(head);
        out.push_str("\r\n ");
        rest = tail;
        limit = 74;
    }
}

/// TEXT escaping of vCard and iCalendar: `\` `;` `,` escaped, line breaks as `\n`, other
/// control characters (but tab) dropped.
pub(crate) fn escape_text(s: &str) -> String {
    escape(s, true)
}

/// Escaping for URI values: only `\` and line breaks, so readers see the URI as it is.
pub(crate) fn escape_uri(s: &str) -> String {
    escape(s, false)
}

fn escape(s: &str, separators: bool) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' | ',' if separators => {
                out.push('\\');
                out.push(c);
            }
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Splits `s` at each `sep` not escaped by a backslash; the parts keep their escapes.
pub(crate) fn split_escaped(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == sep {
            parts.push(&s[start..i]);
            start = i + c.len_utf8();
        }
    }
    parts.push(&s[start..]);
    parts
}

/// Removes TEXT escapes. vCard 3.0/4.0 and iCalendar: `\n` and `\N` are line breaks and a
/// backslash before any other character stands for that character (so Google's `http\://`
/// reads as `http://`). vCard 2.1 knows only `\;`, `\,` and `\\`; other backslashes stay.
pub(crate) fn unescape(s: &str, v21: bool) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            None => out.push('\\'),
            Some('n' | 'N') if !v21 => out.push('\n'),
            Some(c @ (';' | ',' | '\\')) => out.push(c),
            Some(c) if !v21 => out.push(c),
            Some(c) => {
                out.push('\\');
                out.push(c);
            }
        }
    }
    out
}

/// Decodes quoted-printable (`=C3=A9`); soft line breaks were joined when unfolding.
/// Malformed escapes are kept as written.
pub(crate) fn decode_quoted_printable(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while let Some(&b) = input.get(i) {
        if b == b'=' {
            let hi = input.get(i + 1).and_then(|&h| hex(h));
            let lo = input.get(i + 2).and_then(|&l| hex(l));
            if let (Some(hi), Some(lo)) = (hi, lo) {
                out.push(hi << 4 | lo);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Base64 with whitespace removed, or `None` when it holds anything else.
pub(crate) fn clean_base64(s: &str) -> Option<String> {
    let clean: String = s.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let body = clean.trim_end_matches('=');
    let ok = !body.is_empty()
        && clean.len() - body.len() <= 2
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'-' || b == b'_');
    ok.then_some(clean)
}

/// Decodes base64 (standard or URL-safe alphabet, padding optional).
pub(crate) fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let clean = clean_base64(s)?;
    let mut out = Vec::with_capacity(clean.len() / 4 * 3 + 2);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for b in clean.bytes().filter(|&b| b != b'=') {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            _ => 63,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// The date forms of vCard and of contact exports: `1990-05-18`, `19900518`, `--05-18`,
/// `--0518`, a date-time (`1990-05-18T00:00:00Z`, the time ignored), `0000-05-18` and
/// Apple's year 1604 (both: no year), and `omit_year` (Apple's `X-APPLE-OMIT-YEAR`).
pub(crate) fn parse_vcard_date(s: &str, omit_year: Option<i32>) -> Option<AnnualDate> {
    let t = s.trim();
    let t = match t.find(['T', 't']) {
        Some(i) if i >= 4 => &t[..i],
        _ => t,
    };
    let (year, month, day) = if let Some(rest) = t.strip_prefix("--") {
        let digits: String = rest.chars().filter(|c| *c != '-').collect();
        if digits.len() != 4
            || !digits.bytes().all(|b| b.is_ascii_digit())
            || rest.matches('-').count() > 1
        {
            return None;
        }
        (
            None,
            digits.get(0..2)?.parse().ok()?,
            digits.get(2..4)?.parse().ok()?,
        )
    } else {
        let parts: Vec<&str> = t.split('-').collect();
        let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
        match parts.as_slice() {
            [y, m, d]
                if y.len() == 4
                    && all_digits(y)
                    && all_digits(m)
                    && all_digits(d)
                    && m.len() <= 2
                    && d.len() <= 2 =>
            {
                (
                    Some(y.parse::<i32>().ok()?),
                    m.parse().ok()?,
                    d.parse().ok()?,
                )
            }
            [ymd] if ymd.len() == 8 && all_digits(ymd) => (
                Some(ymd.get(0..4)?.parse().ok()?),
                ymd.get(4..6)?.parse().ok()?,
                ymd.get(6..8)?.parse().ok()?,
            ),
            _ => return None,
        }
    };
    let year = year.filter(|&y| y != 0 && y != 1604 && Some(y) != omit_year);
    let year = match year {
        Some(y) => Some(i16::try_from(y).ok()?),
        None => None,
    };
    AnnualDate::new(year, month, day).ok()
}

/// Looser dates found in CSV exports, on top of [`parse_vcard_date`]: `5/18/1990` and
/// `5/18/90` (Outlook, month first unless the first number is over 12), `18.05.1990`,
/// `18 May 1990` and `May 18, 1990`. `Ok(None)` for Outlook's empty `0/0/00`.
pub(crate) fn parse_loose_date(s: &str) -> Result<Option<AnnualDate>, ()> {
    let t = s.trim();
    if t.is_empty() || t == "0/0/00" || t == "0/0/0000" || t == "00/00/0000" {
        return Ok(None);
    }
    if let Some(d) = parse_vcard_date(t, None) {
        return Ok(Some(d));
    }
    if let Some(date) = parse_civil(t) {
        let year = Some(date.year()).filter(|&y| y != 1604);
        return AnnualDate::new(year, date.month() as u8, date.day() as u8)
            .map(Some)
            .map_err(|_| ());
    }
    Err(())
}

/// A full date in the shapes of [`parse_loose_date`].
pub(crate) fn parse_civil(s: &str) -> Option<jiff::civil::Date> {
    let t = s.trim();
    let num = |p: &str| -> Option<i32> {
        if p.is_empty() || p.len() > 4 || !p.bytes().all(|b| b.is_ascii_digit()) {
            None
        } else {
            p.parse().ok()
        }
    };
    let century = |y: i32, len: usize| {
        if len == 2 {
            if y < 30 { 2000 + y } else { 1900 + y }
        } else {
            y
        }
    };
    let make = |y: i32, m: i32, d: i32| {
        jiff::civil::Date::new(
            i16::try_from(y).ok()?,
            i8::try_from(m).ok()?,
            i8::try_from(d).ok()?,
        )
        .ok()
    };
    let slash: Vec<&str> = t.split(['/', '.']).collect();
    if let [a, b, y] = slash.as_slice() {
        let (a, b, yn) = (num(a)?, num(b)?, num(y)?);
        let y = century(yn, y.len());
        return if t.contains('.') || a > 12 {
            make(y, b, a)
        } else {
            make(y, a, b)
        };
    }
    let words: Vec<&str> = t
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    let month = |w: &str| -> Option<i32> {
        let w = w.to_ascii_lowercase();
        let names = [
            "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
        ];
        let prefix = w.get(0..3)?;
        let i = names.iter().position(|n| *n == prefix)?;
        i32::try_from(i).ok().map(|i| i + 1)
    };
    match words.as_slice() {
        [d, m, y] if num(d).is_some() => make(num(y)?, month(m)?, num(d)?),
        [m, d, y] => make(num(y)?, month(m)?, num(d)?),
        _ => {
            let iso: jiff::civil::Date = t.parse().ok()?;
            Some(iso)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_fold(line: &str, expected: &[&str]) {
        let mut out = String::new();
        fold_into(&mut out, line);
        let got: Vec<&str> = out.split("\r\n").collect();
        assert_eq!(got.last(), Some(&""));
        assert_eq!(&got[..got.len() - 1], expected);
        for l in &got {
            assert!(l.len() <= 75, "{l:?} is longer than 75 octets");
        }
    }

    #[test]
    fn folding_respects_octets_and_characters() {
        check_fold("FN:Ada", &["FN:Ada"]);
        let long = "x".repeat(80);
        check_fold(&long, &[&"x".repeat(75), &format!(" {}", "x".repeat(5))]);
        // 'é' is two octets: the cut falls before it rather than inside it.
        let accents = format!("{}é{}", "a".repeat(74), "b".repeat(3));
        check_fold(&accents, &[&"a".repeat(74), " ébbb"]);
    }

    #[test]
    fn escaping_round_trips() {
        let s = "a;b,c\\d\ne\r\nf\u{7}g";
        assert_eq!(escape_text(s), "a\\;b\\,c\\\\d\\ne\\nfg");
        assert_eq!(unescape(&escape_text(s), false), "a;b,c\\d\ne\nfg");
        assert_eq!(
            escape_uri("http://x.example/a,b;c"),
            "http://x.example/a,b;c"
        );
        assert_eq!(unescape("http\\://x", false), "http://x");
        assert_eq!(unescape("C:\\dir\\;x", true), "C:\\dir;x");
        assert_eq!(unescape("trailing\\", false), "trailing\\");
    }

    #[test]
    fn splitting_keeps_escaped_separators() {
        assert_eq!(
            split_escaped("a\\;b;c;;d\\\\;e", ';'),
            ["a\\;b", "c", "", "d\\\\", "e"]
        );
        assert_eq!(split_escaped("", ','), [""]);
    }

    #[test]
    fn quoted_printable() {
        assert_eq!(
            decode_quoted_printable(b"Caf=C3=A9 =3D ok=ZZ="),
            "Café = ok=ZZ=".as_bytes()
        );
    }

    #[test]
    fn base64() {
        assert_eq!(decode_base64("SGVs bG8=").as_deref(), Some(&b"Hello"[..]));
        assert_eq!(decode_base64("SGVsbG8").as_deref(), Some(&b"Hello"[..]));
        assert_eq!(decode_base64("not base64!"), None);
        assert_eq!(clean_base64(" /9j/\n 4AA= "), Some("/9j/4AA=".into()));
        assert_eq!(clean_base64("===="), None);
    }

    fn check_date(s: &str, expected: Option<&str>) {
        assert_eq!(
            parse_vcard_date(s, None).map(|d| d.to_string()).as_deref(),
            expected,
            "{s}"
        );
    }

    #[test]
    fn vcard_dates() {
        check_date("1990-05-18", Some("1990-05-18"));
        check_date("19900518", Some("1990-05-18"));
        check_date("--0518", Some("--05-18"));
        check_date("--05-18", Some("--05-18"));
        check_date("1604-05-18", Some("--05-18"));
        check_date("0000-05-18", Some("--05-18"));
        check_date("1990-05-18T00:00:00Z", Some("1990-05-18"));
        check_date("1990-5-8", Some("1990-05-08"));
        check_date("1990-02-30", None);
        check_date("1990", None);
        check_date("--05", None);
        check_date("circa 1800", None);
        check_date("", None);
        assert_eq!(
            parse_vcard_date("1972-05-18", Some(1972)).map(|d| d.to_string()),
            Some("--05-18".into())
        );
    }

    fn check_loose(s: &str, expected: Result<Option<&str>, ()>) {
        let got = parse_loose_date(s).map(|o| o.map(|d| d.to_string()));
        assert_eq!(
            got.as_ref().map(|o| o.as_deref()).map_err(|_| ()),
            expected,
            "{s}"
        );
    }

    #[test]
    fn loose_dates() {
        check_loose("0/0/00", Ok(None));
        check_loose("", Ok(None));
        check_loose("5/18/1990", Ok(Some("1990-05-18")));
        check_loose("18/5/1990", Ok(Some("1990-05-18")));
        check_loose("5/18/90", Ok(Some("1990-05-18")));
        check_loose("5/18/05", Ok(Some("2005-05-18")));
        check_loose("18.05.1990", Ok(Some("1990-05-18")));
        check_loose("12 Mar 2021", Ok(Some("2021-03-12")));
        check_loose("March 12, 2021", Ok(Some("2021-03-12")));
        check_loose(" --05-18", Ok(Some("--05-18")));
        check_loose("soon", Err(()));
        check_loose("99/99/9999", Err(()));
    }
}
