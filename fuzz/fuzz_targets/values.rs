//! Any text through the domain's value parsers (`WHEN`, emails, phones, tags, dates of
//! the year, ids, cadences, time budgets, time zones, currencies, bounded numbers,
//! vocabularies, metric segments): none may panic, and what one accepts it must accept
//! again, as the same value, from the way it writes it.
#![no_main]

use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};
use libfuzzer_sys::fuzz_target;
use rapport_core::agenda::parse_budget;
use rapport_core::metrics::SegmentBy;
use rapport_core::when::parse_when;
use rapport_core::*;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    // A Monday morning, in a zone with an offset, so that local times are converted.
    let now = Zoned::new(
        Timestamp::from_second(1_795_424_400).expect("a valid instant"),
        TimeZone::fixed(jiff::tz::offset(-5)),
    );
    let _ = parse_when(s, now);
    if let Ok(e) = Email::parse(s) {
        assert_eq!(Email::parse(e.as_str()).ok(), Some(e));
    }
    if let Ok(p) = parse_phone(s) {
        assert_eq!(parse_phone(&p).ok(), Some(p));
    }
    if let Ok(t) = parse_tag(s) {
        assert_eq!(parse_tag(&t).ok(), Some(t));
    }
    if let Ok(d) = AnnualDate::parse(s) {
        assert_eq!(AnnualDate::parse(&d.to_string()).ok(), Some(d));
    }
    if let Ok(id) = Id::parse(s) {
        assert_eq!(Id::parse(&id.to_string()).ok(), Some(id));
    }
    if let Ok(c) = CadenceDays::parse_span(s) {
        assert_eq!(CadenceDays::parse_span(&c.get().to_string()).ok(), Some(c));
    }
    if let Ok(minutes) = parse_budget(s) {
        assert!((1..=24 * 60).contains(&minutes), "{minutes}");
        assert_eq!(parse_budget(&format!("{minutes}m")).ok(), Some(minutes));
    }
    let _ = parse_time_zone(s);
    let _ = parse_currency(s);
    let _ = Importance::parse(s);
    let _ = Sentiment::parse(s);
    let _ = Strength::parse(s);
    let _ = SegmentBy::parse(s);
    if let Ok(k) = RelationshipKind::parse(s) {
        assert_eq!(RelationshipKind::parse(k.as_str()).ok(), Some(k));
    }
    if let Ok(c) = Channel::parse(s) {
        assert_eq!(Channel::parse(c.as_str()).ok(), Some(c));
    }
});
