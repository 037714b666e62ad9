use super::*;

/// Reads `input` and compares every row (or error) described, in order.
fn check_with(input: &str, options: &CsvOptions, expected: &str) {
    let got = match CsvReader::new(input.as_bytes(), options) {
        Err(e) => format!("file error: {e}\n"),
        Ok(reader) => {
            let head = format!(
                "{:?} header on line {}\n",
                reader.format(),
                reader.header_line()
            );
            let rows: Vec<String> = reader
                .map(|r| match r {
                    Ok(card) => hide_hash(card.describe()),
                    Err(e) => format!("error: {e}\n"),
                })
                .collect();
            head + &rows.join("--\n")
        }
    };
    assert_eq!(got, expected, "\n--- got ---\n{got}");
}

/// Content hashes are checked in `card.rs`; here they would only add noise.
fn hide_hash(s: String) -> String {
    match s.split_once(", id h") {
        Some((head, tail))
            if tail
                .get(..16)
                .is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit())) =>
        {
            format!("{head}, id HASH{}", tail.get(16..).unwrap_or_default())
        }
        _ => s,
    }
}

fn check(input: &str, expected: &str) {
    check_with(input, &CsvOptions::default(), expected);
}

#[test]
fn generic_headers_are_mapped_automatically() {
    check(
        "Full name,Work Email,Mobile,Company,Tags,Notes\n\
         Ada Lovelace,ada@example.com,+44 20 7946 0958,Engines Ltd,\"math; vip\",\"line 1\nline 2\"\n\
         Bo,,,,,\n",
        "Generic header on line 1
person Ada Lovelace (line 2, id HASH)
organization: Engines Ltd
email: ada@example.com (work)
phone: +44 20 7946 0958 (mobile)
tags: math, vip
note: line 1\\nline 2
--
person Bo (line 4, id HASH)
",
    );
}

#[test]
fn explicit_mapping_wins_and_names_missing_columns() {
    let options = CsvOptions {
        mapping: vec![
            "Who=name".parse().unwrap(),
            "Reach=email".parse().unwrap(),
            "Company=ignore".parse().unwrap(),
        ],
        ..CsvOptions::default()
    };
    check_with(
        "Who;Reach;Company\nAda;ada@example.com;Engines\n",
        &options,
        "Generic header on line 1
person Ada (line 2, id HASH)
email: ada@example.com
",
    );
    let missing = CsvOptions {
        mapping: vec!["Phone=phone".parse().unwrap()],
        ..CsvOptions::default()
    };
    check_with(
        "Who,Reach\nAda,x\n",
        &missing,
        "file error: line 1: the mapped column `Phone` is not in the header (columns: Who, Reach)\n",
    );
    check(
        "Colour,Size\nred,9\n",
        "file error: line 1: no column holds a name, organization, email or phone (columns: Colour, Size); map one as COLUMN=name\n",
    );
}

#[test]
fn rejected_rows_have_their_physical_line() {
    check(
        "Name,Email,Notes\n\
         Ada,ada@example.com,\"a note\non three\nlines\"\n\
         ,,\"only a note\"\n\
         Bo,bo@example.com,x,surplus\n\
         Cy,cy@example.com,,\n\
         \n\
         Di,di@example.com,\"two\nlines\"\n",
        "Generic header on line 1
person Ada (line 2, id HASH)
email: ada@example.com
note: a note\\non three\\nlines
--
error: line 5: no name, organization, email or phone in this row
--
error: line 6: row has 4 fields but the header has 3
--
person Cy (line 7, id HASH)
email: cy@example.com
--
person Di (line 9, id HASH)
email: di@example.com
note: two\\nlines
",
    );
}

#[test]
fn an_unclosed_quote_is_one_long_row() {
    let input = format!(
        "Name,Notes\nAda,\"never closed\n{}",
        "Bo,x\n".repeat(10_001)
    );
    let rows: Vec<Result<ContactCard, ParseError>> =
        CsvReader::new(input.as_bytes(), &CsvOptions::default())
            .map(|r| r.collect())
            .unwrap_or_default();
    let errors: Vec<String> = rows
        .iter()
        .filter_map(|r| r.as_ref().err().map(|e| e.to_string()))
        .collect();
    assert_eq!(
        errors,
        ["line 2: row spans 10002 lines and 50021 bytes: an unclosed quote?"]
    );
}

#[test]
fn empty_and_odd_files() {
    check(
        "",
        "file error: line 1: the file is empty (no header row)\n",
    );
    check(
        "\n\n",
        "file error: line 1: the file is empty (no header row)\n",
    );
    check("Name\n", "Generic header on line 1\n");
    check(
        "\u{feff}Name,Email\n\"Zoë\",z@example.com\n",
        "Generic header on line 1\nperson Zoë (line 2, id HASH)\nemail: z@example.com\n",
    );
}

#[test]
fn windows_1252_fields_are_decoded() {
    let input = b"Name,Email\nCaf\xe9 Owner,c@example.com\n";
    let names: Vec<String> = CsvReader::new(&input[..], &CsvOptions::default())
        .map(|r| r.filter_map(Result::ok).map(|c| c.name).collect())
        .unwrap_or_default();
    assert_eq!(names, ["Café Owner"]);
}

#[test]
fn dates_of_every_exporter() {
    check(
        "Name,Birthday,Anniversary\nA,0/0/00,5/18/1990\nB,--05-18,1990-05-18\nC,someday,\n",
        "Generic header on line 1
person A (line 2, id HASH)
anniversary: 1990-05-18
--
person B (line 3, id HASH)
birthday: --05-18
anniversary: 1990-05-18
--
person C (line 4, id HASH)
warning: line 4: Birthday `someday` is not a date
",
    );
}
