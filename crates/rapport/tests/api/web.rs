//! The web UI over HTTP: login, CSRF on every form, ids from forms checked against the
//! caller's workspace, user text escaped. (The browser tests drive the same pages.)

use rapport_testkit::{Body, Fresh};
use serde_json::json;

use crate::support::{Resp, Server, cli, user_token};

pub const ALL: &[Body] = &[
    ("web_login_pages_and_logout", web_login_pages_and_logout),
    (
        "web_forms_need_csrf_and_own_ids",
        web_forms_need_csrf_and_own_ids,
    ),
    ("web_escapes_user_text", web_escapes_user_text),
    ("web_stakeholder_projects", web_stakeholder_projects),
    (
        "web_dashboard_keeps_the_figures_of_a_large_workspace",
        web_dashboard_keeps_the_figures_of_a_large_workspace,
    ),
];

/// A logged-in browser: its session cookie and CSRF token.
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

fn hidden(html: &str, name: &str) -> String {
    let needle = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&needle)
        .unwrap_or_else(|| panic!("no {name} in page"))
        + needle.len();
    html[start..].split('"').next().unwrap().to_string()
}

fn set_cookie(r: &Resp, name: &str) -> String {
    r.headers
        .iter()
        .filter(|(k, _)| k == "set-cookie")
        .map(|(_, v)| v.split(';').next().unwrap().to_string())
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie in {:?}", r.headers))
}

pub fn login(s: &Server, workspace: &str, name: &str, password: &str) -> Session {
    let form = s.req("GET", "/login").send().expect(200);
    let pre = set_cookie(&form, "rapport_login");
    let token = hidden(&form.body, "csrf");
    let body = format!(
        "csrf={token}&name={name}&password={password}&workspace={workspace}&next=%2Fpeople"
    );
    let r = s
        .req("POST", "/login")
        .header("Cookie", &pre)
        .raw("application/x-www-form-urlencoded", body.as_bytes())
        .send()
        .expect(303);
    assert_eq!(r.header("location"), Some("/people"));
    let cookie = set_cookie(&r, "rapport_session");
    let page = s
        .req("GET", "/")
        .header("Cookie", &cookie)
        .send()
        .expect(200);
    let csrf = hidden(&page.body, "csrf");
    Session { cookie, csrf }
}

fn post(s: &Server, sess: &Session, path: &str, form: &str) -> Resp {
    s.req("POST", path)
        .header("Cookie", &sess.cookie)
        .raw("application/x-www-form-urlencoded", form.as_bytes())
        .send()
}

fn web_login_pages_and_logout(db: &Fresh) {
    user_token(db, "default", "alice", "admin");
    cli(db, &["demo", "--people", "30"], None);
    let s = Server::start(db);
    // Pages need a session.
    let r = s.req("GET", "/people").send().expect(303);
    assert!(r.header("location").unwrap().starts_with("/login?next="));
    // A login form without its token is refused; a wrong password shows the form again.
    s.req("POST", "/login")
        .raw(
            "application/x-www-form-urlencoded",
            b"name=alice&password=secret-pw",
        )
        .send()
        .expect(403);
    let form = s.req("GET", "/login").send().expect(200);
    let pre = set_cookie(&form, "rapport_login");
    let token = hidden(&form.body, "csrf");
    let bad = s
        .req("POST", "/login")
        .header("Cookie", &pre)
        .raw(
            "application/x-www-form-urlencoded",
            format!("csrf={token}&name=alice&password=nope").as_bytes(),
        )
        .send()
        .expect(401);
    assert!(bad.body.contains("wrong user name or password"));
    let sess = login(&s, "default", "alice", "secret-pw");
    for path in [
        "/",
        "/people",
        "/people?sort=health",
        "/people?band=at-risk",
        "/people?overdue=1&kind=customer",
        "/organizations",
        "/organizations?sort=health&tag=x",
        "/organizations?q=analytical",
        "/pipeline",
        "/settings",
        "/network",
        "/network?to=a",
        "/import",
        "/stakeholders",
        "/stakeholders?tag=vip",
    ] {
        let r = s.req("GET", path).header("Cookie", &sess.cookie).send();
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        assert!(r.body.contains("<main"), "{path}");
    }
    let people = s
        .req("GET", "/people")
        .header("Cookie", &sess.cookie)
        .send()
        .expect(200);
    let start = people.body.find("href=\"/people/").unwrap() + "href=\"".len();
    let href = people.body[start..].split('"').next().unwrap().to_string();
    let page = s
        .req("GET", &href)
        .header("Cookie", &sess.cookie)
        .send()
        .expect(200);
    assert!(page.body.contains("Health breakdown") || page.body.contains("Timeline"));
    // An owner nobody is filters everyone out; a malformed one is refused.
    let none = s
        .req("GET", "/people?owner=01890000-0000-7000-8000-000000000000")
        .header("Cookie", &sess.cookie)
        .send()
        .expect(200);
    assert!(none.body.contains("No one matches"));
    s.req("GET", "/people?owner=bob")
        .header("Cookie", &sess.cookie)
        .send()
        .expect(422);
    // Search narrows the list; the partial is only the table.
    let partial = s
        .req("GET", "/people?q=zzzzqqq&partial=1")
        .header("Cookie", &sess.cookie)
        .send()
        .expect(200);
    assert!(partial.body.contains("No one matches") && !partial.body.contains("<nav"));
    // Logout needs the token, then ends the session.
    post(&s, &sess, "/logout", "").expect(403);
    post(&s, &sess, "/logout", &format!("csrf={}", sess.csrf)).expect(303);
    s.req("GET", "/")
        .header("Cookie", &sess.cookie)
        .send()
        .expect(303);
}

fn web_forms_need_csrf_and_own_ids(db: &Fresh) {
    let a = user_token(db, "acme", "alice", "admin");
    user_token(db, "globex", "bob", "admin");
    let s = Server::start(db);
    // Alice's records, made through the API.
    let p = s
        .req("POST", "/api/v1/people")
        .token(&a)
        .json(&json!({"name": "Acme Contact"}))
        .send()
        .expect(201)
        .json();
    let pid = p["id"].as_str().unwrap().to_string();
    let rel = s
        .req("POST", "/api/v1/relationships")
        .token(&a)
        .json(&json!({"subject": {"kind": "person", "id": pid}, "kind": "customer"}))
        .send()
        .expect(201)
        .json();
    let c = s
        .req("POST", "/api/v1/commitments")
        .token(&a)
        .json(&json!({"relationship_id": rel["id"], "text": "Ship it"}))
        .send()
        .expect(201)
        .json();
    let cid = c["id"].as_str().unwrap().to_string();
    let d = s
        .req("POST", "/api/v1/deals")
        .token(&a)
        .json(&json!({"subject": {"kind": "person", "id": pid}, "title": "Big one"}))
        .send()
        .expect(201)
        .json();
    let did = d["id"].as_str().unwrap().to_string();

    let alice = login(&s, "acme", "alice", "secret-pw");
    let bob = login(&s, "globex", "bob", "secret-pw");
    // Every form without its CSRF token is refused, for the right user too.
    for (path, form) in [
        (
            "/log".to_string(),
            format!("subject={pid}&summary=hi&channel=call"),
        ),
        (format!("/commitments/{cid}/kept"), String::new()),
        (format!("/deals/{did}/stage"), "stage=won".to_string()),
        (format!("/people/{pid}/edit"), "name=Renamed".to_string()),
        (
            "/settings/users".to_string(),
            "name=eve&role=member".to_string(),
        ),
        ("/settings/tokens".to_string(), "label=x".to_string()),
        ("/settings/feed".to_string(), String::new()),
    ] {
        let r = post(&s, &alice, &path, &form);
        assert_eq!(r.status, 403, "{path} without CSRF: {}", r.body);
        let r = post(&s, &alice, &path, &format!("{form}&csrf=forged"));
        assert_eq!(r.status, 403, "{path} with a forged CSRF token");
    }
    // Bob, with his own valid token, cannot reach Alice's records by their ids.
    let t = &bob.csrf;
    post(
        &s,
        &bob,
        "/log",
        &format!("csrf={t}&subject={pid}&summary=spy&channel=call"),
    )
    .expect(404);
    post(
        &s,
        &bob,
        &format!("/commitments/{cid}/kept"),
        &format!("csrf={t}"),
    )
    .expect(404);
    post(
        &s,
        &bob,
        &format!("/deals/{did}/stage"),
        &format!("csrf={t}&stage=won"),
    )
    .expect(404);
    post(
        &s,
        &bob,
        &format!("/people/{pid}/edit"),
        &format!("csrf={t}&name=Hacked"),
    )
    .expect(404);
    s.req("GET", &format!("/people/{pid}"))
        .header("Cookie", &bob.cookie)
        .send()
        .expect(404);
    // Nothing changed.
    let c2 = s
        .req("GET", &format!("/api/v1/commitments/{cid}"))
        .token(&a)
        .send()
        .expect(200)
        .json();
    assert_eq!(c2["status"], "open");
    let d2 = s
        .req("GET", &format!("/api/v1/deals/{did}"))
        .token(&a)
        .send()
        .expect(200)
        .json();
    assert_eq!(d2["stage"], "lead");
    let p2 = s
        .req("GET", &format!("/api/v1/people/{pid}"))
        .token(&a)
        .send()
        .expect(200)
        .json();
    assert_eq!(p2["name"], "Acme Contact");
    // With her token, Alice's forms work.
    let t = &alice.csrf;
    post(
        &s,
        &alice,
        &format!("/commitments/{cid}/kept"),
        &format!("csrf={t}&back=%2F"),
    )
    .expect(303);
    post(
        &s,
        &alice,
        &format!("/deals/{did}/stage"),
        &format!("csrf={t}&stage=won"),
    )
    .expect(303);
    post(
        &s,
        &alice,
        "/log",
        &format!("csrf={t}&subject={pid}&summary=Coffee&channel=meeting&back=%2Fpeople%2F{pid}"),
    )
    .expect(303);
    let c3 = s
        .req("GET", &format!("/api/v1/commitments/{cid}"))
        .token(&a)
        .send()
        .expect(200)
        .json();
    assert_eq!(c3["status"], "kept");
    let d3 = s
        .req("GET", &format!("/api/v1/deals/{did}"))
        .token(&a)
        .send()
        .expect(200)
        .json();
    assert_eq!(d3["stage"], "won");
    // Relationship settings: a bad importance is named; a good edit is saved.
    let rid = rel["id"].as_str().unwrap();
    let r = post(
        &s,
        &alice,
        &format!("/relationships/{rid}/edit"),
        &format!(
            "csrf={t}&stage=relational&importance=9&cadence=30d&status=active&visibility=workspace"
        ),
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("field-error"), "{}", r.body);
    post(
        &s,
        &alice,
        &format!("/relationships/{rid}/edit"),
        &format!("csrf={t}&stage=integrative&importance=4&cadence=30d&status=active&visibility=workspace&goals=Renew+in+spring"),
    )
    .expect(303);
    let r2 = s
        .req("GET", &format!("/api/v1/relationships/{rid}"))
        .token(&a)
        .send()
        .expect(200)
        .json();
    assert_eq!(r2["importance"], 4);
    assert_eq!(r2["cadence_days"], 30);
    assert_eq!(r2["stage"], "integrative");
    assert_eq!(r2["goals"], "Renew in spring");
    post(
        &s,
        &bob,
        &format!("/relationships/{rid}/edit"),
        &format!("csrf={}&importance=1", bob.csrf),
    )
    .expect(404);
    post(
        &s,
        &alice,
        &format!("/relationships/{rid}/edit"),
        "importance=1",
    )
    .expect(403);
    // An invalid edit comes back with the message next to the field.
    let r = post(
        &s,
        &alice,
        &format!("/people/{pid}/edit"),
        &format!("csrf={t}&name=&emails=not-an-email"),
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("field-error"), "{}", r.body);
    assert!(r.body.contains("aria-invalid=\"true\""));
}

fn web_escapes_user_text(db: &Fresh) {
    let a = user_token(db, "default", "alice", "admin");
    let s = Server::start(db);
    let evil = "<script>alert('x')</script>";
    let p = s
        .req("POST", "/api/v1/people")
        .token(&a)
        .json(&json!({"name": evil, "tags": ["x"], "how_we_met": "<img src=x onerror=alert(1)>"}))
        .send()
        .expect(201)
        .json();
    let pid = p["id"].as_str().unwrap();
    s.req("POST", "/api/v1/relationships").token(&a)
        .json(&json!({"subject": {"kind": "person", "id": pid}, "kind": "friend", "goals": "</table><b>bold</b>"})).send().expect(201);
    let sess = login(&s, "default", "alice", "secret-pw");
    for path in [
        "/people".to_string(),
        format!("/people/{pid}"),
        "/".to_string(),
    ] {
        let r = s
            .req("GET", &path)
            .header("Cookie", &sess.cookie)
            .send()
            .expect(200);
        assert!(!r.body.contains("<script>alert"), "{path} printed a script");
        assert!(!r.body.contains("<img src=x"), "{path} printed markup");
        assert!(!r.body.contains("<b>bold</b>"), "{path} printed markup");
        assert!(
            r.body.contains("&lt;script&gt;") || r.body.contains("&#60;script&#62;") || path == "/",
            "{path}"
        );
    }
}

/// `/stakeholders` lists the projects that have people placed, by tag and by deal; a
/// deal's map is shown and edited by its id, which must be of the caller's workspace.
fn web_stakeholder_projects(db: &Fresh) {
    let a = user_token(db, "acme", "alice", "admin");
    let b = user_token(db, "globex", "bob", "admin");
    let s = Server::start(db);
    // A record made through the API, by its id.
    let create = |token: &str, path: &str, body: serde_json::Value| {
        let made = s
            .req("POST", path)
            .token(token)
            .json(&body)
            .send()
            .expect(201);
        made.json()["id"].as_str().unwrap().to_string()
    };
    let ada = create(&a, "/api/v1/people", json!({"name": "Ada Able"}));
    let bea = create(&a, "/api/v1/people", json!({"name": "Bea Bold"}));
    let did = create(
        &a,
        "/api/v1/deals",
        json!({"subject": {"kind": "person", "id": ada}, "title": "Big one"}),
    );
    let alice = login(&s, "acme", "alice", "secret-pw");
    let page = |sess: &Session, path: &str| {
        s.req("GET", path)
            .header("Cookie", &sess.cookie)
            .send()
            .expect(200)
            .body
    };
    assert!(page(&alice, "/stakeholders").contains("No one is placed in a project yet"));

    // Placed on a tag, then on the deal from the deal's own page.
    let t = &alice.csrf;
    let r = post(
        &s,
        &alice,
        "/stakeholders",
        &format!("csrf={t}&tag=launch&person={ada}&power=5&interest=4&attitude=1"),
    )
    .expect(303);
    assert_eq!(
        r.header("location"),
        Some("/stakeholders?tag=launch&done=Saved")
    );
    let deal_page = page(&alice, &format!("/stakeholders?deal={did}"));
    assert_eq!(hidden(&deal_page, "deal"), did);
    assert!(
        deal_page.contains("Power × interest: Big one"),
        "{deal_page}"
    );
    let r = post(
        &s,
        &alice,
        "/stakeholders",
        &format!("csrf={t}&deal={did}&person=bea&power=2&interest=5&attitude=0"),
    )
    .expect(303);
    assert_eq!(
        r.header("location"),
        Some(format!("/stakeholders?deal={did}&done=Saved").as_str())
    );
    let deal_page = page(&alice, &format!("/stakeholders?deal={did}&done=Saved"));
    assert!(deal_page.contains(&format!("href=\"/people/{bea}\">Bea Bold")));
    assert!(deal_page.contains(&format!(
        "href=\"/stakeholders?deal={did}\" aria-current=\"page\""
    )));

    // The list: each project once, with its count and a link to its map.
    let list = page(&alice, "/stakeholders");
    assert!(
        list.contains(
            "href=\"/stakeholders?tag=launch\">#launch</a> <span class=\"muted\">1 person"
        )
    );
    assert!(list.contains(&format!(
        "href=\"/stakeholders?deal={did}\">Big one</a> <span class=\"muted\">1 person"
    )));
    assert!(
        list.find("#launch") < list.find("Big one"),
        "tags come first"
    );

    // Bob cannot place anyone on Alice's deal, nor see it among his projects.
    let bob = login(&s, "globex", "bob", "secret-pw");
    let his = create(&b, "/api/v1/people", json!({"name": "Bob's Contact"}));
    let r = post(
        &s,
        &bob,
        "/stakeholders",
        &format!(
            "csrf={}&deal={did}&person={his}&power=2&interest=2&attitude=0",
            bob.csrf
        ),
    );
    assert_eq!(r.status, 404, "{}", r.body);
    assert!(!page(&bob, "/stakeholders").contains("Big one"));
    let m = s
        .req("GET", &format!("/api/v1/stakeholders?deal={did}"))
        .token(&a)
        .send()
        .expect(200)
        .json();
    let placed: usize = m["quadrants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["people"].as_array().unwrap().len())
        .sum();
    assert_eq!(placed, 1, "only Bea is on the deal: {m}");
}

/// The relationships counted on a dashboard page.
fn dashboard_count(page: &str) -> usize {
    let start = page.find("<p><strong>").expect("no count on the dashboard") + "<p><strong>".len();
    page[start..]
        .split('<')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in {page}"))
}

fn web_dashboard_keeps_the_figures_of_a_large_workspace(db: &Fresh) {
    let a = user_token(db, "default", "alice", "admin");
    // "Large" from 2 relationships on, and kept figures are refreshed on any later view.
    let s = Server::start_with(
        db,
        &[
            "--dashboard-live-up-to",
            "1",
            "--dashboard-refresh-secs",
            "0",
        ],
    );
    let relationship = |name: &str| {
        let p = s
            .req("POST", "/api/v1/people")
            .token(&a)
            .json(&json!({"name": name}))
            .send()
            .expect(201)
            .json();
        s.req("POST", "/api/v1/relationships")
            .token(&a)
            .json(&json!({"subject": {"kind": "person", "id": p["id"]}, "kind": "friend"}))
            .send()
            .expect(201);
    };
    relationship("Ada Able");
    let alice = login(&s, "default", "alice", "secret-pw");
    let view = |s: &Server| {
        s.req("GET", "/")
            .header("Cookie", &alice.cookie)
            .send()
            .expect(200)
            .body
    };
    let page = || view(&s);
    // Small: computed on every view, the first one included.
    let first = page();
    assert_eq!(dashboard_count(&first), 1, "{first}");
    relationship("Bea Bold");
    let second = page();
    assert_eq!(dashboard_count(&second), 2, "{second}");
    assert!(!second.contains("as of"), "{second}");
    assert!(!second.contains("being computed"), "{second}");
    // Large now: the figures of the last view are shown with their time, and this view
    // starts bringing them up to date for the next ones.
    relationship("Cy Clear");
    let kept = page();
    assert_eq!(dashboard_count(&kept), 2, "{kept}");
    assert!(kept.contains("Health and figures as of "), "{kept}");
    // The agenda itself is read live: the new relationship is due for a check-in.
    assert!(kept.contains("Cy Clear"), "{kept}");
    rapport_testkit::eventually("the kept figures brought up to date", || {
        let now = page();
        dashboard_count(&now) == 3 && now.contains("Health and figures as of ")
    });
    // A new server has none kept: on a large workspace its first view does not wait
    // for them. It shows the agenda and says they are being computed, and a later view
    // shows them.
    drop(s);
    let s = Server::start_with(db, &["--dashboard-live-up-to", "1"]);
    let first = view(&s);
    assert!(
        first.contains("being computed in the background"),
        "{first}"
    );
    assert!(!first.contains("<p><strong>"), "{first}");
    assert!(!first.contains("No relationship is at risk"), "{first}");
    assert!(first.contains("Cy Clear"), "{first}");
    rapport_testkit::eventually("the first figures computed in the background", || {
        let now = view(&s);
        now.contains("<p><strong>") && dashboard_count(&now) == 3
    });
}
