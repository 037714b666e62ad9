use super::*;

/// Reads `input` and compares every card (or error) described, in order.
fn check_with(input: &str, options: ReadOptions, expected: &str) {
    let got: String = read(input.as_bytes(), options)
        .map(|r| match r {
            Ok(card) => card.describe(),
            Err(e) => format!("error: {e}\n"),
        })
        .collect::<Vec<_>>()
        .join("--\n");
    assert_eq!(got, expected, "\n--- got ---\n{got}");
}

fn check(input: &str, expected: &str) {
    check_with(input, ReadOptions::default(), expected);
}

#[test]
fn a_minimal_card() {
    check(
        "BEGIN:VCARD\nVERSION:3.0\nFN:Ada Lovelace\nEND:VCARD\n",
        "person Ada Lovelace (line 1, id h2897faddc04e0645)\n",
    );
}

#[test]
fn unfolding_and_escapes() {
    check(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u1\r\nFN:Lovelace\\, Ada\r\nNOTE:first line\\nsecond\\, with comma\r\n  and a folded tail\\; done\\\\\r\nURL:http\\://example.com/a\r\nEND:VCARD\r\n",
        "person Lovelace, Ada (line 1, id u1)
url: http://example.com/a
note: first line\\nsecond, with comma and a folded tail; done\\
",
    );
}

#[test]
fn name_fallbacks() {
    check(
        "BEGIN:VCARD\nVERSION:3.0\nUID:a\nN:Lovelace;Ada;King;Lady;\nEND:VCARD\n\
         BEGIN:VCARD\nVERSION:3.0\nUID:b\nORG:Acme Inc.;Sales\nEND:VCARD\n\
         BEGIN:VCARD\nVERSION:4.0\nUID:c\nKIND:org\nORG:Initech\nN:Lumbergh;Bill;;;\nEND:VCARD\n\
         BEGIN:VCARD\nVERSION:3.0\nUID:d\nEMAIL:x@example.com\nEND:VCARD\n\
         BEGIN:VCARD\nVERSION:3.0\nUID:e\nNOTE:nothing else\nEND:VCARD\n",
        "person Ada King Lovelace (line 1, id a)
given: Ada
family: Lovelace
--
organization Acme Inc. (line 6, id b)
organization: Acme Inc.
--
organization Initech (line 11, id c)
given: Bill
family: Lumbergh
organization: Initech
--
person x@example.com (line 18, id d)
email: x@example.com
--
error: line 23: card has no name (no FN, N, ORG, email or phone)
",
    );
}

#[test]
fn type_and_pref_parameters_in_all_spellings() {
    check(
        "BEGIN:VCARD\nVERSION:3.0\nUID:t\nFN:T\n\
         EMAIL;TYPE=INTERNET;TYPE=HOME:home@example.com\n\
         EMAIL;TYPE=work,pref:work@example.com\n\
         TEL;TYPE=WORK;TYPE=VOICE:+1 555 0100\n\
         TEL;TYPE=\"cell,voice\";PREF=1:+1 555 0101\n\
         TEL;type=WORK;type=FAX:+1 555 0102\n\
         TEL:tel:+1-555-0103\n\
         EMAIL;TYPE=x-school:kid@example.edu\n\
         END:VCARD\n",
        "person T (line 1, id t)
email: work@example.com (work)
email: home@example.com (home)
email: kid@example.edu (school)
phone: +1 555 0101 (mobile)
phone: +1 555 0100 (work)
phone: +1 555 0102 (work fax)
phone: +1-555-0103
",
    );
}

#[test]
fn vcard_21_bare_parameters_and_quoted_printable() {
    check(
        "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=BCrgen;;;\r\n\
         FN;CHARSET=UTF-8;QUOTED-PRINTABLE:J=C3=BCrgen M=C3=BC=\r\nller\r\n\
         TEL;WORK;VOICE;PREF:+49 30 1234\r\nTEL;CELL:+49 170 1234\r\n\
         NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=ISO-8859-1:Caf=E9 au lait=0D=0A=\r\nzweite Zeile\r\n\
         LABEL;WORK;ENCODING=QUOTED-PRINTABLE:Street 1=0D=0ABerlin\r\nEND:VCARD\r\n",
        "person Jürgen Müller (line 1, id h8f0b1590cb6c86ff)
given: Jürgen
family: Müller
phone: +49 30 1234 (work)
phone: +49 170 1234 (mobile)
note: Café au lait\\nzweite Zeile
",
    );
}

#[test]
fn apple_grouped_labels_and_dates() {
    check(
        "BEGIN:VCARD\nVERSION:3.0\nUID:apple-1\nN:Appleseed;Jane;;;\nFN:Jane Appleseed\n\
         item1.EMAIL;type=INTERNET;type=pref:jane@example.com\nitem1.X-ABLabel:_$!<Other>!$_\n\
         item2.TEL:+1 555 0199\nitem2.X-ABLabel:Summer house\n\
         item3.URL;type=pref:https://jane.example\nitem3.X-ABLabel:_$!<HomePage>!$_\n\
         item4.X-ABDATE;type=pref:2004-08-17\nitem4.X-ABLabel:_$!<Anniversary>!$_\n\
         item5.TEL:+1 555 0198\nitem5.X-ABLabel:_$!<WorkFAX>!$_\n\
         BDAY;X-APPLE-OMIT-YEAR=1604:1604-05-18\nEND:VCARD\n",
        "person Jane Appleseed (line 1, id apple-1)
given: Jane
family: Appleseed
email: jane@example.com (other)
phone: +1 555 0199 (Summer house)
phone: +1 555 0198 (work fax)
url: https://jane.example (homepage)
birthday: --05-18
anniversary: 2004-08-17
",
    );
}

#[test]
fn birthdays_in_every_form() {
    let card =
        |bday: &str| format!("BEGIN:VCARD\nVERSION:4.0\nUID:x\nFN:X\nBDAY{bday}\nEND:VCARD\n");
    for (bday, expected) in [
        (":1990-05-18", "birthday: 1990-05-18\n"),
        (":19900518", "birthday: 1990-05-18\n"),
        (":--0518", "birthday: --05-18\n"),
        (":--05-18", "birthday: --05-18\n"),
        (":1604-05-18", "birthday: --05-18\n"),
        (";X-APPLE-OMIT-YEAR=1604:1604-05-18", "birthday: --05-18\n"),
        (
            ";VALUE=date-and-or-time:19900518T120000Z",
            "birthday: 1990-05-18\n",
        ),
        (
            ";VALUE=text:circa 1800",
            "warning: line 5: BDAY `circa 1800` is not a date\n",
        ),
    ] {
        check(&card(bday), &format!("person X (line 1, id x)\n{expected}"));
    }
}

#[test]
fn altid_keeps_one_alternative_and_categories_become_tags() {
    check(
        "BEGIN:VCARD\nVERSION:4.0\nUID:jp\nFN;ALTID=1;LANGUAGE=ja:山田太郎\nFN;ALTID=1;LANGUAGE=en:Taro Yamada\n\
         CATEGORIES:myContacts,Friends,VIP\\, gold,friends\nEND:VCARD\n",
        "person 山田太郎 (line 1, id jp)\ntags: Friends, VIP, gold\n",
    );
}

#[test]
fn photos_inline_uri_and_skipped() {
    let input = "BEGIN:VCARD\nVERSION:3.0\nUID:p\nFN:P\nPHOTO;ENCODING=b;TYPE=PNG:iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAf\n FcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==\nEND:VCARD\n";
    check(
        input,
        "person P (line 1, id p)\nphoto: data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAA… (118 bytes)\n",
    );
    check_with(
        input,
        ReadOptions { skip_photos: true },
        "person P (line 1, id p)\n",
    );
    check(
        "BEGIN:VCARD\nVERSION:4.0\nUID:q\nFN:Q\nPHOTO:data:image/jpeg;base64,/9j/4AAQ\nEND:VCARD\n",
        "person Q (line 1, id q)\nphoto: data:image/jpeg;base64,/9j/4AAQ\n",
    );
    check(
        "BEGIN:VCARD\nVERSION:3.0\nUID:r\nFN:R\nPHOTO;VALUE=uri:https\\://lh3.example.com/photo.jpg\nEND:VCARD\n",
        "person R (line 1, id r)\nphoto: https://lh3.example.com/photo.jpg\n",
    );
    check(
        "BEGIN:VCARD\nVERSION:3.0\nUID:s\nFN:S\nPHOTO;ENCODING=b:!!not base64!!\nPHOTO:file:///tmp/x.jpg\nEND:VCARD\n",
        "person S (line 1, id s)
warning: line 5: PHOTO is marked base64 but is not
warning: line 6: PHOTO `file:///tmp/x.jpg` is neither inline data nor an http(s) URL
",
    );
}

#[test]
fn addresses_keep_every_part() {
    check(
        "BEGIN:VCARD\nVERSION:3.0\nUID:a\nFN:A\nADR;TYPE=home:PO Box 7;Apt 4;12 Main St\\nBack door;Springfield;IL;62701;USA\nADR;TYPE=work:;;;;;;\nEND:VCARD\n",
        "person A (line 1, id a)\naddress: 12 Main St\\nBack door, Apt 4, PO Box 7 | Springfield | IL | 62701 | USA (home)\n",
    );
}

#[test]
fn bad_cards_are_reported_and_good_ones_kept() {
    check(
        "junk before\nmore junk\nBEGIN:VCARD\nFN:Nested\nBEGIN:VCARD\nVERSION:3.0\nUID:ok\nFN:Kept\nEND:VCARD\nEND:VCARD\n\
         BEGIN:VCARD\nFN:Bad \u{0}byte\nEND:VCARD\nBEGIN:VCARD\nFN:Open\n",
        "error: line 1: `junk before` outside a card (expected BEGIN:VCARD)
--
error: line 5: BEGIN:VCARD inside the card started at line 3 (missing END:VCARD?)
--
person Kept (line 5, id ok)
--
error: line 10: `END:VCARD` outside a card (expected BEGIN:VCARD)
--
error: line 12: NUL byte in the line
--
error: line 14: card not terminated (no END:VCARD)
",
    );
}

#[test]
fn encoding_faults() {
    let bad_utf8 = b"BEGIN:VCARD\nVERSION:3.0\nFN:Caf\xE9\nEND:VCARD\nBEGIN:VCARD\nVERSION:2.1\nFN;CHARSET=windows-1252:Caf\xE9\nEND:VCARD\nBEGIN:VCARD\nFN;CHARSET=klingon:Caf\xE9\nEND:VCARD\n";
    let got: Vec<String> = read(bad_utf8, ReadOptions::default())
        .map(|r| r.map(|c| c.name).unwrap_or_else(|e| e.to_string()))
        .collect();
    assert_eq!(
        got,
        [
            "line 3: invalid UTF-8 in FN (no CHARSET parameter says otherwise)",
            "Café",
            "line 10: unknown CHARSET `klingon`"
        ]
    );
    // An unknown charset over valid UTF-8 is read as UTF-8.
    check(
        "BEGIN:VCARD\nFN;CHARSET=klingon:x\nEND:VCARD\nBEGIN:VCARD\nFN:Y\nno colon here\nEND:VCARD\n",
        "person x (line 1, id h81b2e7e579b59aa2)
--
person Y (line 4, id h0250c0a575a21ea3)
warning: line 6: no colon in `no colon here`
",
    );
}

#[test]
fn limits() {
    let long = format!(
        "BEGIN:VCARD\nFN:{}\nEND:VCARD\nBEGIN:VCARD\nFN:after\nEND:VCARD\n",
        "x".repeat(MAX_LINE + 1)
    );
    let got: Vec<String> = read(long.as_bytes(), ReadOptions::default())
        .map(|r| r.map(|c| c.name).unwrap_or_else(|e| e.to_string()))
        .collect();
    assert_eq!(got, ["line 2: line is longer than 1048576 bytes", "after"]);
    let many = format!(
        "BEGIN:VCARD\nFN:x\n{}END:VCARD\n",
        "NOTE:n\n".repeat(MAX_PROPERTIES + 1)
    );
    let got: Vec<String> = read(many.as_bytes(), ReadOptions::default())
        .map(|r| r.map(|c| c.name).unwrap_or_else(|e| e.to_string()))
        .collect();
    assert_eq!(
        got,
        [format!(
            "line {}: card has more than 10000 properties",
            MAX_PROPERTIES + 2
        )]
    );
}

#[test]
fn groups_are_not_contacts_and_boms_are_skipped() {
    check(
        "\u{feff}BEGIN:VCARD\nVERSION:4.0\nKIND:group\nFN:Team\nEND:VCARD\n",
        "error: line 3: card is a group, not a contact\n",
    );
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            "BEGIN:VCARD\r\nFN:Zoë\r\nUID:z\r\nEND:VCARD\r\n"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    let got: Vec<String> = read(&utf16, ReadOptions::default())
        .map(|r| r.map(|c| c.name).unwrap_or_default())
        .collect();
    assert_eq!(got, ["Zoë"]);
}

fn sample() -> ContactCard {
    let mut c = ContactCard::named("Ada, Countess; of \\ Lovelace");
    c.given_name = Some("Ada".into());
    c.family_name = Some("Lovelace".into());
    c.nickname = Some("Enchantress, of numbers".into());
    c.emails = vec![
        Labeled::new("ada@example.com", Some("work".into())),
        Labeled::new("a@home.example", None),
    ];
    c.phones = vec![
        Labeled::new("+44 20 7946 0958", Some("mobile".into())),
        Labeled::new("+44 20 7946 0000", Some("work fax".into())),
        Labeled::new("+44 20 7946 0001", Some("Summer house".into())),
    ];
    c.addresses = vec![Address {
        label: Some("home".into()),
        street: Some("12 St James's Square".into()),
        city: Some("London".into()),
        region: None,
        postal_code: Some("SW1Y 4JH".into()),
        country: Some("UK".into()),
    }];
    c.urls = vec![Labeled::new("https://example.com/a,b;c", None)];
    c.birthday = AnnualDate::new(Some(1815), 12, 10).ok();
    c.anniversary = AnnualDate::new(None, 7, 8).ok();
    c.organization = Some("Analytical Engine Ltd".into());
    c.title = Some("Analyst".into());
    c.tags = vec!["math".into(), "VIP, gold".into()];
    c.note = Some(
        "Line one\nLine two, with ; and \\ and a long tail "
            .repeat(3)
            .trim()
            .to_string(),
    );
    c.time_zone = Some("Europe/London".into());
    c.photo = Some("data:image/png;base64,iVBORw0KGgo=".into());
    c.source_id = "urn:uuid:0b8f7c1e-2f0c-4bb1-9e0a-7a1f4b5d3c2a".into();
    c.line = 1;
    c
}

use rapport_core::{Address, AnnualDate, Labeled, SubjectKind};

#[test]
fn writes_rfc_6350() {
    let out = write(&[sample()]);
    assert!(out.split("\r\n").all(|l| l.len() <= 75), "{out}");
    assert!(out.ends_with("END:VCARD\r\n"));
    let unfolded = out.replace("\r\n ", "");
    for line in [
        "BEGIN:VCARD",
        "VERSION:4.0",
        "FN:Ada\\, Countess\\; of \\\\ Lovelace",
        "N:Lovelace;Ada;;;",
        "NICKNAME:Enchantress\\, of numbers",
        "EMAIL;TYPE=work:ada@example.com",
        "EMAIL:a@home.example",
        "TEL;TYPE=cell:+44 20 7946 0958",
        "TEL;TYPE=work,fax:+44 20 7946 0000",
        "item1.TEL:+44 20 7946 0001",
        "item1.X-ABLabel:Summer house",
        "ADR;TYPE=home:;;12 St James's Square;London;;SW1Y 4JH;UK",
        "URL:https://example.com/a,b;c",
        "BDAY:18151210",
        "ANNIVERSARY:--0708",
        "CATEGORIES:math,VIP\\, gold",
        "TZ:Europe/London",
        "PHOTO:data:image/png;base64,iVBORw0KGgo=",
        "UID:urn:uuid:0b8f7c1e-2f0c-4bb1-9e0a-7a1f4b5d3c2a",
    ] {
        assert!(
            unfolded.split("\r\n").any(|l| l == line),
            "missing {line:?} in\n{unfolded}"
        );
    }
    let back: Vec<_> = read(out.as_bytes(), ReadOptions::default()).collect();
    assert_eq!(back, vec![Ok(sample())]);
}

#[test]
fn organizations_round_trip() {
    let mut org = ContactCard::named("Initech");
    org.kind = SubjectKind::Organization;
    org.source_id = "org-1".into();
    org.line = 1;
    let out = write(std::slice::from_ref(&org));
    assert!(out.contains("\r\nKIND:org\r\n"));
    assert_eq!(
        read(out.as_bytes(), ReadOptions::default()).collect::<Vec<_>>(),
        vec![Ok(org)]
    );
}

/// Hands out the input `step` bytes per read, then fails if `fail` says so.
struct Chunked<'a> {
    rest: &'a [u8],
    step: usize,
    fail: bool,
}

impl std::io::Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.rest.is_empty() && self.fail {
            return Err(std::io::Error::other("disk on fire"));
        }
        let n = self.step.min(buf.len()).min(self.rest.len());
        buf[..n].copy_from_slice(&self.rest[..n]);
        self.rest = &self.rest[n..];
        Ok(n)
    }
}

fn names<R: std::io::Read>(cards: Cards<R>) -> Vec<String> {
    cards
        .map(|r| r.map(|c| c.name).unwrap_or_else(|e| e.to_string()))
        .collect()
}

#[test]
fn a_stream_reads_as_the_whole_input_does() {
    let input = "\u{feff}BEGIN:VCARD\r\nVERSION:2.1\r\nFN;ENCODING=QUOTED-PRINTABLE:Ad=\r\na =C3=A9\r\nNOTE:folded\r\n  line\r\nEND:VCARD\r\nstray\r\nBEGIN:VCARD\r\nFN:B\r\nBEGIN:VCARD\r\nFN:C\r\nEND:VCARD\r\n";
    let whole = names(read(input.as_bytes(), ReadOptions::default()));
    assert_eq!(
        whole,
        [
            "Ada é",
            "line 8: `stray` outside a card (expected BEGIN:VCARD)",
            "line 11: BEGIN:VCARD inside the card started at line 9 (missing END:VCARD?)",
            "C"
        ]
    );
    for step in [1, 2, 3, 7, 64] {
        let stream = Chunked {
            rest: input.as_bytes(),
            step,
            fail: false,
        };
        assert_eq!(
            names(read_from(stream, ReadOptions::default())),
            whole,
            "{step}"
        );
    }
}

#[test]
fn a_read_error_rejects_the_card_being_read_and_ends_the_cards() {
    let input = b"BEGIN:VCARD\nFN:A\nEND:VCARD\nBEGIN:VCARD\nFN:B\n";
    let stream = Chunked {
        rest: input,
        step: 5,
        fail: true,
    };
    assert_eq!(
        names(read_from(stream, ReadOptions::default())),
        ["A", "line 6: read error: disk on fire"]
    );
}

#[test]
fn a_line_too_long_is_not_kept_whole() {
    // 3 MiB on one line, then a card: the line is rejected and what follows is read.
    let mut input = b"BEGIN:VCARD\nNOTE;ENCODING=QUOTED-PRINTABLE:".to_vec();
    input.extend(std::iter::repeat_n(b'a', 3 << 20));
    input.extend_from_slice(b"=\r\nEND:VCARD\nBEGIN:VCARD\nFN:after\nEND:VCARD\n");
    let stream = Chunked {
        rest: &input,
        step: 1 << 16,
        fail: false,
    };
    assert_eq!(
        names(read_from(stream, ReadOptions::default())),
        ["line 2: line is longer than 1048576 bytes", "after"]
    );
    // What is dropped of a long line still decides what it is: blanks trim away, so
    // this line begins a card; text does not, so that one is a stray line.
    for (tail, expected) in [
        ("", "y"),
        ("z", "line 1: line is longer than 1048576 bytes"),
    ] {
        let mut begin = b"BEGIN:VCARD".to_vec();
        begin.extend(std::iter::repeat_n(b' ', 2 << 20));
        begin.extend_from_slice(tail.as_bytes());
        begin.extend_from_slice(b"\r\nFN:y\nEND:VCARD\n");
        assert_eq!(names(read(&begin, ReadOptions::default())), [expected]);
    }
}
