//! The metrics on one hand-computed fixture (see the comments for each figure's sum).

use super::*;
use crate::values::*;

fn day(s: &str) -> Date {
    s.parse().unwrap_or(Date::MIN)
}

/// Noon UTC of a day, or an exact RFC 3339 instant.
fn ts(s: &str) -> Timestamp {
    if s.contains('T') {
        return s.parse().unwrap_or(Timestamp::UNIX_EPOCH);
    }
    day(s)
        .at(12, 0, 0, 0)
        .to_zoned(TimeZone::UTC)
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

fn id(n: u64) -> Id {
    Id::v7(1_700_000_000_000 + n, [n as u8; 10])
}

fn meta(n: u64, at: &str) -> Meta {
    Meta::new(id(n), ts(at))
}

fn subject(n: u64) -> Subject {
    Subject {
        kind: SubjectKind::Person,
        id: id(1000 + n),
    }
}

fn rel(
    n: u64,
    kind: RelationshipKind,
    started: &str,
    ended: Option<&str>,
    reason: Option<&str>,
    status: RelationshipStatus,
) -> SegmentedRelationship {
    let mut r = Relationship::new(meta(n, started), subject(n), kind);
    r.started_on = Some(day(started));
    r.ended_on = ended.map(day);
    r.end_reason = reason.map(String::from);
    r.status = status;
    SegmentedRelationship {
        segments: vec![kind.to_string()],
        relationship: r,
    }
}

fn exchange(
    n: u64,
    r: u64,
    direction: ExchangeDirection,
    kind: ExchangeKind,
    at: &str,
) -> Exchange {
    Exchange {
        meta: meta(n, at),
        relationship_id: id(r),
        direction,
        kind,
        value: 1,
        amount: None,
        currency: None,
        note: "x".into(),
        at: ts(at),
    }
}

fn tie(n: u64, from: u64, to_rel: u64, kind: TieKind, at: &str) -> Tie {
    Tie {
        meta: meta(n, at),
        from_person_id: id(5000 + from),
        to_person_id: subject(to_rel).id,
        kind,
        strength: Strength::clamped(3),
        note: None,
    }
}

fn deal(
    n: u64,
    r: u64,
    stage: DealStage,
    amount: Option<(f64, &str)>,
    closed: Option<&str>,
) -> Deal {
    Deal {
        meta: meta(n, "2026-01-01"),
        subject: subject(r),
        title: "d".into(),
        amount: amount.map(|a| a.0),
        currency: amount.map(|a| a.1.to_string()),
        stage,
        expected_close: None,
        closed_at: closed.map(ts),
    }
}

fn feedback(n: u64, r: u64, scale: FeedbackScale, score: u8, at: &str) -> Feedback {
    Feedback {
        meta: meta(n, at),
        relationship_id: id(r),
        scale,
        score,
        comment: None,
        at: ts(at),
    }
}

fn promise(n: u64, r: u64, by: OwedBy, status: CommitmentStatus, closed: &str) -> Commitment {
    Commitment {
        meta: meta(n, "2026-01-01"),
        relationship_id: id(r),
        owed_by: by,
        text: "p".into(),
        due: None,
        status,
        closed_at: Some(ts(closed)),
    }
}

fn conflict(n: u64, r: u64, opened: &str, resolved: Option<&str>) -> Conflict {
    Conflict {
        meta: meta(n, opened),
        relationship_id: id(r),
        description: "c".into(),
        severity: Severity::clamped(2),
        status: if resolved.is_some() {
            ConflictStatus::Resolved
        } else {
            ConflictStatus::Open
        },
        resolution_method: None,
        resolution_note: None,
        opened_at: ts(opened),
        resolved_at: resolved.map(ts),
    }
}

/// Period: the 90 days after 2026-08-25 up to 2026-11-23.
fn fixture() -> MetricsInput {
    use ExchangeDirection::*;
    use RelationshipKind::*;
    use RelationshipStatus::*;
    let relationships = vec![
        rel(1, Customer, "2026-01-01", None, None, Active),
        rel(
            2,
            Customer,
            "2026-02-01",
            Some("2026-10-01"),
            Some("price"),
            Ended,
        ),
        rel(3, Customer, "2026-03-01", Some("2026-05-01"), None, Ended),
        rel(4, Friend, "2026-09-10", None, None, Active),
        rel(5, Customer, "2026-04-01", None, None, Dormant),
        rel(
            6,
            Customer,
            "2026-10-05",
            Some("2026-11-01"),
            Some(" "),
            Ended,
        ),
    ];
    let mut health = HashMap::new();
    health.insert(
        id(1),
        vec![(day("2026-08-01"), 60), (day("2026-11-20"), 80)],
    );
    health.insert(
        id(5),
        vec![(day("2026-08-25"), 50), (day("2026-11-01"), 40)],
    );
    health.insert(id(4), vec![(day("2026-11-01"), 70)]);
    health.insert(id(2), vec![(day("2026-08-20"), 30)]);
    MetricsInput {
        period: Period::ending(day("2026-11-23"), 90),
        zone: TimeZone::UTC,
        relationships,
        exchanges: vec![
            exchange(101, 1, Received, ExchangeKind::Introduction, "2026-10-01"),
            exchange(102, 3, Received, ExchangeKind::Referral, "2026-10-01"),
            exchange(103, 5, Given, ExchangeKind::Referral, "2026-10-01"),
        ],
        ties: vec![
            tie(201, 1, 4, TieKind::IntroducedBy, "2026-11-01"),
            tie(202, 2, 2, TieKind::ReferredBy, "2026-01-01"),
            tie(203, 3, 5, TieKind::Knows, "2026-11-01"),
        ],
        deals: vec![
            deal(
                301,
                1,
                DealStage::Won,
                Some((100.0, "EUR")),
                Some("2026-09-15"),
            ),
            deal(302, 1, DealStage::Won, None, Some("2026-03-01")),
            deal(303, 4, DealStage::Won, None, Some("2026-10-10")),
            deal(304, 2, DealStage::Lost, None, Some("2026-10-10")),
            deal(305, 1, DealStage::Proposal, Some((1000.0, "EUR")), None),
            deal(306, 5, DealStage::Proposal, Some((500.0, "EUR")), None),
            deal(307, 4, DealStage::Lead, None, None),
            deal(308, 5, DealStage::Negotiation, Some((200.0, "USD")), None),
        ],
        feedback: vec![
            feedback(401, 1, FeedbackScale::Nps, 10, "2026-10-01"),
            feedback(402, 4, FeedbackScale::Nps, 9, "2026-10-01"),
            feedback(403, 5, FeedbackScale::Nps, 7, "2026-10-01"),
            feedback(404, 2, FeedbackScale::Nps, 3, "2026-09-01"),
            feedback(405, 1, FeedbackScale::Nps, 0, "2026-07-01"),
            feedback(406, 1, FeedbackScale::Csat, 5, "2026-10-01"),
            feedback(407, 5, FeedbackScale::Csat, 4, "2026-10-01"),
            feedback(408, 4, FeedbackScale::Csat, 2, "2026-10-01"),
        ],
        commitments: vec![
            promise(501, 1, OwedBy::Me, CommitmentStatus::Kept, "2026-09-01"),
            promise(502, 2, OwedBy::Me, CommitmentStatus::Broken, "2026-10-01"),
            promise(503, 1, OwedBy::Me, CommitmentStatus::Kept, "2026-07-01"),
            promise(504, 5, OwedBy::Me, CommitmentStatus::Kept, "2026-11-01"),
            promise(
                505,
                1,
                OwedBy::Me,
                CommitmentStatus::Cancelled,
                "2026-10-01",
            ),
            promise(506, 4, OwedBy::Them, CommitmentStatus::Broken, "2026-11-10"),
        ],
        conflicts: vec![
            conflict(601, 1, "2026-09-01T00:00:00Z", Some("2026-09-11T00:00:00Z")),
            conflict(602, 5, "2026-07-01T00:00:00Z", Some("2026-09-01T00:00:00Z")),
            conflict(603, 4, "2026-11-01", None),
            conflict(604, 2, "2026-10-01T00:00:00Z", Some("2026-10-04T12:00:00Z")),
        ],
        health,
    }
}

fn all() -> SegmentMetrics {
    let m = metrics(&fixture(), None);
    assert_eq!(m.segments.len(), 1);
    m.segments
        .into_iter()
        .next()
        .unwrap_or_else(|| unreachable!())
}

#[test]
fn period_is_the_days_after_from_up_to_to() {
    let p = Period::ending(day("2026-11-23"), 90);
    assert_eq!(p.from, day("2026-08-25"));
    assert!(!p.contains(day("2026-08-25")));
    assert!(p.contains(day("2026-08-26")));
    assert!(p.contains(day("2026-11-23")));
    assert!(!p.contains(day("2026-11-24")));
}

#[test]
fn retention_and_churn() {
    let m = all();
    // Active on the last day: 1 and 4 (5 is dormant, 2 and 6 ended).
    assert_eq!(m.active, 2);
    // At the start: 1, 2, 5 (3 ended before; 4 and 6 began later). Retained 1 and 5.
    let r = &m.retention;
    assert_eq!((r.at_start, r.retained, r.churned, r.new), (3, 2, 1, 2));
    assert_eq!(r.retention_percent, Some(66.7));
    assert_eq!(r.churn_percent, Some(33.3));
    // Ended in the period: 2 (price) and 6 (blank reason).
    let reasons: Vec<(&str, usize)> = r
        .end_reasons
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(reasons, vec![("price", 1), ("unspecified", 1)]);
}

#[test]
fn referral_rate() {
    // Existed in the period: 1, 2, 4, 5, 6. Referred: 1 (introduction received) and 4
    // (someone was introduced by them); 3's referral is outside the population, 5 only
    // received one from us, 2's tie is older than the period.
    let m = all();
    assert_eq!((m.referral.count, m.referral.of), (2, 5));
    assert_eq!(m.referral.percent, Some(40.0));
}

#[test]
fn repeat_business_and_pipeline() {
    let m = all();
    let b = &m.repeat_business;
    // Won in the period: 301 (subject 1) and 303 (subject 4); subject 1 also won 302 before.
    assert_eq!((b.deals_won, b.customers, b.repeat_customers), (2, 2, 1));
    assert_eq!(b.deals_per_customer, Some(1.0));
    type Stages = Vec<(DealStage, usize, Vec<(String, f64)>)>;
    let stages: Stages = m
        .pipeline
        .iter()
        .map(|s| (s.stage, s.deals, s.amounts.clone().into_iter().collect()))
        .collect();
    assert_eq!(
        stages,
        vec![
            (DealStage::Lead, 1, vec![]),
            (DealStage::Proposal, 2, vec![("EUR".into(), 1500.0)]),
            (DealStage::Negotiation, 1, vec![("USD".into(), 200.0)]),
        ]
    );
}

#[test]
fn nps_and_csat() {
    // NPS in the period: 10, 9, 7, 3 → 2 promoters, 1 passive, 1 detractor → 25.
    let s = all().satisfaction;
    assert_eq!(
        (s.nps_responses, s.promoters, s.passives, s.detractors),
        (4, 2, 1, 1)
    );
    assert_eq!(s.nps, Some(25.0));
    // CSAT 5, 4, 2: two of three satisfied, mean 11/3.
    assert_eq!(s.csat_responses, 3);
    assert_eq!(s.csat_percent, Some(66.7));
    assert_eq!(s.csat_mean, Some(3.7));
}

#[test]
fn average_health_and_change() {
    // End: 1 → 80, 5 → 40, 4 → 70 (2 ended): 63.33. Start: 1 → 60, 5 → 50, 2 → 30: 46.67.
    let h = all().health;
    assert_eq!(h.scored, 3);
    assert_eq!(h.average, Some(63.3));
    assert_eq!(h.average_at_start, Some(46.7));
    assert_eq!(h.change, Some(16.7));
}

#[test]
fn commitments_kept_both_ways() {
    // Mine closed in the period: kept 501 and 504, broken 502 (505 cancelled, 503 earlier).
    let c = all().commitments;
    assert_eq!(
        (c.mine.kept, c.mine.broken, c.mine.percent),
        (2, 1, Some(66.7))
    );
    assert_eq!(
        (c.theirs.kept, c.theirs.broken, c.theirs.percent),
        (0, 1, Some(0.0))
    );
}

#[test]
fn conflicts_opened_resolved_and_median() {
    // Opened in the period: 601, 603, 604. Resolved in it: 601 (10 days), 602 (62 days),
    // 604 (3.5 days): median 10.
    let c = all().conflicts;
    assert_eq!((c.opened, c.resolved), (3, 3));
    assert_eq!(c.median_days_to_resolve, Some(10.0));
}

#[test]
fn segments_by_kind() {
    let m = metrics(&fixture(), Some(SegmentBy::Kind));
    let names: Vec<&str> = m.segments.iter().map(|s| s.segment.as_str()).collect();
    assert_eq!(names, vec!["customer", "friend"]);
    let friend = &m.segments[1];
    assert_eq!(friend.active, 1);
    assert_eq!(friend.retention.at_start, 0);
    assert_eq!(friend.retention.retention_percent, None);
    assert_eq!(friend.retention.new, 1);
    assert_eq!((friend.referral.count, friend.referral.of), (1, 1));
    assert_eq!(friend.satisfaction.nps, Some(100.0));
    let customer = &m.segments[0];
    assert_eq!(customer.retention.at_start, 3);
    assert_eq!((customer.referral.count, customer.referral.of), (1, 4));
}

#[test]
fn empty_input_has_no_rates() {
    let mut input = fixture();
    input.relationships.clear();
    let s = metrics(&input, None).segments.remove(0);
    assert_eq!(s.active, 0);
    assert_eq!(s.retention.retention_percent, None);
    assert_eq!(s.satisfaction.nps, None);
    assert_eq!(s.health.average, None);
    assert!(s.pipeline.is_empty());
}

#[test]
fn nps_and_median_helpers() {
    assert_eq!(nps(&[]), None);
    assert_eq!(nps(&[10, 10, 0]), Some(33.3));
    assert_eq!(median(vec![]), None);
    assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), Some(2.5));
}

proptest::proptest! {
    /// NPS stays within −100..100 and equals the promoter share minus the detractor share.
    #[test]
    fn nps_is_bounded(scores in proptest::collection::vec(0u8..=10, 1..200)) {
        let n = nps(&scores).unwrap_or(f64::NAN);
        proptest::prop_assert!((-100.0..=100.0).contains(&n));
        let p = scores.iter().filter(|s| **s >= 9).count() as f64;
        let d = scores.iter().filter(|s| **s <= 6).count() as f64;
        proptest::prop_assert!((n - 100.0 * (p - d) / scores.len() as f64).abs() <= 0.050_001);
    }

    /// The median lies between the smallest and the largest value.
    #[test]
    fn median_is_within_range(xs in proptest::collection::vec(-1e6f64..1e6, 1..100)) {
        let m = median(xs.clone()).unwrap_or(f64::NAN);
        let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        proptest::prop_assert!(lo <= m && m <= hi);
    }
}
