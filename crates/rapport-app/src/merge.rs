//! Duplicates: finding likely duplicate people already in the store (`dedupe`) and
//! merging one into another (`merge`), keeping everything recorded about both.

use std::collections::{BTreeMap, HashMap};

use rapport_core::*;
use rapport_store::{Entity, StoreError, Tx, edit_distance};
use serde::Serialize;

use crate::{App, AppError, Ctx, Result};

/// One person of a duplicate pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonRef {
    pub id: Id,
    pub name: String,
}

/// Two people who are probably one, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Duplicate {
    pub a: PersonRef,
    pub b: PersonRef,
    /// `same email ada@example.com`, `same phone 4420…`, `same name`, `close names`.
    pub reasons: Vec<String>,
}

/// What a merge moved from the merged-away person to the kept one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MergeSummary {
    pub kept: Option<PersonRef>,
    pub merged: Option<PersonRef>,
    /// Records re-pointed from the merged person to the kept one.
    pub moved: BTreeMap<String, usize>,
    /// Records that duplicated one the kept person had (same organization, tie to the
    /// kept person itself, same stake) and went to the trash.
    pub trashed: usize,
}

/// Names this close (edits between folded names) count as likely duplicates, for names
/// of at least [`CLOSE_MIN_CHARS`] characters.
const CLOSE_EDITS: usize = 1;
const CLOSE_MIN_CHARS: usize = 6;

/// `lovelace ada` and `ada lovelace` are the same name.
fn word_key(name_key: &str) -> String {
    let mut words: Vec<&str> = name_key.split_whitespace().collect();
    words.sort_unstable();
    words.join(" ")
}

impl App {
    /// Likely duplicate people: a shared email or phone, the same name (in any word
    /// order), or names one edit apart. Sorted by the first person's name.
    pub fn dedupe(&self, ctx: &Ctx) -> Result<Vec<Duplicate>> {
        let (emails, phones, names) = self.store.read(|tx| {
            Ok((
                tx.people_sharing_email(&ctx.ws)?,
                tx.people_sharing_phone(&ctx.ws)?,
                tx.person_names(&ctx.ws)?,
            ))
        })?;
        let name_of: HashMap<&Id, &str> = names.iter().map(|(id, n, _)| (id, n.as_str())).collect();
        let mut pairs: BTreeMap<(Id, Id), Vec<String>> = BTreeMap::new();
        let mut add = |a: &Id, b: &Id, why: String| {
            let key = if a < b {
                (a.clone(), b.clone())
            } else {
                (b.clone(), a.clone())
            };
            let reasons = pairs.entry(key).or_default();
            if !reasons.contains(&why) {
                reasons.push(why);
            }
        };
        for s in &emails {
            add(&s.a, &s.b, format!("same email {}", s.value));
        }
        for s in &phones {
            add(&s.a, &s.b, format!("same phone {}", s.value));
        }
        let mut by_words: HashMap<String, Vec<&Id>> = HashMap::new();
        for (id, _, key) in &names {
            by_words.entry(word_key(key)).or_default().push(id);
        }
        for ids in by_words.values().filter(|ids| ids.len() > 1) {
            for (i, a) in ids.iter().enumerate() {
                for b in ids.iter().skip(i + 1).take(20) {
                    add(a, b, "same name".into());
                }
            }
        }
        for w in names.windows(2) {
            let ((a, _, ka), (b, _, kb)) = (&w[0], &w[1]);
            if ka != kb
                && ka.chars().count() >= CLOSE_MIN_CHARS
                && edit_distance(ka, kb, CLOSE_EDITS) <= CLOSE_EDITS
            {
                add(a, b, "close names".into());
            }
        }
        let person = |id: &Id| PersonRef {
            id: id.clone(),
            name: name_of.get(id).copied().unwrap_or_default().to_string(),
        };
        let mut out: Vec<Duplicate> = pairs
            .into_iter()
            .map(|((a, b), reasons)| Duplicate {
                a: person(&a),
                b: person(&b),
                reasons,
            })
            .collect();
        out.sort_by(|x, y| {
            (fold(&x.a.name), &x.a.id, &x.b.id).cmp(&(fold(&y.a.name), &y.a.id, &y.b.id))
        });
        Ok(out)
    }

    /// Merges person `b` into person `a` in one transaction: `a` gains `b`'s emails,
    /// phones, URLs, addresses and tags and fills its empty fields from `b`; every record
    /// that points at `b` (memberships, ties, interactions, relationships and so their
    /// commitments and notes, deals, dates, stakes, notes, tasks) is re-pointed to `a`;
    /// `b` goes to the trash. Every change is audited.
    pub fn merge_people(&self, ctx: &Ctx, a: &Id, b: &Id) -> Result<MergeSummary> {
        self.check_write(ctx)?;
        if a == b {
            return Err(AppError::Invalid(DomainError::invalid(
                "merge",
                "cannot merge a person into themselves",
            )));
        }
        let now = self.now();
        Ok(self.store.write(|tx| {
            let pa: Person = tx.get(&ctx.ws, a)?;
            let pb: Person = tx.get(&ctx.ws, b)?;
            if pa.meta.deleted_at.is_some() || pb.meta.deleted_at.is_some() {
                return Err(StoreError::Domain(DomainError::invalid(
                    "merge",
                    "both people must be live (not in the trash)",
                )));
            }
            let mut s = MergeSummary {
                kept: Some(PersonRef {
                    id: a.clone(),
                    name: pa.name.clone(),
                }),
                merged: Some(PersonRef {
                    id: b.clone(),
                    name: pb.name.clone(),
                }),
                ..MergeSummary::default()
            };
            let mut kept = pa.clone();
            if absorb(&mut kept, &pb) {
                tx.update(&ctx.ws, &mut kept, pa.meta.version, now)?;
                self.audit(tx, ctx, "update", a, Some(&pa), Some(&kept))?;
            }
            self.repoint(tx, ctx, a, b, &mut s)?;
            let trashed: Person = tx.set_trashed(&ctx.ws, b, true, None, now)?;
            self.audit(tx, ctx, "merge", b, Some(&pb), Some(&trashed))?;
            Ok(s)
        })?)
    }

    fn save<E: Entity + Clone>(
        &self,
        tx: &mut Tx<'_>,
        ctx: &Ctx,
        before: &E,
        mut after: E,
    ) -> Result<(), StoreError> {
        tx.update(&ctx.ws, &mut after, before.meta().version, self.now())?;
        self.audit(
            tx,
            ctx,
            "update",
            &before.meta().id,
            Some(before),
            Some(&after),
        )
    }

    fn trash<E: Entity>(&self, tx: &mut Tx<'_>, ctx: &Ctx, id: &Id) -> Result<(), StoreError> {
        let rec: E = tx.set_trashed(&ctx.ws, id, true, None, self.now())?;
        self.audit(tx, ctx, "trash", id, None, Some(&rec))
    }

    fn repoint(
        &self,
        tx: &mut Tx<'_>,
        ctx: &Ctx,
        a: &Id,
        b: &Id,
        s: &mut MergeSummary,
    ) -> Result<(), StoreError> {
        let ws = &ctx.ws;
        let mut moved = |what: &str| *s.moved.entry(what.into()).or_default() += 1;
        let mut trashed = 0;

        let a_orgs: Vec<Id> = tx
            .memberships_of(ws, a)?
            .into_iter()
            .map(|m| m.organization_id)
            .collect();
        for m in tx.memberships_of(ws, b)? {
            if a_orgs.contains(&m.organization_id) {
                self.trash::<Membership>(tx, ctx, &m.meta.id)?;
                trashed += 1;
            } else {
                let mut after = m.clone();
                after.person_id = a.clone();
                self.save(tx, ctx, &m, after)?;
                moved("memberships");
            }
        }
        for col in ["from_person_id", "to_person_id"] {
            for t in tx.where_eq::<Tie>(ws, col, b.into())? {
                let mut after = t.clone();
                if &after.from_person_id == b {
                    after.from_person_id = a.clone();
                }
                if &after.to_person_id == b {
                    after.to_person_id = a.clone();
                }
                if after.from_person_id == after.to_person_id {
                    self.trash::<Tie>(tx, ctx, &t.meta.id)?;
                    trashed += 1;
                } else {
                    self.save(tx, ctx, &t, after)?;
                    moved("ties");
                }
            }
        }
        for i in tx.interactions_with(ws, std::slice::from_ref(b), usize::MAX >> 2)? {
            if !i.participants.contains(b) {
                continue;
            }
            let mut after = i.clone();
            after.participants.retain(|p| p != b);
            if !after.participants.contains(a) {
                after.participants.push(a.clone());
            }
            self.save(tx, ctx, &i, after)?;
            moved("interactions");
        }
        for r in tx.relationships_of(ws, b)? {
            let mut after = r.clone();
            after.subject.id = a.clone();
            self.save(tx, ctx, &r, after)?;
            moved("relationships");
        }
        for d in tx.where_eq::<Deal>(ws, "subject_id", b.into())? {
            let mut after = d.clone();
            after.subject.id = a.clone();
            self.save(tx, ctx, &d, after)?;
            moved("deals");
        }
        for d in tx.where_eq::<ImportantDate>(ws, "person_id", b.into())? {
            let mut after = d.clone();
            after.person_id = a.clone();
            self.save(tx, ctx, &d, after)?;
            moved("dates");
        }
        let a_projects: Vec<Project> = tx
            .where_eq::<Stake>(ws, "person_id", a.into())?
            .into_iter()
            .map(|st| st.project)
            .collect();
        for st in tx.where_eq::<Stake>(ws, "person_id", b.into())? {
            if a_projects.contains(&st.project) {
                self.trash::<Stake>(tx, ctx, &st.meta.id)?;
                trashed += 1;
            } else {
                let mut after = st.clone();
                after.person_id = a.clone();
                self.save(tx, ctx, &st, after)?;
                moved("stakes");
            }
        }
        for n in tx.where_eq::<Note>(ws, "link_id", b.into())? {
            let mut after = n.clone();
            after.link.id = a.clone();
            self.save(tx, ctx, &n, after)?;
            moved("notes");
        }
        for t in tx.where_eq::<Task>(ws, "link_id", b.into())? {
            let mut after = t.clone();
            if let Some(l) = after.link.as_mut() {
                l.id = a.clone();
            }
            self.save(tx, ctx, &t, after)?;
            moved("tasks");
        }
        s.trashed = trashed;
        Ok(())
    }
}

/// `kept` gains what only `other` has. True when anything changed.
fn absorb(kept: &mut Person, other: &Person) -> bool {
    let before = kept.clone();
    for (mine, theirs) in [
        (&mut kept.given_name, &other.given_name),
        (&mut kept.family_name, &other.family_name),
        (&mut kept.nickname, &other.nickname),
        (&mut kept.time_zone, &other.time_zone),
        (&mut kept.language, &other.language),
        (&mut kept.how_we_met, &other.how_we_met),
        (&mut kept.needs_and_goals, &other.needs_and_goals),
        (&mut kept.photo, &other.photo),
    ] {
        if mine.is_none() {
            mine.clone_from(theirs);
        }
    }
    if kept.birthday.is_none() {
        kept.birthday = other.birthday;
    }
    if kept.preferred_channel.is_none() {
        kept.preferred_channel = other.preferred_channel;
    }
    for e in &other.emails {
        if !kept
            .emails
            .iter()
            .any(|x| x.value.eq_ignore_ascii_case(&e.value))
        {
            kept.emails.push(e.clone());
        }
    }
    for p in &other.phones {
        if !kept
            .phones
            .iter()
            .any(|x| phone_key(&x.value) == phone_key(&p.value))
        {
            kept.phones.push(p.clone());
        }
    }
    for u in &other.urls {
        if !kept.urls.contains(u) {
            kept.urls.push(u.clone());
        }
    }
    for a in &other.addresses {
        if !kept.addresses.contains(a) {
            kept.addresses.push(a.clone());
        }
    }
    for t in &other.tags {
        if !kept.tags.contains(t) {
            kept.tags.push(t.clone());
        }
    }
    for (k, v) in &other.custom_fields {
        kept.custom_fields
            .entry(k.clone())
            .or_insert_with(|| v.clone());
    }
    *kept != before
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_order_does_not_matter() {
        assert_eq!(word_key("lovelace ada"), word_key("ada lovelace"));
        assert_ne!(word_key("ada lovelace"), word_key("ada byron"));
    }

    #[test]
    fn absorb_fills_and_adds_without_overwriting() {
        let meta = |n| Meta::new(Id::v7(n, [0; 10]), jiff::Timestamp::UNIX_EPOCH);
        let mut a = Person::named(meta(1), "Ada".into());
        a.emails.push(Labeled::new("ada@example.com", None));
        a.nickname = Some("A".into());
        let mut b = Person::named(meta(2), "Ada L.".into());
        b.emails.push(Labeled::new("ADA@example.com", None));
        b.emails.push(Labeled::new("ada@work.example", None));
        b.nickname = Some("Countess".into());
        b.tags.push("vip".into());
        assert!(absorb(&mut a, &b));
        assert_eq!(a.name, "Ada");
        assert_eq!(a.nickname.as_deref(), Some("A"));
        assert_eq!(a.emails.len(), 2);
        assert_eq!(a.tags, vec!["vip".to_string()]);
        assert!(!absorb(&mut a, &b));
    }
}
