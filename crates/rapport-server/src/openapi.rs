//! Routes and their OpenAPI 3.1 description, registered together so that they cannot
//! drift: [`Routes::add`] is the only way a route joins the router, and it records the
//! route's documentation at the same time. `GET /api/openapi.json` serves the result.

use axum::Router;
use axum::routing::MethodRouter;
use schemars::{JsonSchema, SchemaGenerator, generate::SchemaSettings};
use serde_json::{Map, Value, json};

use crate::AppState;
use crate::api::problem::Problem;

/// A parameter of a route (path or query).
#[derive(Debug, Clone)]
pub struct Param {
    pub name: &'static str,
    pub location: &'static str,
    pub description: &'static str,
    pub required: bool,
    pub schema: Value,
}

impl Param {
    pub fn path(name: &'static str, description: &'static str) -> Param {
        Param {
            name,
            location: "path",
            description,
            required: true,
            schema: json!({"type": "string"}),
        }
    }

    pub fn query(name: &'static str, description: &'static str, schema: Value) -> Param {
        Param {
            name,
            location: "query",
            description,
            required: false,
            schema,
        }
    }
}

/// What one route does, for the document.
#[derive(Debug, Clone)]
pub struct Op {
    pub method: &'static str,
    pub path: String,
    pub summary: String,
    pub tag: String,
    pub params: Vec<Param>,
    /// The request body's schema and media type.
    pub body: Option<(Value, &'static str)>,
    /// Success status, description and schema (None: no body).
    pub ok: (u16, &'static str, Option<Value>),
    /// Error statuses this route can answer with (all as problem+json).
    pub errors: Vec<u16>,
    pub auth: bool,
    /// Response headers on success.
    pub headers: Vec<&'static str>,
}

impl Op {
    pub fn new(method: &'static str, path: impl Into<String>, summary: impl Into<String>) -> Op {
        Op {
            method,
            path: path.into(),
            summary: summary.into(),
            tag: "api".into(),
            params: vec![],
            body: None,
            ok: (200, "OK", None),
            errors: vec![],
            auth: true,
            headers: vec![],
        }
    }
    pub fn tag(mut self, t: &str) -> Op {
        self.tag = t.into();
        self
    }
    pub fn param(mut self, p: Param) -> Op {
        self.params.push(p);
        self
    }
    pub fn body(mut self, schema: Value) -> Op {
        self.body = Some((schema, "application/json"));
        self
    }
    pub fn ok(mut self, status: u16, description: &'static str, schema: Option<Value>) -> Op {
        self.ok = (status, description, schema);
        self
    }
    pub fn errors(mut self, e: &[u16]) -> Op {
        self.errors.extend_from_slice(e);
        self
    }
    pub fn public(mut self) -> Op {
        self.auth = false;
        self
    }
    pub fn header(mut self, h: &'static str) -> Op {
        self.headers.push(h);
        self
    }
}

/// The router being built and the description of every route in it.
pub struct Routes {
    router: Router<AppState>,
    ops: Vec<Op>,
    schemas: SchemaGenerator,
}

impl Default for Routes {
    fn default() -> Self {
        Routes::new()
    }
}

impl Routes {
    pub fn new() -> Routes {
        let settings = SchemaSettings::draft2020_12().with(|s| {
            s.definitions_path = "/components/schemas".into();
        });
        Routes {
            router: Router::new(),
            ops: vec![],
            schemas: SchemaGenerator::new(settings),
        }
    }

    /// A schema reference for `T`, registering it under `components/schemas`.
    pub fn schema<T: JsonSchema>(&mut self) -> Value {
        self.schemas.subschema_for::<T>().to_value()
    }

    /// Adds a route: its handler joins the router and `op` joins the document.
    pub fn add(&mut self, op: Op, handler: MethodRouter<AppState>) {
        let router = std::mem::take(&mut self.router);
        self.router = router.route(&op.path, handler);
        self.ops.push(op);
    }

    /// The (method, path) of every route, as registered.
    pub fn routes(&self) -> Vec<(&'static str, String)> {
        self.ops
            .iter()
            .map(|o| (o.method, o.path.clone()))
            .collect()
    }

    pub fn into_parts(mut self) -> (Router<AppState>, Value) {
        let doc = self.document();
        (self.router, doc)
    }

    fn document(&mut self) -> Value {
        let problem = self.schema::<Problem>();
        let mut paths: Map<String, Value> = Map::new();
        for op in &self.ops {
            let mut responses = Map::new();
            let mut ok = json!({"description": op.ok.1});
            if let Some(s) = &op.ok.2 {
                ok["content"] = json!({"application/json": {"schema": s}});
            }
            if !op.headers.is_empty() {
                let mut h = Map::new();
                for name in &op.headers {
                    h.insert((*name).into(), json!({"schema": {"type": "string"}}));
                }
                ok["headers"] = Value::Object(h);
            }
            responses.insert(op.ok.0.to_string(), ok);
            let mut errors = op.errors.clone();
            if op.auth {
                errors.push(401);
            }
            errors.push(500);
            errors.sort_unstable();
            errors.dedup();
            for status in errors {
                let reason = axum::http::StatusCode::from_u16(status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("Error");
                responses.insert(
                    status.to_string(),
                    json!({
                        "description": reason,
                        "content": {"application/problem+json": {"schema": problem}},
                    }),
                );
            }
            let mut o = json!({
                "summary": op.summary,
                "operationId": operation_id(op),
                "tags": [op.tag],
                "responses": responses,
            });
            if !op.params.is_empty() {
                o["parameters"] = Value::Array(
                    op.params
                        .iter()
                        .map(|p| {
                            json!({
                                "name": p.name,
                                "in": p.location,
                                "description": p.description,
                                "required": p.required,
                                "schema": p.schema,
                            })
                        })
                        .collect(),
                );
            }
            if let Some((schema, media)) = &op.body {
                o["requestBody"] =
                    json!({"required": true, "content": {*media: {"schema": schema}}});
            }
            if !op.auth {
                o["security"] = json!([]);
            }
            let entry = paths
                .entry(op.path.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            entry[op.method.to_ascii_lowercase()] = o;
        }
        let schemas = self.schemas.take_definitions(true);
        json!({
            "openapi": "3.1.0",
            "info": {
                "title": "Rapport API",
                "version": env!("CARGO_PKG_VERSION"),
                "description": "Relationship management: people, organizations, relationships and their record; health, agenda and search.",
            },
            "servers": [{"url": "/"}],
            "security": [{"bearer": []}, {"session": []}],
            "paths": paths,
            "components": {
                "schemas": schemas,
                "securitySchemes": {
                    "bearer": {"type": "http", "scheme": "bearer", "description": "An API token from `rapport token create`"},
                    "session": {"type": "apiKey", "in": "cookie", "name": crate::api::auth::SESSION_COOKIE},
                },
            },
        })
    }
}

fn operation_id(op: &Op) -> String {
    let mut id = op.method.to_ascii_lowercase();
    for part in op
        .path
        .split('/')
        .filter(|p| !p.is_empty() && *p != "api" && *p != "v1")
    {
        id.push('_');
        id.push_str(&part.replace(['{', '}'], "").replace(['.', '-'], "_"));
    }
    id
}
