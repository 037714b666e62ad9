use jiff::civil::date;
use proptest::prelude::*;

use super::*;

const TODAY: Date = date(2026, 11, 23);

fn ago(n: i64) -> Date {
    TODAY.checked_sub(jiff::Span::new().days(n)).unwrap()
}

fn id(n: u32) -> Id {
    let b = n.to_be_bytes();
    Id::v7(u64::from(n), [b[0], b[1], b[2], b[3], 0, 0, 0, 0, 0, 1])
}

fn subject(n: u32, name: &str) -> SubjectRef {
    SubjectRef {
        id: id(n),
        name: name.into(),
    }
}

fn relationship(n: u32, name: &str, importance: i64, cadence: Option<i64>) -> RelationshipFacts {
    RelationshipFacts {
        id: id(1000 + n),
        subject: subject(n, name),
        kind: RelationshipKind::Customer,
        importance: Importance::clamped(importance),
        cadence_days: cadence.map(CadenceDays::clamped),
        last_contact: None,
        started_on: None,
        health: None,
        falling: None,
        preferred_channel: Some(Channel::Call),
    }
}

fn commitment(n: u32, name: &str, owed_by: OwedBy, due_ago: i64) -> OpenCommitment {
    OpenCommitment {
        id: id(2000 + n),
        subject: subject(n, name),
        owed_by,
        text: "send the proposal".into(),
        due: Some(ago(due_ago)),
    }
}

fn item(n: u32, minutes: u32, score: f64) -> AgendaItem {
    AgendaItem {
        kind: ItemKind::Task,
        subject: None,
        action: format!("task {n}"),
        reason: String::new(),
        minutes,
        score,
        record_id: id(n),
    }
}

fn names(items: &[AgendaItem]) -> Vec<&str> {
    items
        .iter()
        .map(|i| i.subject.as_ref().map_or("", |s| s.name.as_str()))
        .collect()
}

#[test]
fn the_neglected_customer_ranks_above_the_well_tended_one() {
    let mut input = AgendaInput::new(TODAY);
    let mut tended = relationship(1, "Tended", 5, Some(14));
    tended.last_contact = Some(ago(3));
    tended.health = Some(99);
    let mut neglected = relationship(2, "Neglected", 5, Some(14));
    neglected.last_contact = Some(ago(75));
    neglected.health = Some(31);
    neglected.falling = Some(Falling {
        from: 70,
        to: 31,
        days: 28,
    });
    input.relationships = vec![tended, neglected];
    // The well-tended customer owes us something today: it is on the agenda, lower.
    input.commitments = vec![commitment(1, "Tended", OwedBy::Them, 0)];
    input.conflicts = vec![OpenConflict {
        id: id(3002),
        subject: subject(2, "Neglected"),
        severity: Severity::clamped(3),
        opened_on: ago(40),
    }];
    let items = rank(&input);
    assert_eq!(
        names(&items),
        vec!["Neglected", "Neglected", "Neglected", "Tended"]
    );
    assert_eq!(items[0].kind, ItemKind::AtRisk);
    assert_eq!(items[0].reason, "health fell from 70 to 31 in 28 days");
    let check_in = items.iter().find(|i| i.kind == ItemKind::CheckIn).unwrap();
    assert_eq!(check_in.action, "Call Neglected — check in");
    assert_eq!(
        check_in.reason,
        "last contact 75 days ago, cadence 14 days (importance 5)"
    );
    assert_eq!(check_in.minutes, 15);
    assert_eq!(check_in.record_id, id(1002));
    assert_eq!(
        items[3].reason, "their promise, due today",
        "the well-tended customer only appears for what they owe"
    );
}

#[test]
fn overdue_check_ins_rank_by_importance_and_lateness() {
    let mut input = AgendaInput::new(TODAY);
    for (n, name, importance, back) in [
        (1, "Recent", 5, 10),
        (2, "Late", 5, 30),
        (3, "Very late", 5, 140),
        (4, "Minor but very late", 1, 140),
        (5, "Moderate", 3, 30),
    ] {
        let mut r = relationship(n, name, importance, Some(14));
        r.last_contact = Some(ago(back));
        input.relationships.push(r);
    }
    let items = rank(&input);
    assert_eq!(
        names(&items),
        vec!["Very late", "Late", "Moderate", "Minor but very late"]
    );
    assert!(items.windows(2).all(|w| w[0].score >= w[1].score));
}

#[test]
fn a_missing_cadence_is_assumed_and_said() {
    let mut input = AgendaInput::new(TODAY);
    let mut r = relationship(1, "Grace", 3, None);
    r.kind = RelationshipKind::Friend;
    r.last_contact = Some(ago(40));
    r.preferred_channel = Some(Channel::Email);
    input.relationships.push(r);
    let mut new = relationship(2, "Hedy", 2, Some(30));
    new.started_on = Some(ago(45));
    new.preferred_channel = Some(Channel::Meeting);
    input.relationships.push(new);
    input
        .relationships
        .push(relationship(3, "Joan", 1, Some(30)));
    let items = rank(&input);
    let by_name = |n: &str| {
        items
            .iter()
            .find(|i| i.subject.as_ref().is_some_and(|s| s.name == n))
            .unwrap()
    };
    let grace = by_name("Grace");
    assert_eq!(grace.action, "Email Grace — check in");
    assert_eq!(grace.minutes, 5);
    assert_eq!(
        grace.reason,
        "last contact 40 days ago; no cadence set: 30 days assumed for a friend of importance 3"
    );
    let hedy = by_name("Hedy");
    assert_eq!(hedy.action, "Meet Hedy — check in");
    assert_eq!(hedy.minutes, 45);
    assert_eq!(
        hedy.reason,
        "no contact since the relationship started 45 days ago, cadence 30 days (importance 2)"
    );
    assert_eq!(
        by_name("Joan").reason,
        "no contact recorded yet, cadence 30 days (importance 1)"
    );
}

#[test]
fn my_promises_come_before_theirs() {
    let mut input = AgendaInput::new(TODAY);
    input.commitments = vec![
        commitment(1, "Them, long overdue", OwedBy::Them, 60),
        commitment(2, "Me, in three days", OwedBy::Me, -3),
        commitment(3, "Me, overdue", OwedBy::Me, 2),
        commitment(4, "Them, not yet due", OwedBy::Them, -1),
        commitment(5, "Me, next week", OwedBy::Me, -7),
    ];
    input.commitments.push(OpenCommitment {
        due: None,
        ..commitment(6, "Me, no date", OwedBy::Me, 0)
    });
    let items = rank(&input);
    assert_eq!(
        names(&items),
        vec!["Me, overdue", "Me, in three days", "Them, long overdue"]
    );
    let reasons: Vec<&str> = items.iter().map(|i| i.reason.as_str()).collect();
    assert_eq!(
        reasons,
        vec![
            "your promise, overdue by 2 days",
            "your promise, due in 3 days",
            "their promise, overdue by 60 days"
        ]
    );
    assert_eq!(
        items[0].action,
        "Keep your promise to Me, overdue: send the proposal"
    );
    assert_eq!(
        items[2].action,
        "Remind Them, long overdue of their promise: send the proposal"
    );
}

#[test]
fn dates_within_a_week_and_tasks_due() {
    let mut input = AgendaInput::new(TODAY);
    let date_fact = |n: u32, kind, label: Option<&str>, days_ahead: i64| UpcomingDate {
        id: id(4000 + n),
        subject: subject(n, "Ada"),
        kind,
        label: label.map(str::to_string),
        next: ago(-days_ahead),
    };
    input.dates = vec![
        date_fact(1, DateKind::Birthday, None, 0),
        date_fact(2, DateKind::Anniversary, None, 3),
        date_fact(3, DateKind::Custom, Some("company founding day"), 7),
        date_fact(4, DateKind::Birthday, None, 8),
    ];
    input.tasks = vec![
        DueTask {
            id: id(5001),
            subject: Some(subject(1, "Ada")),
            text: "Send the deck".into(),
            due: ago(4),
        },
        DueTask {
            id: id(5002),
            subject: None,
            text: "Clean up tags".into(),
            due: TODAY,
        },
        DueTask {
            id: id(5003),
            subject: None,
            text: "Later".into(),
            due: ago(-1),
        },
    ];
    let items = rank(&input);
    let shown: Vec<(&str, &str, u32)> = items
        .iter()
        .map(|i| (i.action.as_str(), i.reason.as_str(), i.minutes))
        .collect();
    assert_eq!(
        shown,
        vec![
            ("Wish Ada a happy birthday", "birthday today", 5),
            ("Send the deck (Ada)", "task overdue by 4 days", 15),
            ("Clean up tags", "task due today", 15),
            (
                "Mark Ada's anniversary",
                "anniversary in 3 days (2026-11-26)",
                5
            ),
            (
                "Remember Ada's company founding day",
                "company founding day in 7 days (2026-11-30)",
                5
            ),
        ]
    );
}

#[test]
fn json_shape() {
    let mut input = AgendaInput::new(TODAY);
    input.conflicts.push(OpenConflict {
        id: id(3001),
        subject: subject(1, "Ada"),
        severity: Severity::clamped(2),
        opened_on: ago(14),
    });
    let a = agenda(&input, Some(45), LeftOut::Listed);
    assert_eq!(
        serde_json::to_value(&a).unwrap(),
        serde_json::json!({
            "items": [{
                "kind": "conflict",
                "subject": {"id": id(1).as_str(), "name": "Ada"},
                "action": "Work on resolving the conflict with Ada",
                "reason": "severity 2 conflict, open for 14 days",
                "minutes": 30,
                "score": 14.0,
                "record_id": id(3001).as_str(),
            }],
            "left_out": 0,
        })
    );
    let a = agenda(&input, Some(20), LeftOut::Listed);
    let v = serde_json::to_value(&a).unwrap();
    assert_eq!(v["left_out"], 1);
    assert_eq!(v["items"], serde_json::json!([]));
    assert_eq!(v["left_out_items"][0]["kind"], "conflict");
}

#[test]
fn the_knapsack_beats_truncation() {
    // By score the 40-minute item comes first, and then nothing else fits in 45 minutes;
    // the two 20-minute items are worth more together.
    let a = fit_budget(
        vec![item(1, 40, 10.0), item(2, 20, 7.0), item(3, 20, 7.0)],
        45,
    );
    assert_eq!(a.items.iter().map(|i| i.minutes).sum::<u32>(), 40);
    assert_eq!(a.items.iter().map(|i| i.score).sum::<f64>(), 14.0);
    assert_eq!(a.left_out, 1);
    assert_eq!(a.left_out_items[0].record_id, id(1));
}

#[test]
fn items_below_the_considered_ones_fill_leftover_minutes() {
    let mut ranked: Vec<AgendaItem> = (0..CONSIDERED as u32).map(|n| item(n, 50, 10.0)).collect();
    ranked.push(item(9999, 5, 1.0));
    let a = fit_budget(ranked, 45);
    assert_eq!(a.items.len(), 1);
    assert_eq!(a.items[0].record_id, id(9999));
    assert_eq!(a.left_out, CONSIDERED);
}

#[test]
fn a_partly_ranked_list_is_ranked_further_for_leftover_minutes() {
    // The one item that fits ranks last, far below what is first put in order.
    let mut ranked: Vec<AgendaItem> = (0..1000).map(|n| item(n, 50, 10.0)).collect();
    ranked.insert(500, item(9999, 5, 1.0));
    let mut ranking = Ranking::with_step(ranked, 7);
    let chosen = choose(&mut ranking, 45);
    let picked: Vec<&Id> = ranking
        .items
        .iter()
        .zip(&chosen)
        .filter(|(_, c)| **c)
        .map(|(i, _)| &i.record_id)
        .collect();
    assert_eq!(picked, vec![&id(9999)]);
    assert_eq!(ranking.sorted, 1001);

    // When nothing left can fit, the rest is never put in order.
    let ranked: Vec<AgendaItem> = (0..1000).map(|n| item(n, 15, 10.0)).collect();
    let mut ranking = Ranking::with_step(ranked, 7);
    let chosen = choose(&mut ranking, 45);
    assert_eq!(chosen.iter().filter(|c| **c).count(), 3);
    assert_eq!(ranking.sorted, CONSIDERED);
}

#[test]
fn budgets() {
    for (text, minutes) in [
        ("45m", 45),
        ("90", 90),
        ("1h", 60),
        ("2h", 120),
        ("1h30m", 90),
        ("1h30", 90),
        (" 1h 30min ", 90),
        ("2 hours", 120),
        ("24h", 1440),
        ("1H", 60),
    ] {
        assert_eq!(parse_budget(text).ok(), Some(minutes), "{text}");
    }
    for bad in [
        "",
        "0",
        "0m",
        "45s",
        "h",
        "m",
        "25h",
        "1441",
        "30m1h",
        "1h1h",
        "1.5h",
        "-5m",
        "45 m x",
        "9999999999m",
        "１h",
    ] {
        assert!(parse_budget(bad).is_err(), "{bad}");
    }
    assert_eq!(
        parse_budget("45s").err().map(|e| e.to_string()),
        Some("budget: `45s` is not a time budget like 45m, 1h or 1h30m".into())
    );
    assert_eq!(
        parse_budget("25h").err().map(|e| e.to_string()),
        Some("budget: `25h` is more than 24 hours".into())
    );
}

fn greedy_value(ranked: &[AgendaItem], budget: u32) -> f64 {
    let mut sorted = ranked.to_vec();
    sorted.sort_by(rank_order);
    let (mut used, mut value) = (0u32, 0.0);
    for i in &sorted {
        if used + i.minutes > budget {
            break;
        }
        used += i.minutes;
        value += i.score;
    }
    value
}

prop_compose! {
    fn arb_input()(
        rels in proptest::collection::vec(
            (1i64..=5, proptest::option::of(1i64..120), proptest::option::of(-10i64..400),
             proptest::option::of(0u8..=100), proptest::option::of((0u8..=100, 0u8..=100, 0u32..60)),
             proptest::option::of(proptest::sample::select(Channel::ALL.to_vec()))),
            0..20),
        commitments in proptest::collection::vec((any::<bool>(), proptest::option::of(-30i64..60)), 0..10),
        conflicts in proptest::collection::vec((1i64..=3, -5i64..300), 0..5),
        dates in proptest::collection::vec((0usize..3, -20i64..20), 0..6),
        tasks in proptest::collection::vec(-30i64..30, 0..6),
    ) -> AgendaInput {
        let mut input = AgendaInput::new(TODAY);
        for (n, (importance, cadence, last, health, falling, channel)) in rels.into_iter().enumerate() {
            let mut r = relationship(n as u32, "R", importance, cadence);
            r.last_contact = last.map(ago);
            r.health = health;
            r.falling = falling.map(|(from, to, days)| Falling { from, to, days });
            r.preferred_channel = channel;
            input.relationships.push(r);
        }
        for (n, (mine, due)) in commitments.into_iter().enumerate() {
            let owed_by = if mine { OwedBy::Me } else { OwedBy::Them };
            input.commitments.push(OpenCommitment { due: due.map(ago), ..commitment(n as u32, "C", owed_by, 0) });
        }
        for (n, (severity, opened)) in conflicts.into_iter().enumerate() {
            input.conflicts.push(OpenConflict {
                id: id(n as u32), subject: subject(n as u32, "K"),
                severity: Severity::clamped(severity), opened_on: ago(opened),
            });
        }
        for (n, (kind, ahead)) in dates.into_iter().enumerate() {
            input.dates.push(UpcomingDate {
                id: id(n as u32), subject: subject(n as u32, "D"),
                kind: DateKind::ALL[kind % DateKind::ALL.len()], label: None, next: ago(-ahead),
            });
        }
        for (n, due) in tasks.into_iter().enumerate() {
            input.tasks.push(DueTask { id: id(n as u32), subject: None, text: "t".into(), due: ago(due) });
        }
        input
    }
}

proptest! {
    #[test]
    fn a_budget_is_never_exceeded_and_the_knapsack_beats_greedy(
        spec in proptest::collection::vec((0u32..120, 0.0f64..50.0), 0..600),
        budget in 0u32..300,
    ) {
        let ranked: Vec<AgendaItem> = spec
            .iter()
            .enumerate()
            .map(|(n, (m, s))| item(n as u32, *m, (*s * 10.0).round() / 10.0))
            .collect();
        let greedy = greedy_value(&ranked, budget);
        let a = fit_budget(ranked, budget);
        let used: u32 = a.items.iter().map(|i| i.minutes).sum();
        prop_assert!(used <= budget, "{} minutes in a budget of {}", used, budget);
        let value: f64 = a.items.iter().map(|i| i.score).sum();
        prop_assert!(value + 1e-9 >= greedy, "knapsack {} < greedy {}", value, greedy);
        prop_assert_eq!(a.items.len() + a.left_out, spec.len());
        prop_assert_eq!(a.left_out, a.left_out_items.len());
        prop_assert!(a.items.windows(2).all(|w| rank_order(&w[0], &w[1]).is_le()));
    }

    #[test]
    fn ranked_agendas_are_sorted_and_finite(input in arb_input(), budget in 1u32..=1440) {
        let items = rank(&input);
        prop_assert!(items.windows(2).all(|w| w[0].score >= w[1].score));
        for i in &items {
            prop_assert!(i.score.is_finite() && i.score >= 0.0, "{:?}", i);
            prop_assert!(i.minutes > 0);
        }
        let a = agenda(&input, Some(budget), LeftOut::Listed);
        prop_assert!(a.items.iter().map(|i| i.minutes).sum::<u32>() <= budget);
        prop_assert_eq!(a.items.len() + a.left_out, items.len());
    }

    #[test]
    fn writing_only_the_chosen_items_changes_nothing(input in arb_input(), budget in 1u32..=1440) {
        // The agenda writes items lazily; it must equal writing every item first.
        let listed = agenda(&input, Some(budget), LeftOut::Listed);
        prop_assert_eq!(&listed, &fit_budget(rank(&input), budget));
        let counted = agenda(&input, Some(budget), LeftOut::Counted);
        prop_assert_eq!(&counted.items, &listed.items);
        prop_assert_eq!(counted.left_out, listed.left_out);
        prop_assert!(counted.left_out_items.is_empty());
        let all = agenda(&input, None, LeftOut::Counted);
        prop_assert_eq!(all.items, rank(&input));
    }

    #[test]
    fn the_first_items_are_the_top_of_the_whole_ranked_agenda(input in arb_input(), n in 0usize..40) {
        let all = rank(&input);
        let first = agenda_first(&input, n);
        let shown = n.min(all.len());
        prop_assert_eq!(&first.items[..], &all[..shown]);
        prop_assert_eq!(first.left_out, all.len() - shown);
        prop_assert!(first.left_out_items.is_empty());
        for kind in [ItemKind::AtRisk, ItemKind::CheckIn, ItemKind::Commitment] {
            let of_kind: Vec<AgendaItem> = all.iter().filter(|i| i.kind == kind).take(n).cloned().collect();
            let (top, first_of_kind) = agenda_top(&input, n, kind, n);
            prop_assert_eq!(&top, &first);
            prop_assert_eq!(first_of_kind, of_kind);
        }
    }

    #[test]
    fn choosing_from_a_partly_ranked_list_changes_nothing(
        spec in proptest::collection::vec((1u32..90, 0u32..60), 0..1200),
        budget in 0u32..=1500,
        step in 1usize..60,
    ) {
        // Ranking only as far as choosing needs (from `step` items on) chooses what
        // ranking everything first does. Scores in whole points tie often, so the ties'
        // order (kind, name, record) counts too.
        let ranked: Vec<AgendaItem> = spec
            .iter()
            .enumerate()
            .map(|(n, (m, s))| item(n as u32, *m, f64::from(*s)))
            .collect();
        let full = fit_budget(ranked.clone(), budget);
        let mut ranking = Ranking::with_step(ranked, step);
        let chosen = choose(&mut ranking, budget);
        let items: Vec<AgendaItem> = ranking
            .items
            .iter()
            .zip(&chosen)
            .filter(|(_, c)| **c)
            .map(|(i, _)| i.clone())
            .collect();
        prop_assert_eq!(&items, &full.items);
        prop_assert_eq!(chosen.iter().filter(|c| !**c).count(), full.left_out);
        prop_assert!(ranking.items[..ranking.sorted].windows(2).all(|w| rank_order(&w[0], &w[1]).is_lt()));
    }

    #[test]
    fn budget_parsing_never_panics(s in "\\PC{0,24}") {
        if let Ok(m) = parse_budget(&s) {
            prop_assert!((1..=MAX_BUDGET).contains(&m));
        }
    }

    #[test]
    fn budgets_written_as_hours_and_minutes_parse(h in 0u32..=23, m in 0u32..=59) {
        let total = h * 60 + m;
        prop_assume!(total > 0);
        prop_assert_eq!(parse_budget(&format!("{h}h{m}m")).ok(), Some(total));
        prop_assert_eq!(parse_budget(&total.to_string()).ok(), Some(total));
    }
}

proptest! {
    /// Reading only the promises due by `promises_due_by` loses none the agenda shows.
    #[test]
    fn promises_shown_are_due_by_the_bound(
        due_ago in -40i64..40,
        mine in proptest::bool::ANY,
        today_ago in 0i64..800,
    ) {
        let today = ago(today_ago);
        let owed_by = if mine { OwedBy::Me } else { OwedBy::Them };
        let mut input = AgendaInput::new(today);
        let c = commitment(1, "C", owed_by, today_ago + due_ago);
        let due = c.due.unwrap();
        input.commitments.push(c);
        let shown = !rank(&input).is_empty();
        let by = promises_due_by(today);
        let bound = if mine { by.mine } else { by.theirs };
        prop_assert_eq!(shown, due <= bound, "due {} today {}", due, today);
        prop_assert!(by.theirs <= by.mine);
    }
}
