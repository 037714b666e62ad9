//! `today`: gathers what the agenda is computed from, for the relationships the actor
//! may see, and hands it to `rapport_core::agenda`.

use std::collections::HashMap;

use rustc_hash::{FxHashMap, FxHashSet};

use jiff::civil::Date;
use rapport_core::agenda::*;
use rapport_core::*;
use rapport_store::{DueCheckIns, SubjectCard};

use crate::{App, Ctx, Result};

fn subject_ref(card: Option<&SubjectCard>, id: &Id) -> SubjectRef {
    named(id, card.map(|c| c.name.as_str()))
}

/// A subject by id and name; without a name (the subject is missing), its short id.
fn named(id: &Id, name: Option<&str>) -> SubjectRef {
    SubjectRef {
        id: id.clone(),
        name: name.unwrap_or_else(|| id.short()).to_string(),
    }
}

fn md(d: Date) -> String {
    format!("{:02}-{:02}", d.month(), d.day())
}

impl App {
    /// The agenda for `day` (default today), fitted to `budget` minutes when given;
    /// `left_out` says whether the items the budget leaves out are written or counted.
    pub fn agenda(
        &self,
        ctx: &Ctx,
        day: Option<Date>,
        budget: Option<u32>,
        left_out: LeftOut,
    ) -> Result<Agenda> {
        Ok(agenda(&self.agenda_input(ctx, day)?, budget, left_out))
    }

    /// The first `n` items of the agenda of `day` (default today) with no budget, and how
    /// many others are due (see [`rapport_core::agenda::agenda_first`]).
    pub fn agenda_first(&self, ctx: &Ctx, day: Option<Date>, n: usize) -> Result<Agenda> {
        Ok(rapport_core::agenda::agenda_first(
            &self.agenda_input(ctx, day)?,
            n,
        ))
    }

    /// The top of today's agenda with no budget, for the dashboard: its first `n` items
    /// and how many others are due (see [`rapport_core::agenda::agenda_first`]), and its
    /// first `falling` items about falling health, wherever they rank.
    pub fn agenda_top(
        &self,
        ctx: &Ctx,
        n: usize,
        falling: usize,
    ) -> Result<(Agenda, Vec<AgendaItem>)> {
        Ok(rapport_core::agenda::agenda_top(
            &self.agenda_input(ctx, None)?,
            n,
            ItemKind::AtRisk,
            falling,
        ))
    }

    /// What the agenda of `day` (default today) is chosen from.
    fn agenda_input(&self, ctx: &Ctx, day: Option<Date>) -> Result<AgendaInput> {
        let today = day.unwrap_or_else(|| self.today());
        let zone = self.clock.zone();
        let day_start = today
            .to_zoned(zone.clone())
            .map_err(|e| DomainError::invalid("day", format!("{today} has no start: {e}")))?
            .timestamp();
        // The relationships private to someone else are left out by the store.
        let viewer = ctx.actor.user_id.as_ref();
        let input = self.store.read(|tx| {
            // Only the check-ins that may be due are read; relationships that other
            // facts refer to are read by id: whole when their health may be falling,
            // only whom they are with for their promises, conflicts and tasks (their
            // check-in is not due: every one that may be is read above).
            let mut rels = tx.agenda_relationships(
                &ctx.ws,
                &DueCheckIns {
                    day_start,
                    default_cadence: &rapport_core::health::default_cadence,
                },
                viewer,
            )?;
            let commitments = tx.open_commitments_due(&ctx.ws, promises_due_by(today))?;
            let conflicts = tx.open_conflicts(&ctx.ws)?;
            let tasks = tx.tasks_due(&ctx.ws, today)?;
            let fall_since = today
                .checked_sub(jiff::Span::new().days(rapport_core::health::FALL_WINDOW_DAYS))
                .unwrap_or(today);
            // Health can be falling only where a fall was recorded in the window.
            let may_fall = tx.health_falls(&ctx.ws, fall_since, today)?;
            let history = tx.recent_health_of(&ctx.ws, &may_fall, fall_since)?;
            // Ids are hashed with Fx, as the network's are: SipHash was ~6% of the run.
            let mut read: FxHashSet<&Id> = rels.iter().map(|r| &r.id).collect();
            let mut falling: Vec<Id> = may_fall
                .iter()
                .filter(|id| read.insert(id))
                .cloned()
                .collect();
            falling.sort();
            let mut others: Vec<&Id> = commitments
                .iter()
                .map(|c| &c.relationship_id)
                .chain(conflicts.iter().map(|c| &c.relationship_id))
                .chain(tasks.iter().filter_map(|t| match &t.link {
                    Some(l) if l.kind == EntityKind::Relationship => Some(&l.id),
                    _ => None,
                }))
                .filter(|id| !read.contains(id))
                .collect();
            others.sort();
            others.dedup();
            rels.extend(tx.agenda_relationships_by_id(&ctx.ws, &falling, viewer)?);
            let others = tx.agenda_subjects(&ctx.ws, &others, viewer)?;
            // Whom each relationship read is with: its subject's id and name.
            let with: FxHashMap<&Id, (&Id, Option<&str>)> = rels
                .iter()
                .map(|r| {
                    (
                        &r.id,
                        (&r.subject.id, r.card.as_ref().map(|c| c.name.as_str())),
                    )
                })
                .chain(
                    others
                        .iter()
                        .map(|s| (&s.relationship_id, (&s.subject_id, s.name.as_deref()))),
                )
                .collect();
            let rel_ref = |id: &Id| with.get(id).map(|(subject, name)| named(subject, *name));
            let day_of = |at: jiff::Timestamp| at.to_zoned(zone.clone()).date();
            // An organization is in touch when it, or one of its people, was: the
            // members' contacts of the organizations among the relationships read.
            let mut orgs: Vec<&Id> = rels
                .iter()
                .filter(|r| r.subject.kind == SubjectKind::Organization)
                .map(|r| &r.subject.id)
                .collect();
            orgs.sort();
            orgs.dedup();
            let mut member_last: HashMap<Id, Date> = HashMap::new();
            for (org, at) in tx.member_contacts(&ctx.ws, &orgs)? {
                let d = day_of(at);
                let e = member_last.entry(org).or_insert(d);
                *e = (*e).max(d);
            }
            let week = today
                .checked_add(jiff::Span::new().days(7))
                .unwrap_or(today);
            let birthdays = tx.birthdays_between(&ctx.ws, &md(today), &md(week))?;
            let dates = tx.dates_between(&ctx.ws, &md(today), &md(week))?;

            // The relationships' subjects come with their cards; look up the people and
            // organizations that dates and tasks are about.
            let mut ids: Vec<Id> = dates.iter().map(|d| d.person_id.clone()).collect();
            ids.extend(
                tasks
                    .iter()
                    .filter_map(|t| t.link.as_ref().map(|l| l.id.clone())),
            );
            ids.sort();
            ids.dedup();
            let cards = tx.subject_cards(&ctx.ws, &ids)?;
            let card_of = |id: &Id| -> Option<&SubjectCard> { cards.get(id) };

            let mut input = AgendaInput::new(today);
            // Each vector sized once: grown by doubling, the larger ones were copied
            // into fresh memory, whose page faults are a large part of the run.
            input.relationships.reserve(rels.len());
            input.commitments.reserve(commitments.len());
            input.conflicts.reserve(conflicts.len());
            input.tasks.reserve(tasks.len());
            for c in commitments {
                if let Some(subject) = rel_ref(&c.relationship_id) {
                    input.commitments.push(OpenCommitment {
                        id: c.id,
                        subject,
                        owed_by: c.owed_by,
                        text: c.text,
                        due: c.due,
                    });
                }
            }
            for c in conflicts {
                if let Some(subject) = rel_ref(&c.relationship_id) {
                    input.conflicts.push(OpenConflict {
                        id: c.id,
                        subject,
                        severity: c.severity,
                        opened_on: c.opened_at.to_zoned(zone.clone()).date(),
                    });
                }
            }
            for p in birthdays {
                if let Some(b) = p.birthday {
                    input.dates.push(UpcomingDate {
                        id: p.meta.id.clone(),
                        subject: SubjectRef {
                            id: p.meta.id.clone(),
                            name: p.name.clone(),
                        },
                        kind: DateKind::Birthday,
                        label: None,
                        next: b.next_on_or_after(today),
                    });
                }
            }
            for d in dates {
                input.dates.push(UpcomingDate {
                    id: d.meta.id.clone(),
                    subject: subject_ref(card_of(&d.person_id), &d.person_id),
                    kind: d.kind,
                    label: d.label.clone(),
                    next: d.date.next_on_or_after(today),
                });
            }
            for t in tasks {
                let subject = match &t.link {
                    Some(l) if l.kind == EntityKind::Relationship => match rel_ref(&l.id) {
                        Some(subject) => Some(subject),
                        None => continue,
                    },
                    Some(l) => Some(subject_ref(card_of(&l.id), &l.id)),
                    None => None,
                };
                if let Some(due) = t.due {
                    input.tasks.push(DueTask {
                        id: t.id,
                        subject,
                        text: t.text,
                        due,
                    });
                }
            }
            // Last, the relationships themselves, moved into their facts.
            for r in rels
                .into_iter()
                .filter(|r| r.status == RelationshipStatus::Active)
            {
                let mut last_contact = r.last_at.map(day_of);
                if r.subject.kind == SubjectKind::Organization {
                    last_contact = last_contact.max(member_last.get(&r.subject.id).copied());
                }
                let h = history.get(&r.id);
                let health = h.and_then(|h| {
                    h.iter()
                        .filter(|(d, _)| *d <= today)
                        .max_by_key(|(d, _)| *d)
                        .map(|(_, s)| *s)
                });
                let falling = h.and_then(|h| rapport_core::health::is_falling(h, today));
                let preferred_channel = r.card.as_ref().and_then(|c| c.preferred_channel);
                let name = match r.card {
                    Some(c) => c.name,
                    None => r.subject.id.short().to_string(),
                };
                input.relationships.push(RelationshipFacts {
                    id: r.id,
                    subject: SubjectRef {
                        id: r.subject.id,
                        name,
                    },
                    kind: r.kind,
                    importance: r.importance,
                    cadence_days: r.cadence_days,
                    last_contact,
                    started_on: r.started_on,
                    health,
                    falling,
                    preferred_channel,
                });
            }
            input.stakeholders = self.stakeholder_facts(tx, ctx)?;
            Ok(input)
        })?;
        Ok(input)
    }
}
