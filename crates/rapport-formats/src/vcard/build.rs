//! One card's properties, parsed from content lines and mapped to a [`ContactCard`].

use std::collections::{HashMap, HashSet};

use rapport_core::{Address, AnnualDate, Labeled, SubjectKind};

use super::ReadOptions;
use crate::card::{NameParts, non_empty, push_tags};
use crate::text::{
    clean_base64, decode_base64, decode_quoted_printable, parse_vcard_date, split_escaped, unescape,
};
use crate::{ContactCard, ParseError, Reason};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Plain,
    QuotedPrintable,
    Base64,
}

/// One content line: `[group.]NAME;PARAM=...:value`.
#[derive(Debug)]
pub(crate) struct Prop {
    line: usize,
    group: Option<String>,
    /// Uppercase.
    name: String,
    /// Lowercase, `pref` removed (it sets `pref`).
    types: Vec<String>,
    /// 1 (most preferred) to 100; `TYPE=pref` counts as 1.
    pref: Option<u32>,
    encoding: Encoding,
    charset: Option<String>,
    value_type: Option<String>,
    altid: Option<String>,
    omit_year: Option<i32>,
    mediatype: Option<String>,
    /// Android's `X-CUSTOM(CHARSET=UTF-8,ENCODING=QUOTED-PRINTABLE,label)` parameter.
    custom_label: Option<String>,
    value: Vec<u8>,
}

impl Prop {
    /// Parses an unfolded content line. `Err` for a line without a colon.
    pub(crate) fn parse(line: usize, bytes: &[u8]) -> Result<Prop, Reason> {
        let colon =
            find_unquoted(bytes, b':').ok_or_else(|| Reason::NoColon(super::preview(bytes)))?;
        let (head, value) = (
            bytes.get(..colon).unwrap_or_default(),
            bytes.get(colon + 1..).unwrap_or_default(),
        );
        let head = String::from_utf8_lossy(head);
        let mut parts = split_unquoted(&head, ';').into_iter();
        let full_name = parts.next().unwrap_or_default().trim();
        let (group, name) = match full_name.rsplit_once('.') {
            Some((g, n)) => (Some(g.to_ascii_lowercase()), n),
            None => (None, full_name),
        };
        let mut p = Prop {
            line,
            group,
            name: name.to_ascii_uppercase(),
            types: Vec::new(),
            pref: None,
            encoding: Encoding::Plain,
            charset: None,
            value_type: None,
            altid: None,
            omit_year: None,
            mediatype: None,
            custom_label: None,
            value: value.to_vec(),
        };
        for param in parts {
            p.param(param);
        }
        Ok(p)
    }

    fn param(&mut self, param: &str) {
        if let Some(inner) =
            strip_prefix_ci(param.trim(), "X-CUSTOM(").and_then(|r| r.strip_suffix(')'))
        {
            self.custom_label = android_label(inner);
            return;
        }
        let (key, value) = match param.split_once('=') {
            Some((k, v)) => (k.trim().to_ascii_uppercase(), unquote(v.trim())),
            None => (String::new(), param.trim()),
        };
        match key.as_str() {
            "TYPE" => {
                for t in split_unquoted(value, ',') {
                    self.add_type(unquote(t.trim()));
                }
            }
            "PREF" => {
                self.pref = value
                    .parse::<u32>()
                    .ok()
                    .map(|n| n.clamp(1, 100))
                    .or(Some(1))
            }
            "ENCODING" => {
                self.set_encoding(value);
            }
            "CHARSET" => self.charset = Some(value.to_string()),
            "VALUE" => self.value_type = Some(value.to_ascii_lowercase()),
            "ALTID" => self.altid = Some(value.to_string()),
            "X-APPLE-OMIT-YEAR" => self.omit_year = value.parse().ok(),
            "MEDIATYPE" => self.mediatype = Some(value.to_ascii_lowercase()),
            // vCard 2.1 writes bare parameters: `TEL;WORK;VOICE;PREF:` and `;QUOTED-PRINTABLE`.
            "" if !self.set_encoding(value) => self.add_type(value),
            _ => {}
        }
    }

    fn set_encoding(&mut self, value: &str) -> bool {
        self.encoding = match value.to_ascii_uppercase().as_str() {
            "QUOTED-PRINTABLE" => Encoding::QuotedPrintable,
            "B" | "BASE64" => Encoding::Base64,
            "8BIT" | "7BIT" => Encoding::Plain,
            _ => return false,
        };
        true
    }

    fn add_type(&mut self, t: &str) {
        let t = t.trim().to_ascii_lowercase();
        if t == "pref" {
            self.pref = self.pref.or(Some(1));
        } else if !t.is_empty() {
            self.types.push(t);
        }
    }

    /// The value as text: quoted-printable or base64 decoded, then from its CHARSET
    /// (UTF-8 when none is given). Escapes are still in place.
    fn raw_text(&self) -> Result<String, Reason> {
        let decoded;
        let bytes: &[u8] = match self.encoding {
            Encoding::Plain => &self.value,
            Encoding::QuotedPrintable => {
                decoded = decode_quoted_printable(&self.value);
                &decoded
            }
            Encoding::Base64 => {
                decoded = decode_base64(&String::from_utf8_lossy(&self.value))
                    .unwrap_or_else(|| self.value.clone());
                &decoded
            }
        };
        match &self.charset {
            Some(label) => match encoding_rs::Encoding::for_label(label.trim().as_bytes()) {
                Some(enc) => Ok(enc.decode_without_bom_handling(bytes).0.into_owned()),
                None => std::str::from_utf8(bytes)
                    .map(str::to_string)
                    .map_err(|_| Reason::UnknownCharset(label.clone())),
            },
            None => std::str::from_utf8(bytes)
                .map(str::to_string)
                .map_err(|_| Reason::InvalidUtf8(self.name.clone())),
        }
    }
}

/// Removes surrounding double quotes.
fn unquote(s: &str) -> &str {
    s.strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .unwrap_or(s)
}

fn find_unquoted(bytes: &[u8], what: u8) -> Option<usize> {
    let mut quoted = false;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'"' {
            quoted = !quoted;
        } else if b == what && !quoted {
            return Some(i);
        }
    }
    None
}

fn split_unquoted(s: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        if c == '"' {
            quoted = !quoted;
        } else if c == sep && !quoted {
            out.push(&s[start..i]);
            start = i + 1;
        }
    }
    out.push(&s[start..]);
    out
}

/// What a card's properties say, gathered before the name is settled.
struct Builder<'a> {
    card: ContactCard,
    v21: bool,
    name_parts: NameParts,
    full_name: Option<String>,
    role: Option<String>,
    uid: Option<String>,
    notes: Vec<String>,
    group_labels: HashMap<&'a str, String>,
    /// (preference, value) before sorting.
    emails: Vec<(u32, Labeled)>,
    phones: Vec<(u32, Labeled)>,
    urls: Vec<(u32, Labeled)>,
    addresses: Vec<(u32, Address)>,
    options: ReadOptions,
}

/// Maps one card's properties to a contact.
pub(crate) fn build(
    props: &[Prop],
    begin: usize,
    options: ReadOptions,
) -> Result<ContactCard, ParseError> {
    let mut card = ContactCard::named("");
    card.line = begin;
    let version = props
        .iter()
        .find(|p| p.name == "VERSION")
        .map(|p| String::from_utf8_lossy(&p.value).trim().to_string());
    let mut b = Builder {
        card,
        v21: version.as_deref().is_some_and(|v| v.starts_with("2.")),
        name_parts: NameParts::default(),
        full_name: None,
        role: None,
        uid: None,
        notes: Vec::new(),
        group_labels: HashMap::new(),
        emails: Vec::new(),
        phones: Vec::new(),
        urls: Vec::new(),
        addresses: Vec::new(),
        options,
    };
    for p in props.iter().filter(|p| p.name == "X-ABLABEL") {
        if let (Some(group), Ok(text)) = (&p.group, p.raw_text())
            && let Some(label) = apple_label(&unescape(&text, b.v21))
        {
            b.group_labels.insert(group.as_str(), label);
        }
    }
    // ALTID marks alternative forms of one value (say, the name in two scripts): keep the first.
    let mut seen_alt: HashSet<(&str, &str)> = HashSet::new();
    for p in props {
        if let Some(alt) = &p.altid
            && !seen_alt.insert((p.name.as_str(), alt.as_str()))
        {
            continue;
        }
        b.property(p)
            .map_err(|reason| ParseError::new(p.line, reason))?;
    }
    b.finish(begin)
}

impl Builder<'_> {
    /// The value decoded and unescaped, line breaks as `\n`.
    fn text(&self, p: &Prop) -> Result<String, Reason> {
        let t = unescape(&p.raw_text()?, self.v21);
        Ok(if t.contains('\r') {
            t.replace("\r\n", "\n").replace('\r', "\n")
        } else {
            t
        })
    }

    fn warn(&mut self, p: &Prop, reason: Reason) {
        self.card.warnings.push(ParseError::new(p.line, reason));
    }

    fn label(&self, p: &Prop) -> Option<String> {
        if let Some(l) = p.group.as_deref().and_then(|g| self.group_labels.get(g)) {
            return Some(l.clone());
        }
        if let Some(l) = &p.custom_label {
            return Some(l.clone());
        }
        label_from_types(&p.types)
    }

    fn rank(p: &Prop) -> u32 {
        p.pref.unwrap_or(101)
    }

    fn property(&mut self, p: &Prop) -> Result<(), Reason> {
        let c = &self.card;
        match p.name.as_str() {
            "FN" if self.full_name.is_none() => self.full_name = non_empty(&self.text(p)?),
            "N" if self.name_parts.family.is_none() && self.name_parts.given.is_none() => {
                self.name(&p.raw_text()?)
            }
            "NICKNAME" if c.nickname.is_none() => {
                let raw = p.raw_text()?;
                let names: Vec<String> = split_escaped(&raw, ',')
                    .into_iter()
                    .filter_map(|n| non_empty(&unescape(n, self.v21)))
                    .collect();
                self.card.nickname = non_empty(&names.join(", "));
            }
            "KIND" | "X-ADDRESSBOOKSERVER-KIND" => {
                match self.text(p)?.trim().to_ascii_lowercase().as_str() {
                    "org" | "organization" => self.card.kind = SubjectKind::Organization,
                    "group" => return Err(Reason::Group),
                    _ => {}
                }
            }
            "X-ABSHOWAS" if self.text(p)?.trim().eq_ignore_ascii_case("company") => {
                self.card.kind = SubjectKind::Organization;
            }
            "EMAIL" => {
                let t = self.text(p)?;
                if let Some(v) = non_empty(strip_scheme(t.trim(), "mailto:")) {
                    self.emails
                        .push((Self::rank(p), Labeled::new(v, self.label(p))));
                }
            }
            "TEL" => {
                let t = self.text(p)?;
                if let Some(v) = non_empty(strip_scheme(t.trim(), "tel:")) {
                    self.phones
                        .push((Self::rank(p), Labeled::new(v, self.label(p))));
                }
            }
            "URL" | "X-SOCIALPROFILE" => {
                if let Some(v) = non_empty(&self.text(p)?) {
                    let label = if p.name == "URL" {
                        self.label(p)
                    } else {
                        p.types.first().cloned()
                    };
                    self.urls.push((Self::rank(p), Labeled::new(v, label)));
                }
            }
            "ADR" => {
                let raw = p.raw_text()?;
                let address = self.address(&raw, self.label(p));
                if !address.is_empty() {
                    self.addresses.push((Self::rank(p), address));
                }
            }
            "BDAY" if c.birthday.is_none() => self.card.birthday = self.date(p)?,
            "ANNIVERSARY" | "X-ANNIVERSARY" | "X-MS-ANNIVERSARY" | "X-EVOLUTION-ANNIVERSARY"
                if c.anniversary.is_none() =>
            {
                self.card.anniversary = self.date(p)?;
            }
            "X-ABDATE"
                if c.anniversary.is_none()
                    && self
                        .label(p)
                        .is_some_and(|l| l.eq_ignore_ascii_case("anniversary")) =>
            {
                self.card.anniversary = self.date(p)?;
            }
            "CATEGORIES" => {
                let raw = p.raw_text()?;
                let tags: Vec<String> = split_escaped(&raw, ',')
                    .into_iter()
                    .map(|t| unescape(t, self.v21))
                    .collect();
                push_tags(&mut self.card.tags, tags.iter().map(String::as_str));
            }
            "NOTE" => {
                if let Some(n) = non_empty(&self.text(p)?) {
                    self.notes.push(n);
                }
            }
            "ORG" if c.organization.is_none() => {
                let raw = p.raw_text()?;
                self.card.organization = split_escaped(&raw, ';')
                    .into_iter()
                    .find_map(|c| non_empty(&unescape(c, self.v21)));
            }
            "TITLE" if c.title.is_none() => self.card.title = non_empty(&self.text(p)?),
            "ROLE" if self.role.is_none() => self.role = non_empty(&self.text(p)?),
            "TZ" if c.time_zone.is_none() => self.card.time_zone = non_empty(&self.text(p)?),
            "UID" if self.uid.is_none() => self.uid = non_empty(&self.text(p)?),
            "PHOTO" if c.photo.is_none() && !self.options.skip_photos => match self.photo(p) {
                Ok(photo) => self.card.photo = Some(photo),
                Err(why) => self.warn(p, Reason::BadPhoto(why)),
            },
            _ => {}
        }
        Ok(())
    }

    /// `N:family;given;additional;prefix;suffix`, each part possibly a comma list.
    fn name(&mut self, raw: &str) {
        let v21 = self.v21;
        let mut parts = split_escaped(raw, ';').into_iter().map(move |c| {
            let words: Vec<String> = split_escaped(c, ',')
                .into_iter()
                .filter_map(|w| non_empty(&unescape(w, v21)))
                .collect();
            non_empty(&words.join(" "))
        });
        let mut next = || parts.next().flatten();
        self.name_parts.family = next();
        self.name_parts.given = next();
        self.name_parts.middle = next();
        let _prefix = next();
        self.name_parts.suffix = next();
    }

    /// `ADR:po box;extended;street;locality;region;postal code;country`. The post office
    /// box and the extended address (suite, apartment) are kept on the street line.
    fn address(&self, raw: &str, label: Option<String>) -> Address {
        let parts: Vec<Option<String>> = split_escaped(raw, ';')
            .into_iter()
            .map(|c| non_empty(&unescape(c, self.v21)))
            .collect();
        let part = |i: usize| parts.get(i).cloned().flatten();
        let street: Vec<String> = [part(2), part(1), part(0)].into_iter().flatten().collect();
        Address {
            label,
            street: non_empty(&street.join(", ")),
            city: part(3),
            region: part(4),
            postal_code: part(5),
            country: part(6),
        }
    }

    fn date(&mut self, p: &Prop) -> Result<Option<AnnualDate>, Reason> {
        let text = self.text(p)?;
        let date = parse_vcard_date(&text, p.omit_year);
        if date.is_none() && !text.trim().is_empty() {
            let value = text.trim().chars().take(40).collect();
            self.warn(
                p,
                Reason::BadDate {
                    property: p.name.clone(),
                    value,
                },
            );
        }
        Ok(date)
    }

    /// A `data:` URI for inline photos (base64 of 2.1/3.0, `data:` of 4.0), else the URL.
    fn photo(&self, p: &Prop) -> Result<String, String> {
        if p.encoding == Encoding::Base64 {
            let data = clean_base64(&String::from_utf8_lossy(&p.value))
                .ok_or_else(|| "PHOTO is marked base64 but is not".to_string())?;
            let media = media_type(p, &data);
            return Ok(format!("data:{media};base64,{data}"));
        }
        let text = self.text(p).map_err(|r| r.to_string())?;
        let v = text.trim();
        let lower = v
            .get(..v.len().min(8))
            .unwrap_or_default()
            .to_ascii_lowercase();
        if lower.starts_with("data:") {
            let (meta, data) = v
                .split_once(',')
                .ok_or_else(|| "PHOTO data: URI has no comma".to_string())?;
            if meta.to_ascii_lowercase().ends_with(";base64") {
                let data = clean_base64(data)
                    .ok_or_else(|| "PHOTO data: URI is not valid base64".to_string())?;
                return Ok(format!("{meta},{data}"));
            }
            return Ok(v.to_string());
        }
        if lower.starts_with("http://") || lower.starts_with("https://") {
            return Ok(v.to_string());
        }
        Err(format!(
            "PHOTO `{}` is neither inline data nor an http(s) URL",
            super::preview(v.as_bytes())
        ))
    }

    fn finish(mut self, begin: usize) -> Result<ContactCard, ParseError> {
        let mut c = self.card;
        for (target, mut list) in [
            (&mut c.emails, self.emails),
            (&mut c.phones, self.phones),
            (&mut c.urls, self.urls),
        ] {
            list.sort_by_key(|(rank, _)| *rank);
            *target = list.into_iter().map(|(_, v)| v).collect();
        }
        self.addresses.sort_by_key(|(rank, _)| *rank);
        c.addresses = self.addresses.into_iter().map(|(_, a)| a).collect();
        c.title = c.title.or(self.role);
        c.note = non_empty(&self.notes.join("\n\n"));
        c.given_name = self.name_parts.given.clone();
        c.family_name = self.name_parts.family.clone();
        c.source_id = self.uid.unwrap_or_default();
        c.name = match (c.kind, self.full_name) {
            (_, Some(n)) => n,
            (SubjectKind::Organization, None) => c.organization.clone().unwrap_or_default(),
            (_, None) => String::new(),
        };
        if c.finish(&self.name_parts).is_err() {
            return Err(ParseError::new(begin, Reason::NoName));
        }
        Ok(c)
    }
}

fn strip_scheme<'s>(s: &'s str, scheme: &str) -> &'s str {
    strip_prefix_ci(s, scheme).unwrap_or(s)
}

fn strip_prefix_ci<'s>(s: &'s str, prefix: &str) -> Option<&'s str> {
    match s.get(..prefix.len()) {
        Some(head) if head.eq_ignore_ascii_case(prefix) => s.get(prefix.len()..),
        _ => None,
    }
}

/// The label of Android's `X-CUSTOM(CHARSET=UTF-8,ENCODING=QUOTED-PRINTABLE,Oficina)`.
fn android_label(inner: &str) -> Option<String> {
    let mut qp = false;
    let mut label = None;
    for part in inner.split(',') {
        let upper = part.trim().to_ascii_uppercase();
        if upper == "ENCODING=QUOTED-PRINTABLE" {
            qp = true;
        } else if !upper.starts_with("CHARSET=") && !upper.starts_with("ENCODING=") {
            label = Some(part.trim());
        }
    }
    let label = label?;
    if qp {
        non_empty(&String::from_utf8_lossy(&decode_quoted_printable(
            label.as_bytes(),
        )))
    } else {
        non_empty(label)
    }
}

/// A label from TYPE parameters: the ones that only say how (`voice`, `internet`,
/// `pref`) are dropped, `cell` reads `mobile`; several are joined (`work fax`).
pub(crate) fn label_from_types(types: &[String]) -> Option<String> {
    let words: Vec<&str> = types
        .iter()
        .filter_map(|t| {
            let t = t.strip_prefix("x-").unwrap_or(t);
            match t {
                "pref" | "internet" | "x400" | "voice" | "msg" | "intl" | "dom" | "postal"
                | "parcel" | "bbs" | "modem" | "isdn" | "text" | "uri" | "" => None,
                "cell" => Some("mobile"),
                other => Some(other),
            }
        })
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// Apple's `_$!<HomePage>!$_` form of a standard label, or a custom label as written.
fn apple_label(s: &str) -> Option<String> {
    let t = s.trim();
    match t.strip_prefix("_$!<").and_then(|r| r.strip_suffix(">!$_")) {
        Some(inner) => {
            let l = inner.to_lowercase();
            let l = match l.strip_suffix("fax") {
                Some(kind) if !kind.is_empty() => format!("{kind} fax"),
                _ => l,
            };
            non_empty(&l)
        }
        None => non_empty(t),
    }
}

/// The media type of an inline photo: from TYPE or MEDIATYPE, else from its first bytes.
fn media_type(p: &Prop, data: &str) -> String {
    if let Some(m) = &p.mediatype {
        return m.clone();
    }
    let known = |t: &str| match t {
        "jpeg" | "jpg" | "image/jpeg" | "image/jpg" => Some("image/jpeg"),
        "png" | "image/png" => Some("image/png"),
        "gif" | "image/gif" => Some("image/gif"),
        "bmp" | "image/bmp" => Some("image/bmp"),
        "tiff" | "image/tiff" => Some("image/tiff"),
        "webp" | "image/webp" => Some("image/webp"),
        _ => None,
    };
    if let Some(m) = p.types.iter().find_map(|t| known(t)) {
        return m.to_string();
    }
    let sniffed = if data.starts_with("iVBORw0KGgo") {
        "image/png"
    } else if data.starts_with("R0lGOD") {
        "image/gif"
    } else {
        "image/jpeg"
    };
    sniffed.to_string()
}
