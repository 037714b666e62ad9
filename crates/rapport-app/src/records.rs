//! Use cases that record things: people, organizations, relationships and everything
//! that happens in them. Inputs arrive already parsed into domain types.

use jiff::Timestamp;
use jiff::civil::Date;
use rapport_core::*;
use rapport_store::{StoreError, Tx};

use crate::resolve::Target;
use crate::{App, AppError, Ctx, Result};

/// A new person as the CLI's `person add` or the API's POST describe it.
#[derive(Debug, Clone, Default)]
pub struct NewPerson {
    pub name: String,
    pub emails: Vec<Email>,
    pub phones: Vec<String>,
    /// An organization reference or the name of a new one.
    pub org: Option<String>,
    pub title: Option<String>,
    pub tags: Vec<String>,
    pub birthday: Option<AnnualDate>,
    pub time_zone: Option<String>,
    pub how_we_met: Option<String>,
    pub needs_and_goals: Option<String>,
    pub note: Option<String>,
}

/// Changes to a person; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct PersonEdit {
    pub name: Option<String>,
    pub add_emails: Vec<Email>,
    pub remove_emails: Vec<String>,
    pub add_phones: Vec<String>,
    pub add_tags: Vec<String>,
    pub remove_tags: Vec<String>,
    pub birthday: Option<AnnualDate>,
    pub time_zone: Option<String>,
    pub how_we_met: Option<String>,
    pub needs_and_goals: Option<String>,
    pub preferred_channel: Option<Channel>,
}

/// The settings `rel set` may change.
#[derive(Debug, Clone, Default)]
pub struct RelSettings {
    pub kind: Option<RelationshipKind>,
    pub stage: Option<Stage>,
    pub importance: Option<Importance>,
    pub cadence: Option<CadenceDays>,
    pub owner: Option<Id>,
    pub status: Option<RelationshipStatus>,
    pub visibility: Option<Visibility>,
    pub goals: Option<String>,
    pub boundaries: Option<String>,
    /// Why the relationship ended (read by the metrics' churn reasons).
    pub end_reason: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewInteraction {
    pub at: Timestamp,
    pub channel: Channel,
    pub direction: Direction,
    pub minutes: Option<u32>,
    pub sentiment: Option<Sentiment>,
    pub summary: String,
    pub body: Option<String>,
}

/// A person's page: the person and everything around them.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PersonView {
    #[serde(flatten)]
    pub person: Person,
    pub organizations: Vec<MembershipView>,
    pub relationships: Vec<Relationship>,
    pub notes: Vec<Note>,
    pub recent_interactions: Vec<Interaction>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct MembershipView {
    pub organization_id: Id,
    pub organization: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

impl App {
    /// Adds a person, with their organization (found or created), membership and note,
    /// in one transaction.
    pub fn add_person(&self, ctx: &Ctx, new: NewPerson) -> Result<Person> {
        self.check_write(ctx)?;
        let name = required_text("name", &new.name, SHORT_TEXT)?;
        let mut person = Person::named(self.new_meta(), name);
        person.emails = new
            .emails
            .iter()
            .map(|e| Labeled::new(e.as_str(), None))
            .collect();
        person.phones = new
            .phones
            .iter()
            .map(|p| parse_phone(p).map(|p| Labeled::new(p, None)))
            .collect::<Result<_, _>>()?;
        person.tags = dedup(
            new.tags
                .iter()
                .map(|t| parse_tag(t))
                .collect::<Result<_, _>>()?,
        );
        person.birthday = new.birthday;
        person.time_zone = new.time_zone.as_deref().map(parse_time_zone).transpose()?;
        person.how_we_met = new
            .how_we_met
            .as_deref()
            .map(|t| optional_text("met", t, LONG_TEXT))
            .transpose()?
            .flatten();
        person.needs_and_goals = new
            .needs_and_goals
            .as_deref()
            .map(|t| optional_text("needs", t, LONG_TEXT))
            .transpose()?
            .flatten();
        let title = new
            .title
            .as_deref()
            .map(|t| optional_text("title", t, SHORT_TEXT))
            .transpose()?
            .flatten();
        let note = new
            .note
            .as_deref()
            .map(|t| optional_text("note", t, LONG_TEXT))
            .transpose()?
            .flatten();
        let org_name = new
            .org
            .as_deref()
            .map(|o| required_text("org", o, SHORT_TEXT))
            .transpose()?;
        let (org_meta, membership_meta, note_meta) =
            (self.new_meta(), self.new_meta(), self.new_meta());
        self.store.write(|tx| {
            self.insert_audited(tx, ctx, &person)?;
            if let Some(org_name) = &org_name {
                let org = self.find_or_create_org(tx, ctx, org_name, &org_meta)?;
                let m = Membership {
                    meta: membership_meta.clone(),
                    person_id: person.meta.id.clone(),
                    organization_id: org.meta.id.clone(),
                    title: title.clone(),
                    from: None,
                    to: None,
                };
                self.insert_audited(tx, ctx, &m)?;
            }
            if let Some(body) = &note {
                let n = Note {
                    meta: note_meta.clone(),
                    link: Link {
                        kind: EntityKind::Person,
                        id: person.meta.id.clone(),
                    },
                    body: body.clone(),
                };
                self.insert_audited(tx, ctx, &n)?;
            }
            Ok(())
        })?;
        Ok(person)
    }

    /// The organization with exactly this name (folded), or a new one.
    pub fn find_or_create_org(
        &self,
        tx: &mut Tx<'_>,
        ctx: &Ctx,
        name: &str,
        meta: &Meta,
    ) -> Result<Organization, StoreError> {
        if let Some(o) = tx
            .by_name_key::<Organization>(&ctx.ws, &fold(name))?
            .into_iter()
            .next()
        {
            return Ok(o);
        }
        let org = Organization::named(meta.clone(), name.to_string());
        self.insert_audited(tx, ctx, &org)?;
        Ok(org)
    }

    pub fn edit_person(
        &self,
        ctx: &Ctx,
        id: &Id,
        edit: PersonEdit,
        expected: Option<i64>,
    ) -> Result<Person> {
        let name = edit
            .name
            .as_deref()
            .map(|n| required_text("name", n, SHORT_TEXT))
            .transpose()?;
        let add_phones = edit
            .add_phones
            .iter()
            .map(|p| parse_phone(p))
            .collect::<Result<Vec<_>, _>>()?;
        let add_tags = edit
            .add_tags
            .iter()
            .map(|t| parse_tag(t))
            .collect::<Result<Vec<_>, _>>()?;
        let remove_tags = edit
            .remove_tags
            .iter()
            .map(|t| parse_tag(t))
            .collect::<Result<Vec<_>, _>>()?;
        let tz = edit.time_zone.as_deref().map(parse_time_zone).transpose()?;
        self.update::<Person>(ctx, id, expected, |p| {
            if let Some(n) = &name {
                p.name = n.clone();
            }
            for e in &edit.add_emails {
                if !p
                    .emails
                    .iter()
                    .any(|x| x.value.eq_ignore_ascii_case(e.as_str()))
                {
                    p.emails.push(Labeled::new(e.as_str(), None));
                }
            }
            p.emails.retain(|x| {
                !edit
                    .remove_emails
                    .iter()
                    .any(|r| r.eq_ignore_ascii_case(&x.value))
            });
            for ph in &add_phones {
                if !p
                    .phones
                    .iter()
                    .any(|x| phone_key(&x.value) == phone_key(ph))
                {
                    p.phones.push(Labeled::new(ph.clone(), None));
                }
            }
            p.tags.extend(add_tags.iter().cloned());
            p.tags.retain(|t| !remove_tags.contains(t));
            p.tags = dedup(std::mem::take(&mut p.tags));
            if edit.birthday.is_some() {
                p.birthday = edit.birthday;
            }
            if tz.is_some() {
                p.time_zone = tz.clone();
            }
            if let Some(m) = &edit.how_we_met {
                p.how_we_met = optional_text("met", m, LONG_TEXT)?;
            }
            if let Some(m) = &edit.needs_and_goals {
                p.needs_and_goals = optional_text("needs", m, LONG_TEXT)?;
            }
            if edit.preferred_channel.is_some() {
                p.preferred_channel = edit.preferred_channel;
            }
            Ok(())
        })
    }

    pub fn person_view(&self, ctx: &Ctx, id: &Id) -> Result<PersonView> {
        Ok(self.store.read(|tx| {
            let person: Person = tx.get(&ctx.ws, id)?;
            let mut organizations = Vec::new();
            for m in tx.memberships_of(&ctx.ws, id)? {
                if let Ok(o) = tx.get::<Organization>(&ctx.ws, &m.organization_id) {
                    organizations.push(MembershipView {
                        organization_id: o.meta.id,
                        organization: o.name,
                        title: m.title,
                    });
                }
            }
            let relationships = self.visible(ctx, tx.relationships_of(&ctx.ws, id)?);
            let notes = tx.where_eq::<Note>(&ctx.ws, "link_id", id.into())?;
            let recent_interactions =
                tx.interactions_with(&ctx.ws, std::slice::from_ref(id), 20)?;
            Ok(PersonView {
                person: person.clone(),
                organizations,
                relationships,
                notes,
                recent_interactions,
            })
        })?)
    }

    /// The relationships the actor may see: workspace-visible ones and their own private ones.
    pub fn visible(&self, ctx: &Ctx, rels: Vec<Relationship>) -> Vec<Relationship> {
        rels.into_iter().filter(|r| self.may_see(ctx, r)).collect()
    }

    pub fn may_see(&self, ctx: &Ctx, r: &Relationship) -> bool {
        r.visibility == Visibility::Workspace
            || ctx.actor.user_id.is_none()
            || r.owner_id.is_none()
            || r.owner_id.as_ref() == ctx.actor.user_id.as_ref()
    }

    /// Creates or updates the relationship with `target` of `settings.kind`; without a
    /// kind, the only one (several → an error listing them; none → a new `other`).
    pub fn set_relationship(
        &self,
        ctx: &Ctx,
        target: &Target,
        settings: RelSettings,
    ) -> Result<(Relationship, bool)> {
        self.check_write(ctx)?;
        let now = self.now();
        let meta = self.new_meta();
        let subject = match target {
            Target::Relationship(r) => r.subject.clone(),
            t => t
                .subject()
                .ok_or_else(|| AppError::NotFound("no subject".into()))?,
        };
        Ok(self.store.write(|tx| {
            let existing = match target {
                Target::Relationship(r) => vec![tx.get::<Relationship>(&ctx.ws, &r.meta.id)?],
                _ => self.visible(ctx, tx.relationships_of(&ctx.ws, &subject.id)?),
            };
            let chosen = match settings.kind {
                Some(k) => existing.into_iter().find(|r| r.kind == k),
                None if existing.len() > 1 => {
                    let kinds = existing
                        .iter()
                        .map(|r| r.kind.as_str())
                        .collect::<Vec<_>>()
                        .join(", ");
                    return Err(StoreError::Domain(DomainError::invalid(
                        "kind",
                        format!(
                            "{} has several relationships ({kinds}): name one with --kind",
                            target.name()
                        ),
                    )));
                }
                None => existing.into_iter().next(),
            };
            let apply = |r: &mut Relationship| {
                if let Some(v) = settings.stage {
                    r.stage = v;
                }
                if let Some(v) = settings.importance {
                    r.importance = v;
                }
                if settings.cadence.is_some() {
                    r.cadence_days = settings.cadence;
                }
                if settings.owner.is_some() {
                    r.owner_id = settings.owner.clone();
                }
                if let Some(v) = settings.status {
                    if v == RelationshipStatus::Ended && r.status != RelationshipStatus::Ended {
                        r.ended_on = Some(now.to_zoned(self.clock.zone()).date());
                    }
                    r.status = v;
                }
                if let Some(v) = settings.visibility {
                    r.visibility = v;
                }
                if let Some(v) = &settings.goals {
                    r.goals = Some(v.clone());
                }
                if let Some(v) = &settings.boundaries {
                    r.boundaries = Some(v.clone());
                }
                if let Some(v) = &settings.end_reason {
                    r.end_reason = Some(v.clone());
                }
            };
            match chosen {
                Some(before) => {
                    let mut after = before.clone();
                    apply(&mut after);
                    tx.update(&ctx.ws, &mut after, before.meta.version, now)?;
                    self.audit(
                        tx,
                        ctx,
                        "update",
                        &after.meta.id,
                        Some(&before),
                        Some(&after),
                    )?;
                    Ok((after, false))
                }
                None => {
                    let mut r = Relationship::new(
                        meta.clone(),
                        subject.clone(),
                        settings.kind.unwrap_or(RelationshipKind::Other),
                    );
                    r.owner_id = ctx.actor.user_id.clone();
                    r.started_on = Some(now.to_zoned(self.clock.zone()).date());
                    apply(&mut r);
                    self.insert_audited(tx, ctx, &r)?;
                    Ok((r, true))
                }
            }
        })?)
    }

    /// The relationship a record about `target` belongs to: the relationship itself, or
    /// the subject's only one, or a new one of kind `other` when there is none.
    pub fn relationship_for(&self, ctx: &Ctx, target: &Target) -> Result<(Relationship, bool)> {
        match target {
            Target::Relationship(r) => Ok((r.clone(), false)),
            _ => self.set_relationship(ctx, target, RelSettings::default()),
        }
    }

    /// Logs one interaction with several people or organizations.
    pub fn log(&self, ctx: &Ctx, targets: &[Target], new: NewInteraction) -> Result<Interaction> {
        self.check_write(ctx)?;
        let summary = required_text("summary", &new.summary, SHORT_TEXT)?;
        let body = new
            .body
            .as_deref()
            .map(|b| optional_text("body", b, LONG_TEXT))
            .transpose()?
            .flatten();
        let mut participants = Vec::new();
        let mut organization_ids = Vec::new();
        for t in targets {
            let subject = match t {
                Target::Relationship(r) => r.subject.clone(),
                other => other
                    .subject()
                    .ok_or_else(|| AppError::NotFound("no subject".into()))?,
            };
            let list = if subject.kind == SubjectKind::Person {
                &mut participants
            } else {
                &mut organization_ids
            };
            if !list.contains(&subject.id) {
                list.push(subject.id);
            }
        }
        let i = Interaction {
            meta: self.new_meta(),
            at: new.at,
            channel: new.channel,
            direction: new.direction,
            participants,
            organization_ids,
            minutes: new.minutes,
            sentiment: new.sentiment,
            summary,
            body,
            source: Source::Manual,
            source_id: None,
        };
        self.create(ctx, i)
    }

    pub fn promise(
        &self,
        ctx: &Ctx,
        target: &Target,
        text: &str,
        by: OwedBy,
        due: Option<Date>,
    ) -> Result<Commitment> {
        let text = required_text("text", text, SHORT_TEXT)?;
        let (rel, _) = self.relationship_for(ctx, target)?;
        self.create(
            ctx,
            Commitment {
                meta: self.new_meta(),
                relationship_id: rel.meta.id,
                owed_by: by,
                text,
                due,
                status: CommitmentStatus::Open,
                closed_at: None,
            },
        )
    }

    /// Closes a commitment as kept, broken or cancelled (or renegotiated).
    pub fn close_commitment(
        &self,
        ctx: &Ctx,
        id: &Id,
        status: CommitmentStatus,
    ) -> Result<Commitment> {
        let now = self.now();
        self.update::<Commitment>(ctx, id, None, |c| {
            if c.status.is_closed() {
                return Err(AppError::Conflict(format!(
                    "commitment {} is already {}",
                    c.meta.id.short(),
                    c.status
                )));
            }
            c.status = status;
            c.closed_at = if status.is_closed() { Some(now) } else { None };
            Ok(())
        })
    }

    #[allow(clippy::too_many_arguments)]
    pub fn exchange(
        &self,
        ctx: &Ctx,
        target: &Target,
        direction: ExchangeDirection,
        note: &str,
        kind: ExchangeKind,
        value: u32,
        amount: Option<(f64, String)>,
    ) -> Result<Exchange> {
        let note = required_text("text", note, SHORT_TEXT)?;
        if value == 0 || value > 1000 {
            return Err(
                DomainError::invalid("value", format!("{value} is out of range 1..1000")).into(),
            );
        }
        let amount = match amount {
            Some((a, c)) => Some((parse_amount(a)?, parse_currency(&c)?)),
            None => None,
        };
        let (rel, _) = self.relationship_for(ctx, target)?;
        self.create(
            ctx,
            Exchange {
                meta: self.new_meta(),
                relationship_id: rel.meta.id,
                direction,
                kind,
                value,
                amount: amount.as_ref().map(|a| a.0),
                currency: amount.map(|a| a.1),
                note,
                at: self.now(),
            },
        )
    }

    pub fn open_conflict(
        &self,
        ctx: &Ctx,
        target: &Target,
        text: &str,
        severity: Severity,
    ) -> Result<Conflict> {
        let description = required_text("text", text, LONG_TEXT)?;
        let (rel, _) = self.relationship_for(ctx, target)?;
        self.create(
            ctx,
            Conflict {
                meta: self.new_meta(),
                relationship_id: rel.meta.id,
                description,
                severity,
                status: ConflictStatus::Open,
                resolution_method: None,
                resolution_note: None,
                opened_at: self.now(),
                resolved_at: None,
            },
        )
    }

    pub fn resolve_conflict(
        &self,
        ctx: &Ctx,
        id: &Id,
        method: ResolutionMethod,
        note: Option<String>,
    ) -> Result<Conflict> {
        let note = note
            .as_deref()
            .map(|n| optional_text("note", n, LONG_TEXT))
            .transpose()?
            .flatten();
        let now = self.now();
        self.update::<Conflict>(ctx, id, None, |c| {
            if c.status == ConflictStatus::Resolved {
                return Err(AppError::Conflict(format!(
                    "conflict {} is already resolved",
                    c.meta.id.short()
                )));
            }
            c.status = ConflictStatus::Resolved;
            c.resolution_method = Some(method);
            c.resolution_note = note.clone();
            c.resolved_at = Some(now);
            Ok(())
        })
    }

    pub fn feedback(
        &self,
        ctx: &Ctx,
        target: &Target,
        scale: FeedbackScale,
        score: i64,
        comment: Option<String>,
    ) -> Result<Feedback> {
        let score = check_feedback_score(scale, score)?;
        let comment = comment
            .as_deref()
            .map(|c| optional_text("comment", c, LONG_TEXT))
            .transpose()?
            .flatten();
        let (rel, _) = self.relationship_for(ctx, target)?;
        self.create(
            ctx,
            Feedback {
                meta: self.new_meta(),
                relationship_id: rel.meta.id,
                scale,
                score,
                comment,
                at: self.now(),
            },
        )
    }

    pub fn add_task(
        &self,
        ctx: &Ctx,
        target: Option<&Target>,
        text: &str,
        due: Option<Date>,
    ) -> Result<Task> {
        let text = required_text("text", text, SHORT_TEXT)?;
        let link = target.map(|t| Link {
            kind: t.entity_kind(),
            id: t.id().clone(),
        });
        self.create(
            ctx,
            Task {
                meta: self.new_meta(),
                text,
                due,
                done_at: None,
                link,
            },
        )
    }

    pub fn task_done(&self, ctx: &Ctx, id: &Id) -> Result<Task> {
        let now = self.now();
        self.update::<Task>(ctx, id, None, |t| {
            if t.done_at.is_some() {
                return Err(AppError::Conflict(format!(
                    "task {} is already done",
                    t.meta.id.short()
                )));
            }
            t.done_at = Some(now);
            Ok(())
        })
    }

    pub fn add_date(
        &self,
        ctx: &Ctx,
        person: &Person,
        kind: DateKind,
        date: AnnualDate,
        label: Option<String>,
    ) -> Result<ImportantDate> {
        let label = label
            .as_deref()
            .map(|l| optional_text("label", l, SHORT_TEXT))
            .transpose()?
            .flatten();
        if kind == DateKind::Custom && label.is_none() {
            return Err(DomainError::invalid("label", "a custom date needs --label").into());
        }
        self.create(
            ctx,
            ImportantDate {
                meta: self.new_meta(),
                person_id: person.meta.id.clone(),
                kind,
                date,
                label,
            },
        )
    }

    pub fn add_tie(
        &self,
        ctx: &Ctx,
        a: &Person,
        b: &Person,
        kind: TieKind,
        strength: Strength,
    ) -> Result<Tie> {
        if a.meta.id == b.meta.id {
            return Err(DomainError::invalid("tie", "a tie needs two different people").into());
        }
        self.create(
            ctx,
            Tie {
                meta: self.new_meta(),
                from_person_id: a.meta.id.clone(),
                to_person_id: b.meta.id.clone(),
                kind,
                strength,
                note: None,
            },
        )
    }

    pub fn add_deal(
        &self,
        ctx: &Ctx,
        target: &Target,
        title: &str,
        amount: Option<(f64, String)>,
        stage: DealStage,
        expected_close: Option<Date>,
    ) -> Result<Deal> {
        let title = required_text("title", title, SHORT_TEXT)?;
        let amount = match amount {
            Some((a, c)) => Some((parse_amount(a)?, parse_currency(&c)?)),
            None => None,
        };
        let subject = match target {
            Target::Relationship(r) => r.subject.clone(),
            t => t
                .subject()
                .ok_or_else(|| AppError::NotFound("no subject".into()))?,
        };
        self.create(
            ctx,
            Deal {
                meta: self.new_meta(),
                subject,
                title,
                amount: amount.as_ref().map(|a| a.0),
                currency: amount.map(|a| a.1),
                stage,
                expected_close,
                closed_at: if stage.is_closed() {
                    Some(self.now())
                } else {
                    None
                },
            },
        )
    }

    pub fn add_note(&self, ctx: &Ctx, target: &Target, body: &str) -> Result<Note> {
        let body = required_text("note", body, LONG_TEXT)?;
        self.create(
            ctx,
            Note {
                meta: self.new_meta(),
                link: Link {
                    kind: target.entity_kind(),
                    id: target.id().clone(),
                },
                body,
            },
        )
    }
}

fn dedup(mut v: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    v.retain(|t| seen.insert(t.clone()));
    v
}
