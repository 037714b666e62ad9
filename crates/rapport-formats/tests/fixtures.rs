//! Files written the way real exporters write them (see `fixtures/`), each read with
//! every field checked: the description lists every field that is set.

use rapport_formats::csv::{CsvFormat, CsvOptions, CsvReader};
use rapport_formats::{ContactCard, Format, ParseError, detect, vcard};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn read_vcard(name: &str) -> Vec<Result<ContactCard, ParseError>> {
    vcard::read(&fixture(name), vcard::ReadOptions::default()).collect()
}

fn read_csv(name: &str) -> Vec<Result<ContactCard, ParseError>> {
    let bytes = fixture(name);
    CsvReader::new(&bytes[..], &CsvOptions::default())
        .map(|r| r.collect())
        .unwrap_or_else(|e| vec![Err(e)])
}

fn describe(items: &[Result<ContactCard, ParseError>]) -> String {
    let all: Vec<String> = items
        .iter()
        .map(|r| match r {
            Ok(card) => card.describe(),
            Err(e) => format!("error: {e}\n"),
        })
        .collect();
    all.join("--\n")
}

fn check_vcard(name: &str, format: Format, expected: &str) {
    let bytes = fixture(name);
    assert_eq!(detect(&bytes), format, "{name}");
    let got = describe(&read_vcard(name));
    assert_eq!(got, expected, "{name}\n--- got ---\n{got}");
}

fn check_csv(name: &str, format: Format, expected: &str) {
    let bytes = fixture(name);
    assert_eq!(detect(&bytes), format, "{name}");
    let got = match CsvReader::new(&bytes[..], &CsvOptions::default()) {
        Err(e) => format!("file error: {e}\n"),
        Ok(reader) => {
            let head = format!(
                "{:?} header line {}\n",
                reader.format(),
                reader.header_line()
            );
            head + &describe(&reader.collect::<Vec<_>>())
        }
    };
    assert_eq!(got, expected, "{name}\n--- got ---\n{got}");
}

#[test]
fn android_21_quoted_printable_utf8_and_custom_labels() {
    check_vcard(
        "android-2.1.vcf",
        Format::Vcard,
        r#"person 张伟 (line 1, id hc5aa93d1939f7cec)
given: 伟
family: 张
organization: 北京科技
email: zhang.wei@example.cn (home)
phone: +86 138 0013 8000 (mobile)
phone: 010-12345678 (home)
birthday: 1988-02-29
note: 第一行\n第二行结束
--
person María José González (line 13, id heb9957ee9640d633)
given: María
family: González
email: maria@empresa.example (work)
phone: +34 600 123 456 (mobile)
phone: +34 91 123 45 67 (Oficina central)
"#,
    );
}

#[test]
fn apple_30_grouped_labels_omitted_year_and_base64_photo() {
    check_vcard(
        "apple-3.0.vcf",
        Format::Vcard,
        r#"person Johnny Appleseed (line 1, id h83e1d260646213b2)
given: Johnny
family: Appleseed
nickname: Jo
organization: Apple Orchards Inc.
title: Chief Planter
email: johnny@example.com
email: j.appleseed@work.example (work)
phone: +1 (408) 555-0101 (mobile)
phone: (408) 555-0102 (home)
phone: (408) 555-0103 (Orchard)
url: https://orchard.example (homepage)
url: https://www.linkedin.com/in/johnny (linkedin)
address: 1 Infinite Loop\nBuilding 2 | Cupertino | CA | 95014 | United States (home)
birthday: --09-26
anniversary: 2001-04-01
tags: Family, Gardening
note: Plants trees, everywhere.\nCall before noon.
photo: data:image/jpeg;base64,/9j/4AAQSkZJRgABAQAAAQABA… (191 bytes)
--
organization Orchard Supply Co. (line 31, id h72dfb9d716f9adcd)
organization: Orchard Supply Co.
phone: +1 408 555 0199 (main)
phone: +1 408 555 0198 (work fax)
"#,
    );
}

#[test]
fn google_30_escaped_urls_categories_and_dates() {
    check_vcard(
        "google-3.0.vcf",
        Format::Vcard,
        r#"person Grace Hopper (line 1, id h654192bf4cced4af)
given: Grace
family: Hopper
nickname: Amazing Grace
organization: US Navy
title: Rear Admiral
email: grace@example.com (home)
email: ghopper@navy.example.mil (work)
phone: +1 202-555-0143 (mobile)
phone: +1 202-555-0100 (work)
url: http://www.example.com/grace (PROFILE)
address: 1000 Navy Pentagon | Washington | DC | 20350 | United States (work)
birthday: 1906-12-09
tags: Navy
note: Pioneer of compilers.\nKeeps a nanosecond of wire on her desk, to show people.
photo: https://lh3.googleusercontent.com/contacts/AO5-g… (59 bytes)
--
organization Initech (line 21, id hb35abf9d94829207)
organization: Initech
phone: +1 512-555-0199 (work)
--
person Katherine Johnson (line 28, id h943a0e35c20965ca)
given: Katherine
family: Johnson
email: kj@example.com (NASA)
birthday: --08-26
anniversary: 1939-11-25
"#,
    );
}

#[test]
fn outlook_21_windows_1252_quoted_printable_soft_breaks() {
    check_vcard(
        "outlook-2.1.vcf",
        Format::Vcard,
        r#"person Jürgen Müller (line 1, id h5541643d93b71f0d)
given: Jürgen
family: Müller
organization: Müller & Söhne GmbH
title: Geschäftsführer
email: j.mueller@mueller-soehne.example
email: juergen@privat.example
phone: +49 30 1234567 (work)
phone: +49 170 7654321 (mobile)
phone: +49 30 1234568 (work fax)
url: http://www.mueller-soehne.example (work)
address: Hauptstraße 5 | Berlin |  | 10115 | Deutschland (work)
birthday: 1970-03-15
anniversary: 1995-06-10
note: Kunde seit 2019.\nMöchte Angebote per Post, nicht per E-Mail; bitte nicht vor 9 Uhr anrufen.
photo: data:image/jpeg;base64,/9j/4AAQSkZJRgABAQEAYABgA… (167 bytes)
--
error: line 29: invalid UTF-8 in N (no CHARSET parameter says otherwise)
--
person Zoé Lefèvre (line 32, id h48734f2b51e9459d)
given: Zoé
family: Lefèvre
email: zoe@example.fr
"#,
    );
}

#[test]
fn vcard_40_altid_kind_org_and_data_uri() {
    check_vcard(
        "v4.0.vcf",
        Format::Vcard,
        r#"person Yamada Taro (line 1, id urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1)
given: Taro
family: Yamada
organization: Example K.K.
title: Engineer
email: taro@example.jp (work)
email: taro.home@example.jp (home)
phone: +81-90-1234-5678 (mobile)
phone: +81-3-1234-5678;ext=102 (work)
url: https://taro.example.jp (home)
address: 1-2-3 Chiyoda | Chiyoda-ku | Tokyo | 100-0001 | Japan (work)
birthday: --04-12
anniversary: 2015-06-06
tags: engineering, tokyo
note: Met at RubyKaigi in 2019 – gave a talk on 日本語 input
time zone: Asia/Tokyo
photo: data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAA… (118 bytes)
--
organization Example K.K. (line 26, id urn:uuid:1d6ab0f2-9f2c-4b6e-a2d1-7ad1f0f5e0b2)
organization: Example K.K.
phone: +81-3-0000-0000 (work)
url: https://example.jp
"#,
    );
}

#[test]
fn google_csv_older_headers_in_utf16() {
    check_csv(
        "google-old.csv",
        Format::Csv(CsvFormat::Google),
        r#"Google header line 1
person Grace Hopper (line 2, id h23735b36511ebe21)
given: Grace
family: Hopper
organization: US Navy
title: Rear Admiral
email: grace@navy.example.mil (work)
phone: +1 202-555-0143 (mobile)
birthday: 1906-12-09
tags: Navy
note: COBOL
--
person Søren Kierkegaard (line 3, id hda254e0ac3a3fc49)
given: Søren
family: Kierkegaard
email: soren@example.dk (home)
"#,
    );
}

#[test]
fn google_csv_current_export() {
    check_csv(
        "google.csv",
        Format::Csv(CsvFormat::Google),
        r#"Google header line 1
person Ada King Lovelace (line 2, id he975ad610e15a396)
given: Ada
family: Lovelace
nickname: Enchantress
organization: Analytical Engines Ltd
title: Mathematician
email: ada@example.com (home)
email: ada.l@example.org (home)
email: ada@engines.example (work)
phone: +44 20 7946 0958 (mobile)
phone: +44 20 7946 0000 (work)
url: https://ada.example (profile)
address: 12 St James's Square | London |  | SW1Y 4JH | UK (home)
birthday: 1815-12-10
anniversary: 1835-07-08
tags: Friends, Math Club
note: Met at the Babbage salon.\nPrefers letters, not calls.
photo: https://lh3.googleusercontent.com/contacts/ada
--
organization Initech (line 6, id hb35abf9d94829207)
organization: Initech
phone: +1 512-555-0199 (work)
address: 4120 Freidrich Lane, Austin, TX 78744 |  |  |  |  (work)
tags: Vendors
--
person Alan Turing (line 8, id h5d9e1aaa27a0b9f7)
given: Alan
family: Turing
email: alan@example.org (other)
birthday: --06-23
--
error: line 9: no name, organization, email or phone in this row
--
person Dr. Who (line 10, id h4cef21eb70f181a0)
phone: 0800 123 456
warning: line 10: Birthday `sometime` is not a date
"#,
    );
}

#[test]
fn linkedin_connections_with_preamble() {
    check_csv(
        "linkedin-connections.csv",
        Format::Csv(CsvFormat::LinkedIn),
        r#"LinkedIn header line 4
person Ada Lovelace (line 5, id https://www.linkedin.com/in/adalovelace)
given: Ada
family: Lovelace
organization: Analytical Engines
title: Mathematician
email: ada@example.com
url: https://www.linkedin.com/in/adalovelace (linkedin)
connected on: 2021-03-12
--
person Grace Hopper (line 6, id https://www.linkedin.com/in/gracehopper)
given: Grace
family: Hopper
organization: US Navy
title: Rear Admiral, Retired
url: https://www.linkedin.com/in/gracehopper (linkedin)
connected on: 2020-01-01
--
error: line 7: row has no name
--
person Linus Torvalds ✨ (line 8, id https://www.linkedin.com/in/linus)
given: Linus
family: Torvalds ✨
organization: Linux Foundation
title: Fellow
url: https://www.linkedin.com/in/linus (linkedin)
connected on: 2019-08-05
--
person Alan Turing (line 9, id https://www.linkedin.com/in/turing)
given: Alan
family: Turing
url: https://www.linkedin.com/in/turing (linkedin)
warning: line 9: Connected On `someday` is not a date
"#,
    );
}

#[test]
fn outlook_csv_in_windows_1252() {
    check_csv(
        "outlook.csv",
        Format::Csv(CsvFormat::Outlook),
        r#"Outlook header line 1
person Jürgen Müller (line 2, id h054c2092f203eb5f)
given: Jürgen
family: Müller
organization: Müller & Söhne GmbH
title: Geschäftsführer
email: j.mueller@mueller-soehne.example
email: juergen@privat.example
phone: +49 170 7654321 (mobile)
phone: +49 30 1234567 (work)
phone: +49 30 1234568 (work fax)
url: http://www.mueller-soehne.example
address: Hauptstraße 5, Hinterhaus | Berlin |  | 10115 | Deutschland (work)
birthday: 1970-03-15
anniversary: 1995-06-10
tags: Kunden, VIP
note: Kunde seit 2019.\nMöchte Angebote per Post.
--
person Amélie Dupont (line 4, id h5a1e341c4be9bc81)
given: Amélie
family: Dupont
phone: +33 1 23 45 67 89 (home)
address: 3 rue de la Paix | Paris |  | 75002 | France (home)
birthday: 1985-12-31
tags: Amis
--
error: line 5: no name, organization, email or phone in this row
--
organization Contoso Ltd. (line 6, id hb45d2cf4bbe89e84)
organization: Contoso Ltd.
phone: +1 425 555 0100 (company)
tags: Suppliers
"#,
    );
}

fn photo(items: &[Result<ContactCard, ParseError>]) -> Option<String> {
    items
        .first()
        .and_then(|r| r.as_ref().ok())
        .and_then(|c| c.photo.clone())
}

#[test]
fn inline_photos_become_data_uris() {
    assert_eq!(
        photo(&read_vcard("apple-3.0.vcf")).as_deref(),
        Some(
            "data:image/jpeg;base64,/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJDRENDg8QEBEQCgwSExIQEw8QEBD/yQALCAABAAEBAREA/8wABgAQEAX/2gAIAQEAAD8A0s8g/9k="
        )
    );
    assert_eq!(
        photo(&read_vcard("outlook-2.1.vcf")).as_deref(),
        Some(
            "data:image/jpeg;base64,/9j/4AAQSkZJRgABAQEAYABgAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/wAALCAABAAEBAREA/8QAFAAB"
        )
    );
    assert_eq!(
        photo(&read_vcard("v4.0.vcf")).as_deref(),
        Some(
            "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
        )
    );
    let skipped: Vec<_> = vcard::read(
        &fixture("apple-3.0.vcf"),
        vcard::ReadOptions { skip_photos: true },
    )
    .collect();
    assert_eq!(photo(&skipped), None);
    let options = CsvOptions {
        skip_photos: true,
        ..CsvOptions::default()
    };
    let bytes = fixture("google.csv");
    let rows: Vec<_> = CsvReader::new(&bytes[..], &options)
        .map(|r| r.collect())
        .unwrap_or_default();
    assert_eq!(photo(&rows), None);
}

/// Every card of every fixture survives a trip through the vCard 4.0 writer.
#[test]
fn every_fixture_card_round_trips_through_vcard_40() {
    let vcards = [
        "android-2.1.vcf",
        "apple-3.0.vcf",
        "google-3.0.vcf",
        "outlook-2.1.vcf",
        "v4.0.vcf",
    ];
    let csvs = [
        "google.csv",
        "google-old.csv",
        "linkedin-connections.csv",
        "outlook.csv",
    ];
    let cards: Vec<ContactCard> = vcards
        .iter()
        .flat_map(|n| read_vcard(n))
        .chain(csvs.iter().flat_map(|n| read_csv(n)))
        .filter_map(Result::ok)
        .map(|mut c| {
            c.warnings.clear();
            c.connected_on = None;
            c
        })
        .collect();
    assert_eq!(cards.len(), 24);
    let written = vcard::write(&cards);
    let back: Vec<ContactCard> = vcard::read(written.as_bytes(), vcard::ReadOptions::default())
        .map(|r| {
            r.map(|mut c| {
                c.line = 0;
                c
            })
        })
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{e}"));
    let expected: Vec<ContactCard> = cards
        .into_iter()
        .map(|mut c| {
            c.line = 0;
            c
        })
        .collect();
    assert_eq!(back, expected);
}
