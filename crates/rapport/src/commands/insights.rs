//! `metrics`, `network`, `intro`, `stakeholders` and `stake`: what the record adds up to.

use anyhow::Result;
use rapport_app::stakeholders::StakeLevels;
use rapport_core::metrics::{KeptRate, SegmentBy, SegmentMetrics, Share};
use rapport_core::network::TieView;
use rapport_core::*;

use super::Env;
use crate::cli::*;
use crate::output::{Table, json};

fn percent(p: Option<f64>) -> String {
    p.map(|p| format!("{p:.1}%")).unwrap_or_else(|| "—".into())
}

fn share(s: &Share) -> String {
    format!("{} ({} of {})", percent(s.percent), s.count, s.of)
}

fn kept(k: &KeptRate) -> String {
    format!(
        "{} ({} kept, {} broken)",
        percent(k.percent),
        k.kept,
        k.broken
    )
}

fn segment_rows(m: &SegmentMetrics) -> Vec<(&'static str, String)> {
    let r = &m.retention;
    let reasons = if r.end_reasons.is_empty() {
        "none".to_string()
    } else {
        r.end_reasons
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let b = &m.repeat_business;
    let s = &m.satisfaction;
    let h = &m.health;
    let pipeline = if m.pipeline.is_empty() {
        "no open deals".to_string()
    } else {
        m.pipeline
            .iter()
            .map(|st| {
                let amounts = st
                    .amounts
                    .iter()
                    .map(|(c, a)| format!("{a:.2} {c}"))
                    .collect::<Vec<_>>()
                    .join(" + ");
                if amounts.is_empty() {
                    format!("{} {}", st.stage, st.deals)
                } else {
                    format!("{} {} ({amounts})", st.stage, st.deals)
                }
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let health = match (h.average, h.average_at_start, h.change) {
        (Some(a), Some(b), Some(c)) => format!("{a:.1} (from {b:.1}, {c:+.1})"),
        (Some(a), _, _) => format!("{a:.1}"),
        _ => "unknown".into(),
    };
    let c = &m.conflicts;
    vec![
        ("active relationships", m.active.to_string()),
        (
            "retention",
            format!(
                "{} ({} of {} kept; {} churned, {}; {} new)",
                percent(r.retention_percent),
                r.retained,
                r.at_start,
                r.churned,
                percent(r.churn_percent),
                r.new
            ),
        ),
        ("ended, by reason", reasons),
        ("referral rate", share(&m.referral)),
        (
            "repeat business",
            format!(
                "{} won with {} customers ({} per customer), {} repeat",
                b.deals_won,
                b.customers,
                b.deals_per_customer
                    .map(|d| format!("{d:.2}"))
                    .unwrap_or_else(|| "—".into()),
                b.repeat_customers
            ),
        ),
        (
            "NPS",
            match s.nps {
                Some(n) => format!(
                    "{n:.1} ({} responses: {} promoters, {} passives, {} detractors)",
                    s.nps_responses, s.promoters, s.passives, s.detractors
                ),
                None => "no responses".into(),
            },
        ),
        (
            "CSAT",
            match s.csat_mean {
                Some(mean) => format!(
                    "{} satisfied, mean {mean:.1} ({} responses)",
                    percent(s.csat_percent),
                    s.csat_responses
                ),
                None => "no responses".into(),
            },
        ),
        ("average health", health),
        ("pipeline", pipeline),
        ("my promises kept", kept(&m.commitments.mine)),
        ("their promises kept", kept(&m.commitments.theirs)),
        (
            "conflicts",
            format!(
                "{} opened, {} resolved, median {} to resolve",
                c.opened,
                c.resolved,
                c.median_days_to_resolve
                    .map(|d| format!("{d:.1} days"))
                    .unwrap_or_else(|| "—".into())
            ),
        ),
    ]
}

fn tie_row(t: &TieView) -> Vec<String> {
    vec![
        format!("{} — {}", t.from.name, t.to.name),
        format!("{:.1}", t.strength),
        t.why.clone(),
    ]
}

impl Env {
    pub(super) fn metrics(&self, a: MetricsArgs) -> Result<()> {
        let days = i64::from(CadenceDays::parse_span(&a.period)?.get());
        let by = a.by.as_deref().map(SegmentBy::parse).transpose()?;
        let m = self.app.metrics(&self.ctx, days, by)?;
        if self.json {
            return json(&m);
        }
        self.say(format!(
            "The {} days after {} up to {}",
            m.period.days, m.period.from, m.period.to
        ));
        for s in &m.segments {
            self.say("");
            if by.is_some() {
                self.say(format!("— {} —", s.segment));
            }
            let mut t = Table::new(&["METRIC", "VALUE"]);
            for (k, v) in segment_rows(s) {
                t.row(vec![k.to_string(), v]);
            }
            t.print();
        }
        Ok(())
    }

    pub(super) fn network(&self, a: NetworkArgs) -> Result<()> {
        let n = self.app.network(&self.ctx, a.limit.clamp(1, 100))?;
        if self.json {
            return json(&n);
        }
        self.say(format!("{} people, {} ties", n.people, n.ties));
        if !n.strongest.is_empty() {
            self.say("\nStrongest ties");
            let mut t = Table::new(&["TIE", "STRENGTH", "WHY"]);
            n.strongest.iter().for_each(|x| t.row(tie_row(x)));
            t.print();
        }
        if !n.connectors.people.is_empty() {
            self.say(if n.connectors.approximate {
                format!(
                    "\nConnectors (betweenness estimated from {} people)",
                    n.connectors.sources
                )
            } else {
                "\nConnectors".to_string()
            });
            let mut t = Table::new(&["PERSON", "BETWEENNESS", "TIES"]);
            for c in &n.connectors.people {
                t.row(vec![
                    c.person.name.clone(),
                    format!("{:.2}%", c.betweenness),
                    c.ties.to_string(),
                ]);
            }
            t.print();
        }
        if !n.dormant.is_empty() {
            self.say("\nDormant strong ties worth reviving");
            let mut t = Table::new(&["TIE", "STRENGTH", "WHY"]);
            n.dormant.iter().for_each(|x| t.row(tie_row(x)));
            t.print();
        }
        Ok(())
    }

    pub(super) fn intro(&self, a: IntroArgs) -> Result<()> {
        let p = self.app.resolve_person(&self.ctx, &a.reference)?;
        let path = self.app.intro(&self.ctx, &p)?;
        if self.json {
            return json(&path);
        }
        let Some(path) = path else {
            self.say(format!("No chain of ties leads to {}.", p.name));
            return Ok(());
        };
        if path.hops.len() == 1 {
            self.say(format!("You know {} directly.", p.name));
        } else {
            let names: Vec<&str> = path
                .hops
                .iter()
                .skip(1)
                .map(|h| h.from.name.as_str())
                .collect();
            self.say(format!(
                "Ask {} to introduce you to {} (path score {:.3}).",
                names.join(", then "),
                p.name,
                path.score
            ));
        }
        let mut t = Table::new(&["TIE", "STRENGTH", "WHY"]);
        path.hops.iter().for_each(|x| t.row(tie_row(x)));
        t.print();
        Ok(())
    }

    pub(super) fn stakeholders(&self, a: StakeholdersArgs) -> Result<()> {
        if a.tag.is_none() && a.deal.is_none() {
            return self.stake_projects();
        }
        let project = self
            .app
            .project(&self.ctx, a.tag.as_deref(), a.deal.as_deref())?;
        let m = self.app.stakeholder_map(&self.ctx, &project)?;
        if self.json {
            return json(&m);
        }
        if m.quadrants.iter().all(|q| q.people.is_empty()) {
            self.say(format!("No stakeholders set for {} yet.", m.project));
            return Ok(());
        }
        self.say(format!("Stakeholders of {}", m.project));
        for q in m.quadrants.iter().filter(|q| !q.people.is_empty()) {
            self.say(format!("\n{} — {}", q.quadrant.as_str(), q.engagement));
            let mut t = Table::new(&["PERSON", "POWER", "INTEREST", "ATTITUDE", "CONTACT"]);
            for p in &q.people {
                let contact = match p.last_contact {
                    Some(d) => format!("last {d}, every {} days", p.cadence_days),
                    None => format!("never, every {} days", p.cadence_days),
                };
                t.row(vec![
                    p.person.name.clone(),
                    p.power.to_string(),
                    p.interest.to_string(),
                    format!("{:+}", p.attitude.get()),
                    if p.overdue {
                        format!("{contact} (overdue)")
                    } else {
                        contact
                    },
                ]);
            }
            t.print();
        }
        Ok(())
    }

    /// `stakeholders` with no project named: the projects that have people placed in
    /// them, to pick one from.
    fn stake_projects(&self) -> Result<()> {
        let projects = self.app.stake_projects(&self.ctx)?;
        if self.json {
            return json(&serde_json::json!({"items": projects, "next_cursor": null}));
        }
        if projects.is_empty() {
            self.say("No stakeholders placed yet: `rapport stake PERSON --tag T --power 1-5 --interest 1-5` places one.");
            return Ok(());
        }
        let mut t = Table::new(&["PROJECT", "PEOPLE", "SHOW WITH"]);
        for p in &projects {
            let (kind, value) = p.project.key();
            t.row(vec![
                p.name.clone(),
                p.people.to_string(),
                format!("--{kind} {value}"),
            ]);
        }
        t.print();
        Ok(())
    }

    pub(super) fn stake(&self, a: StakeArgs) -> Result<()> {
        let person = self.app.resolve_person(&self.ctx, &a.reference)?;
        let project = self.app.project(
            &self.ctx,
            a.project.tag.as_deref(),
            a.project.deal.as_deref(),
        )?;
        let level = |field: &str, s: &str| {
            Level::parse(s).map_err(|_| {
                DomainError::invalid(field, format!("`{s}` is not a whole number from 1 to 5"))
            })
        };
        let levels = StakeLevels {
            power: level("power", &a.power)?,
            interest: level("interest", &a.interest)?,
            attitude: Attitude::parse(&a.attitude).map_err(|_| {
                DomainError::invalid(
                    "attitude",
                    format!("`{}` is not a whole number from -2 to 2", a.attitude),
                )
            })?,
        };
        let (s, new) = self.app.set_stake(&self.ctx, &person, project, levels)?;
        let q = rapport_core::stakeholders::quadrant(s.power, s.interest);
        self.out(&s, || {
            format!(
                "{} {}'s stake: power {}, interest {}, attitude {:+} — {}",
                if new { "Set" } else { "Updated" },
                person.name,
                s.power,
                s.interest,
                s.attitude.get(),
                q.as_str()
            )
        })
    }
}
