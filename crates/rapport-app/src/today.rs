//! `today`: gathers what the agenda is computed from, for the relationships the actor
//! may see, and hands it to `rapport_core::agenda`.

use std::collections::HashMap;

use jiff::civil::Date;
use rapport_core::agenda::*;
use rapport_core::*;
use rapport_store::SubjectCard;

use crate::{App, Ctx, Result};

fn subject_ref(cards: &HashMap<Id, SubjectCard>, id: &Id) -> SubjectRef {
    SubjectRef {
        id: id.clone(),
        name: cards
            .get(id)
            .map(|c| c.name.clone())
            .unwrap_or_else(|| id.short().to_string()),
    }
}

fn md(d: Date) -> String {
    format!("{:02}-{:02}", d.month(), d.day())
}

impl App {
    /// The agenda for `day` (default today), fitted to `budget` minutes when given.
    pub fn agenda(&self, ctx: &Ctx, day: Option<Date>, budget: Option<u32>) -> Result<Agenda> {
        let today = day.unwrap_or_else(|| self.today());
        let zone = self.clock.zone();
        let input = self.store.read(|tx| {
            let rels = self.visible(ctx, tx.all_relationships(&ctx.ws)?);
            let rel_by_id: HashMap<Id, &Relationship> =
                rels.iter().map(|r| (r.meta.id.clone(), r)).collect();
            let last: HashMap<Id, Date> = tx
                .last_contacts(&ctx.ws)?
                .into_iter()
                .map(|(id, at)| (id, at.to_zoned(zone.clone()).date()))
                .collect();
            let members = tx.current_members(&ctx.ws)?;
            let soon = today
                .checked_add(jiff::Span::new().days(3))
                .unwrap_or(today);
            let commitments = tx.open_commitments_due(&ctx.ws, soon)?;
            let conflicts = tx.open_conflicts(&ctx.ws)?;
            let tasks = tx.open_tasks(&ctx.ws)?;
            let week = today
                .checked_add(jiff::Span::new().days(7))
                .unwrap_or(today);
            let birthdays = tx.birthdays_between(&ctx.ws, &md(today), &md(week))?;
            let dates = tx.dates_between(&ctx.ws, &md(today), &md(week))?;

            let mut ids: Vec<Id> = rels.iter().map(|r| r.subject.id.clone()).collect();
            ids.extend(dates.iter().map(|d| d.person_id.clone()));
            ids.extend(
                tasks
                    .iter()
                    .filter_map(|t| t.link.as_ref().map(|l| l.id.clone())),
            );
            ids.sort();
            ids.dedup();
            let cards = tx.subject_cards(&ctx.ws, &ids)?;

            let fall_since = today
                .checked_sub(jiff::Span::new().days(rapport_core::health::FALL_WINDOW_DAYS))
                .unwrap_or(today);
            let history = tx.recent_health(&ctx.ws, fall_since)?;
            let mut input = AgendaInput::new(today);
            for r in rels
                .iter()
                .filter(|r| r.status == RelationshipStatus::Active)
            {
                // An organization is in touch when it, or one of its people, was.
                let mut last_contact = last.get(&r.subject.id).copied();
                if r.subject.kind == SubjectKind::Organization {
                    for m in members.get(&r.subject.id).into_iter().flatten() {
                        last_contact = last_contact.max(last.get(m).copied());
                    }
                }
                let h = history.get(&r.meta.id);
                input.relationships.push(RelationshipFacts {
                    id: r.meta.id.clone(),
                    subject: subject_ref(&cards, &r.subject.id),
                    kind: r.kind,
                    importance: r.importance,
                    cadence_days: r.cadence_days,
                    last_contact,
                    started_on: r.started_on,
                    health: h.and_then(|h| {
                        h.iter()
                            .filter(|(d, _)| *d <= today)
                            .max_by_key(|(d, _)| *d)
                            .map(|(_, s)| *s)
                    }),
                    falling: h.and_then(|h| rapport_core::health::is_falling(h, today)),
                    preferred_channel: cards.get(&r.subject.id).and_then(|c| c.preferred_channel),
                });
            }
            for c in commitments {
                if let Some(r) = rel_by_id.get(&c.relationship_id) {
                    input.commitments.push(OpenCommitment {
                        id: c.meta.id,
                        subject: subject_ref(&cards, &r.subject.id),
                        owed_by: c.owed_by,
                        text: c.text,
                        due: c.due,
                    });
                }
            }
            for c in conflicts {
                if let Some(r) = rel_by_id.get(&c.relationship_id) {
                    input.conflicts.push(OpenConflict {
                        id: c.meta.id,
                        subject: subject_ref(&cards, &r.subject.id),
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
                    subject: subject_ref(&cards, &d.person_id),
                    kind: d.kind,
                    label: d.label.clone(),
                    next: d.date.next_on_or_after(today),
                });
            }
            for t in tasks {
                let subject = match &t.link {
                    Some(l) if l.kind == EntityKind::Relationship => match rel_by_id.get(&l.id) {
                        Some(r) => Some(subject_ref(&cards, &r.subject.id)),
                        None => continue,
                    },
                    Some(l) => Some(subject_ref(&cards, &l.id)),
                    None => None,
                };
                if let Some(due) = t.due {
                    input.tasks.push(DueTask {
                        id: t.meta.id,
                        subject,
                        text: t.text,
                        due,
                    });
                }
            }
            input.stakeholders = self.stakeholder_facts(tx, ctx)?;
            Ok(input)
        })?;
        Ok(agenda(&input, budget))
    }
}
