//! `metrics`: the business metrics of a period over the relationships the actor may see.

use std::collections::HashMap;

use jiff::civil::Date;
use rapport_core::metrics::*;
use rapport_core::*;

use crate::{App, Ctx, Result};

/// The segment of relationships with no tag, or with no owner.
pub const UNTAGGED: &str = "(untagged)";
pub const NO_OWNER: &str = "(workspace)";

impl App {
    /// The metrics of the `days` days up to today, per segment when `by` is given.
    pub fn metrics(&self, ctx: &Ctx, days: i64, by: Option<SegmentBy>) -> Result<Metrics> {
        let period = Period::ending(self.today(), days);
        let input = self.store.read(|tx| {
            let rels = self.visible(ctx, tx.all_relationships(&ctx.ws)?);
            let tags: HashMap<Id, Vec<String>> = match by {
                Some(SegmentBy::Tag) => {
                    let mut m: HashMap<Id, Vec<String>> = HashMap::new();
                    for (id, tag) in tx.subject_tags(&ctx.ws)? {
                        m.entry(id).or_default().push(tag);
                    }
                    m
                }
                _ => HashMap::new(),
            };
            let users = match by {
                Some(SegmentBy::Owner) => tx.user_names(&ctx.ws)?,
                _ => HashMap::new(),
            };
            let relationships = rels
                .into_iter()
                .map(|r| {
                    let segments = match by {
                        None => vec![],
                        Some(SegmentBy::Kind) => vec![r.kind.to_string()],
                        Some(SegmentBy::Tag) => match tags.get(&r.subject.id) {
                            Some(t) if !t.is_empty() => t.clone(),
                            _ => vec![UNTAGGED.to_string()],
                        },
                        Some(SegmentBy::Owner) => vec![
                            r.owner_id
                                .as_ref()
                                .and_then(|o| users.get(o).cloned())
                                .unwrap_or_else(|| NO_OWNER.to_string()),
                        ],
                    };
                    SegmentedRelationship {
                        relationship: r,
                        segments,
                    }
                })
                .collect();
            let since = Date::new(1, 1, 1).unwrap_or(Date::MIN);
            Ok(MetricsInput {
                period,
                zone: self.clock.zone(),
                relationships,
                exchanges: tx.all_live(&ctx.ws)?,
                // Only these kinds count as referrals; skip parsing every other tie.
                ties: tx.ties_of_kinds(&ctx.ws, &[TieKind::IntroducedBy, TieKind::ReferredBy])?,
                deals: tx.all_live(&ctx.ws)?,
                feedback: tx.all_live(&ctx.ws)?,
                commitments: tx.all_live(&ctx.ws)?,
                conflicts: tx.all_live(&ctx.ws)?,
                health: tx.recent_health(&ctx.ws, since)?,
            })
        })?;
        Ok(metrics(&input, by))
    }
}
