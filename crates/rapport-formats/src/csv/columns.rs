//! Which column holds what: the known exporters' headers, automatic mapping of generic
//! headers, and the user's `column=field` mapping.

use std::fmt;
use std::str::FromStr;

use super::CsvFormat;
use crate::Reason;

/// A contact field that a CSV column can be mapped to (`Full name=name`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Name,
    GivenName,
    MiddleName,
    FamilyName,
    Nickname,
    Email,
    Phone,
    Organization,
    Title,
    Tags,
    Note,
    Birthday,
    Anniversary,
    Url,
    Street,
    City,
    Region,
    PostalCode,
    Country,
    TimeZone,
    Photo,
    SourceId,
    ConnectedOn,
    /// Read nothing from this column.
    Ignore,
}

impl Field {
    /// Every field with its text form (the first) and the other names it accepts.
    const NAMES: &'static [(Field, &'static [&'static str])] = &[
        (Field::Name, &["name", "full_name", "display_name"]),
        (Field::GivenName, &["given_name", "first_name", "first"]),
        (Field::MiddleName, &["middle_name", "middle"]),
        (
            Field::FamilyName,
            &["family_name", "last_name", "last", "surname"],
        ),
        (Field::Nickname, &["nickname"]),
        (Field::Email, &["email", "e-mail", "mail"]),
        (Field::Phone, &["phone", "tel", "mobile"]),
        (
            Field::Organization,
            &["organization", "organisation", "company", "org"],
        ),
        (Field::Title, &["title", "job_title", "position"]),
        (
            Field::Tags,
            &["tags", "tag", "labels", "categories", "groups"],
        ),
        (Field::Note, &["note", "notes"]),
        (Field::Birthday, &["birthday", "bday"]),
        (Field::Anniversary, &["anniversary"]),
        (Field::Url, &["url", "website", "web"]),
        (Field::Street, &["street", "address"]),
        (Field::City, &["city"]),
        (Field::Region, &["region", "state", "province"]),
        (Field::PostalCode, &["postal_code", "zip", "postcode"]),
        (Field::Country, &["country"]),
        (Field::TimeZone, &["time_zone", "tz", "timezone"]),
        (Field::Photo, &["photo"]),
        (Field::SourceId, &["source_id", "uid", "id"]),
        (Field::ConnectedOn, &["connected_on"]),
        (Field::Ignore, &["ignore", "skip", "none"]),
    ];

    pub fn as_str(self) -> &'static str {
        Field::NAMES
            .iter()
            .find(|(f, _)| *f == self)
            .and_then(|(_, names)| names.first())
            .copied()
            .unwrap_or("ignore")
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A mapping that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    #[error("`{0}` is not a COLUMN=FIELD mapping")]
    NotAMapping(String),
    #[error("`{0}` is not a field; known fields: {1}")]
    UnknownField(String, String),
}

impl FromStr for Field {
    type Err = MappingError;

    /// Case-insensitive; `-`, `_` and spaces are interchangeable (`first name`, `first-name`).
    fn from_str(s: &str) -> Result<Field, MappingError> {
        let norm = s.trim().to_lowercase().replace([' ', '-'], "_");
        let norm = if norm == "e_mail" {
            "email".to_string()
        } else {
            norm
        };
        Field::NAMES
            .iter()
            .find(|(_, names)| names.contains(&norm.as_str()))
            .map(|(f, _)| *f)
            .ok_or_else(|| {
                let known: Vec<&str> = Field::NAMES.iter().map(|(f, _)| f.as_str()).collect();
                MappingError::UnknownField(s.trim().to_string(), known.join(", "))
            })
    }
}

/// One `COLUMN=FIELD` mapping: the column's header (case-insensitive) and its field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMap {
    pub column: String,
    pub field: Field,
}

impl FromStr for ColumnMap {
    type Err = MappingError;

    /// `Full name=name`; the last `=` separates, so a header may hold one.
    fn from_str(s: &str) -> Result<ColumnMap, MappingError> {
        let (column, field) = s
            .rsplit_once('=')
            .ok_or_else(|| MappingError::NotAMapping(s.to_string()))?;
        let column = column.trim();
        if column.is_empty() {
            return Err(MappingError::NotAMapping(s.to_string()));
        }
        Ok(ColumnMap {
            column: column.to_string(),
            field: field.parse()?,
        })
    }
}

/// Lists whose values come numbered (`E-mail 2 - Value`) and carry labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum List {
    Email = 0,
    Phone = 1,
    Url = 2,
    Event = 3,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AddrPart {
    Label,
    Formatted,
    Street,
    Extended,
    PoBox,
    City,
    Region,
    PostalCode,
    Country,
}

/// What one column feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Name,
    Given,
    Middle,
    Family,
    Suffix,
    Nickname,
    FileAs,
    Organization,
    Title,
    Birthday,
    Anniversary,
    Note,
    Photo,
    TimeZone,
    ConnectedOn,
    SourceId,
    Tags,
    /// A value of a list, in slot `slot`, with a label fixed by the column (Outlook's
    /// `Mobile Phone`) unless a label column says otherwise.
    Value {
        list: List,
        slot: usize,
        label: Option<&'static str>,
    },
    Label {
        list: List,
        slot: usize,
    },
    Address {
        slot: usize,
        part: AddrPart,
        label: Option<&'static str>,
    },
}

/// The largest numbered slot read (`E-mail 50 - Value`); higher ones are ignored.
const MAX_SLOT: usize = 50;

/// The format a header row belongs to, when it is one of the known exporters'.
pub(crate) fn classify(headers: &[String]) -> Option<CsvFormat> {
    let has = |h: &str| headers.iter().any(|x| x.eq_ignore_ascii_case(h));
    if has("Connected On")
        || (has("First Name") && has("Last Name") && has("URL") && has("Position"))
    {
        return Some(CsvFormat::LinkedIn);
    }
    let numbered = headers.iter().any(|h| google_numbered(h).is_some());
    if numbered
        || has("Group Membership")
        || (has("Labels") && has("First Name"))
        || (has("Given Name") && has("Family Name"))
    {
        return Some(CsvFormat::Google);
    }
    let outlook_only = [
        "Business Phone",
        "Mobile Phone",
        "Job Title",
        "Home Street",
        "Business Street",
        "E-mail 2 Address",
    ];
    if has("E-mail Address") && outlook_only.iter().any(|h| has(h)) {
        return Some(CsvFormat::Outlook);
    }
    None
}

/// Whether a header row of an unknown exporter has a column the automatic mapping knows.
pub(crate) fn looks_like_contacts(headers: &[String]) -> bool {
    headers.iter().any(|h| {
        matches!(
            generic_field(h),
            Some((
                Field::Name
                    | Field::GivenName
                    | Field::FamilyName
                    | Field::Email
                    | Field::Phone
                    | Field::Organization,
                _
            ))
        )
    })
}

/// How each column of a file is read.
#[derive(Debug)]
pub(crate) struct Plan {
    pub format: CsvFormat,
    pub headers: Vec<String>,
    /// (column index, target), in column order.
    pub columns: Vec<(usize, Target)>,
    /// Slots used per [`List`].
    pub slots: [usize; 4],
    pub address_slots: usize,
}

impl Plan {
    pub fn new(
        format: CsvFormat,
        headers: Vec<String>,
        mapping: &[super::ColumnMap],
    ) -> Result<Plan, Reason> {
        let mut overrides: Vec<Option<Field>> = vec![None; headers.len()];
        for m in mapping {
            let idx = headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(m.column.trim()));
            let Some(idx) = idx else {
                return Err(Reason::MissingColumn(
                    m.column.clone(),
                    list_headers(&headers),
                ));
            };
            if let Some(o) = overrides.get_mut(idx) {
                *o = Some(m.field);
            }
        }
        let mut plan = Plan {
            format,
            headers: Vec::new(),
            columns: Vec::new(),
            slots: [0; 4],
            address_slots: 0,
        };
        for (idx, header) in headers.iter().enumerate() {
            let target = match overrides.get(idx).copied().flatten() {
                Some(field) => plan.field_target(field, label_in(header)),
                None => match format {
                    CsvFormat::Google => google_target(header),
                    CsvFormat::Outlook => outlook_target(header),
                    CsvFormat::LinkedIn => linkedin_target(header),
                    CsvFormat::Generic => {
                        generic_field(header).and_then(|(f, label)| plan.field_target(f, label))
                    }
                },
            };
            if let Some(t) = target {
                plan.note_slot(t);
                plan.columns.push((idx, t));
            }
        }
        let names_someone = plan.columns.iter().any(|(_, t)| {
            matches!(
                t,
                Target::Name
                    | Target::Given
                    | Target::Family
                    | Target::Middle
                    | Target::FileAs
                    | Target::Nickname
                    | Target::Organization
                    | Target::Value {
                        list: List::Email | List::Phone,
                        ..
                    }
            )
        });
        if !names_someone {
            return Err(Reason::NothingMapped(list_headers(&headers)));
        }
        plan.headers = headers;
        Ok(plan)
    }

    fn field_target(&mut self, field: Field, label: Option<&'static str>) -> Option<Target> {
        let next = |list: List| {
            let slot = self.slots[list as usize];
            Target::Value { list, slot, label }
        };
        Some(match field {
            Field::Name => Target::Name,
            Field::GivenName => Target::Given,
            Field::MiddleName => Target::Middle,
            Field::FamilyName => Target::Family,
            Field::Nickname => Target::Nickname,
            Field::Email => next(List::Email),
            Field::Phone => next(List::Phone),
            Field::Url => next(List::Url),
            Field::Organization => Target::Organization,
            Field::Title => Target::Title,
            Field::Tags => Target::Tags,
            Field::Note => Target::Note,
            Field::Birthday => Target::Birthday,
            Field::Anniversary => Target::Anniversary,
            Field::Street => Target::Address {
                slot: 0,
                part: AddrPart::Street,
                label,
            },
            Field::City => Target::Address {
                slot: 0,
                part: AddrPart::City,
                label,
            },
            Field::Region => Target::Address {
                slot: 0,
                part: AddrPart::Region,
                label,
            },
            Field::PostalCode => Target::Address {
                slot: 0,
                part: AddrPart::PostalCode,
                label,
            },
            Field::Country => Target::Address {
                slot: 0,
                part: AddrPart::Country,
                label,
            },
            Field::TimeZone => Target::TimeZone,
            Field::Photo => Target::Photo,
            Field::SourceId => Target::SourceId,
            Field::ConnectedOn => Target::ConnectedOn,
            Field::Ignore => return None,
        })
    }

    /// Records the slots a target uses, so rows allocate them once.
    fn note_slot(&mut self, t: Target) {
        match t {
            Target::Value { list, slot, .. } | Target::Label { list, slot } => {
                let n = &mut self.slots[list as usize];
                *n = (*n).max(slot + 1);
            }
            Target::Address { slot, .. } => self.address_slots = self.address_slots.max(slot + 1),
            _ => {}
        }
    }
}

fn list_headers(headers: &[String]) -> String {
    let mut s: String = headers
        .iter()
        .take(30)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if headers.len() > 30 {
        s.push_str(", …");
    }
    s
}

/// `E-mail 2 - Value` → (`E-mail`, slot 1, `Value`).
fn google_numbered(h: &str) -> Option<(&str, usize, &str)> {
    let (left, part) = h.trim().split_once(" - ")?;
    let (kind, n) = left.rsplit_once(' ')?;
    let n: usize = n.parse().ok()?;
    (1..=MAX_SLOT)
        .contains(&n)
        .then_some((kind, n - 1, part.trim()))
}

/// Google Contacts, current (`First Name`, `E-mail 1 - Label`, `Labels`) and older
/// (`Given Name`, `E-mail 1 - Type`, `Group Membership`) exports.
fn google_target(h: &str) -> Option<Target> {
    let t = match h.trim() {
        "Name" => Target::Name,
        "First Name" | "Given Name" => Target::Given,
        "Middle Name" | "Additional Name" => Target::Middle,
        "Last Name" | "Family Name" => Target::Family,
        "Name Suffix" => Target::Suffix,
        "Nickname" => Target::Nickname,
        "File As" => Target::FileAs,
        "Organization Name" => Target::Organization,
        "Organization Title" => Target::Title,
        "Birthday" => Target::Birthday,
        "Notes" => Target::Note,
        "Photo" => Target::Photo,
        "Labels" | "Group Membership" => Target::Tags,
        other => {
            let (kind, slot, part) = google_numbered(other)?;
            let list = match kind {
                "E-mail" => List::Email,
                "Phone" => List::Phone,
                "Website" => List::Url,
                "Event" => List::Event,
                "Address" => {
                    let part = match part {
                        "Label" | "Type" => AddrPart::Label,
                        "Formatted" => AddrPart::Formatted,
                        "Street" => AddrPart::Street,
                        "Extended Address" => AddrPart::Extended,
                        "PO Box" => AddrPart::PoBox,
                        "City" => AddrPart::City,
                        "Region" => AddrPart::Region,
                        "Postal Code" => AddrPart::PostalCode,
                        "Country" => AddrPart::Country,
                        _ => return None,
                    };
                    return Some(Target::Address {
                        slot,
                        part,
                        label: None,
                    });
                }
                "Organization" if slot == 0 => {
                    return match part {
                        "Name" => Some(Target::Organization),
                        "Title" => Some(Target::Title),
                        _ => None,
                    };
                }
                _ => return None,
            };
            match part {
                "Value" => Target::Value {
                    list,
                    slot,
                    label: None,
                },
                "Label" | "Type" => Target::Label { list, slot },
                _ => return None,
            }
        }
    };
    Some(t)
}

/// Outlook's CSV export (desktop and outlook.com): fixed column names, the label in the name.
fn outlook_target(h: &str) -> Option<Target> {
    let phone = |slot, label| {
        Some(Target::Value {
            list: List::Phone,
            slot,
            label: Some(label),
        })
    };
    let addr = |slot, part, label| {
        Some(Target::Address {
            slot,
            part,
            label: Some(label),
        })
    };
    match h.trim() {
        // "Title" is the honorific (Mr., Dr.); "Job Title" is the title.
        "First Name" => Some(Target::Given),
        "Middle Name" => Some(Target::Middle),
        "Last Name" => Some(Target::Family),
        "Suffix" => Some(Target::Suffix),
        "Nickname" => Some(Target::Nickname),
        "Company" => Some(Target::Organization),
        "Job Title" => Some(Target::Title),
        "Birthday" => Some(Target::Birthday),
        "Anniversary" => Some(Target::Anniversary),
        "Categories" => Some(Target::Tags),
        "Notes" => Some(Target::Note),
        "Web Page" => Some(Target::Value {
            list: List::Url,
            slot: 0,
            label: None,
        }),
        "Personal Web Page" => Some(Target::Value {
            list: List::Url,
            slot: 1,
            label: Some("home"),
        }),
        "E-mail Address" => Some(Target::Value {
            list: List::Email,
            slot: 0,
            label: None,
        }),
        "E-mail 2 Address" => Some(Target::Value {
            list: List::Email,
            slot: 1,
            label: None,
        }),
        "E-mail 3 Address" => Some(Target::Value {
            list: List::Email,
            slot: 2,
            label: None,
        }),
        "Primary Phone" => phone(0, "main"),
        "Mobile Phone" => phone(1, "mobile"),
        "Business Phone" => phone(2, "work"),
        "Business Phone 2" => phone(3, "work"),
        "Home Phone" => phone(4, "home"),
        "Home Phone 2" => phone(5, "home"),
        "Company Main Phone" => phone(6, "company"),
        "Other Phone" => phone(7, "other"),
        "Business Fax" => phone(8, "work fax"),
        "Home Fax" => phone(9, "home fax"),
        "Other Fax" => phone(10, "other fax"),
        "Pager" => phone(11, "pager"),
        "Car Phone" => phone(12, "car"),
        "Assistant's Phone" => phone(13, "assistant"),
        "Callback" => phone(14, "callback"),
        "Radio Phone" => phone(15, "radio"),
        "ISDN" => phone(16, "isdn"),
        "TTY/TDD Phone" => phone(17, "tty"),
        "Telex" => phone(18, "telex"),
        other => {
            for (slot, (prefix, label)) in
                [("Business", "work"), ("Home", "home"), ("Other", "other")]
                    .into_iter()
                    .enumerate()
            {
                let Some(rest) = other.strip_prefix(prefix) else {
                    continue;
                };
                let part = match rest {
                    " Street" | " Street 2" | " Street 3" => AddrPart::Street,
                    " City" => AddrPart::City,
                    " State" => AddrPart::Region,
                    " Postal Code" => AddrPart::PostalCode,
                    " Country/Region" | " Country" => AddrPart::Country,
                    " Address PO Box" => AddrPart::PoBox,
                    _ => continue,
                };
                return addr(slot, part, label);
            }
            None
        }
    }
}

/// LinkedIn's `Connections.csv`.
fn linkedin_target(h: &str) -> Option<Target> {
    match h.trim() {
        "First Name" => Some(Target::Given),
        "Last Name" => Some(Target::Family),
        "URL" => Some(Target::Value {
            list: List::Url,
            slot: 0,
            label: Some("linkedin"),
        }),
        "Email Address" => Some(Target::Value {
            list: List::Email,
            slot: 0,
            label: None,
        }),
        "Company" => Some(Target::Organization),
        "Position" => Some(Target::Title),
        "Connected On" => Some(Target::ConnectedOn),
        _ => None,
    }
}

/// A label carried by a generic header: `Work Email` → `work`.
fn label_in(header: &str) -> Option<&'static str> {
    let lower = header.to_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).collect();
    let has = |w: &[&str]| words.iter().any(|x| w.contains(x));
    if has(&["work", "business", "office"]) {
        Some("work")
    } else if has(&["home", "personal", "private"]) {
        Some("home")
    } else if has(&["mobile", "cell"]) {
        Some("mobile")
    } else if has(&["fax"]) {
        Some("fax")
    } else if has(&["other"]) {
        Some("other")
    } else {
        None
    }
}

/// Automatic mapping of a header no known exporter wrote: exact names first
/// (`Full name`, `Company`), then words (`Work Email`).
pub(crate) fn generic_field(header: &str) -> Option<(Field, Option<&'static str>)> {
    let key: String = header
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    let exact = match key.as_str() {
        "name" | "fullname" | "displayname" | "contactname" | "contact" | "person" => {
            Some(Field::Name)
        }
        "firstname" | "givenname" | "first" | "forename" => Some(Field::GivenName),
        "lastname" | "surname" | "familyname" | "last" => Some(Field::FamilyName),
        "middlename" | "middle" | "additionalname" => Some(Field::MiddleName),
        "nickname" | "nick" => Some(Field::Nickname),
        "company" | "organization" | "organisation" | "org" | "employer" | "companyname"
        | "organizationname" => Some(Field::Organization),
        "title" | "jobtitle" | "position" | "role" | "occupation" => Some(Field::Title),
        "tags" | "tag" | "labels" | "label" | "groups" | "group" | "categories" | "category"
        | "groupmembership" => Some(Field::Tags),
        "notes" | "note" | "comments" | "comment" | "description" | "remarks" => Some(Field::Note),
        "birthday" | "dob" | "dateofbirth" | "birthdate" | "bday" => Some(Field::Birthday),
        "anniversary" => Some(Field::Anniversary),
        "website" | "url" | "web" | "homepage" | "webpage" | "linkedin" | "profileurl" => {
            Some(Field::Url)
        }
        "street" | "address" | "streetaddress" | "address1" => Some(Field::Street),
        "city" | "town" | "locality" => Some(Field::City),
        "state" | "region" | "province" | "county" => Some(Field::Region),
        "zip" | "zipcode" | "postalcode" | "postcode" | "plz" => Some(Field::PostalCode),
        "country" | "countryregion" => Some(Field::Country),
        "timezone" | "tz" => Some(Field::TimeZone),
        "photo" | "picture" | "avatar" => Some(Field::Photo),
        "uid" | "id" | "contactid" | "externalid" => Some(Field::SourceId),
        "connectedon" => Some(Field::ConnectedOn),
        _ => None,
    };
    let field = exact.or_else(|| {
        let has = |w: &[&str]| w.iter().any(|x| key.contains(x));
        if has(&["email", "mail"]) {
            Some(Field::Email)
        } else if has(&["phone", "mobile", "tel", "cell", "fax"]) {
            Some(Field::Phone)
        } else if has(&["website", "url"]) {
            Some(Field::Url)
        } else if has(&["birthday"]) {
            Some(Field::Birthday)
        } else {
            None
        }
    })?;
    let label = match field {
        Field::Email
        | Field::Phone
        | Field::Url
        | Field::Street
        | Field::City
        | Field::Region
        | Field::PostalCode
        | Field::Country => label_in(header),
        _ => None,
    };
    Some((field, label))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_generic(header: &str, expected: Option<(Field, Option<&str>)>) {
        assert_eq!(generic_field(header), expected, "{header}");
    }

    #[test]
    fn generic_headers_map_automatically() {
        check_generic("Full name", Some((Field::Name, None)));
        check_generic("E-mail", Some((Field::Email, None)));
        check_generic("Work Email", Some((Field::Email, Some("work"))));
        check_generic("Mobile", Some((Field::Phone, Some("mobile"))));
        check_generic("Company", Some((Field::Organization, None)));
        check_generic("Tags", Some((Field::Tags, None)));
        check_generic("Favourite colour", None);
    }

    #[test]
    fn mappings_parse() {
        assert_eq!(
            "Full name=name".parse::<ColumnMap>(),
            Ok(ColumnMap {
                column: "Full name".into(),
                field: Field::Name
            })
        );
        assert_eq!(
            "a=b=First Name"
                .parse::<ColumnMap>()
                .map(|m| (m.column, m.field)),
            Ok(("a=b".into(), Field::GivenName))
        );
        assert_eq!(
            "Mail = E-Mail".parse::<ColumnMap>().map(|m| m.field),
            Ok(Field::Email)
        );
        assert!(matches!(
            "x".parse::<ColumnMap>(),
            Err(MappingError::NotAMapping(_))
        ));
        assert!(matches!(
            "=name".parse::<ColumnMap>(),
            Err(MappingError::NotAMapping(_))
        ));
        let err = "x=colour".parse::<ColumnMap>().map_err(|e| e.to_string());
        assert!(
            err.as_ref().is_err_and(
                |e| e.starts_with("`colour` is not a field; known fields: name, given_name")
            ),
            "{err:?}"
        );
        for (f, _) in Field::NAMES {
            assert_eq!(f.as_str().parse::<Field>(), Ok(*f));
        }
    }

    fn strings(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn exporters_are_recognized_by_header() {
        let google = strings(&[
            "First Name",
            "Last Name",
            "Labels",
            "E-mail 1 - Label",
            "E-mail 1 - Value",
        ]);
        assert_eq!(classify(&google), Some(CsvFormat::Google));
        let old_google = strings(&["Name", "Given Name", "Family Name", "Group Membership"]);
        assert_eq!(classify(&old_google), Some(CsvFormat::Google));
        let linkedin = strings(&[
            "First Name",
            "Last Name",
            "URL",
            "Email Address",
            "Company",
            "Position",
            "Connected On",
        ]);
        assert_eq!(classify(&linkedin), Some(CsvFormat::LinkedIn));
        let outlook = strings(&["First Name", "Last Name", "E-mail Address", "Mobile Phone"]);
        assert_eq!(classify(&outlook), Some(CsvFormat::Outlook));
        assert_eq!(classify(&strings(&["Name", "Mail"])), None);
    }

    #[test]
    fn plans_say_which_column_is_missing() {
        let headers = strings(&["Full name", "Mail"]);
        let missing = vec![ColumnMap {
            column: "Phone".into(),
            field: Field::Phone,
        }];
        assert_eq!(
            Plan::new(CsvFormat::Generic, headers.clone(), &missing)
                .err()
                .map(|r| r.to_string()),
            Some(
                "the mapped column `Phone` is not in the header (columns: Full name, Mail)".into()
            )
        );
        let nothing = strings(&["Colour", "Size"]);
        assert!(matches!(
            Plan::new(CsvFormat::Generic, nothing, &[]),
            Err(Reason::NothingMapped(_))
        ));
        let plan = Plan::new(CsvFormat::Generic, headers, &[]);
        assert_eq!(plan.map(|p| p.columns.len()).ok(), Some(2));
    }
}
