//! iCalendar (RFC 5545): a writer of all-day events for the calendar feed, and a reader
//! of what it writes (and of similar feeds), so the writer can be tested and fuzzed.

use jiff::civil::Date;

use crate::text::{MAX_LINE, PhysicalLines, escape_text, fold_into, unescape};
use crate::{ParseError, Reason};

/// `PRODID` of the calendars written here.
pub const PRODID: &str = "-//Rapport//Rapport//EN";

/// Components may nest this deep (a calendar, an event, an alarm, …).
const MAX_DEPTH: usize = 16;

/// A calendar of all-day events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    /// Shown by clients as the calendar's name (`X-WR-CALNAME`).
    pub name: Option<String>,
    pub events: Vec<Event>,
}

/// An all-day event, once or every year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Stable across feeds, so clients update the event instead of adding one:
    /// see [`uid`].
    pub uid: String,
    pub date: Date,
    pub summary: String,
    pub description: Option<String>,
    /// Recurs every year on the same day (birthdays, anniversaries). A yearly event on
    /// February 29 falls on February 28 in common years.
    pub yearly: bool,
}

/// A stable event UID from what the event is about: `uid("birthday", person_id)`.
pub fn uid(kind: &str, id: &str) -> String {
    format!("{kind}-{id}@rapport")
}

impl Event {
    pub fn all_day(uid: impl Into<String>, date: Date, summary: impl Into<String>) -> Event {
        Event {
            uid: uid.into(),
            date,
            summary: summary.into(),
            description: None,
            yearly: false,
        }
    }

    pub fn description(mut self, text: impl Into<String>) -> Event {
        self.description = Some(text.into());
        self
    }

    pub fn yearly(mut self) -> Event {
        self.yearly = true;
        self
    }
}

impl Calendar {
    pub fn new() -> Calendar {
        Calendar::default()
    }

    pub fn named(mut self, name: impl Into<String>) -> Calendar {
        self.name = Some(name.into());
        self
    }

    pub fn event(mut self, event: Event) -> Calendar {
        self.events.push(event);
        self
    }

    /// The calendar as an iCalendar stream. `dtstamp` (when the feed was made) is given by
    /// the caller: this crate reads no clock.
    pub fn to_ics(&self, dtstamp: jiff::Timestamp) -> String {
        let mut out = String::with_capacity(256 + self.events.len() * 256);
        let mut line = |l: &str| fold_into(&mut out, l);
        line("BEGIN:VCALENDAR");
        line("VERSION:2.0");
        line(&format!("PRODID:{PRODID}"));
        line("CALSCALE:GREGORIAN");
        line("METHOD:PUBLISH");
        if let Some(name) = &self.name {
            line(&format!("X-WR-CALNAME:{}", escape_text(name)));
        }
        let stamp = dtstamp.strftime("%Y%m%dT%H%M%SZ").to_string();
        for e in &self.events {
            line("BEGIN:VEVENT");
            line(&format!("UID:{}", escape_text(&e.uid)));
            line(&format!("DTSTAMP:{stamp}"));
            line(&format!("DTSTART;VALUE=DATE:{}", ical_date(e.date)));
            if let Ok(end) = e.date.tomorrow() {
                line(&format!("DTEND;VALUE=DATE:{}", ical_date(end)));
            }
            if e.yearly {
                if (e.date.month(), e.date.day()) == (2, 29) {
                    line("RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1");
                } else {
                    line("RRULE:FREQ=YEARLY");
                }
            }
            line(&format!("SUMMARY:{}", escape_text(&e.summary)));
            if let Some(d) = &e.description {
                line(&format!("DESCRIPTION:{}", escape_text(d)));
            }
            line("TRANSP:TRANSPARENT");
            line("END:VEVENT");
        }
        line("END:VCALENDAR");
        out
    }
}

fn ical_date(d: Date) -> String {
    format!("{:04}{:02}{:02}", d.year(), d.month(), d.day())
}

/// Reads one calendar's name and all-day events (UID, DTSTART, SUMMARY, DESCRIPTION,
/// yearly RRULE); other components and properties are skipped. The first fault is
/// returned with its line.
pub fn parse(input: &str) -> Result<Calendar, ParseError> {
    let mut lines = Logical::new(input);
    let mut calendar = Calendar::default();
    // Open components: (name, line of BEGIN).
    let mut stack: Vec<(String, usize)> = Vec::new();
    let mut event: Option<(usize, Draft)> = None;
    while let Some((no, line)) = lines.next().transpose()? {
        if line.trim().is_empty() {
            continue;
        }
        if stack.is_empty() {
            if line.trim().eq_ignore_ascii_case("BEGIN:VCALENDAR") {
                stack.push(("VCALENDAR".into(), no));
                continue;
            }
            return Err(ParseError::new(
                no,
                Reason::Unexpected {
                    expected: "BEGIN:VCALENDAR",
                    found: preview(&line),
                },
            ));
        }
        let (name, params, value) = content_line(&line).ok_or_else(|| {
            ParseError::new(
                no,
                Reason::Unexpected {
                    expected: "NAME:value",
                    found: preview(&line),
                },
            )
        })?;
        match name.as_str() {
            "BEGIN" => {
                if stack.len() >= MAX_DEPTH {
                    return Err(ParseError::new(no, Reason::TooDeep(MAX_DEPTH)));
                }
                let component = value.trim().to_ascii_uppercase();
                if component == "VEVENT" && stack.len() == 1 {
                    event = Some((no, Draft::default()));
                }
                stack.push((component, no));
            }
            "END" => {
                let component = value.trim().to_ascii_uppercase();
                let Some((open, _)) = stack.pop() else { break };
                if open != component {
                    let expected = if open == "VEVENT" {
                        "END:VEVENT"
                    } else {
                        "the END of the open component"
                    };
                    return Err(ParseError::new(
                        no,
                        Reason::Unexpected {
                            expected,
                            found: preview(&line),
                        },
                    ));
                }
                if component == "VEVENT"
                    && stack.len() == 1
                    && let Some((begin, draft)) = event.take()
                {
                    calendar.events.push(draft.finish(begin)?);
                }
                if stack.is_empty() {
                    return Ok(calendar);
                }
            }
            _ if stack.len() == 1 && name == "X-WR-CALNAME" => {
                calendar.name = Some(unescape(value, false));
            }
            _ if stack.len() == 2 => {
                if let Some((_, draft)) = &mut event {
                    draft.property(no, &name, params, value)?;
                }
            }
            _ => {}
        }
    }
    match stack.pop() {
        Some((open, begin)) => Err(ParseError::new(begin, Reason::Unclosed(open))),
        None => Err(ParseError::new(
            1,
            Reason::Unexpected {
                expected: "BEGIN:VCALENDAR",
                found: "end of input".into(),
            },
        )),
    }
}

#[derive(Default)]
struct Draft {
    uid: Option<String>,
    date: Option<Date>,
    summary: Option<String>,
    description: Option<String>,
    yearly: bool,
}

impl Draft {
    fn property(
        &mut self,
        no: usize,
        name: &str,
        _params: &str,
        value: &str,
    ) -> Result<(), ParseError> {
        match name {
            "UID" => self.uid = Some(unescape(value, false)),
            "SUMMARY" => self.summary = Some(unescape(value, false)),
            "DESCRIPTION" => self.description = Some(unescape(value, false)),
            "RRULE" => {
                self.yearly = value
                    .split(';')
                    .any(|p| p.trim().eq_ignore_ascii_case("FREQ=YEARLY"))
            }
            "DTSTART" => {
                let v = value.trim();
                let digits = v.get(..8).filter(|d| d.bytes().all(|b| b.is_ascii_digit()));
                let date = digits.and_then(|d| {
                    let n =
                        |r: std::ops::Range<usize>| d.get(r).and_then(|x| x.parse::<i16>().ok());
                    Date::new(
                        n(0..4)?,
                        i8::try_from(n(4..6)?).ok()?,
                        i8::try_from(n(6..8)?).ok()?,
                    )
                    .ok()
                });
                let bad = || Reason::BadDate {
                    property: "DTSTART".into(),
                    value: v.chars().take(40).collect(),
                };
                self.date = Some(date.ok_or_else(|| ParseError::new(no, bad()))?);
            }
            _ => {}
        }
        Ok(())
    }

    fn finish(self, begin: usize) -> Result<Event, ParseError> {
        let missing = |what| ParseError::new(begin, Reason::MissingProperty(what));
        Ok(Event {
            uid: self.uid.ok_or_else(|| missing("UID"))?,
            date: self.date.ok_or_else(|| missing("DTSTART"))?,
            summary: self.summary.unwrap_or_default(),
            description: self.description,
            yearly: self.yearly,
        })
    }
}

/// `NAME;PARAMS:value` → (uppercase name, params, value).
fn content_line(line: &str) -> Option<(String, &str, &str)> {
    let mut quoted = false;
    let colon = line.char_indices().find_map(|(i, c)| {
        if c == '"' {
            quoted = !quoted;
        }
        (c == ':' && !quoted).then_some(i)
    })?;
    let (head, value) = (line.get(..colon)?, line.get(colon + 1..)?);
    let (name, params) = head.split_once(';').unwrap_or((head, ""));
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    Some((name.to_ascii_uppercase(), params, value))
}

fn preview(line: &str) -> String {
    crate::vcard::preview(line.as_bytes())
}

/// Unfolded lines with the number of their first physical line.
struct Logical<'a> {
    lines: PhysicalLines<'a>,
}

impl<'a> Logical<'a> {
    fn new(input: &'a str) -> Self {
        Logical {
            lines: PhysicalLines::new(input.as_bytes()),
        }
    }
}

impl Iterator for Logical<'_> {
    type Item = Result<(usize, String), ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        let (no, first) = self.lines.next()?;
        let mut bytes = first.to_vec();
        while let Some([b' ' | b'\t', rest @ ..]) = self.lines.peek() {
            bytes.extend_from_slice(rest);
            self.lines.next();
            if bytes.len() > MAX_LINE {
                return Some(Err(ParseError::new(no, Reason::LineTooLong(MAX_LINE))));
            }
        }
        if bytes.len() > MAX_LINE {
            return Some(Err(ParseError::new(no, Reason::LineTooLong(MAX_LINE))));
        }
        // The input is a `str` and lines are cut at LF and before a space: still UTF-8.
        Some(Ok((no, String::from_utf8_lossy(&bytes).into_owned())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp() -> jiff::Timestamp {
        jiff::Timestamp::from_second(1_700_000_000).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
    }

    fn check(cal: &Calendar, expected: &str) {
        let ics = cal.to_ics(stamp());
        assert_eq!(ics.replace("\r\n", "\n"), expected);
        assert!(ics.split("\r\n").all(|l| l.len() <= 75));
        assert_eq!(parse(&ics).as_ref(), Ok(cal));
    }

    #[test]
    fn writes_yearly_all_day_events() {
        let cal = Calendar::new()
            .named("Rapport: dates")
            .event(
                Event::all_day(
                    uid("birthday", "p1"),
                    jiff::civil::date(1990, 5, 18),
                    "Ada's birthday",
                )
                .description("Turns 36; call her, she likes tea, not flowers")
                .yearly(),
            )
            .event(Event::all_day(
                "task-t1@rapport",
                jiff::civil::date(2026, 2, 3),
                "Send the deck; v2",
            ));
        check(
            &cal,
            "BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Rapport//Rapport//EN
CALSCALE:GREGORIAN
METHOD:PUBLISH
X-WR-CALNAME:Rapport: dates
BEGIN:VEVENT
UID:birthday-p1@rapport
DTSTAMP:20231114T221320Z
DTSTART;VALUE=DATE:19900518
DTEND;VALUE=DATE:19900519
RRULE:FREQ=YEARLY
SUMMARY:Ada's birthday
DESCRIPTION:Turns 36\\; call her\\, she likes tea\\, not flowers
TRANSP:TRANSPARENT
END:VEVENT
BEGIN:VEVENT
UID:task-t1@rapport
DTSTAMP:20231114T221320Z
DTSTART;VALUE=DATE:20260203
DTEND;VALUE=DATE:20260204
SUMMARY:Send the deck\\; v2
TRANSP:TRANSPARENT
END:VEVENT
END:VCALENDAR
",
        );
    }

    #[test]
    fn february_29_recurs_on_the_last_day_of_february() {
        let cal = Calendar::new()
            .event(Event::all_day("x", jiff::civil::date(2000, 2, 29), "Leap").yearly());
        let ics = cal.to_ics(stamp());
        assert!(ics.contains("RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1\r\n"));
        assert_eq!(parse(&ics), Ok(cal));
    }

    #[test]
    fn long_text_is_folded_and_read_back() {
        let long = "é".repeat(100) + "\nsecond line";
        let cal = Calendar::new().event(Event::all_day("u", jiff::civil::date(2024, 1, 1), long));
        check(&cal, &cal.to_ics(stamp()).replace("\r\n", "\n"));
    }

    fn check_error(input: &str, expected: &str) {
        assert_eq!(
            parse(input).map_err(|e| e.to_string()),
            Err(expected.to_string())
        );
    }

    #[test]
    fn errors_name_the_line() {
        check_error("hello", "line 1: expected BEGIN:VCALENDAR, found `hello`");
        check_error(
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\n",
            "line 2: VEVENT not terminated (no END:VEVENT)",
        );
        check_error(
            "BEGIN:VCALENDAR\n",
            "line 1: VCALENDAR not terminated (no END:VCALENDAR)",
        );
        check_error(
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nDTSTART:2024\nEND:VEVENT\nEND:VCALENDAR",
            "line 4: DTSTART `2024` is not a date",
        );
        check_error(
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nEND:VEVENT\nEND:VCALENDAR",
            "line 2: event has no UID",
        );
        check_error(
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nEND:VCALENDAR",
            "line 3: expected END:VEVENT, found `END:VCALENDAR`",
        );
        check_error(
            "BEGIN:VCALENDAR\nno colon\nEND:VCALENDAR",
            "line 2: expected NAME:value, found `no colon`",
        );
    }

    #[test]
    fn reads_other_feeds_leniently() {
        let ics = "BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART;TZID=Europe/Paris:20240105T100000\r\nSUMMARY:Lunch\r\n  with Bo\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let cal = parse(ics);
        assert_eq!(
            cal,
            Ok(Calendar {
                name: None,
                events: vec![Event::all_day(
                    "a",
                    jiff::civil::date(2024, 1, 5),
                    "Lunch with Bo"
                )]
            })
        );
    }
}
