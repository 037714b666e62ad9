//! Small value types parsed at the edge: once constructed they are valid.

use std::fmt;

use crate::DomainError;

/// Declares an integer newtype that only holds values within `lo..=hi`.
macro_rules! bounded_int {
    ($(#[$m:meta])* $name:ident($t:ty), $field:literal, $lo:literal ..= $hi:literal) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name($t);

        impl $name {
            pub const MIN: $t = $lo;
            pub const MAX: $t = $hi;

            pub fn new(v: i64) -> Result<Self, DomainError> {
                if (($lo as i64)..=($hi as i64)).contains(&v) {
                    Ok($name(v as $t))
                } else {
                    Err(DomainError::invalid($field, format!("{v} is out of range {}..{}", $lo, $hi)))
                }
            }

            pub fn parse(s: &str) -> Result<Self, DomainError> {
                let v: i64 = s.trim().parse().map_err(|_| {
                    DomainError::invalid($field, format!("`{s}` is not a whole number in {}..{}", $lo, $hi))
                })?;
                Self::new(v)
            }

            pub fn get(self) -> $t {
                self.0
            }

            /// The nearest value in range: for values computed, not typed by a person.
            pub fn clamped(v: i64) -> Self {
                $name(v.clamp($lo as i64, $hi as i64) as $t)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "type": "integer",
                    "minimum": $lo,
                    "maximum": $hi,
                })
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let v = i64::deserialize(d)?;
                $name::new(v).map_err(serde::de::Error::custom)
            }
        }
    };
}

bounded_int!(/// How much a relationship matters, 1 (little) to 5 (critical).
    Importance(u8), "importance", 1..=5);
bounded_int!(/// Strength of a tie between two people, 1 (weak) to 5 (very strong).
    Strength(u8), "strength", 1..=5);
bounded_int!(/// Severity of a conflict, 1 (minor) to 3 (serious).
    Severity(u8), "severity", 1..=3);
bounded_int!(/// How an interaction felt, −2 (very negative) to +2 (very positive).
    Sentiment(i8), "sentiment", -2..=2);
bounded_int!(/// Progress of a goal in percent.
    Progress(u8), "progress", 0..=100);
bounded_int!(/// A stakeholder's power or interest, 1 to 5.
    Level(u8), "level", 1..=5);
bounded_int!(/// A stakeholder's attitude, −2 (opposed) to +2 (champion).
    Attitude(i8), "attitude", -2..=2);
bounded_int!(/// Check-in cadence in days.
    CadenceDays(u16), "cadence", 1..=3650);

impl Default for Importance {
    fn default() -> Self {
        Importance(3)
    }
}

impl Default for Strength {
    fn default() -> Self {
        Strength(3)
    }
}

impl CadenceDays {
    /// Parses `30`, `30d`, `2w`, `3m` (months of 30 days) or `1y`.
    pub fn parse_span(s: &str) -> Result<Self, DomainError> {
        let t = s.trim().to_ascii_lowercase();
        let bad = || {
            DomainError::invalid(
                "cadence",
                format!("`{s}` is not a cadence like 14d, 2w, 3m or 1y"),
            )
        };
        let (num, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
            Some(i) => t.split_at(i),
            None => (t.as_str(), "d"),
        };
        let n: i64 = num.parse().map_err(|_| bad())?;
        let mult = match unit.trim() {
            "d" | "day" | "days" => 1,
            "w" | "week" | "weeks" => 7,
            "m" | "month" | "months" => 30,
            "y" | "year" | "years" => 365,
            _ => return Err(bad()),
        };
        CadenceDays::new(n.saturating_mul(mult))
    }
}

/// Trimmed text that is not empty and not absurdly long.
pub fn required_text(field: &str, s: &str, max_chars: usize) -> Result<String, DomainError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(DomainError::invalid(field, "must not be empty"));
    }
    optional_text(field, t, max_chars).map(|o| o.unwrap_or_default())
}

/// Trimmed text, `None` when blank; errors when longer than `max_chars` or holding NUL.
pub fn optional_text(
    field: &str,
    s: &str,
    max_chars: usize,
) -> Result<Option<String>, DomainError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if t.chars().count() > max_chars {
        return Err(DomainError::invalid(
            field,
            format!("is longer than {max_chars} characters"),
        ));
    }
    if t.contains('\0') {
        return Err(DomainError::invalid(field, "contains a NUL character"));
    }
    Ok(Some(t.to_string()))
}

/// Names, titles and summaries.
pub const SHORT_TEXT: usize = 500;
/// Notes, bodies and descriptions.
pub const LONG_TEXT: usize = 100_000;

/// An email address, lowercased domain, checked for a plausible shape.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> Result<Email, DomainError> {
        let t = s.trim();
        let bad = |why: &str| {
            DomainError::invalid(
                "email",
                format!("`{s}` is not a valid email address: {why}"),
            )
        };
        if t.len() > 254 {
            return Err(bad("longer than 254 characters"));
        }
        let (local, domain) = t.rsplit_once('@').ok_or_else(|| bad("missing @"))?;
        if local.is_empty() {
            return Err(bad("nothing before @"));
        }
        if domain.is_empty()
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
        {
            return Err(bad("the domain needs a dot, like example.com"));
        }
        if t.chars().any(|c| c.is_whitespace() || c.is_control()) || local.contains('@') {
            return Err(bad("contains a space, control character or second @"));
        }
        if domain.contains("..") {
            return Err(bad("empty label in the domain"));
        }
        Ok(Email(format!("{local}@{}", domain.to_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A phone number as written, with at least a few digits.
pub fn parse_phone(s: &str) -> Result<String, DomainError> {
    let t = s.trim();
    let digits = t.chars().filter(|c| c.is_ascii_digit()).count();
    let allowed = |c: char| c.is_ascii_digit() || " +-().x/ext.".contains(c);
    if !(3..=20).contains(&digits) || !t.chars().all(allowed) {
        return Err(DomainError::invalid(
            "phone",
            format!("`{s}` is not a phone number"),
        ));
    }
    Ok(t.to_string())
}

/// The digits of a phone number (with a leading + kept): the key used to find duplicates.
pub fn phone_key(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.chars().enumerate() {
        if c.is_ascii_digit() || (i == 0 && c == '+') {
            out.push(c);
        }
    }
    out
}

/// A value with an optional label: `{"value": "ada@example.com", "label": "work"}`.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct Labeled {
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

impl Labeled {
    pub fn new(value: impl Into<String>, label: Option<String>) -> Self {
        Labeled {
            value: value.into(),
            label,
        }
    }
}

/// A postal address; every part optional.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct Address {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

impl Address {
    pub fn is_empty(&self) -> bool {
        self == &Address {
            label: self.label.clone(),
            ..Address::default()
        }
    }

    /// One line for people: "12 Rue X, Paris, France".
    pub fn one_line(&self) -> String {
        [
            &self.street,
            &self.postal_code,
            &self.city,
            &self.region,
            &self.country,
        ]
        .iter()
        .filter_map(|p| p.as_deref())
        .collect::<Vec<_>>()
        .join(", ")
    }
}

/// A tag: lowercase, no spaces at the ends, no commas.
pub fn parse_tag(s: &str) -> Result<String, DomainError> {
    let t = s.trim().to_lowercase();
    if t.is_empty() || t.chars().count() > 64 || t.contains(',') || t.chars().any(char::is_control)
    {
        return Err(DomainError::invalid(
            "tag",
            format!("`{s}` is not a tag (1–64 characters, no commas)"),
        ));
    }
    Ok(t)
}

/// A date that recurs every year, with an optional year of origin (`--05-18` or `1990-05-18`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AnnualDate {
    year: Option<i16>,
    month: u8,
    day: u8,
}

impl AnnualDate {
    pub fn new(year: Option<i16>, month: u8, day: u8) -> Result<AnnualDate, DomainError> {
        let bad = || {
            DomainError::invalid(
                "date",
                format!("{month:02}-{day:02} is not a day of the year"),
            )
        };
        // Validate against a leap year when the year is unknown, so 02-29 is allowed.
        let y = year.unwrap_or(2000);
        if !(1..=9999).contains(&y) {
            return Err(DomainError::invalid(
                "date",
                format!("year {y} is out of range"),
            ));
        }
        jiff::civil::Date::new(y, month as i8, day as i8).map_err(|_| bad())?;
        Ok(AnnualDate { year, month, day })
    }

    /// Parses `MM-DD`, `--MM-DD`, `--MMDD`, `YYYY-MM-DD` or `YYYYMMDD`.
    pub fn parse(s: &str) -> Result<AnnualDate, DomainError> {
        let t = s.trim();
        let bad = || {
            DomainError::invalid(
                "date",
                format!("`{s}` is not a date like 05-18 or 1990-05-18"),
            )
        };
        let t2 = t.strip_prefix("--").unwrap_or(t);
        let digits: String = t2.chars().filter(|c| c.is_ascii_digit()).collect();
        let seps_ok = t2.chars().all(|c| c.is_ascii_digit() || c == '-');
        if !seps_ok {
            return Err(bad());
        }
        let num = |r: std::ops::Range<usize>| {
            digits
                .get(r)
                .and_then(|d| d.parse::<u16>().ok())
                .ok_or_else(bad)
        };
        match (digits.len(), t2.matches('-').count()) {
            (4, 0 | 1) => AnnualDate::new(None, num(0..2)? as u8, num(2..4)? as u8),
            (8, 0 | 2) if !t.starts_with("--") => {
                AnnualDate::new(Some(num(0..4)? as i16), num(4..6)? as u8, num(6..8)? as u8)
            }
            _ => Err(bad()),
        }
    }

    pub fn year(self) -> Option<i16> {
        self.year
    }
    pub fn month(self) -> u8 {
        self.month
    }
    pub fn day(self) -> u8 {
        self.day
    }

    /// The next occurrence on or after `from` (Feb 29 falls on Feb 28 in common years).
    pub fn next_on_or_after(self, from: jiff::civil::Date) -> jiff::civil::Date {
        let at = |y: i16| {
            jiff::civil::Date::new(y, self.month as i8, self.day as i8)
                .or_else(|_| jiff::civil::Date::new(y, self.month as i8, 28))
                .unwrap_or(from)
        };
        let this_year = at(from.year());
        if this_year >= from {
            this_year
        } else {
            at(from.year() + 1)
        }
    }
}

impl fmt::Display for AnnualDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.year {
            Some(y) => write!(f, "{y:04}-{:02}-{:02}", self.month, self.day),
            None => write!(f, "--{:02}-{:02}", self.month, self.day),
        }
    }
}

impl serde::Serialize for AnnualDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl schemars::JsonSchema for AnnualDate {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "AnnualDate".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A yearly date: `MM-DD`, or `YYYY-MM-DD` when the year is known",
            "examples": ["05-18", "1990-05-18"],
        })
    }
}

impl<'de> serde::Deserialize<'de> for AnnualDate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        AnnualDate::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// An ISO 4217-shaped currency code: three ASCII letters, uppercase.
pub fn parse_currency(s: &str) -> Result<String, DomainError> {
    let t = s.trim().to_ascii_uppercase();
    if t.len() == 3 && t.chars().all(|c| c.is_ascii_alphabetic()) {
        Ok(t)
    } else {
        Err(DomainError::invalid(
            "currency",
            format!("`{s}` is not a currency code like EUR or USD"),
        ))
    }
}

/// A money amount: finite, not negative, at most 1e15.
pub fn parse_amount(v: f64) -> Result<f64, DomainError> {
    if v.is_finite() && (0.0..=1e15).contains(&v) {
        Ok(v)
    } else {
        Err(DomainError::invalid(
            "amount",
            format!("{v} is not an amount between 0 and 10^15"),
        ))
    }
}

/// An IANA time zone name known to the system's time zone database.
pub fn parse_time_zone(s: &str) -> Result<String, DomainError> {
    let t = s.trim();
    let ok = !t.is_empty() && t.len() < 64 && jiff::tz::TimeZone::get(t).is_ok();
    if ok {
        Ok(t.to_string())
    } else {
        Err(DomainError::invalid(
            "tz",
            format!("`{s}` is not a known time zone like Europe/Paris"),
        ))
    }
}

/// Folds text for matching: lowercase, accents removed, whitespace collapsed.
/// Both storage engines index text folded by this one function, so they agree.
///
/// ASCII text (most names, every email address and phone number) is folded byte by
/// byte: its compatibility decomposition is itself and it holds no combining marks, so
/// the result is the one the general path gives, at a fraction of the cost (folding was
/// a seventh of an import's instructions).
pub fn fold(s: &str) -> String {
    if !s.is_ascii() {
        return fold_unicode(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut space = true;
    for b in s.bytes() {
        if char::from(b).is_whitespace() {
            if !space {
                out.push(' ');
                space = true;
            }
        } else {
            out.push(char::from(b.to_ascii_lowercase()));
            space = false;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// [`fold`] for any text: compatibility decomposition, marks dropped, a few letters
/// that do not decompose spelled out.
fn fold_unicode(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut out = String::with_capacity(s.len());
    let mut space = true;
    for c in s.nfkd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        let c = match c {
            'ß' | 'ẞ' => {
                out.push_str("ss");
                space = false;
                continue;
            }
            'ø' | 'Ø' => 'o',
            'æ' | 'Æ' => 'a',
            'đ' | 'Đ' => 'd',
            'ł' | 'Ł' => 'l',
            'ı' => 'i',
            c => c,
        };
        if c.is_whitespace() {
            if !space {
                out.push(' ');
                space = true;
            }
        } else {
            out.extend(c.to_lowercase());
            space = false;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_ints_check_range() {
        assert!(Sentiment::new(3).is_err());
        assert_eq!(Sentiment::parse("-2").map(|s| s.get()).ok(), Some(-2));
        assert_eq!(
            Importance::parse("9").err().map(|e| e.to_string()),
            Some("importance: 9 is out of range 1..5".into())
        );
        assert!(Severity::parse("x").is_err());
    }

    #[test]
    fn cadence_spans() {
        assert_eq!(
            CadenceDays::parse_span("30d").map(|c| c.get()).ok(),
            Some(30)
        );
        assert_eq!(
            CadenceDays::parse_span("2w").map(|c| c.get()).ok(),
            Some(14)
        );
        assert_eq!(
            CadenceDays::parse_span("14").map(|c| c.get()).ok(),
            Some(14)
        );
        assert!(CadenceDays::parse_span("0d").is_err());
        assert!(CadenceDays::parse_span("fortnight").is_err());
        assert!(CadenceDays::parse_span("99999999999999999999d").is_err());
    }

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse(" Ada@Example.COM ")
                .map(|e| e.to_string())
                .ok(),
            Some("Ada@example.com".into())
        );
        for bad in [
            "ada",
            "ada@",
            "@x.com",
            "ada@localhost",
            "a b@x.com",
            "ada@x..com",
            "a@b@c.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn phones() {
        assert!(parse_phone("+44 20 7946 0958").is_ok());
        assert!(parse_phone("call me").is_err());
        assert_eq!(phone_key("+44 (20) 7946-0958"), "+442079460958");
    }

    #[test]
    fn annual_dates() {
        let d = AnnualDate::parse("--0518").ok();
        assert_eq!(d.map(|d| d.to_string()), Some("--05-18".into()));
        assert_eq!(
            AnnualDate::parse("1990-05-18").map(|d| d.year()).ok(),
            Some(Some(1990))
        );
        assert_eq!(
            AnnualDate::parse("19900518").map(|d| d.month()).ok(),
            Some(5)
        );
        assert!(AnnualDate::parse("02-30").is_err());
        assert!(AnnualDate::parse("02-29").is_ok());
        assert!(AnnualDate::parse("1991-02-29").is_err());
        assert!(AnnualDate::parse("birthday").is_err());
        let from = jiff::civil::date(2026, 11, 23);
        let next = AnnualDate::parse("02-29")
            .map(|d| d.next_on_or_after(from))
            .ok();
        assert_eq!(next, Some(jiff::civil::date(2027, 2, 28)));
        let next = AnnualDate::parse("11-23")
            .map(|d| d.next_on_or_after(from))
            .ok();
        assert_eq!(next, Some(from));
    }

    #[test]
    fn folding_removes_case_and_accents() {
        assert_eq!(fold("  Zoë  Ångström-Łukasz "), "zoe angstrom-lukasz");
        assert_eq!(fold("STRAẞE"), "strasse");
        assert_eq!(fold("Ｆｕｌｌ"), "full");
        assert_eq!(fold("\t John  SMITH\r\n"), "john smith");
        assert_eq!(
            fold("Ada.Lovelace+CRM@Example.ORG"),
            "ada.lovelace+crm@example.org"
        );
    }

    #[test]
    fn tags_and_currency() {
        assert_eq!(parse_tag(" VIP ").ok(), Some("vip".into()));
        assert!(parse_tag("a,b").is_err());
        assert_eq!(parse_currency("eur").ok(), Some("EUR".into()));
        assert!(parse_currency("euro").is_err());
        assert!(parse_amount(f64::NAN).is_err());
    }

    proptest::proptest! {
        #[test]
        fn parsers_never_panic(s in "\\PC{0,40}") {
            let _ = AnnualDate::parse(&s);
            let _ = Email::parse(&s);
            let _ = CadenceDays::parse_span(&s);
            let _ = parse_phone(&s);
            let _ = parse_tag(&s);
            let _ = parse_currency(&s);
            let _ = Importance::parse(&s);
            let _ = Sentiment::parse(&s);
            let _ = fold(&s);
        }

        #[test]
        fn annual_dates_round_trip(y in proptest::option::of(1i16..9999), m in 1u8..=12, d in 1u8..=31) {
            if let Ok(date) = AnnualDate::new(y, m, d) {
                proptest::prop_assert_eq!(AnnualDate::parse(&date.to_string()).ok(), Some(date));
            }
        }

        #[test]
        fn next_occurrence_is_within_a_year(m in 1u8..=12, d in 1u8..=31, off in 0i32..3000) {
            if let Ok(date) = AnnualDate::new(None, m, d) {
                let from = jiff::civil::date(2020, 1, 1).checked_add(jiff::Span::new().days(off)).unwrap_or(jiff::civil::date(2020, 1, 1));
                let next = date.next_on_or_after(from);
                proptest::prop_assert!(next >= from);
                proptest::prop_assert!((next - from).get_days() <= 366);
            }
        }

        #[test]
        fn ascii_folds_as_any_text_does(s in "[ -~\t\n\r\x0B\x0C\x1C-\x1F]{0,40}") {
            proptest::prop_assert_eq!(fold(&s), fold_unicode(&s));
        }

        #[test]
        fn fold_is_idempotent(s in "\\PC{0,40}") {
            let once = fold(&s);
            proptest::prop_assert_eq!(fold(&once), once.clone());
        }

        #[test]
        fn valid_emails_round_trip(local in "[a-z0-9._+-]{1,20}", domain in "[a-z0-9-]{1,20}\\.[a-z]{2,6}") {
            let e = format!("{local}@{domain}");
            proptest::prop_assert_eq!(Email::parse(&e).map(|x| x.to_string()).ok(), Some(e));
        }
    }
}
