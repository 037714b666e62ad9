//! Stakeholder maps: `stake` sets a person's power, interest and attitude in a project
//! (a tag or a deal); `stakeholders` draws the map; the agenda gets the overdue ones.

use std::collections::HashMap;

use jiff::civil::Date;
use rapport_core::agenda::SubjectRef;
use rapport_core::reference::{Candidate, choose};
use rapport_core::stakeholders::*;
use rapport_core::*;
use rapport_store::{StoreError, Tx};

use crate::{App, Ctx, Result};

/// A person's place in a project, as `stake` sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StakeLevels {
    pub power: Level,
    pub interest: Level,
    pub attitude: Attitude,
}

struct DealCandidate(Deal);

impl Candidate for DealCandidate {
    fn id(&self) -> &Id {
        &self.0.meta.id
    }
    fn name(&self) -> String {
        self.0.title.clone()
    }
    fn kind(&self) -> &'static str {
        "deal"
    }
}

/// How a project is named to people: `#tag` or the deal's title.
fn project_name(p: &Project, deals: &HashMap<Id, String>) -> String {
    match p {
        Project::Tag(t) => format!("#{t}"),
        Project::Deal(id) => deals
            .get(id)
            .cloned()
            .unwrap_or_else(|| format!("deal {}", id.short())),
    }
}

impl App {
    /// A deal by id or by a fragment of its title.
    pub fn resolve_deal(&self, ctx: &Ctx, input: &str) -> Result<Deal> {
        let folded = fold(input.trim());
        let found = self.store.read(|tx| {
            if let Ok(id) = Id::parse(input.trim())
                && let Some(d) = tx.find::<Deal>(&ctx.ws, &id)?
            {
                return Ok(vec![DealCandidate(d)]);
            }
            Ok(tx
                .all_live::<Deal>(&ctx.ws)?
                .into_iter()
                .filter(|d| !folded.is_empty() && fold(&d.title).contains(&folded))
                .map(DealCandidate)
                .collect())
        })?;
        Ok(choose(input, found)?.0)
    }

    /// The project of a `--tag` or a `--deal` (exactly one of them).
    pub fn project(&self, ctx: &Ctx, tag: Option<&str>, deal: Option<&str>) -> Result<Project> {
        match (tag, deal) {
            (Some(t), None) => Ok(Project::Tag(parse_tag(t)?)),
            (None, Some(d)) => Ok(Project::Deal(self.resolve_deal(ctx, d)?.meta.id)),
            _ => Err(DomainError::invalid("project", "name one project: a tag or a deal").into()),
        }
    }

    /// Sets `person`'s stake in `project`, creating it (or restoring a trashed one).
    /// Returns the stake and whether it is new.
    pub fn set_stake(
        &self,
        ctx: &Ctx,
        person: &Person,
        project: Project,
        levels: StakeLevels,
    ) -> Result<(Stake, bool)> {
        let existing = self
            .store
            .read(|tx| tx.stake_of(&ctx.ws, &person.meta.id, &project))?;
        let apply = |s: &mut Stake| {
            s.power = levels.power;
            s.interest = levels.interest;
            s.attitude = levels.attitude;
            Ok(())
        };
        match existing {
            Some(s) => {
                if s.meta.deleted_at.is_some() {
                    self.set_trashed::<Stake>(ctx, &s.meta.id, false, None)?;
                }
                Ok((self.update(ctx, &s.meta.id, None, apply)?, false))
            }
            None => {
                let s = self.create(
                    ctx,
                    Stake {
                        meta: self.new_meta(),
                        person_id: person.meta.id.clone(),
                        project,
                        power: levels.power,
                        interest: levels.interest,
                        attitude: levels.attitude,
                    },
                )?;
                Ok((s, true))
            }
        }
    }

    /// The stakeholder map of a project as of today.
    pub fn stakeholder_map(&self, ctx: &Ctx, project: &Project) -> Result<StakeholderMap> {
        let today = self.today();
        let (name, facts) = self.store.read(|tx| {
            let stakes = tx.stakes_of(&ctx.ws, project)?;
            let facts = self.facts_of(tx, ctx, stakes)?;
            let deals = deal_titles(tx, ctx, std::slice::from_ref(project))?;
            Ok((project_name(project, &deals), facts))
        })?;
        Ok(map(name, &facts, today))
    }

    /// The projects that have people placed in them: tags first, then deals.
    pub fn stake_projects(&self, ctx: &Ctx) -> Result<Vec<ProjectSummary>> {
        Ok(self.store.read(|tx| {
            let found = tx.stake_projects(&ctx.ws)?;
            let projects: Vec<Project> = found.iter().map(|(p, _)| p.clone()).collect();
            let deals = deal_titles(tx, ctx, &projects)?;
            Ok(found
                .into_iter()
                .map(|(project, people)| ProjectSummary {
                    name: project_name(&project, &deals),
                    project,
                    people,
                })
                .collect())
        })?)
    }

    /// Every stake of the workspace as the agenda sees it.
    pub(crate) fn stakeholder_facts(
        &self,
        tx: &mut Tx<'_>,
        ctx: &Ctx,
    ) -> Result<Vec<StakeholderFacts>, StoreError> {
        let stakes = tx.all_live::<Stake>(&ctx.ws)?;
        self.facts_of(tx, ctx, stakes)
    }

    fn facts_of(
        &self,
        tx: &mut Tx<'_>,
        ctx: &Ctx,
        stakes: Vec<Stake>,
    ) -> Result<Vec<StakeholderFacts>, StoreError> {
        if stakes.is_empty() {
            return Ok(vec![]);
        }
        let zone = self.clock.zone();
        let mut people: Vec<Id> = stakes.iter().map(|s| s.person_id.clone()).collect();
        people.sort();
        people.dedup();
        let cards = tx.subject_cards(&ctx.ws, &people)?;
        let last: HashMap<Id, Date> = tx
            .last_contacts_of(&ctx.ws, &people)?
            .into_iter()
            .map(|(id, at)| (id, at.to_zoned(zone.clone()).date()))
            .collect();
        let projects: Vec<Project> = stakes.iter().map(|s| s.project.clone()).collect();
        let deals = deal_titles(tx, ctx, &projects)?;
        Ok(stakes
            .into_iter()
            .filter_map(|s| {
                let card = cards.get(&s.person_id)?;
                Some(StakeholderFacts {
                    id: s.meta.id,
                    person: SubjectRef {
                        id: s.person_id.clone(),
                        name: card.name.clone(),
                    },
                    project: project_name(&s.project, &deals),
                    power: s.power,
                    interest: s.interest,
                    attitude: s.attitude,
                    last_contact: last.get(&s.person_id).copied(),
                })
            })
            .collect())
    }
}

/// Titles of the deals among `projects`.
fn deal_titles(
    tx: &mut Tx<'_>,
    ctx: &Ctx,
    projects: &[Project],
) -> Result<HashMap<Id, String>, StoreError> {
    let mut ids: Vec<Id> = projects
        .iter()
        .filter_map(|p| match p {
            Project::Deal(id) => Some(id.clone()),
            Project::Tag(_) => None,
        })
        .collect();
    ids.sort();
    ids.dedup();
    Ok(tx
        .get_many::<Deal>(&ctx.ws, &ids)?
        .into_iter()
        .map(|d| (d.meta.id, d.title))
        .collect())
}
