use jiff::civil::date;
use proptest::prelude::*;

use super::*;

const TODAY: Date = date(2026, 11, 23);

/// The day `n` days before `TODAY` (after it when negative).
fn ago(n: i64) -> Date {
    TODAY.checked_sub(jiff::Span::new().days(n)).unwrap()
}

/// Owned facts of one relationship, borrowed into a `HealthInput`.
#[derive(Debug, Clone)]
struct Rel {
    kind: RelationshipKind,
    importance: Importance,
    cadence: Option<CadenceDays>,
    status: RelationshipStatus,
    interactions: Vec<InteractionFact>,
    commitments: Vec<CommitmentFact>,
    exchanges: Vec<ExchangeFact>,
    conflicts: Vec<ConflictFact>,
    feedback: Vec<FeedbackFact>,
}

impl Rel {
    fn new(kind: RelationshipKind, importance: i64, cadence: Option<i64>) -> Rel {
        Rel {
            kind,
            importance: Importance::clamped(importance),
            cadence: cadence.map(CadenceDays::clamped),
            status: RelationshipStatus::Active,
            interactions: vec![],
            commitments: vec![],
            exchanges: vec![],
            conflicts: vec![],
            feedback: vec![],
        }
    }

    fn on(&self, today: Date) -> Health {
        health(&HealthInput {
            today,
            kind: self.kind,
            importance: self.importance,
            cadence_days: self.cadence,
            status: self.status,
            interactions: &self.interactions,
            commitments: &self.commitments,
            exchanges: &self.exchanges,
            conflicts: &self.conflicts,
            feedback: &self.feedback,
        })
    }

    fn today(&self) -> Health {
        self.on(TODAY)
    }

    fn contact(mut self, days_ago: i64, sentiment: Option<i64>) -> Rel {
        self.interactions.push(InteractionFact {
            on: ago(days_ago),
            sentiment: sentiment.map(Sentiment::clamped),
        });
        self
    }

    fn promise(mut self, owed_by: OwedBy, status: CommitmentStatus, due_ago: i64) -> Rel {
        let closed = (status != CommitmentStatus::Open).then(|| ago(due_ago));
        self.commitments.push(CommitmentFact {
            owed_by,
            status,
            due: Some(ago(due_ago)),
            closed_on: closed,
        });
        self
    }

    fn exchange(mut self, direction: ExchangeDirection, value: u32, days_ago: i64) -> Rel {
        self.exchanges.push(ExchangeFact {
            direction,
            value,
            on: ago(days_ago),
        });
        self
    }

    fn conflict(mut self, severity: i64, opened_ago: i64, resolved_ago: Option<i64>) -> Rel {
        self.conflicts.push(ConflictFact {
            severity: Severity::clamped(severity),
            status: if resolved_ago.is_some() {
                ConflictStatus::Resolved
            } else {
                ConflictStatus::Open
            },
            opened_on: ago(opened_ago),
            resolved_on: resolved_ago.map(ago),
        });
        self
    }

    fn feedback(mut self, scale: FeedbackScale, score: u8, days_ago: i64) -> Rel {
        self.feedback.push(FeedbackFact {
            scale,
            score,
            on: ago(days_ago),
        });
        self
    }
}

fn component<'h>(h: &'h Health, name: &str) -> &'h Component {
    h.components
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no {name} component in {h:#?}"))
}

/// Regular positive contact on a 14-day cadence, promises kept both ways, balanced
/// exchanges, NPS 10.
fn well_tended_customer() -> Rel {
    let mut r = Rel::new(RelationshipKind::Customer, 5, Some(14));
    for (n, back) in (3..360).step_by(10).enumerate() {
        r = r.contact(back, Some(if n % 2 == 0 { 2 } else { 1 }));
    }
    r.promise(OwedBy::Me, CommitmentStatus::Kept, 30)
        .promise(OwedBy::Me, CommitmentStatus::Kept, 90)
        .promise(OwedBy::Me, CommitmentStatus::Open, -5)
        .promise(OwedBy::Them, CommitmentStatus::Kept, 45)
        .promise(OwedBy::Them, CommitmentStatus::Kept, 120)
        .exchange(ExchangeDirection::Given, 2, 40)
        .exchange(ExchangeDirection::Given, 1, 100)
        .exchange(ExchangeDirection::Received, 1, 60)
        .exchange(ExchangeDirection::Received, 2, 150)
        .feedback(FeedbackScale::Nps, 10, 20)
}

/// The same customer, silent for 75 days on a 14-day cadence, with a broken promise of
/// mine, an open severity-3 conflict and NPS 3.
fn neglected_customer() -> Rel {
    let mut r = Rel::new(RelationshipKind::Customer, 5, Some(14));
    for (n, back) in (75..360).step_by(10).enumerate() {
        r = r.contact(back, Some(if n % 2 == 0 { 0 } else { -1 }));
    }
    r.promise(OwedBy::Me, CommitmentStatus::Broken, 50)
        .promise(OwedBy::Them, CommitmentStatus::Kept, 120)
        .exchange(ExchangeDirection::Given, 2, 100)
        .exchange(ExchangeDirection::Received, 1, 150)
        .conflict(3, 40, None)
        .feedback(FeedbackScale::Nps, 3, 60)
}

#[test]
fn a_well_tended_customer_scores_far_above_a_neglected_one() {
    let good = well_tended_customer().today();
    let bad = neglected_customer().today();
    let (g, b) = (good.score.unwrap(), bad.score.unwrap());
    assert!(g >= b + 40, "well tended {g}, neglected {b}");
    assert_eq!(good.status, HealthStatus::Thriving, "{good:#?}");
    assert_eq!(bad.status, HealthStatus::AtRisk, "{bad:#?}");
    assert_eq!(
        component(&bad, "recency").reason,
        "last contact 75 days ago, cadence 14 days: 5.4× overdue"
    );
    assert_eq!(
        component(&bad, "my-reliability").reason,
        "you kept 0 of 1 promise: 1 broken"
    );
    assert_eq!(
        component(&bad, "conflicts").reason,
        "1 open conflict (severity 3, open 40 days)"
    );
    assert_eq!(
        component(&bad, "feedback").reason,
        "NPS 3 of 10, 60 days ago: a low score stands until new feedback"
    );
    assert_eq!(
        component(&good, "recency").reason,
        "last contact 3 days ago, within the 14-day cadence"
    );
    assert_eq!(component(&good, "my-reliability").points, 15.0);
    assert_eq!(
        component(&good, "reciprocity").reason,
        "you gave 3 points of value and received 3: balanced"
    );
}

#[test]
fn the_score_is_the_rescaled_sum_of_the_components() {
    for rel in [well_tended_customer(), neglected_customer()] {
        let h = rel.today();
        let earned: f64 = h.components.iter().map(|c| c.points).sum();
        let possible: f64 = h.components.iter().map(|c| c.max).sum();
        let expected = (earned / possible * 100.0).round() as u8;
        assert_eq!(h.score, Some(expected));
    }
    let all: f64 = well_tended_customer()
        .today()
        .components
        .iter()
        .map(|c| c.max)
        .sum();
    assert_eq!(all, 90.0, "all but conflicts (10) are present");
}

#[test]
fn no_data_is_unknown_not_zero() {
    let h = Rel::new(RelationshipKind::Friend, 3, None).today();
    assert_eq!(
        h,
        health(&HealthInput::new(
            TODAY,
            RelationshipKind::Friend,
            Importance::clamped(3)
        ))
    );
    assert_eq!(h.score, None);
    assert_eq!(h.status, HealthStatus::Unknown);
    assert_eq!(
        serde_json::to_string(&h).unwrap(),
        r#"{"score":null,"status":"unknown","components":[]}"#
    );
}

#[test]
fn json_shape() {
    let h = Rel::new(RelationshipKind::Customer, 5, Some(14))
        .contact(3, None)
        .today();
    assert_eq!(
        serde_json::to_value(&h).unwrap(),
        serde_json::json!({
            "score": 100,
            "status": "thriving",
            "components": [{
                "name": "recency",
                "points": 30.0,
                "max": 30.0,
                "reason": "last contact 3 days ago, within the 14-day cadence"
            }]
        })
    );
}

#[test]
fn a_missing_cadence_is_derived_and_said() {
    let h = Rel::new(RelationshipKind::Friend, 3, None)
        .contact(40, None)
        .today();
    assert_eq!(
        component(&h, "recency").reason,
        "no cadence set: 30 days assumed for a friend of importance 3; last contact 40 days ago: 1.3× overdue"
    );
    let h = Rel::new(RelationshipKind::Investor, 4, None)
        .contact(1, None)
        .today();
    assert_eq!(
        component(&h, "recency").reason,
        "no cadence set: 31 days assumed for an investor of importance 4; last contact yesterday, within the 31-day cadence"
    );
}

#[test]
fn default_cadences() {
    let c = |k, i| default_cadence(k, Importance::clamped(i)).get();
    assert_eq!(c(RelationshipKind::Customer, 5), 14);
    assert_eq!(c(RelationshipKind::Customer, 1), 90);
    assert_eq!(c(RelationshipKind::Friend, 3), 30);
    assert_eq!(c(RelationshipKind::Family, 4), 21);
    assert_eq!(c(RelationshipKind::Supplier, 3), 45);
    assert_eq!(c(RelationshipKind::Colleague, 2), 90);
    assert_eq!(c(RelationshipKind::Community, 1), 180);
    assert_eq!(c(RelationshipKind::Other, 5), 28);
}

#[test]
fn status_bands() {
    let band = |s| HealthStatus::of(Some(s));
    assert_eq!(HealthStatus::of(None), HealthStatus::Unknown);
    assert_eq!(band(0), HealthStatus::AtRisk);
    assert_eq!(band(39), HealthStatus::AtRisk);
    assert_eq!(band(40), HealthStatus::NeedsAttention);
    assert_eq!(band(59), HealthStatus::NeedsAttention);
    assert_eq!(band(60), HealthStatus::Healthy);
    assert_eq!(band(79), HealthStatus::Healthy);
    assert_eq!(band(80), HealthStatus::Thriving);
    assert_eq!(band(100), HealthStatus::Thriving);
    assert_eq!(
        serde_json::to_string(&HealthStatus::NeedsAttention).unwrap(),
        r#""needs-attention""#
    );
}

#[test]
fn overdue_counts_heavily() {
    let points = |back| {
        component(
            &Rel::new(RelationshipKind::Customer, 5, Some(14))
                .contact(back, None)
                .today(),
            "recency",
        )
        .points
    };
    assert_eq!(points(14), 30.0);
    assert_eq!(points(21), 18.2, "half a cadence late costs 40%");
    assert_eq!(points(28), 11.0);
    assert!(points(75) < 1.0);
}

#[test]
fn my_open_promises_past_due_count_against_me_but_theirs_do_not() {
    let h = Rel::new(RelationshipKind::Partner, 3, None)
        .promise(OwedBy::Me, CommitmentStatus::Kept, 10)
        .promise(OwedBy::Me, CommitmentStatus::Open, 5)
        .promise(OwedBy::Me, CommitmentStatus::Open, -5)
        .promise(OwedBy::Me, CommitmentStatus::Cancelled, 5)
        .promise(OwedBy::Them, CommitmentStatus::Open, 5)
        .promise(OwedBy::Them, CommitmentStatus::Kept, 10)
        .promise(OwedBy::Them, CommitmentStatus::Renegotiated, 10)
        .today();
    let mine = component(&h, "my-reliability");
    assert_eq!(
        mine.reason,
        "you kept 1 of 2 promises: 1 open past its due date"
    );
    assert_eq!(mine.points, 7.5);
    let theirs = component(&h, "their-reliability");
    assert_eq!(theirs.reason, "they kept 1 of 2 promises: 1 renegotiated");
    assert_eq!(theirs.points, 7.5);
}

#[test]
fn reciprocity_tolerates_a_mild_imbalance_and_punishes_a_strong_one() {
    let points = |given, received| {
        let h = Rel::new(RelationshipKind::Partner, 3, None)
            .exchange(ExchangeDirection::Given, given, 10)
            .exchange(ExchangeDirection::Received, received, 10)
            .today();
        component(&h, "reciprocity").points
    };
    assert_eq!(points(5, 5), 10.0);
    assert_eq!(points(6, 4), 10.0);
    assert!(points(15, 4) < 7.0);
    assert_eq!(points(30, 0), 0.0);
    assert_eq!(points(0, 30), 0.0);
}

#[test]
fn conflicts_resolved_promptly_leave_no_mark() {
    let h = Rel::new(RelationshipKind::Supplier, 3, None)
        .conflict(3, 100, Some(95))
        .today();
    let c = component(&h, "conflicts");
    assert_eq!(c.points, 10.0);
    assert_eq!(
        c.reason,
        "no open conflicts; 1 resolved, all within 14 days"
    );
    let slow = Rel::new(RelationshipKind::Supplier, 3, None)
        .conflict(3, 200, Some(100))
        .today();
    assert_eq!(component(&slow, "conflicts").points, 7.5);
    let young = Rel::new(RelationshipKind::Supplier, 3, None)
        .conflict(3, 0, None)
        .today();
    let old = Rel::new(RelationshipKind::Supplier, 3, None)
        .conflict(3, 90, None)
        .today();
    assert_eq!(component(&young, "conflicts").points, 6.0);
    assert_eq!(component(&old, "conflicts").points, 0.0);
    let minor = Rel::new(RelationshipKind::Supplier, 3, None)
        .conflict(1, 90, None)
        .today();
    assert!(component(&minor, "conflicts").points > 6.0);
}

#[test]
fn praise_fades_but_a_complaint_stands() {
    let points = |scale, score, back| {
        let h = Rel::new(RelationshipKind::Customer, 3, None)
            .feedback(scale, score, back)
            .today();
        component(&h, "feedback").points
    };
    assert_eq!(points(FeedbackScale::Nps, 10, 0), 10.0);
    assert_eq!(points(FeedbackScale::Nps, 10, 180), 7.5);
    assert_eq!(points(FeedbackScale::Csat, 5, 0), 10.0);
    assert_eq!(points(FeedbackScale::Csat, 1, 0), 0.0);
    assert_eq!(points(FeedbackScale::Nps, 3, 0), 3.0);
    assert_eq!(points(FeedbackScale::Nps, 3, 400), 3.0);
    // Out-of-range scores are clamped to the scale.
    assert_eq!(points(FeedbackScale::Csat, 0, 0), 0.0);
    assert_eq!(points(FeedbackScale::Nps, 200, 0), 10.0);
    // Only the latest counts.
    let h = Rel::new(RelationshipKind::Customer, 3, None)
        .feedback(FeedbackScale::Nps, 2, 10)
        .feedback(FeedbackScale::Nps, 9, 40)
        .today();
    assert_eq!(component(&h, "feedback").points, 2.0);
}

#[test]
fn frequency_and_sentiment_trends() {
    let mut steady = Rel::new(RelationshipKind::Friend, 3, None);
    let mut fading = Rel::new(RelationshipKind::Friend, 3, None);
    for back in (0..360).step_by(7) {
        steady = steady.contact(back, Some(1));
    }
    for back in (0..360).step_by(7) {
        let gap = if back < 180 { 30 } else { 7 };
        if back % gap == 0 || back >= 180 {
            let mood = if back < 90 { -1 } else { 1 };
            fading = fading.contact(back, Some(mood));
        }
    }
    let s = steady.today();
    let f = fading.today();
    assert_eq!(component(&s, "frequency").points, 10.0);
    assert!(component(&f, "frequency").points < 8.0, "{f:#?}");
    assert!(
        component(&f, "frequency").reason.ends_with("falling"),
        "{f:#?}"
    );
    assert!(
        component(&f, "sentiment").reason.contains("worsening"),
        "{f:#?}"
    );
    assert_eq!(component(&s, "sentiment").points, 3.8);
}

#[test]
fn facts_after_today_are_ignored() {
    let tomorrow = -1;
    let h = Rel::new(RelationshipKind::Customer, 5, Some(14))
        .contact(tomorrow, Some(2))
        .exchange(ExchangeDirection::Given, 5, tomorrow)
        .feedback(FeedbackScale::Nps, 10, tomorrow)
        .conflict(2, tomorrow, None)
        .today();
    assert_eq!(h.score, None);
    // Kept tomorrow: still open today, and past due, so it counts against me.
    let mut r = Rel::new(RelationshipKind::Customer, 5, Some(14));
    r.commitments.push(CommitmentFact {
        owed_by: OwedBy::Me,
        status: CommitmentStatus::Kept,
        due: Some(ago(3)),
        closed_on: Some(ago(tomorrow)),
    });
    assert_eq!(r.today().score, Some(0));
    assert_eq!(r.on(ago(-2)).score, Some(100));
    // Resolved tomorrow: open today.
    let r = Rel::new(RelationshipKind::Customer, 5, Some(14)).conflict(3, 90, Some(tomorrow));
    assert_eq!(r.today().score, Some(0));
    assert_eq!(r.on(ago(-1)).score, Some(75));
}

#[test]
fn ended_and_dormant_relationships() {
    let mut r = Rel::new(RelationshipKind::Customer, 5, Some(14))
        .contact(40, None)
        .contact(60, None);
    r.status = RelationshipStatus::Ended;
    assert_eq!(r.today().score, None);
    r.status = RelationshipStatus::Dormant;
    let h = r.today();
    assert_eq!(
        component(&h, "recency").reason,
        "dormant: cadence relaxed to 42 days; last contact 40 days ago, within the 42-day cadence"
    );
}

#[test]
fn falling_health_is_flagged() {
    let history = [(ago(40), 95), (ago(20), 80), (ago(10), 75), (TODAY, 65)];
    assert_eq!(
        is_falling(&history, TODAY),
        Some(Falling {
            from: 80,
            to: 65,
            days: 20
        })
    );
    // Order does not matter.
    let mut shuffled = history;
    shuffled.reverse();
    assert_eq!(is_falling(&shuffled, TODAY), is_falling(&history, TODAY));
    // A drop of 9 points is noise.
    assert_eq!(is_falling(&[(ago(5), 74), (TODAY, 65)], TODAY), None);
    // Rising is not falling.
    assert_eq!(is_falling(&[(ago(5), 50), (TODAY, 70)], TODAY), None);
    // The peak must lie within the window.
    assert_eq!(is_falling(&[(ago(31), 90), (TODAY, 50)], TODAY), None);
    // The latest score must be recent, and not in the future.
    assert_eq!(is_falling(&[(ago(60), 90), (ago(50), 50)], TODAY), None);
    assert_eq!(
        is_falling(&[(ago(5), 90), (ago(-1), 10)], TODAY),
        None,
        "a single score today-or-before is no trend"
    );
    assert_eq!(is_falling(&[], TODAY), None);
    // Among equal peaks the latest is reported, the shortest fall.
    assert_eq!(
        is_falling(&[(ago(25), 90), (ago(5), 90), (TODAY, 70)], TODAY),
        Some(Falling {
            from: 90,
            to: 70,
            days: 5
        })
    );
}

#[test]
fn fall_days_are_the_days_that_fell_below_their_window() {
    let history = [(ago(40), 95), (ago(20), 80), (ago(10), 75), (TODAY, 65)];
    // ago(20) and ago(10) are 15 and 20 below ago(40)'s 95, 20 and 30 days before
    // them; TODAY is 15 below ago(20) (ago(40) is out of its window).
    assert_eq!(
        fall_days(&history, ago(60), TODAY),
        vec![ago(20), ago(10), TODAY]
    );
    // Only the asked days.
    assert_eq!(fall_days(&history, ago(9), TODAY), vec![TODAY]);
    // 9 points is no fall.
    assert_eq!(
        fall_days(&[(ago(5), 74), (TODAY, 65)], ago(5), TODAY),
        vec![]
    );
    // A peak 31 days back is out of the day's window.
    assert_eq!(
        fall_days(&[(ago(31), 90), (TODAY, 50)], ago(31), TODAY),
        vec![]
    );
    assert_eq!(
        fall_days(&[(ago(30), 90), (TODAY, 80)], ago(31), TODAY),
        vec![TODAY]
    );
    assert_eq!(fall_days(&[], ago(31), TODAY), vec![]);
}

proptest! {
    /// Health falling on a day implies a fall day in that day's window, so the agenda
    /// may look for falling health among the relationships with such a day only.
    #[test]
    fn falling_implies_a_fall_day_in_the_window(
        scores in proptest::collection::vec((0i64..70, 0u8..=100), 0..25),
        back in 0i64..40,
    ) {
        let history: Vec<(Date, u8)> = scores.iter().map(|(d, s)| (ago(*d), *s)).collect();
        let today = ago(back);
        let start = today.checked_sub(jiff::Span::new().days(FALL_WINDOW_DAYS)).unwrap();
        let falls = fall_days(&history, ago(70), TODAY);
        if is_falling(&history, today).is_some() {
            prop_assert!(falls.iter().any(|d| *d >= start && *d <= today));
        }
    }
}

fn arb_interaction() -> impl Strategy<Value = InteractionFact> {
    (0i64..400, proptest::option::of(-2i64..=2)).prop_map(|(back, s)| InteractionFact {
        on: ago(back),
        sentiment: s.map(Sentiment::clamped),
    })
}

fn arb_owed_by() -> impl Strategy<Value = OwedBy> {
    proptest::sample::select(OwedBy::ALL.to_vec())
}

fn arb_commitment() -> impl Strategy<Value = CommitmentFact> {
    (
        arb_owed_by(),
        proptest::sample::select(CommitmentStatus::ALL.to_vec()),
        proptest::option::of(-60i64..200),
        proptest::option::of(0i64..200),
    )
        .prop_map(|(owed_by, status, due, closed)| CommitmentFact {
            owed_by,
            status,
            due: due.map(ago),
            closed_on: closed.map(ago),
        })
}

fn arb_exchange() -> impl Strategy<Value = ExchangeFact> {
    (
        proptest::sample::select(ExchangeDirection::ALL.to_vec()),
        0u32..50,
        0i64..400,
    )
        .prop_map(|(direction, value, back)| ExchangeFact {
            direction,
            value,
            on: ago(back),
        })
}

fn arb_conflict() -> impl Strategy<Value = ConflictFact> {
    (
        1i64..=3,
        proptest::sample::select(ConflictStatus::ALL.to_vec()),
        0i64..300,
        proptest::option::of(0.0f64..=1.0),
    )
        .prop_map(|(severity, status, opened, resolved)| ConflictFact {
            severity: Severity::clamped(severity),
            status,
            opened_on: ago(opened),
            resolved_on: resolved.map(|f| ago((opened as f64 * f) as i64)),
        })
}

fn arb_feedback() -> impl Strategy<Value = FeedbackFact> {
    (
        proptest::sample::select(FeedbackScale::ALL.to_vec()),
        0u8..=12,
        0i64..500,
    )
        .prop_map(|(scale, score, back)| FeedbackFact {
            scale,
            score,
            on: ago(back),
        })
}

prop_compose! {
    fn arb_rel()(
        kind in proptest::sample::select(RelationshipKind::ALL.to_vec()),
        importance in 1i64..=5,
        cadence in proptest::option::of(1i64..200),
        status in proptest::sample::select(RelationshipStatus::ALL.to_vec()),
        interactions in proptest::collection::vec(arb_interaction(), 0..30),
        commitments in proptest::collection::vec(arb_commitment(), 0..8),
        exchanges in proptest::collection::vec(arb_exchange(), 0..8),
        conflicts in proptest::collection::vec(arb_conflict(), 0..4),
        feedback in proptest::collection::vec(arb_feedback(), 0..3),
    ) -> Rel {
        Rel {
            kind,
            importance: Importance::clamped(importance),
            cadence: cadence.map(CadenceDays::clamped),
            status,
            interactions,
            commitments,
            exchanges,
            conflicts,
            feedback,
        }
    }
}

proptest! {
    #[test]
    fn the_score_stays_within_0_and_100(rel in arb_rel()) {
        let h = rel.today();
        prop_assert!(h.score.is_none_or(|s| s <= 100));
        prop_assert_eq!(h.status, HealthStatus::of(h.score));
        prop_assert_eq!(h.score.is_none(), h.components.is_empty());
        for c in &h.components {
            prop_assert!(c.points.is_finite() && c.points >= 0.0 && c.points <= c.max, "{:?}", c);
        }
        prop_assert!(serde_json::to_string(&h).is_ok());
    }

    #[test]
    fn a_kept_promise_never_lowers_the_score(
        rel in arb_rel(),
        owed_by in arb_owed_by(),
        due in proptest::option::of(-60i64..200),
        closed in proptest::option::of(0i64..200),
    ) {
        let before = rel.today();
        let mut more = rel.clone();
        more.commitments.push(CommitmentFact {
            owed_by,
            status: CommitmentStatus::Kept,
            due: due.map(ago),
            closed_on: closed.map(ago),
        });
        let after = more.today();
        prop_assert!(after.score >= before.score, "{:?} then {:?}", before, after);
    }

    #[test]
    fn a_day_without_contact_never_raises_the_score(rel in arb_rel(), days_on in 1i64..60) {
        let mut day = TODAY;
        let mut previous = rel.on(day);
        for _ in 0..days_on {
            day = day.tomorrow().unwrap();
            let next = rel.on(day);
            if let (Some(p), Some(n)) = (previous.score, next.score) {
                prop_assert!(n <= p, "{} on {}: {:?} then {:?}", n, day, previous, next);
            }
            prop_assert!(previous.score.is_none() || next.score.is_some());
            previous = next;
        }
    }
}
