//! Authentication, workspaces, private relationships, roles and the audit trail.

use rapport_testkit::{Body, Fresh};
use serde_json::{Value, json};

use crate::support::{Server, user_token};

pub const ALL: &[Body] = &[
    (
        "unauthenticated_requests_get_401",
        unauthenticated_requests_get_401,
    ),
    (
        "other_workspaces_are_invisible",
        other_workspaces_are_invisible,
    ),
    (
        "private_relationships_stay_private",
        private_relationships_stay_private,
    ),
    ("viewers_cannot_write", viewers_cannot_write),
    ("every_write_is_audited", every_write_is_audited),
    ("session_writes_need_csrf", session_writes_need_csrf),
    (
        "record_reads_refuse_and_fail_as_typed_problems",
        record_reads_refuse_and_fail_as_typed_problems,
    ),
];

/// A record read by id (answered on the async worker when the store can, through a
/// blocking thread otherwise) refuses a missing or bad credential and reports a missing
/// record as the same problems as every other route, many times over.
fn record_reads_refuse_and_fail_as_typed_problems(db: &Fresh) {
    let t = user_token(db, "default", "alice", "admin");
    let s = Server::start(db);
    let p = s
        .req("POST", "/api/v1/people")
        .token(&t)
        .json(&json!({"name": "Ada Lovelace"}))
        .send()
        .expect(201)
        .json();
    let path = format!("/api/v1/people/{}", p["id"].as_str().unwrap());
    for _ in 0..3 {
        let r = s.req("GET", &path).send();
        assert_eq!(
            r.header("www-authenticate"),
            Some("Bearer realm=\"rapport\"")
        );
        r.problem(401);
        s.req("GET", &path).token("rpt_forged").send().problem(401);
        s.req("GET", &path)
            .header("Cookie", "rapport_session=forged")
            .send()
            .problem(401);
        let back = s.req("GET", &path).token(&t).send().expect(200);
        assert_eq!(back.header("etag"), Some("\"1\""));
        assert_eq!(back.json()["name"], "Ada Lovelace");
        s.req("GET", "/api/v1/people/0189e1af-3478-7957-be42-6eaa3d8c7492")
            .token(&t)
            .send()
            .problem(404);
        s.req("GET", "/api/v1/people/not-an-id")
            .token(&t)
            .send()
            .problem(404);
    }
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

fn unauthenticated_requests_get_401(db: &Fresh) {
    let _t = user_token(db, "default", "alice", "admin");
    let s = Server::start(db);
    let r = s.req("GET", "/api/v1/people").send();
    assert_eq!(
        r.header("www-authenticate"),
        Some("Bearer realm=\"rapport\"")
    );
    r.problem(401);
    s.req("GET", "/api/v1/people")
        .token("rpt_forged")
        .send()
        .problem(401);
    s.req("GET", "/api/v1/people")
        .header("Authorization", "Basic YTpi")
        .send()
        .problem(401);
    s.req("POST", "/api/v1/people")
        .json(&json!({"name": "x"}))
        .send()
        .problem(401);
    s.req("GET", "/api/v1/agenda").send().problem(401);
    s.req("GET", "/api/v1/people")
        .header("Cookie", "rapport_session=forged")
        .send()
        .problem(401);
    // Public: liveness and the API description.
    s.req("GET", "/healthz").send().expect(200);
    s.req("GET", "/api/openapi.json").send().expect(200);
    // A revoked token stops working.
    let t2 = user_token(db, "default", "bob", "member");
    s.req("GET", "/api/v1/people").token(&t2).send().expect(200);
    let list: Value = serde_json::from_str(&crate::support::cli(
        db,
        &["--json", "token", "list", "--user", "bob"],
        None,
    ))
    .unwrap();
    let tid = list["items"][0]["id"].as_str().unwrap().to_string();
    crate::support::cli(db, &["token", "revoke", &tid], None);
    s.req("GET", "/api/v1/people")
        .token(&t2)
        .send()
        .problem(401);
}

fn other_workspaces_are_invisible(db: &Fresh) {
    let a = user_token(db, "acme", "alice", "admin");
    let b = user_token(db, "globex", "bob", "admin");
    let s = Server::start(db);
    let p = s
        .req("POST", "/api/v1/people")
        .token(&a)
        .json(&json!({"name": "Secret Contact", "tags": ["classified"]}))
        .send()
        .expect(201)
        .json();
    let id = p["id"].as_str().unwrap();
    let path = format!("/api/v1/people/{id}");
    s.req("GET", &path).token(&b).send().problem(404);
    s.req("PATCH", &path)
        .token(&b)
        .json(&json!({"name": "Hacked"}))
        .send()
        .problem(404);
    s.req("DELETE", &path).token(&b).send().problem(404);
    s.req("POST", &format!("{path}/restore"))
        .token(&b)
        .send()
        .problem(404);
    let list = s
        .req("GET", "/api/v1/people")
        .token(&b)
        .send()
        .expect(200)
        .json();
    assert!(ids(&list).is_empty(), "{list}");
    let tagged = s
        .req("GET", "/api/v1/people?tag=classified")
        .token(&b)
        .send()
        .expect(200)
        .json();
    assert!(ids(&tagged).is_empty());
    let found = s
        .req("GET", "/api/v1/search?q=secret")
        .token(&b)
        .send()
        .expect(200)
        .json();
    assert_eq!(found["items"].as_array().unwrap().len(), 0, "{found}");
    let q = s
        .req("GET", "/api/v1/people?q=secret")
        .token(&b)
        .send()
        .expect(200)
        .json();
    assert!(ids(&q).is_empty());
    // B cannot attach its records to A's person either.
    s.req("POST", "/api/v1/relationships")
        .token(&b)
        .json(&json!({"subject": {"kind": "person", "id": id}}))
        .send()
        .problem(422);
    s.req("POST", "/api/v1/notes")
        .token(&b)
        .json(&json!({"link": {"kind": "person", "id": id}, "body": "spy"}))
        .send()
        .problem(422);
    // Nothing changed for A.
    let mine = s.req("GET", &path).token(&a).send().expect(200).json();
    assert_eq!(mine["name"], "Secret Contact");
    assert_eq!(mine["version"], 1);
    let audit = s
        .req("GET", "/api/v1/audit")
        .token(&b)
        .send()
        .expect(200)
        .json();
    assert!(!audit.to_string().contains("Secret Contact"));
}

fn private_relationships_stay_private(db: &Fresh) {
    let m1 = user_token(db, "default", "mia", "member");
    let m2 = user_token(db, "default", "max", "member");
    let s = Server::start(db);
    let p = s
        .req("POST", "/api/v1/people")
        .token(&m1)
        .json(&json!({"name": "Dana Mentor"}))
        .send()
        .expect(201)
        .json();
    let pid = p["id"].as_str().unwrap();
    let rel = s
        .req("POST", "/api/v1/relationships")
        .token(&m1)
        .json(&json!({"subject": {"kind": "person", "id": pid}, "kind": "mentor", "visibility": "private"}))
        .send()
        .expect(201)
        .json();
    let rid = rel["id"].as_str().unwrap();
    let c = s
        .req("POST", "/api/v1/commitments")
        .token(&m1)
        .json(&json!({"relationship_id": rid, "text": "Read the chapter"}))
        .send()
        .expect(201)
        .json();
    let cid = c["id"].as_str().unwrap();
    s.req("POST", "/api/v1/notes")
        .token(&m1)
        .json(
            &json!({"link": {"kind": "relationship", "id": rid}, "body": "zanzibar confidential"}),
        )
        .send()
        .expect(201);
    // The owner sees everything.
    s.req("GET", &format!("/api/v1/relationships/{rid}"))
        .token(&m1)
        .send()
        .expect(200);
    assert_eq!(
        ids(&s
            .req("GET", "/api/v1/relationships")
            .token(&m1)
            .send()
            .expect(200)
            .json())
        .len(),
        1
    );
    let f = s
        .req("GET", "/api/v1/search?q=zanzibar")
        .token(&m1)
        .send()
        .expect(200)
        .json();
    assert_eq!(f["items"].as_array().unwrap().len(), 1);
    // Another member sees none of it, by any route.
    for path in [
        format!("/api/v1/relationships/{rid}"),
        format!("/api/v1/commitments/{cid}"),
        format!("/api/v1/relationships/{rid}/health"),
    ] {
        s.req("GET", &path).token(&m2).send().problem(404);
    }
    s.req("PATCH", &format!("/api/v1/relationships/{rid}"))
        .token(&m2)
        .json(&json!({"importance": 1}))
        .send()
        .problem(404);
    s.req("DELETE", &format!("/api/v1/relationships/{rid}"))
        .token(&m2)
        .send()
        .problem(404);
    s.req("PATCH", &format!("/api/v1/commitments/{cid}"))
        .token(&m2)
        .json(&json!({"status": "kept"}))
        .send()
        .problem(404);
    s.req("DELETE", &format!("/api/v1/commitments/{cid}"))
        .token(&m2)
        .send()
        .problem(404);
    for list in ["relationships", "commitments", "notes"] {
        let page = s
            .req("GET", &format!("/api/v1/{list}"))
            .token(&m2)
            .send()
            .expect(200)
            .json();
        assert!(ids(&page).is_empty(), "{list} leaked: {page}");
    }
    let f = s
        .req("GET", "/api/v1/search?q=zanzibar")
        .token(&m2)
        .send()
        .expect(200)
        .json();
    assert_eq!(f["items"].as_array().unwrap().len(), 0, "{f}");
    let agenda = s
        .req("GET", "/api/v1/agenda")
        .token(&m2)
        .send()
        .expect(200)
        .json();
    assert!(!agenda.to_string().contains("Read the chapter"), "{agenda}");
    // Nor can they hang records on it.
    s.req("POST", "/api/v1/commitments")
        .token(&m2)
        .json(&json!({"relationship_id": rid, "text": "sneaky"}))
        .send()
        .problem(422);
    let still = s
        .req("GET", &format!("/api/v1/relationships/{rid}"))
        .token(&m1)
        .send()
        .expect(200)
        .json();
    assert_eq!(still["version"], 1);
}

fn viewers_cannot_write(db: &Fresh) {
    let admin = user_token(db, "default", "alice", "admin");
    let viewer = user_token(db, "default", "vic", "viewer");
    let s = Server::start(db);
    let p = s
        .req("POST", "/api/v1/people")
        .token(&admin)
        .json(&json!({"name": "Visible"}))
        .send()
        .expect(201)
        .json();
    let id = p["id"].as_str().unwrap();
    s.req("GET", &format!("/api/v1/people/{id}"))
        .token(&viewer)
        .send()
        .expect(200);
    s.req("GET", "/api/v1/people")
        .token(&viewer)
        .send()
        .expect(200);
    s.req("POST", "/api/v1/people")
        .token(&viewer)
        .json(&json!({"name": "Nope"}))
        .send()
        .problem(403);
    s.req("PATCH", &format!("/api/v1/people/{id}"))
        .token(&viewer)
        .json(&json!({"name": "Nope"}))
        .send()
        .problem(403);
    s.req("DELETE", &format!("/api/v1/people/{id}"))
        .token(&viewer)
        .send()
        .problem(403);
    s.req("POST", "/api/v1/users")
        .token(&viewer)
        .json(&json!({"name": "eve", "role": "owner"}))
        .send()
        .problem(403);
    s.req("GET", "/api/v1/audit")
        .token(&viewer)
        .send()
        .problem(403);
    let list = s
        .req("GET", "/api/v1/people")
        .token(&admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(ids(&list).len(), 1);
    // Admins manage users.
    s.req("POST", "/api/v1/users")
        .token(&admin)
        .json(&json!({"name": "newbie", "role": "member", "password": "pw"}))
        .send()
        .expect(201);
    let users = s
        .req("GET", "/api/v1/users")
        .token(&admin)
        .send()
        .expect(200)
        .json();
    assert!(users.to_string().contains("newbie"));
}

fn every_write_is_audited(db: &Fresh) {
    let admin = user_token(db, "default", "alice", "admin");
    let member = user_token(db, "default", "bob", "member");
    let s = Server::start(db);
    let p = s
        .req("POST", "/api/v1/people")
        .token(&member)
        .json(&json!({"name": "Audited"}))
        .send()
        .expect(201)
        .json();
    let id = p["id"].as_str().unwrap();
    s.req("PATCH", &format!("/api/v1/people/{id}"))
        .token(&member)
        .json(&json!({"name": "Audited Twice"}))
        .send()
        .expect(200);
    s.req("DELETE", &format!("/api/v1/people/{id}"))
        .token(&member)
        .send()
        .expect(200);
    s.req("POST", &format!("/api/v1/people/{id}/restore"))
        .token(&member)
        .send()
        .expect(200);
    s.req("GET", "/api/v1/audit")
        .token(&member)
        .send()
        .problem(403);
    let audit = s
        .req("GET", "/api/v1/audit?limit=500")
        .token(&admin)
        .send()
        .expect(200)
        .json();
    let mine: Vec<&Value> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["entity_id"] == id)
        .collect();
    let actions: Vec<&str> = mine.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, vec!["create", "update", "trash", "restore"]);
    assert!(mine.iter().all(|e| e["actor"] == "bob"));
    assert_eq!(mine[1]["before"]["name"], "Audited");
    assert_eq!(mine[1]["after"]["name"], "Audited Twice");
    // The CLI shows the same trail.
    let cli: Value = serde_json::from_str(&crate::support::cli(
        db,
        &["--json", "audit", "--limit", "500"],
        None,
    ))
    .unwrap();
    assert!(
        cli["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["entity_id"] == id && e["action"] == "restore")
    );
}

fn session_writes_need_csrf(db: &Fresh) {
    let _t = user_token(db, "default", "alice", "admin");
    let s = Server::start(db);
    let login = s
        .req("POST", "/api/v1/session")
        .json(&json!({"name": "alice", "password": "secret-pw"}))
        .send()
        .expect(201);
    let set = login.header("set-cookie").unwrap().to_string();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
    let cookie = set.split(';').next().unwrap().to_string();
    let csrf = login.json()["csrf_token"].as_str().unwrap().to_string();
    s.req("GET", "/api/v1/people")
        .header("Cookie", &cookie)
        .send()
        .expect(200);
    s.req("POST", "/api/v1/people")
        .header("Cookie", &cookie)
        .json(&json!({"name": "x"}))
        .send()
        .problem(403);
    s.req("POST", "/api/v1/people")
        .header("Cookie", &cookie)
        .header("X-CSRF-Token", "wrong")
        .json(&json!({"name": "x"}))
        .send()
        .problem(403);
    s.req("POST", "/api/v1/people")
        .header("Cookie", &cookie)
        .header("X-CSRF-Token", &csrf)
        .json(&json!({"name": "x"}))
        .send()
        .expect(201);
    s.req("DELETE", "/api/v1/session")
        .header("Cookie", &cookie)
        .send()
        .expect(204);
    s.req("GET", "/api/v1/people")
        .header("Cookie", &cookie)
        .send()
        .problem(401);
    s.req("POST", "/api/v1/session")
        .json(&json!({"name": "alice", "password": "nope"}))
        .send()
        .problem(401);
    s.req("POST", "/api/v1/session")
        .json(&json!({"name": "nobody", "password": "nope"}))
        .send()
        .problem(401);
}
