//! Records over the API: create, read, patch with versions, trash, lists, bad input.

use rapport_testkit::{Body, Fresh};
use serde_json::{Value, json};

use crate::support::{Server, user_token};

pub const ALL: &[Body] = &[
    (
        "crud_with_etags_and_stale_if_match",
        crud_with_etags_and_stale_if_match,
    ),
    (
        "bad_input_is_4xx_problem_json",
        bad_input_is_4xx_problem_json,
    ),
    (
        "pagination_visits_every_record_once_under_inserts",
        pagination_visits_every_record_once_under_inserts,
    ),
    (
        "relationship_records_agenda_health_search",
        relationship_records_agenda_health_search,
    ),
    (
        "openapi_documents_every_served_route",
        openapi_documents_every_served_route,
    ),
    ("two_instances_share_state", two_instances_share_state),
    ("stops_cleanly_on_sigterm", stops_cleanly_on_sigterm),
];

fn person(s: &Server, t: &str, name: &str) -> Value {
    s.req("POST", "/api/v1/people")
        .token(t)
        .json(&json!({"name": name}))
        .send()
        .expect(201)
        .json()
}

fn crud_with_etags_and_stale_if_match(db: &Fresh) {
    let t = user_token(db, "default", "alice", "admin");
    let s = Server::start(db);
    let created = s
        .req("POST", "/api/v1/people")
        .token(&t)
        .json(&json!({"name": "Ada Lovelace", "emails": [{"value": "ada@example.com"}], "tags": ["vip"]}))
        .send()
        .expect(201);
    assert_eq!(created.header("etag"), Some("\"1\""));
    let id = created.json()["id"].as_str().unwrap().to_string();
    assert_eq!(
        created.header("location"),
        Some(format!("/api/v1/people/{id}").as_str())
    );

    let read = s
        .req("GET", &format!("/api/v1/people/{id}"))
        .token(&t)
        .send()
        .expect(200);
    assert_eq!(read.json()["name"], "Ada Lovelace");

    let patched = s
        .req("PATCH", &format!("/api/v1/people/{id}"))
        .token(&t)
        .header("If-Match", "\"1\"")
        .json(&json!({"nickname": "Ada", "tags": ["vip", "math"]}))
        .send()
        .expect(200);
    assert_eq!(patched.header("etag"), Some("\"2\""));
    assert_eq!(patched.json()["nickname"], "Ada");

    // A stale If-Match is refused and changes nothing.
    s.req("PATCH", &format!("/api/v1/people/{id}"))
        .token(&t)
        .header("If-Match", "\"1\"")
        .json(&json!({"name": "Lost update"}))
        .send()
        .problem(412);
    s.req("DELETE", &format!("/api/v1/people/{id}"))
        .token(&t)
        .header("If-Match", "\"1\"")
        .send()
        .problem(412);
    let now = s
        .req("GET", &format!("/api/v1/people/{id}"))
        .token(&t)
        .send()
        .expect(200)
        .json();
    assert_eq!(now["name"], "Ada Lovelace");
    assert_eq!(now["version"], 2);

    // Merge patch: null removes a field.
    let p = s
        .req("PATCH", &format!("/api/v1/people/{id}"))
        .token(&t)
        .json(&json!({"nickname": null}))
        .send()
        .expect(200)
        .json();
    assert!(p.get("nickname").is_none());

    // Trash and restore.
    let trashed = s
        .req("DELETE", &format!("/api/v1/people/{id}"))
        .token(&t)
        .header("If-Match", "\"3\"")
        .send()
        .expect(200)
        .json();
    assert!(trashed["deleted_at"].is_string());
    let live = s
        .req("GET", "/api/v1/people")
        .token(&t)
        .send()
        .expect(200)
        .json();
    assert_eq!(live["items"].as_array().unwrap().len(), 0);
    let trash = s
        .req("GET", "/api/v1/people?trashed=true")
        .token(&t)
        .send()
        .expect(200)
        .json();
    assert_eq!(trash["items"][0]["id"], id.as_str());
    s.req("POST", &format!("/api/v1/people/{id}/restore"))
        .token(&t)
        .send()
        .expect(200);
    let live = s
        .req("GET", "/api/v1/people?tag=math")
        .token(&t)
        .send()
        .expect(200)
        .json();
    assert_eq!(live["items"][0]["id"], id.as_str());
}

fn bad_input_is_4xx_problem_json(db: &Fresh) {
    let t = user_token(db, "default", "alice", "admin");
    let s = Server::start(db);
    let malformed = s
        .req("POST", "/api/v1/people")
        .token(&t)
        .raw("application/json", b"{\"name\": ")
        .send()
        .problem(400);
    assert!(malformed["detail"].as_str().unwrap().contains("line 1"));
    let wrong_type = s
        .req("POST", "/api/v1/people")
        .token(&t)
        .json(&json!({"name": 42}))
        .send()
        .problem(422);
    assert_eq!(wrong_type["errors"][0]["field"], "name");
    let unknown = s
        .req("POST", "/api/v1/people")
        .token(&t)
        .json(&json!({"name": "A", "favourite_colour": "blue", "id": "x"}))
        .send()
        .problem(422);
    let fields: Vec<&str> = unknown["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"favourite_colour") && fields.contains(&"id"),
        "{fields:?}"
    );
    let invalid = s
        .req("POST", "/api/v1/people")
        .token(&t)
        .json(&json!({"name": " ", "emails": [{"value": "not-an-email"}]}))
        .send()
        .problem(422);
    let fields: Vec<&str> = invalid["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["name", "emails[0]"]);
    let nested = s
        .req("POST", "/api/v1/commitments")
        .token(&t)
        .json(&json!({"relationship_id": "not-a-uuid", "text": "x"}))
        .send()
        .problem(422);
    assert_eq!(nested["errors"][0]["field"], "relationship_id");
    // A reference to nothing is refused, naming the field.
    s.req("POST", "/api/v1/commitments")
        .token(&t)
        .json(&json!({"relationship_id": "01890000-0000-7000-8000-000000000000", "text": "x"}))
        .send()
        .problem(422);
    s.req("POST", "/api/v1/feedback")
        .token(&t)
        .json(&json!({"relationship_id": "01890000-0000-7000-8000-000000000000", "score": 11}))
        .send()
        .problem(422);
    s.req("POST", "/api/v1/people")
        .token(&t)
        .raw("text/plain", b"name=A")
        .send()
        .problem(415);
    let big = format!("{{\"name\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let r = s
        .req("POST", "/api/v1/people")
        .token(&t)
        .raw("application/json", big.as_bytes())
        .send();
    assert_eq!(r.status, 413, "{}", r.body);
    s.req("POST", "/api/v1/people")
        .token(&t)
        .json(&json!(["a list"]))
        .send()
        .problem(422);
    s.req("GET", "/api/v1/people/not-an-id")
        .token(&t)
        .send()
        .problem(404);
    s.req("GET", "/api/v1/people/01890000-0000-7000-8000-000000000000")
        .token(&t)
        .send()
        .problem(404);
    s.req("GET", "/api/v1/people?limit=0")
        .token(&t)
        .send()
        .problem(422);
    s.req("GET", "/api/v1/people?limit=9999")
        .token(&t)
        .send()
        .problem(422);
    s.req("GET", "/api/v1/people?cursor=garbage!")
        .token(&t)
        .send()
        .problem(422);
    s.req("GET", "/api/v1/people?kind=customer")
        .token(&t)
        .send()
        .problem(422);
    s.req("GET", "/api/v1/people?updated_since=yesterday")
        .token(&t)
        .send()
        .problem(422);
    s.req("GET", "/api/v1/people?bogus=1")
        .token(&t)
        .send()
        .problem(422);
    s.req("GET", "/api/v1/search").token(&t).send().problem(422);
    s.req("GET", "/api/v1/agenda?budget=forever")
        .token(&t)
        .send()
        .problem(422);
    s.req("GET", "/api/v1/agenda?limit=many")
        .token(&t)
        .send()
        .problem(422);
    s.req("GET", "/api/v1/agenda?limit=3&budget=1h")
        .token(&t)
        .send()
        .problem(422);
    s.req("GET", "/api/v1/nothing-here")
        .token(&t)
        .send()
        .problem(404);
    s.req("PUT", "/api/v1/people").token(&t).send().problem(405);
}

fn pagination_visits_every_record_once_under_inserts(db: &Fresh) {
    let t = user_token(db, "default", "alice", "admin");
    let s = Server::start(db);
    let mut originals = Vec::new();
    for i in 0..23 {
        originals.push(
            person(&s, &t, &format!("Person {i:02}"))["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let mut seen: Vec<String> = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/people?limit=5&cursor={c}"),
            None => "/api/v1/people?limit=5".to_string(),
        };
        let page = s.req("GET", &path).token(&t).send().expect(200).json();
        for it in page["items"].as_array().unwrap() {
            seen.push(it["id"].as_str().unwrap().to_string());
        }
        pages += 1;
        // Someone else keeps adding people while we page.
        person(&s, &t, &format!("Newcomer {pages}"));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
        assert!(pages < 50, "pagination does not end");
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "a record was visited twice");
    for id in &originals {
        assert_eq!(
            seen.iter().filter(|s| *s == id).count(),
            1,
            "{id} not visited once"
        );
    }
}

fn relationship_records_agenda_health_search(db: &Fresh) {
    let t = user_token(db, "default", "alice", "admin");
    let s = Server::start(db);
    let p = person(&s, &t, "Charles Babbage");
    let pid = p["id"].as_str().unwrap();
    let rel = s
        .req("POST", "/api/v1/relationships")
        .token(&t)
        .json(&json!({"subject": {"kind": "person", "id": pid}, "kind": "customer", "importance": 5, "cadence_days": 14}))
        .send()
        .expect(201)
        .json();
    let rid = rel["id"].as_str().unwrap();
    assert_eq!(rel["status"], "active");
    s.req("POST", "/api/v1/interactions")
        .token(&t)
        .json(&json!({"participants": [pid], "channel": "call", "summary": "Kick-off", "at": "2026-01-05T10:00:00Z", "sentiment": 1}))
        .send()
        .expect(201);
    let c = s
        .req("POST", "/api/v1/commitments")
        .token(&t)
        .json(&json!({"relationship_id": rid, "text": "Send the proposal", "due": "2026-01-10"}))
        .send()
        .expect(201)
        .json();
    assert_eq!(c["owed_by"], "me");
    for (path, body) in [
        (
            "exchanges",
            json!({"relationship_id": rid, "direction": "given", "note": "Intro to Ada"}),
        ),
        (
            "conflicts",
            json!({"relationship_id": rid, "description": "Late invoice", "severity": 3}),
        ),
        ("feedback", json!({"relationship_id": rid, "score": 9})),
        (
            "goals",
            json!({"relationship_id": rid, "text": "Pilot live"}),
        ),
        (
            "tasks",
            json!({"text": "Call back", "link": {"kind": "person", "id": pid}}),
        ),
        (
            "dates",
            json!({"person_id": pid, "kind": "birthday", "date": "12-26"}),
        ),
        (
            "deals",
            json!({"subject": {"kind": "person", "id": pid}, "title": "Engine", "amount": 1000.0, "currency": "GBP"}),
        ),
        (
            "notes",
            json!({"link": {"kind": "person", "id": pid}, "body": "Likes difference engines"}),
        ),
        ("organizations", json!({"name": "Analytical Society"})),
    ] {
        let r = s
            .req("POST", &format!("/api/v1/{path}"))
            .token(&t)
            .json(&body)
            .send();
        assert_eq!(r.status, 201, "{path}: {}", r.body);
    }
    let other = person(&s, &t, "Ada Lovelace");
    s.req("POST", "/api/v1/ties")
        .token(&t)
        .json(&json!({"from_person_id": pid, "to_person_id": other["id"], "strength": 4}))
        .send()
        .expect(201);
    let customers = s
        .req("GET", "/api/v1/relationships?kind=customer")
        .token(&t)
        .send()
        .expect(200)
        .json();
    assert_eq!(customers["items"].as_array().unwrap().len(), 1);
    let me = s
        .req("GET", "/api/v1/me")
        .token(&t)
        .send()
        .expect(200)
        .json();
    let mine = s
        .req(
            "GET",
            &format!("/api/v1/relationships?owner={}", me["id"].as_str().unwrap()),
        )
        .token(&t)
        .send()
        .expect(200)
        .json();
    assert_eq!(mine["items"][0]["id"], rid);
    let nobody = s
        .req(
            "GET",
            "/api/v1/relationships?owner=01890000-0000-7000-8000-000000000000",
        )
        .token(&t)
        .send()
        .expect(200)
        .json();
    assert!(nobody["items"].as_array().unwrap().is_empty());
    let future = s
        .req("GET", "/api/v1/people?updated_since=2999-01-01T00:00:00Z")
        .token(&t)
        .send()
        .expect(200)
        .json();
    assert!(future["items"].as_array().unwrap().is_empty());
    let past = s
        .req("GET", "/api/v1/people?updated_since=2000-01-01T00:00:00Z")
        .token(&t)
        .send()
        .expect(200)
        .json();
    assert_eq!(past["items"].as_array().unwrap().len(), 2);
    let health = s
        .req("GET", &format!("/api/v1/relationships/{rid}/health"))
        .token(&t)
        .send()
        .expect(200)
        .json();
    assert!(health["score"].is_number(), "{health}");
    assert!(
        health["components"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"].is_string() && c["reason"].is_string())
    );
    let agenda = s
        .req("GET", "/api/v1/agenda?budget=2h")
        .token(&t)
        .send()
        .expect(200)
        .json();
    let items = agenda["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .any(|i| i["subject"]["name"] == "Charles Babbage"),
        "{agenda}"
    );
    // The top of the whole agenda, and how many more are due.
    let all = s
        .req("GET", "/api/v1/agenda")
        .token(&t)
        .send()
        .expect(200)
        .json();
    let all = all["items"].as_array().unwrap().clone();
    assert!(!all.is_empty());
    for n in [0, 1, all.len() + 1] {
        let top = s
            .req("GET", &format!("/api/v1/agenda?limit={n}"))
            .token(&t)
            .send()
            .expect(200)
            .json();
        let shown = n.min(all.len());
        assert_eq!(top["items"].as_array().unwrap()[..], all[..shown], "{top}");
        assert_eq!(top["left_out"], all.len() - shown, "{top}");
    }
    let found = s
        .req("GET", "/api/v1/search?q=babage")
        .token(&t)
        .send()
        .expect(200)
        .json();
    assert_eq!(found["items"][0]["name"], "Charles Babbage");
    let filtered = s
        .req("GET", "/api/v1/people?q=lovelace")
        .token(&t)
        .send()
        .expect(200)
        .json();
    assert_eq!(filtered["items"].as_array().unwrap().len(), 1);
    assert_eq!(filtered["items"][0]["name"], "Ada Lovelace");
}

fn openapi_documents_every_served_route(db: &Fresh) {
    let t = user_token(db, "default", "alice", "admin");
    let s = Server::start(db);
    let doc = s.req("GET", "/api/openapi.json").send().expect(200).json();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for resource in [
        "people",
        "organizations",
        "relationships",
        "interactions",
        "commitments",
        "exchanges",
        "conflicts",
        "feedback",
        "goals",
        "tasks",
        "dates",
        "ties",
        "deals",
        "notes",
    ] {
        let base = format!("/api/v1/{resource}");
        assert!(
            paths[&base]["get"].is_object() && paths[&base]["post"].is_object(),
            "{base}"
        );
        let item = format!("{base}/{{id}}");
        for m in ["get", "patch", "delete"] {
            assert!(
                paths[&item][m]["responses"]["404"].is_object(),
                "{m} {item}"
            );
        }
    }
    for p in [
        "/api/v1/agenda",
        "/api/v1/search",
        "/api/v1/relationships/{id}/health",
        "/api/v1/audit",
        "/healthz",
    ] {
        assert!(paths.contains_key(p), "{p} missing");
    }
    // Every documented route is served: none answers "no such route" or 405.
    let unknown_id = "01890000-0000-7000-8000-000000000000";
    for (path, ops) in paths {
        for method in ops.as_object().unwrap().keys() {
            let concrete = path.replace("{id}", unknown_id);
            let r = s
                .req(&method.to_ascii_uppercase(), &concrete)
                .token(&t)
                .json(&json!({}))
                .send();
            assert_ne!(r.status, 405, "{method} {path}");
            assert!(
                !(r.status == 404 && r.body.contains("no such route")),
                "{method} {path} is documented but not served"
            );
            assert!(r.status < 500, "{method} {path}: {}", r.body);
        }
    }
    // And an undocumented route is not served.
    let r = s.req("GET", "/api/v1/secret").token(&t).send();
    assert!(r.body.contains("no such route"));
}

fn two_instances_share_state(db: &Fresh) {
    let t = user_token(db, "default", "alice", "admin");
    let a = Server::start(db);
    let b = Server::start(db);
    assert_ne!(a.pid(), b.pid());
    let p = person(&a, &t, "Grace Hopper");
    let id = p["id"].as_str().unwrap();
    // Written through one, read through the other.
    let seen = b
        .req("GET", &format!("/api/v1/people/{id}"))
        .token(&t)
        .send()
        .expect(200)
        .json();
    assert_eq!(seen["name"], "Grace Hopper");
    // Two editors both saw version 1: the second edit, on the other instance, is refused.
    a.req("PATCH", &format!("/api/v1/people/{id}"))
        .token(&t)
        .header("If-Match", "\"1\"")
        .json(&json!({"nickname": "Amazing Grace"}))
        .send()
        .expect(200);
    b.req("PATCH", &format!("/api/v1/people/{id}"))
        .token(&t)
        .header("If-Match", "\"1\"")
        .json(&json!({"nickname": "Lost"}))
        .send()
        .problem(412);
    let now = a
        .req("GET", &format!("/api/v1/people/{id}"))
        .token(&t)
        .send()
        .expect(200)
        .json();
    assert_eq!(now["nickname"], "Amazing Grace");
    // A session opened on one instance works on the other: sessions live in the database.
    let login = a
        .req("POST", "/api/v1/session")
        .json(&json!({"name": "alice", "password": "secret-pw"}))
        .send()
        .expect(201);
    let cookie = login
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let csrf = login.json()["csrf_token"].as_str().unwrap().to_string();
    b.req("GET", "/api/v1/me")
        .header("Cookie", &cookie)
        .send()
        .expect(200);
    b.req("POST", "/api/v1/people")
        .header("Cookie", &cookie)
        .header("X-CSRF-Token", &csrf)
        .json(&json!({"name": "Via session"}))
        .send()
        .expect(201);
    // Login failures count across instances.
    for _ in 0..5 {
        a.req("POST", "/api/v1/session")
            .json(&json!({"name": "alice", "password": "wrong"}))
            .send()
            .problem(401);
    }
    b.req("POST", "/api/v1/session")
        .json(&json!({"name": "alice", "password": "secret-pw"}))
        .send()
        .problem(429);
}

/// SIGTERM stops the server cleanly (exit status 0) after answering what it had.
pub fn stops_cleanly_on_sigterm(db: &Fresh) {
    let t = user_token(db, "default", "alice", "admin");
    let mut s = Server::start(db);
    person(&s, &t, "Before shutdown");
    let status = s.terminate();
    assert!(status.success(), "exit status {status:?}");
}
