//! The facts health is computed from. One relationship's come from its record; every
//! relationship's at once come from a few passes over the workspace — interactions from
//! the covering index of `interaction_subjects`, exchanges and feedback as columns, the
//! few commitment and conflict documents — never from queries per relationship.

use std::collections::HashMap;

use jiff::Timestamp;
use jiff::civil::Date;
use rapport_core::*;

use crate::queries::RelationshipRecord;
use crate::value::{Cell, Cells, Value};
use crate::{StoreError, Tx};

/// How many of the newest interactions a relationship's health looks at.
pub const HEALTH_INTERACTIONS: usize = 10_000;

/// A live interaction as health sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InteractionRow {
    pub at: Timestamp,
    pub sentiment: Option<Sentiment>,
}

/// An exchange as health sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExchangeRow {
    pub direction: ExchangeDirection,
    pub value: u32,
    pub at: Timestamp,
}

/// Feedback as health sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FeedbackRow {
    pub scale: FeedbackScale,
    pub score: u8,
    pub at: Timestamp,
}

/// What one relationship's health is computed from, as stored (times, not days).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HealthRecord {
    /// Live interactions with the subject and, for an organization, its current
    /// members: newest first (by time, then id), each once, at most
    /// [`HEALTH_INTERACTIONS`].
    pub interactions: Vec<InteractionRow>,
    pub commitments: Vec<Commitment>,
    pub exchanges: Vec<ExchangeRow>,
    pub conflicts: Vec<Conflict>,
    pub feedback: Vec<FeedbackRow>,
}

impl From<&RelationshipRecord> for HealthRecord {
    fn from(rec: &RelationshipRecord) -> HealthRecord {
        HealthRecord {
            interactions: rec
                .interactions
                .iter()
                .map(|i| InteractionRow {
                    at: i.at,
                    sentiment: i.sentiment,
                })
                .collect(),
            commitments: rec.commitments.clone(),
            exchanges: rec
                .exchanges
                .iter()
                .map(|e| ExchangeRow {
                    direction: e.direction,
                    value: e.value,
                    at: e.at,
                })
                .collect(),
            conflicts: rec.conflicts.clone(),
            feedback: rec
                .feedback
                .iter()
                .map(|f| FeedbackRow {
                    scale: f.scale,
                    score: f.score,
                    at: f.at,
                })
                .collect(),
        }
    }
}

/// The interactions of one subject, as streamed (newest first).
#[derive(Default)]
struct SubjectRows {
    rows: Vec<InteractionRow>,
    /// The interaction ids, kept only for subjects shared with others in one
    /// relationship (an organization and its members), where the same interaction may
    /// be met twice.
    ids: Vec<Id>,
    /// How many relationships read this subject; the last one takes its rows.
    readers: usize,
}

impl Tx<'_> {
    /// The health facts of each of `rels` (relationship id and subject), in that order.
    pub fn health_records(
        &mut self,
        ws: &Id,
        rels: &[(&Id, &Subject)],
    ) -> Result<Vec<HealthRecord>, StoreError> {
        let members = if rels
            .iter()
            .any(|(_, s)| s.kind == SubjectKind::Organization)
        {
            self.current_members(ws)?
        } else {
            HashMap::new()
        };
        // Which subjects each relationship's interactions come from.
        let mut subject_at: HashMap<String, usize> = HashMap::new();
        let mut subjects: Vec<SubjectRows> = Vec::new();
        let mut shared: Vec<bool> = Vec::new();
        let mut sources: Vec<Vec<usize>> = Vec::with_capacity(rels.len());
        for (_, subject) in rels {
            let mut ids = vec![&subject.id];
            if subject.kind == SubjectKind::Organization {
                ids.extend(members.get(&subject.id).into_iter().flatten());
            }
            let mut mine = Vec::with_capacity(ids.len());
            for id in &ids {
                let i = *subject_at
                    .entry(id.as_str().to_string())
                    .or_insert_with(|| {
                        subjects.push(SubjectRows::default());
                        shared.push(false);
                        subjects.len() - 1
                    });
                if !mine.contains(&i) {
                    subjects[i].readers += 1;
                    mine.push(i);
                }
            }
            if mine.len() > 1 {
                for &i in &mine {
                    shared[i] = true;
                }
            }
            sources.push(mine);
        }
        self.stream_interactions(ws, &subject_at, &shared, &mut subjects)?;

        let rel_at: HashMap<&str, usize> = rels
            .iter()
            .enumerate()
            .map(|(i, (id, _))| (id.as_str(), i))
            .collect();
        let mut commitments: Vec<Vec<(Id, Commitment)>> = vec![Vec::new(); rels.len()];
        self.by_relationship(
            "SELECT relationship_id, id, doc FROM commitments WHERE workspace_id = $1 AND deleted_at IS NULL",
            ws,
            &rel_at,
            &mut commitments,
            |r| r.json(2),
        )?;
        let mut conflicts: Vec<Vec<(Id, Conflict)>> = vec![Vec::new(); rels.len()];
        self.by_relationship(
            "SELECT relationship_id, id, doc FROM conflicts WHERE workspace_id = $1 AND deleted_at IS NULL",
            ws,
            &rel_at,
            &mut conflicts,
            |r| r.json(2),
        )?;
        let mut exchanges: Vec<Vec<(Id, ExchangeRow)>> = vec![Vec::new(); rels.len()];
        self.by_relationship(
            "SELECT relationship_id, id, direction, value, at FROM exchanges WHERE workspace_id = $1 AND deleted_at IS NULL",
            ws,
            &rel_at,
            &mut exchanges,
            |r| {
                Ok(ExchangeRow {
                    direction: ExchangeDirection::parse(r.str(2)?)?,
                    value: u32::try_from(r.i64(3)?)
                        .map_err(|_| StoreError::Corrupt("exchange value out of range".into()))?,
                    at: r.timestamp(4)?,
                })
            },
        )?;
        let mut feedback: Vec<Vec<(Id, FeedbackRow)>> = vec![Vec::new(); rels.len()];
        self.by_relationship(
            "SELECT relationship_id, id, scale, score, at FROM feedback WHERE workspace_id = $1 AND deleted_at IS NULL",
            ws,
            &rel_at,
            &mut feedback,
            |r| {
                Ok(FeedbackRow {
                    scale: FeedbackScale::parse(r.str(2)?)?,
                    score: u8::try_from(r.i64(3)?)
                        .map_err(|_| StoreError::Corrupt("feedback score out of range".into()))?,
                    at: r.timestamp(4)?,
                })
            },
        )?;

        let mut out = Vec::with_capacity(rels.len());
        let parts = commitments
            .into_iter()
            .zip(conflicts)
            .zip(exchanges)
            .zip(feedback);
        for ((((c, k), e), f), mine) in parts.zip(&sources) {
            out.push(HealthRecord {
                interactions: interactions_of(&mut subjects, mine),
                commitments: by_id(c),
                exchanges: by_id(e),
                conflicts: by_id(k),
                feedback: by_id(f),
            });
        }
        Ok(out)
    }

    /// Every live interaction of the wanted subjects, newest first per subject, from one
    /// backward pass over the `(workspace_id, subject_id, at, interaction_id, …)` index.
    fn stream_interactions(
        &mut self,
        ws: &Id,
        subject_at: &HashMap<String, usize>,
        shared: &[bool],
        subjects: &mut [SubjectRows],
    ) -> Result<(), StoreError> {
        // The same interaction twice for one subject (a repeated participant) counts once.
        let mut last: Option<usize> = None;
        let mut last_id = String::new();
        self.c.for_each(
            "SELECT subject_id, interaction_id, at, sentiment FROM interaction_subjects
             WHERE workspace_id = $1 AND live = 1
             ORDER BY workspace_id DESC, subject_id DESC, at DESC, interaction_id DESC",
            &[ws.into()],
            &mut |r| {
                let Some(&i) = subject_at.get(r.str(0)?) else {
                    return Ok(());
                };
                let id = r.str(1)?;
                if last == Some(i) && last_id == id {
                    return Ok(());
                }
                last = Some(i);
                last_id.clear();
                last_id.push_str(id);
                let s = &mut subjects[i];
                s.rows.push(InteractionRow {
                    at: r.timestamp(2)?,
                    sentiment: r.opt_i64(3)?.map(Sentiment::new).transpose()?,
                });
                if shared[i] {
                    s.ids.push(Id::parse(id)?);
                }
                Ok(())
            },
        )
    }

    /// Streams `sql` (relationship id, record id, …) and files each row, parsed by
    /// `parse`, under its relationship's position; rows of other relationships are skipped.
    fn by_relationship<T>(
        &mut self,
        sql: &str,
        ws: &Id,
        rel_at: &HashMap<&str, usize>,
        out: &mut [Vec<(Id, T)>],
        parse: impl Fn(&dyn Cells) -> Result<T, StoreError>,
    ) -> Result<(), StoreError> {
        self.c.for_each(sql, &[ws.into()], &mut |r| {
            if let Some(&i) = rel_at.get(r.str(0)?) {
                out[i].push((r.id(1)?, parse(r)?));
            }
            Ok(())
        })
    }

    /// Today's recorded score of each relationship scored on `day`.
    pub fn health_on(&mut self, ws: &Id, day: Date) -> Result<HashMap<Id, Option<u8>>, StoreError> {
        let mut out = HashMap::new();
        self.c.for_each(
            "SELECT relationship_id, score FROM health_history WHERE workspace_id = $1 AND day = $2",
            &[ws.into(), day.into()],
            &mut |r| {
                out.insert(r.id(0)?, r.opt_i64(1)?.map(|s| s.clamp(0, 100) as u8));
                Ok(())
            },
        )?;
        Ok(out)
    }

    /// Records the scores of many relationships for `day` (one row per relationship and
    /// day; the latest wins), in multi-row statements, and keeps their recorded falls in
    /// step: a day's score decides whether that day fell and may change whether the
    /// later days within the window did, so those days' falls are recomputed from the
    /// history by the core's rule (`rapport_core::health::fall_days`).
    pub fn record_health_many(
        &mut self,
        ws: &Id,
        day: Date,
        scores: &[(Id, Option<u8>)],
    ) -> Result<(), StoreError> {
        let params: Vec<Value> = scores
            .iter()
            .flat_map(|(id, score)| [ws.into(), id.into(), day.into(), (*score).into()])
            .collect();
        self.insert_rows(
            "INSERT INTO health_history (workspace_id, relationship_id, day, score)",
            4,
            &params.iter().map(Cell::from).collect::<Vec<_>>(),
            "ON CONFLICT (relationship_id, day) DO UPDATE SET score = excluded.score",
        )?;
        let window = jiff::Span::new().days(rapport_core::health::FALL_WINDOW_DAYS);
        let since = day.checked_sub(window).unwrap_or(day);
        let until = day.checked_add(window).unwrap_or(day);
        let ids: Vec<Id> = scores.iter().map(|(id, _)| id.clone()).collect();
        let history = self.recent_health_of(ws, &ids, since)?;
        let falls: Vec<(Id, Date)> = ids
            .iter()
            .filter_map(|id| history.get(id).map(|h| (id, h)))
            .flat_map(|(id, h)| {
                rapport_core::health::fall_days(h, day, until)
                    .into_iter()
                    .map(move |d| (id.clone(), d))
            })
            .collect();
        self.replace_health_falls(ws, &ids, day, until, &falls)
    }
}

/// Records in id order (the order the per-relationship reads give), without their ids.
fn by_id<T>(mut rows: Vec<(Id, T)>) -> Vec<T> {
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    rows.into_iter().map(|(_, t)| t).collect()
}

/// The newest interactions of a relationship read from `mine` (its subjects): a lone
/// subject's rows as streamed, several merged newest first with each interaction once.
/// The last relationship to read a subject takes its rows instead of copying them.
fn interactions_of(subjects: &mut [SubjectRows], mine: &[usize]) -> Vec<InteractionRow> {
    let mut take = |i: usize| -> (Vec<InteractionRow>, Vec<Id>) {
        let s = &mut subjects[i];
        s.readers = s.readers.saturating_sub(1);
        if s.readers == 0 {
            (std::mem::take(&mut s.rows), std::mem::take(&mut s.ids))
        } else {
            (s.rows.clone(), s.ids.clone())
        }
    };
    if let [one] = mine {
        let (mut rows, _) = take(*one);
        rows.truncate(HEALTH_INTERACTIONS);
        return rows;
    }
    let mut all: Vec<(InteractionRow, Id)> = Vec::new();
    for &i in mine {
        let (rows, ids) = take(i);
        all.extend(rows.into_iter().zip(ids));
    }
    all.sort_by(|a, b| b.0.at.cmp(&a.0.at).then_with(|| b.1.cmp(&a.1)));
    all.dedup_by(|a, b| a.1 == b.1);
    all.truncate(HEALTH_INTERACTIONS);
    all.into_iter().map(|(r, _)| r).collect()
}
