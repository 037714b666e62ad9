//! `App::calendar` on both engines: check-ins, commitments, tasks and yearly dates, with
//! UIDs that stay the same from one feed to the next.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rapport_app::import::ImportOptions;
use rapport_app::resolve::Accept;
use rapport_app::{Actor, App, Ctx, FixedClock};
use rapport_core::OwedBy;
use rapport_formats::ical;
use rapport_store::Store;
use rapport_testkit::Fresh;

fn check(db: &Fresh) {
    let now: jiff::Timestamp = "2026-11-23T09:00:00Z".parse().unwrap();
    let app = App::new(Store::open(db.url()).unwrap(), Box::new(FixedClock(now)));
    let ws = app.workspace("default").unwrap();
    let ctx = Ctx {
        ws: ws.meta.id,
        actor: Actor::local(),
    };
    let vcf = "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Ada Lovelace\r\nBDAY:--1210\r\nANNIVERSARY:18350708\r\nEND:VCARD\r\n";
    app.import(
        &ctx,
        &mut vcf.as_bytes(),
        &ImportOptions::default(),
        &mut |_| (),
    )
    .unwrap();
    let csv = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n\
               Grace,Hopper,https://www.linkedin.com/in/grace,,Navy,Admiral,01 Nov 2026\n";
    app.import(
        &ctx,
        &mut csv.as_bytes(),
        &ImportOptions::default(),
        &mut |_| (),
    )
    .unwrap();
    let grace = app.resolve(&ctx, "grace", Accept::Any).unwrap();
    let due = jiff::civil::date(2026, 11, 30);
    app.promise(&ctx, &grace, "Send the paper", OwedBy::Me, Some(due))
        .unwrap();
    app.add_task(&ctx, Some(&grace), "Book the hall", Some(due))
        .unwrap();

    let ics = app.calendar(&ctx).unwrap();
    for line in ics.split("\r\n") {
        assert!(line.len() <= 75, "{line:?}");
    }
    let cal = ical::parse(&ics).unwrap();
    let find = |prefix: &str| {
        cal.events
            .iter()
            .find(|e| e.summary.starts_with(prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` event in {ics}"))
    };
    let birthday = find("Birthday: Ada Lovelace");
    assert!(birthday.yearly);
    assert_eq!(birthday.date, jiff::civil::date(2026, 12, 10));
    let anniversary = find("Ada Lovelace: anniversary");
    assert!(anniversary.yearly);
    assert_eq!(anniversary.date, jiff::civil::date(1835, 7, 8));
    // Connected on 1 November, relationship of kind `other` at importance 3: the
    // derived cadence (60 days) puts the check-in on 31 December.
    let checkin = find("Check in with Grace Hopper");
    assert_eq!(checkin.date, jiff::civil::date(2026, 12, 31));
    assert!(!checkin.yearly);
    assert_eq!(find("Promised Grace Hopper: Send the paper").date, due);
    assert_eq!(find("Task: Book the hall").date, due);
    assert_eq!(cal.events.len(), 5, "{ics}");
    // A later feed: the same UIDs.
    let again = ical::parse(&app.calendar(&ctx).unwrap()).unwrap();
    let uids = |c: &ical::Calendar| {
        let mut u: Vec<String> = c.events.iter().map(|e| e.uid.clone()).collect();
        u.sort();
        u
    };
    assert_eq!(uids(&again), uids(&cal));
}

/// One trial per engine; the PostgreSQL ones are ignored (never passed) without a
/// server, unless `RAPPORT_REQUIRE_POSTGRES=1` makes them fail.
fn main() {
    let args = libtest_mimic::Arguments::from_args();
    libtest_mimic::run(&args, rapport_testkit::trials(&[("calendar_feed", check)])).exit();
}
