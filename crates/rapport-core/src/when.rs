//! `WHEN`: the dates and times a person types. ISO dates and datetimes, and words:
//! `today`, `tomorrow`, `yesterday`, `now`, weekday names (`friday`, `next fri`,
//! `last monday`), `in 2 weeks`, `3 days ago`, and short spans `3d`, `2w`, `1m`, `1y`,
//! `+2d`, `-3d`. Relative forms count from the `now` the caller passes in.

use jiff::civil::{Date, DateTime, Weekday};
use jiff::{Span, Timestamp, Zoned};

use crate::DomainError;

/// A parsed `WHEN`: a calendar day, or an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Date(Date),
    At(Timestamp),
}

const FORMS: &str = "use a date like 2026-11-23, a time like 2026-11-23T14:30, or today, tomorrow, friday, in 2 weeks, 3d";

fn bad(input: &str) -> DomainError {
    DomainError::invalid("when", format!("`{input}` is not a date or time: {FORMS}"))
}

fn weekday(s: &str) -> Option<Weekday> {
    Some(match s {
        "monday" | "mon" => Weekday::Monday,
        "tuesday" | "tue" | "tues" => Weekday::Tuesday,
        "wednesday" | "wed" => Weekday::Wednesday,
        "thursday" | "thu" | "thur" | "thurs" => Weekday::Thursday,
        "friday" | "fri" => Weekday::Friday,
        "saturday" | "sat" => Weekday::Saturday,
        "sunday" | "sun" => Weekday::Sunday,
        _ => return None,
    })
}

/// A count and unit (`2 weeks`, `3d`) as a span of days; months are calendar months.
fn span(n: i64, unit: &str) -> Option<Span> {
    if !(0..=100_000).contains(&n) {
        return None;
    }
    let s = match unit {
        "d" | "day" | "days" => Span::new().try_days(n).ok()?,
        "w" | "wk" | "week" | "weeks" => Span::new().try_weeks(n).ok()?,
        "m" | "mo" | "month" | "months" => Span::new().try_months(n).ok()?,
        "y" | "yr" | "year" | "years" => Span::new().try_years(n).ok()?,
        _ => return None,
    };
    Some(s)
}

/// Splits `12d` or `12 days` into (12, "d").
fn count_unit(s: &str) -> Option<(i64, String)> {
    let s = s.trim();
    let digits_end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    if digits_end == 0 || digits_end > 9 {
        return None;
    }
    let n = s[..digits_end].parse().ok()?;
    Some((n, s[digits_end..].trim().to_string()))
}

fn shift(today: Date, n: i64, unit: &str, forward: bool, input: &str) -> Result<Date, DomainError> {
    let sp = span(n, unit).ok_or_else(|| bad(input))?;
    let r = if forward {
        today.checked_add(sp)
    } else {
        today.checked_sub(sp)
    };
    r.map_err(|_| DomainError::invalid("when", format!("`{input}` is out of the calendar's range")))
}

/// Parses `input` relative to `now` (whose time zone also gives meaning to local times).
pub fn parse_when(input: &str, now: Zoned) -> Result<When, DomainError> {
    let s = input.trim().to_lowercase();
    if s.is_empty() || s.len() > 64 {
        return Err(bad(input));
    }
    let today = now.date();
    match s.as_str() {
        "now" => return Ok(When::At(now.timestamp())),
        "today" => return Ok(When::Date(today)),
        "tomorrow" => return shift(today, 1, "d", true, input).map(When::Date),
        "yesterday" => return shift(today, 1, "d", false, input).map(When::Date),
        _ => {}
    }
    // Weekdays: `friday` and `next friday` are the next one after today; `last friday` the one before.
    let (dir, rest) = match s.split_once(' ') {
        Some(("next", r)) => (1, r.trim()),
        Some(("last", r)) => (-1, r.trim()),
        Some(("this", r)) => (1, r.trim()),
        _ => (1, s.as_str()),
    };
    if let Some(wd) = weekday(rest) {
        let d = if dir > 0 {
            today.nth_weekday(1, wd)
        } else {
            today.nth_weekday(-1, wd)
        };
        return d.map(When::Date).map_err(|_| bad(input));
    }
    if let Some(r) = s.strip_prefix("in ") {
        let (n, unit) = count_unit(r).ok_or_else(|| bad(input))?;
        return shift(today, n, &unit, true, input).map(When::Date);
    }
    if let Some(r) = s.strip_suffix(" ago") {
        let (n, unit) = count_unit(r).ok_or_else(|| bad(input))?;
        return shift(today, n, &unit, false, input).map(When::Date);
    }
    if let Some(r) = s.strip_prefix('+') {
        let (n, unit) = count_unit(r).ok_or_else(|| bad(input))?;
        return shift(today, n, &unit, true, input).map(When::Date);
    }
    if let Some(r) = s.strip_prefix('-') {
        let (n, unit) = count_unit(r).ok_or_else(|| bad(input))?;
        return shift(today, n, &unit, false, input).map(When::Date);
    }
    if let Some((n, unit)) = count_unit(&s).filter(|(n, u)| !u.is_empty() && span(*n, u).is_some())
    {
        return shift(today, n, &unit, true, input).map(When::Date);
    }
    // ISO forms: an instant with an offset, a local datetime, or a date.
    if let Ok(t) = s.to_uppercase().parse::<Timestamp>() {
        return Ok(When::At(t));
    }
    if let Some(d) = Some(&s)
        .filter(|s| s.len() == 10)
        .and_then(|s| s.parse::<Date>().ok())
    {
        return Ok(When::Date(d));
    }
    if let Ok(dt) = s.replacen(' ', "T", 1).parse::<DateTime>() {
        let z = dt
            .to_zoned(now.time_zone().clone())
            .map_err(|_| bad(input))?;
        return Ok(When::At(z.timestamp()));
    }
    Err(bad(input))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    /// Monday 23 November 2026, 10:00 in Paris.
    fn now() -> Zoned {
        date(2026, 11, 23)
            .at(10, 0, 0, 0)
            .in_tz("Europe/Paris")
            .unwrap()
    }

    fn check(input: &str, expected: When) {
        assert_eq!(parse_when(input, now()).ok(), Some(expected), "{input}");
    }

    fn day(y: i16, m: i8, d: i8) -> When {
        When::Date(date(y, m, d))
    }

    #[test]
    fn words() {
        check("today", day(2026, 11, 23));
        check(" Tomorrow ", day(2026, 11, 24));
        check("yesterday", day(2026, 11, 22));
        check("now", When::At(now().timestamp()));
    }

    #[test]
    fn weekdays_are_strictly_after_today() {
        check("friday", day(2026, 11, 27));
        check("fri", day(2026, 11, 27));
        check("next friday", day(2026, 11, 27));
        check("monday", day(2026, 11, 30));
        check("last monday", day(2026, 11, 16));
        check("last sun", day(2026, 11, 22));
    }

    #[test]
    fn spans() {
        check("in 2 weeks", day(2026, 12, 7));
        check("in 3 days", day(2026, 11, 26));
        check("in 1 month", day(2026, 12, 23));
        check("2 days ago", day(2026, 11, 21));
        check("3 weeks ago", day(2026, 11, 2));
        check("2d", day(2026, 11, 25));
        check("3w", day(2026, 12, 14));
        check("1m", day(2026, 12, 23));
        check("1y", day(2027, 11, 23));
        check("+2d", day(2026, 11, 25));
        check("-3d", day(2026, 11, 20));
    }

    #[test]
    fn iso_forms() {
        check("2026-11-01", day(2026, 11, 1));
        check(
            "2026-11-23T14:30:00Z",
            When::At("2026-11-23T14:30:00Z".parse().unwrap()),
        );
        check(
            "2026-11-23T14:30+01:00",
            When::At("2026-11-23T13:30:00Z".parse().unwrap()),
        );
        // Local times are in the caller's zone (Paris is UTC+1 in November).
        check(
            "2026-11-23T14:30",
            When::At("2026-11-23T13:30:00Z".parse().unwrap()),
        );
        check(
            "2026-11-23 14:30",
            When::At("2026-11-23T13:30:00Z".parse().unwrap()),
        );
    }

    #[test]
    fn errors_name_the_input_and_the_forms() {
        let e = parse_when("someday", now())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("`someday`") && e.contains("in 2 weeks"), "{e}");
        for bad in [
            "",
            "in",
            "in two weeks",
            "2026-13-01",
            "in 99999999999 years",
            "99999999999d",
            "next",
            "-",
            "+x",
        ] {
            assert!(parse_when(bad, now()).is_err(), "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let _ = parse_when(&s, now());
        }

        #[test]
        fn in_n_days_is_today_plus_n(n in 0i64..3650) {
            let expected = date(2026, 11, 23).checked_add(Span::new().days(n)).unwrap();
            proptest::prop_assert_eq!(parse_when(&format!("in {n} days"), now()).ok(), Some(When::Date(expected)));
        }
    }
}
