//! Health and agenda micro-benchmarks: `cargo bench -p rapport-core --bench health`.
//!
//! - `health/200-interactions`: the health of one relationship with 200 interactions,
//!   20 promises, 20 exchanges, 3 conflicts and feedback.
//! - `agenda/rank-and-fit-10k`: ranking 10,000 facts into agenda items and fitting them
//!   to a 45-minute budget.
//! - `agenda/fit-budget-10k`: the knapsack alone over 10,000 ranked items, 45 minutes.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use jiff::civil::{Date, date};
use rapport_core::agenda::{
    AgendaInput, DueTask, LeftOut, OpenCommitment, OpenConflict, RelationshipFacts, SubjectRef,
    agenda, fit_budget, rank,
};
use rapport_core::health::{
    CommitmentFact, ConflictFact, ExchangeFact, FeedbackFact, HealthInput, InteractionFact, health,
};
use rapport_core::{
    CadenceDays, Channel, CommitmentStatus, ConflictStatus, ExchangeDirection, FeedbackScale, Id,
    Importance, OwedBy, RelationshipKind, RelationshipStatus, Sentiment, Severity,
};

const TODAY: Date = date(2026, 11, 23);

/// A small deterministic generator, so every run measures the same data.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below.max(1)
    }
}

fn ago(n: u64) -> Date {
    TODAY
        .checked_sub(jiff::Span::new().days(n as i64))
        .unwrap_or(TODAY)
}

fn id(n: u64) -> Id {
    Id::v7(1_700_000_000_000 + n, [(n % 251) as u8; 10])
}

fn bench_health(c: &mut Criterion) {
    let mut rng = Lcg(7);
    let interactions: Vec<InteractionFact> = (0..200)
        .map(|_| InteractionFact {
            on: ago(rng.next(720)),
            sentiment: (rng.next(3) > 0).then(|| Sentiment::clamped(rng.next(5) as i64 - 2)),
        })
        .collect();
    let commitments: Vec<CommitmentFact> = (0..20)
        .map(|_| CommitmentFact {
            owed_by: if rng.next(2) == 0 {
                OwedBy::Me
            } else {
                OwedBy::Them
            },
            status: CommitmentStatus::ALL[rng.next(5) as usize],
            due: Some(ago(rng.next(300))),
            closed_on: Some(ago(rng.next(200))),
        })
        .collect();
    let exchanges: Vec<ExchangeFact> = (0..20)
        .map(|_| ExchangeFact {
            direction: if rng.next(2) == 0 {
                ExchangeDirection::Given
            } else {
                ExchangeDirection::Received
            },
            value: rng.next(5) as u32 + 1,
            on: ago(rng.next(720)),
        })
        .collect();
    let conflicts: Vec<ConflictFact> = (0..3)
        .map(|n| ConflictFact {
            severity: Severity::clamped(n + 1),
            status: if n == 0 {
                ConflictStatus::Open
            } else {
                ConflictStatus::Resolved
            },
            opened_on: ago(100 + rng.next(100)),
            resolved_on: (n > 0).then(|| ago(rng.next(100))),
        })
        .collect();
    let feedback = [FeedbackFact {
        scale: FeedbackScale::Nps,
        score: 8,
        on: ago(40),
    }];
    let input = HealthInput {
        today: TODAY,
        kind: RelationshipKind::Customer,
        importance: Importance::clamped(5),
        cadence_days: Some(CadenceDays::clamped(14)),
        status: RelationshipStatus::Active,
        interactions: &interactions,
        commitments: &commitments,
        exchanges: &exchanges,
        conflicts: &conflicts,
        feedback: &feedback,
    };
    c.bench_function("health/200-interactions", |b| {
        b.iter(|| health(black_box(&input)))
    });
}

/// 10,000 facts, nearly all of which become agenda items.
fn agenda_input() -> AgendaInput {
    let mut rng = Lcg(11);
    let mut input = AgendaInput::new(TODAY);
    let subject = |n: u64| SubjectRef {
        id: id(n),
        name: format!("Person {n}"),
    };
    for n in 0..7_000 {
        input.relationships.push(RelationshipFacts {
            id: id(100_000 + n),
            subject: subject(n),
            kind: RelationshipKind::ALL[rng.next(15) as usize],
            importance: Importance::clamped(rng.next(5) as i64 + 1),
            cadence_days: Some(CadenceDays::clamped(rng.next(60) as i64 + 7)),
            last_contact: Some(ago(60 + rng.next(300))),
            started_on: None,
            health: Some(rng.next(101) as u8),
            falling: None,
            preferred_channel: Some(Channel::ALL[rng.next(9) as usize]),
        });
    }
    for n in 0..1_500 {
        input.commitments.push(OpenCommitment {
            id: id(200_000 + n),
            subject: subject(n),
            owed_by: if n % 2 == 0 { OwedBy::Me } else { OwedBy::Them },
            text: "follow up".into(),
            due: Some(ago(rng.next(30))),
        });
    }
    for n in 0..500 {
        input.conflicts.push(OpenConflict {
            id: id(300_000 + n),
            subject: subject(n),
            severity: Severity::clamped(rng.next(3) as i64 + 1),
            opened_on: ago(rng.next(120)),
        });
    }
    for n in 0..1_000 {
        input.tasks.push(DueTask {
            id: id(400_000 + n),
            subject: Some(subject(n)),
            text: "send notes".into(),
            due: ago(rng.next(20)),
        });
    }
    input
}

fn bench_agenda(c: &mut Criterion) {
    let input = agenda_input();
    let ranked = rank(&input);
    c.bench_function("agenda/rank-and-fit-10k", |b| {
        b.iter(|| agenda(black_box(&input), Some(45), LeftOut::Listed))
    });
    // What the CLI's table asks for: the items left out are counted, not written.
    c.bench_function("agenda/rank-and-fit-10k-counted", |b| {
        b.iter(|| agenda(black_box(&input), Some(45), LeftOut::Counted))
    });
    c.bench_function("agenda/fit-budget-10k", |b| {
        b.iter_batched(
            || ranked.clone(),
            |items| fit_budget(items, black_box(45)),
            BatchSize::LargeInput,
        )
    });
}

criterion_group!(benches, bench_health, bench_agenda);
criterion_main!(benches);
