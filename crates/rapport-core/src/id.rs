//! Record ids: UUIDv7 as lowercase text. Generation happens outside the core.

use std::fmt;
use std::str::FromStr;

use crate::DomainError;

/// A record's stable id (a UUID, in practice v7 so that ids sort by creation time).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Id(String);

/// The places of an id's hyphens in the stored form.
const HYPHENS: [usize; 4] = [8, 13, 18, 23];

impl Id {
    /// Builds the id of a record created at `unix_millis`, with caller-supplied randomness.
    pub fn v7(unix_millis: u64, random: [u8; 10]) -> Id {
        let uuid = uuid::Builder::from_unix_timestamp_millis(unix_millis, &random).into_uuid();
        Id(uuid.hyphenated().to_string())
    }

    pub fn parse(s: &str) -> Result<Id, DomainError> {
        // The stored form, which the store hands back by the tens of thousands, is
        // taken as it is after a check of each byte, without the UUID parser.
        if is_stored_form(s) {
            return Ok(Id(s.to_owned()));
        }
        let t = s.trim();
        let uuid = uuid::Uuid::try_parse(t)
            .map_err(|_| DomainError::invalid("id", format!("`{s}` is not a valid id (a UUID)")))?;
        // Already in the canonical form (as stored): a UUID of 36 characters is in the
        // hyphenated form, and without capitals it is the one written below.
        if t.len() == 36 && !t.bytes().any(|b| b.is_ascii_uppercase()) {
            return Ok(Id(t.to_owned()));
        }
        Ok(Id(uuid.hyphenated().to_string()))
    }

    /// True when `s` has the shape of an id (used by reference resolution).
    pub fn looks_like(s: &str) -> bool {
        uuid::Uuid::try_parse(s.trim()).is_ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 16 bytes of an id in the stored form (36 characters: lowercase hexadecimal
    /// digits and hyphens at [`HYPHENS`]), `None` for any other text. Byte strings
    /// order like the texts they pack, and are equal when they are.
    pub fn pack(text: &str) -> Option<[u8; 16]> {
        let s = text.as_bytes();
        if s.len() != 36 || HYPHENS.iter().any(|&i| s[i] != b'-') {
            return None;
        }
        let digit = |c: u8| match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        };
        let mut out = [0u8; 16];
        let mut digits = s
            .iter()
            .enumerate()
            .filter(|(i, _)| !HYPHENS.contains(i))
            .map(|(_, &c)| digit(c));
        for byte in &mut out {
            *byte = (digits.next()?? << 4) | digits.next()??;
        }
        Some(out)
    }

    /// The first 8 characters: enough for people to tell ids apart in a table.
    pub fn short(&self) -> &str {
        &self.0[..8.min(self.0.len())]
    }
}

/// Lowercase hexadecimal digits, by byte.
const LOWER_HEX: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = matches!(i as u8, b'0'..=b'9' | b'a'..=b'f');
        i += 1;
    }
    t
};

/// Whether `s` is a UUID in the form ids are kept in: 36 characters, hyphens at 8, 13,
/// 18 and 23, lowercase hexadecimal digits elsewhere. Such a text is its own id (see
/// the property test: `Id::parse` without this check gives the same).
fn is_stored_form(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && [8, 13, 18, 23].iter().all(|&i| b.get(i) == Some(&b'-'))
        && b.iter()
            .enumerate()
            .all(|(i, &c)| LOWER_HEX[usize::from(c)] || matches!(i, 8 | 13 | 18 | 23))
}

impl FromStr for Id {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Id::parse(s)
    }
}

/// Ids hash and compare as their text, so a map keyed by `Id` can be looked up with the
/// `&str` a store row lends, without building an `Id` per row.
impl std::borrow::Borrow<str> for Id {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({})", self.0)
    }
}

impl schemars::JsonSchema for Id {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Id".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "format": "uuid" })
    }
}

impl<'de> serde::Deserialize<'de> for Id {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Id::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v7_ids_sort_by_time() {
        let a = Id::v7(1_000, [9; 10]);
        let b = Id::v7(2_000, [0; 10]);
        assert!(a < b);
        assert_eq!(Id::parse(a.as_str()).ok(), Some(a));
    }

    /// `Id::parse` as it is without its check of the stored form.
    fn parse_by_uuid(s: &str) -> Option<String> {
        let t = s.trim();
        uuid::Uuid::try_parse(t)
            .ok()
            .map(|u| u.hyphenated().to_string())
    }

    proptest::proptest! {
        #[test]
        fn the_stored_form_check_changes_no_id(
            s in "[0-9a-f-]{36}|[0-9a-fA-F]{8}-[0-9a-f]{4}-[0-9a-fG-]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}|.{0,40}",
            hyphens in proptest::collection::vec(0usize..36, 0..5),
        ) {
            let mut s = s;
            if s.len() == 36 && s.is_ascii() {
                // Hyphens moved about: only those at 8, 13, 18 and 23 make the form.
                let mut b = s.into_bytes();
                for h in hyphens {
                    b[h] = b'-';
                }
                s = String::from_utf8(b).unwrap();
            }
            let fast = Id::parse(&s).ok().map(|i| i.as_str().to_string());
            proptest::prop_assert_eq!(fast.clone(), parse_by_uuid(&s), "{}", s);
            proptest::prop_assert_eq!(is_stored_form(&s), fast.as_deref() == Some(s.as_str()));
        }
    }

    #[test]
    fn rejects_garbage() {
        assert!(Id::parse("not-an-id").is_err());
        assert!(Id::parse("").is_err());
        assert!(Id::parse(&"f".repeat(5000)).is_err());
    }

    #[test]
    fn uppercase_is_normalized() {
        let id = Id::parse("0190A0B0-0000-7000-8000-000000000001").ok();
        assert_eq!(
            id.map(|i| i.to_string()),
            Some("0190a0b0-0000-7000-8000-000000000001".into())
        );
    }

    #[test]
    fn every_accepted_form_gives_the_hyphenated_one() {
        let canonical = "0190a0b0-0000-7000-8000-000000000001";
        for form in [
            canonical,
            "  0190a0b0-0000-7000-8000-000000000001 ",
            "  0190a0b0000070008000000000000001  ",
            "{0190a0b0-0000-7000-8000-000000000001}",
            "urn:uuid:0190a0b0-0000-7000-8000-000000000001",
        ] {
            let id = Id::parse(form).map(|i| i.to_string()).ok();
            assert_eq!(id.as_deref(), Some(canonical), "{form:?}");
        }
    }
}
