//! Turning what a user typed (an id, an email, a name fragment) into one record.
//! The rules are `rapport_core::reference`; this module asks the store for candidates.

use rapport_core::reference::{Candidate, RefQuery, ReferenceError, classify};
use rapport_core::*;
use rapport_store::{StoreError, Tx};

use crate::{App, Ctx, Result};

/// A record a reference resolved to.
#[derive(Debug, Clone)]
pub enum Target {
    Person(Person),
    Organization(Organization),
    Relationship(Relationship),
}

impl Target {
    pub fn id(&self) -> &Id {
        match self {
            Target::Person(p) => &p.meta.id,
            Target::Organization(o) => &o.meta.id,
            Target::Relationship(r) => &r.meta.id,
        }
    }

    pub fn name(&self) -> String {
        match self {
            Target::Person(p) => p.name.clone(),
            Target::Organization(o) => o.name.clone(),
            Target::Relationship(r) => format!("{} relationship {}", r.kind, r.meta.id.short()),
        }
    }

    pub fn entity_kind(&self) -> EntityKind {
        match self {
            Target::Person(_) => EntityKind::Person,
            Target::Organization(_) => EntityKind::Organization,
            Target::Relationship(_) => EntityKind::Relationship,
        }
    }

    /// The person or organization this is, or is a relationship with.
    pub fn subject(&self) -> Option<Subject> {
        match self {
            Target::Person(p) => Some(Subject {
                kind: SubjectKind::Person,
                id: p.meta.id.clone(),
            }),
            Target::Organization(o) => Some(Subject {
                kind: SubjectKind::Organization,
                id: o.meta.id.clone(),
            }),
            Target::Relationship(r) => Some(r.subject.clone()),
        }
    }

    pub fn as_person(&self) -> Option<&Person> {
        match self {
            Target::Person(p) => Some(p),
            _ => None,
        }
    }
}

impl Candidate for Target {
    fn id(&self) -> &Id {
        Target::id(self)
    }
    fn name(&self) -> String {
        Target::name(self)
    }
    fn kind(&self) -> &'static str {
        self.entity_kind().as_str()
    }
}

/// Which kinds of record a reference may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accept {
    /// People, organizations and relationships.
    Any,
    People,
    Organizations,
    /// People and organizations (the subjects of relationships).
    Subjects,
}

impl Accept {
    fn people(self) -> bool {
        matches!(self, Accept::Any | Accept::People | Accept::Subjects)
    }
    fn orgs(self) -> bool {
        matches!(self, Accept::Any | Accept::Organizations | Accept::Subjects)
    }
}

impl App {
    /// Resolves one reference to exactly one record, or explains why it cannot.
    pub fn resolve(&self, ctx: &Ctx, input: &str, accept: Accept) -> Result<Target> {
        let found = self.store.read(|tx| candidates(tx, ctx, input, accept))?;
        let chosen = rapport_core::reference::choose(input, found?)?;
        Ok(chosen)
    }

    pub fn resolve_person(&self, ctx: &Ctx, input: &str) -> Result<Person> {
        match self.resolve(ctx, input, Accept::People)? {
            Target::Person(p) => Ok(p),
            _ => Err(ReferenceError::NotFound {
                input: input.to_string(),
            }
            .into()),
        }
    }
}

fn candidates(
    tx: &mut Tx<'_>,
    ctx: &Ctx,
    input: &str,
    accept: Accept,
) -> std::result::Result<std::result::Result<Vec<Target>, ReferenceError>, StoreError> {
    let q = match classify(input) {
        Ok(q) => q,
        Err(e) => return Err(StoreError::Domain(e)),
    };
    let mut out = Vec::new();
    match q {
        RefQuery::Id(id) => {
            if accept.people()
                && let Ok(p) = tx.get::<Person>(&ctx.ws, &id)
            {
                out.push(Target::Person(p));
            }
            if accept.orgs()
                && let Ok(o) = tx.get::<Organization>(&ctx.ws, &id)
            {
                out.push(Target::Organization(o));
            }
            if accept == Accept::Any
                && let Ok(r) = tx.get::<Relationship>(&ctx.ws, &id)
            {
                out.push(Target::Relationship(r));
            }
        }
        RefQuery::Email(email) => {
            if accept.people() {
                out.extend(
                    tx.people_by_email(&ctx.ws, &email)?
                        .into_iter()
                        .map(Target::Person),
                );
            }
        }
        RefQuery::Fragment(frag) => {
            // Exact names first, then names starting with the fragment, then names
            // containing it (found through the search index).
            if accept.people() {
                out.extend(
                    tx.by_name_key::<Person>(&ctx.ws, &frag)?
                        .into_iter()
                        .map(Target::Person),
                );
            }
            if accept.orgs() {
                out.extend(
                    tx.by_name_key::<Organization>(&ctx.ws, &frag)?
                        .into_iter()
                        .map(Target::Organization),
                );
            }
            if out.is_empty() {
                for hit in tx.search(&ctx.ws, &frag, 50)? {
                    let named = |name: &str| fold(name).contains(&frag);
                    match hit.kind {
                        EntityKind::Person if accept.people() => {
                            if let Ok(p) = tx.get::<Person>(&ctx.ws, &hit.id)
                                && (named(&p.name) || p.nickname.as_deref().is_some_and(named))
                            {
                                out.push(Target::Person(p));
                            }
                        }
                        EntityKind::Organization if accept.orgs() => {
                            if let Ok(o) = tx.get::<Organization>(&ctx.ws, &hit.id)
                                && named(&o.name)
                            {
                                out.push(Target::Organization(o));
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    Ok(Ok(out))
}
