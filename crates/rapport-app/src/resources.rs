//! Generic use cases over whole records, for the HTTP API: create from a JSON body, read,
//! list, merge-patch, trash and restore — each checked against the actor's workspace,
//! role and the visibility of private relationships, validated as a whole record, and
//! audited. JSON is the wire form of the domain types themselves (one definition).

use rapport_core::validate::Validate;
use rapport_core::*;
use rapport_store::{Entity, ListQuery, Page, Principal, StoreError, StoredDoc, Tx};
use serde_json::{Map, Value};

use crate::{App, AppError, Ctx, Result};

/// Fields the server owns: a client never sets them.
pub const READ_ONLY: &[&str] = &["id", "created_at", "updated_at", "version", "deleted_at"];

/// A record type the API serves.
pub trait Resource: Entity + Validate + schemars::JsonSchema {
    /// The path segment under `/api/v1`.
    const PATH: &'static str;
    /// Values filled in on create when the body leaves them out.
    fn defaults(_now: &str) -> Value {
        Value::Object(Map::new())
    }
    /// The records this one points at, which must exist in the same workspace (and, for
    /// relationships, be visible to the actor).
    fn references(&self) -> Vec<(EntityKind, &Id)>;
    /// Whether the stored document can be sent as the record's JSON as it is: it is
    /// `serde_json` of the record, and parsing and serializing it again gives the same
    /// bytes. Not for records with floating-point fields, whose numbers the parser may
    /// round differently in the last bit (so a read's body could change).
    const STORED_DOC_IS_JSON: bool = true;
}

fn obj(pairs: &[(&str, Value)]) -> Value {
    Value::Object(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

fn subject_ref(s: &Subject) -> (EntityKind, &Id) {
    (s.kind.into(), &s.id)
}

impl Resource for Person {
    const PATH: &'static str = "people";
    fn references(&self) -> Vec<(EntityKind, &Id)> {
        vec![]
    }
}

impl Resource for Organization {
    const PATH: &'static str = "organizations";
    fn references(&self) -> Vec<(EntityKind, &Id)> {
        vec![]
    }
}

impl Resource for Relationship {
    const PATH: &'static str = "relationships";
    fn defaults(_now: &str) -> Value {
        obj(&[
            ("kind", "other".into()),
            ("stage", "relational".into()),
            ("importance", 3.into()),
            ("status", "active".into()),
            ("visibility", "workspace".into()),
        ])
    }
    fn references(&self) -> Vec<(EntityKind, &Id)> {
        let mut v = vec![subject_ref(&self.subject)];
        if let Some(o) = &self.owner_id {
            v.push((EntityKind::User, o));
        }
        v
    }
}

impl Resource for Interaction {
    const PATH: &'static str = "interactions";
    fn defaults(now: &str) -> Value {
        obj(&[
            ("at", now.into()),
            ("channel", "other".into()),
            ("direction", "mutual".into()),
            ("source", "api".into()),
        ])
    }
    fn references(&self) -> Vec<(EntityKind, &Id)> {
        self.participants
            .iter()
            .map(|p| (EntityKind::Person, p))
            .chain(
                self.organization_ids
                    .iter()
                    .map(|o| (EntityKind::Organization, o)),
            )
            .collect()
    }
}

impl Resource for Commitment {
    const PATH: &'static str = "commitments";
    fn defaults(_now: &str) -> Value {
        obj(&[("owed_by", "me".into()), ("status", "open".into())])
    }
    fn references(&self) -> Vec<(EntityKind, &Id)> {
        vec![(EntityKind::Relationship, &self.relationship_id)]
    }
}

impl Resource for Exchange {
    const PATH: &'static str = "exchanges";
    const STORED_DOC_IS_JSON: bool = false; // amount
    fn defaults(now: &str) -> Value {
        obj(&[
            ("kind", "other".into()),
            ("value", 1.into()),
            ("at", now.into()),
        ])
    }
    fn references(&self) -> Vec<(EntityKind, &Id)> {
        vec![(EntityKind::Relationship, &self.relationship_id)]
    }
}

impl Resource for Conflict {
    const PATH: &'static str = "conflicts";
    fn defaults(now: &str) -> Value {
        obj(&[
            ("severity", 2.into()),
            ("status", "open".into()),
            ("opened_at", now.into()),
        ])
    }
    fn references(&self) -> Vec<(EntityKind, &Id)> {
        vec![(EntityKind::Relationship, &self.relationship_id)]
    }
}

impl Resource for Feedback {
    const PATH: &'static str = "feedback";
    fn defaults(now: &str) -> Value {
        obj(&[("scale", "nps".into()), ("at", now.into())])
    }
    fn references(&self) -> Vec<(EntityKind, &Id)> {
        vec![(EntityKind::Relationship, &self.relationship_id)]
    }
}

impl Resource for Goal {
    const PATH: &'static str = "goals";
    fn defaults(_now: &str) -> Value {
        obj(&[("status", "open".into()), ("progress", 0.into())])
    }
    fn references(&self) -> Vec<(EntityKind, &Id)> {
        vec![(EntityKind::Relationship, &self.relationship_id)]
    }
}

impl Resource for Task {
    const PATH: &'static str = "tasks";
    fn references(&self) -> Vec<(EntityKind, &Id)> {
        self.link.iter().map(|l| (l.kind, &l.id)).collect()
    }
}

impl Resource for ImportantDate {
    const PATH: &'static str = "dates";
    fn defaults(_now: &str) -> Value {
        obj(&[("kind", "custom".into())])
    }
    fn references(&self) -> Vec<(EntityKind, &Id)> {
        vec![(EntityKind::Person, &self.person_id)]
    }
}

impl Resource for Tie {
    const PATH: &'static str = "ties";
    fn defaults(_now: &str) -> Value {
        obj(&[("kind", "knows".into()), ("strength", 3.into())])
    }
    fn references(&self) -> Vec<(EntityKind, &Id)> {
        vec![
            (EntityKind::Person, &self.from_person_id),
            (EntityKind::Person, &self.to_person_id),
        ]
    }
}

impl Resource for Deal {
    const PATH: &'static str = "deals";
    const STORED_DOC_IS_JSON: bool = false; // amount
    fn defaults(_now: &str) -> Value {
        obj(&[("stage", "lead".into())])
    }
    fn references(&self) -> Vec<(EntityKind, &Id)> {
        vec![subject_ref(&self.subject)]
    }
}

impl Resource for Note {
    const PATH: &'static str = "notes";
    fn references(&self) -> Vec<(EntityKind, &Id)> {
        vec![(self.link.kind, &self.link.id)]
    }
}

/// The top-level field names a record type accepts, from its schema.
pub fn fields_of<E: schemars::JsonSchema>() -> Vec<String> {
    let schema = schemars::SchemaGenerator::default().into_root_schema_for::<E>();
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

fn field_error(field: &str, message: impl Into<String>) -> AppError {
    AppError::Invalid(DomainError::invalid(field, message))
}

/// Refuses read-only and unknown fields, naming each.
fn check_fields<E: schemars::JsonSchema>(body: &Map<String, Value>) -> Result<()> {
    let known = fields_of::<E>();
    let mut errors = Vec::new();
    for k in body.keys() {
        if READ_ONLY.contains(&k.as_str()) {
            errors.push(FieldError::new(
                k,
                "is set by the server and cannot be written",
            ));
        } else if !known.iter().any(|f| f == k) {
            errors.push(FieldError::new(k, "is not a field of this resource"));
        }
    }
    match errors.len() {
        0 => Ok(()),
        1 => Err(AppError::Invalid(DomainError::Invalid(errors.remove(0)))),
        _ => Err(AppError::Invalid(DomainError::InvalidMany(errors))),
    }
}

/// Deserializes a record, naming the field at fault (`emails[1].value`).
fn from_json<E: Entity>(v: Value) -> Result<E> {
    serde_path_to_error::deserialize::<_, E>(v).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { String::new() } else { path };
        let msg = e.into_inner().to_string();
        // serde names a missing field in its message, not in the path.
        let field = if field.is_empty() {
            msg.strip_prefix("missing field `")
                .and_then(|r| r.split('`').next())
                .unwrap_or("")
                .to_string()
        } else {
            field
        };
        field_error(&field, msg)
    })
}

/// RFC 7396 JSON merge patch.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(p) => {
            if !target.is_object() {
                *target = Value::Object(Map::new());
            }
            if let Value::Object(t) = target {
                for (k, v) in p {
                    if v.is_null() {
                        t.remove(k);
                    } else {
                        merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                    }
                }
            }
        }
        other => *target = other.clone(),
    }
}

/// The answer to a read with a token: the token's user and the record it may see.
fn token_and_record<E: Resource>(
    read: Option<(Principal, Option<StoredDoc>)>,
    id: &Id,
) -> Result<StoredDoc> {
    match read {
        None => Err(crate::accounts::invalid_token()),
        Some((_, None)) => Err(not_found(E::KIND, id)),
        Some((_, Some(stored))) => record_json::<E>(stored),
    }
}

/// A record's JSON from its stored document: the document itself where that is the same
/// text ([`Resource::STORED_DOC_IS_JSON`]).
fn record_json<E: Resource>(stored: StoredDoc) -> Result<StoredDoc> {
    if E::STORED_DOC_IS_JSON {
        return Ok(stored);
    }
    Ok(StoredDoc::of(&stored.record::<E>()?, stored.version)?)
}

fn not_found(kind: EntityKind, id: &Id) -> AppError {
    AppError::NotFound(format!("no {kind} {id}"))
}

impl App {
    /// Whether the actor may see this record: it is in their workspace and not attached
    /// to another user's private relationship.
    pub(crate) fn may_see_record<E: Entity>(
        &self,
        tx: &mut Tx<'_>,
        ctx: &Ctx,
        id: &Id,
    ) -> Result<bool, StoreError> {
        match &ctx.actor.user_id {
            Some(viewer) => tx.visible::<E>(&ctx.ws, id, viewer),
            None => Ok(true),
        }
    }

    /// Every record `rec` points at exists, live, in the actor's workspace and is visible.
    fn check_references<E: Resource>(
        &self,
        tx: &mut Tx<'_>,
        ctx: &Ctx,
        rec: &E,
    ) -> Result<(), StoreError> {
        for (kind, id) in rec.references() {
            let ok = match kind {
                EntityKind::Person => tx
                    .find::<Person>(&ctx.ws, id)?
                    .is_some_and(|r| r.meta.deleted_at.is_none()),
                EntityKind::Organization => tx
                    .find::<Organization>(&ctx.ws, id)?
                    .is_some_and(|r| r.meta.deleted_at.is_none()),
                EntityKind::Relationship => {
                    tx.find::<Relationship>(&ctx.ws, id)?
                        .is_some_and(|r| r.meta.deleted_at.is_none())
                        && self.may_see_record::<Relationship>(tx, ctx, id)?
                }
                EntityKind::User => tx.find::<User>(&ctx.ws, id)?.is_some(),
                EntityKind::Deal => tx.find::<Deal>(&ctx.ws, id)?.is_some(),
                EntityKind::Interaction => tx.find::<Interaction>(&ctx.ws, id)?.is_some(),
                EntityKind::Commitment => tx.find::<Commitment>(&ctx.ws, id)?.is_some(),
                EntityKind::Conflict => tx.find::<Conflict>(&ctx.ws, id)?.is_some(),
                EntityKind::Goal => tx.find::<Goal>(&ctx.ws, id)?.is_some(),
                EntityKind::Task => tx.find::<Task>(&ctx.ws, id)?.is_some(),
                _ => false,
            };
            if !ok {
                return Err(StoreError::Domain(DomainError::invalid(
                    "references",
                    format!("no {kind} {id} in this workspace"),
                )));
            }
        }
        Ok(())
    }

    /// Creates a record from a JSON body (server-owned fields are filled in here).
    pub fn create_record<E: Resource>(&self, ctx: &Ctx, body: Value) -> Result<E> {
        self.check_write(ctx)?;
        let Value::Object(fields) = body else {
            return Err(field_error("", "the body must be a JSON object"));
        };
        check_fields::<E>(&fields)?;
        let meta = self.new_meta();
        let now = meta.created_at.to_string();
        let mut doc = E::defaults(&now);
        merge_patch(&mut doc, &Value::Object(fields));
        if let Value::Object(d) = &mut doc {
            if E::KIND == EntityKind::Relationship
                && !d.contains_key("owner_id")
                && let Some(me) = &ctx.actor.user_id
            {
                d.insert("owner_id".into(), Value::String(me.to_string()));
            }
            if let Ok(Value::Object(m)) = serde_json::to_value(&meta) {
                d.extend(m);
            }
        }
        let rec: E = from_json(doc)?;
        rec.validate()?;
        self.store.write(|tx| {
            self.check_references(tx, ctx, &rec)?;
            self.insert_audited(tx, ctx, &rec)
        })?;
        Ok(rec)
    }

    /// A live record the actor may see.
    pub fn get_record<E: Resource>(&self, ctx: &Ctx, id: &Id) -> Result<E> {
        Ok(self.get_stored::<E>(ctx, id)?.record()?)
    }

    /// [`App::get_record`] as the record's JSON (`serde_json::to_string` of the record,
    /// the API's body) and its version: the stored document itself, unparsed, where
    /// that is the same text ([`Resource::STORED_DOC_IS_JSON`]).
    pub fn get_record_json<E: Resource>(&self, ctx: &Ctx, id: &Id) -> Result<StoredDoc> {
        record_json::<E>(self.get_stored::<E>(ctx, id)?)
    }

    /// [`App::authenticate_token`] and then [`App::get_record_json`] as the token's user,
    /// with the same answers and errors, in one statement (one round trip to
    /// PostgreSQL instead of two).
    pub fn get_record_json_with_token<E: Resource>(
        &self,
        token: &str,
        id: &Id,
    ) -> Result<StoredDoc> {
        let hash = crate::accounts::secret_hash(token.trim());
        token_and_record::<E>(
            self.store
                .read_one(|tx| tx.token_principal_and_doc::<E>(&hash, id))?,
            id,
        )
    }

    /// [`App::get_record_json_with_token`] awaited on the caller's async worker
    /// ([`rapport_store::Store::read_one_async`]): the same answers and errors, or `None`
    /// where the store cannot read that way (then call the blocking one).
    pub async fn get_record_json_with_token_async<E: Resource>(
        &self,
        token: &str,
        id: &Id,
    ) -> Option<Result<StoredDoc>> {
        let hash = crate::accounts::secret_hash(token.trim());
        let read = self
            .store
            .read_one_async(|tx| tx.token_principal_and_doc::<E>(&hash, id))
            .await?;
        Some(
            read.map_err(AppError::from)
                .and_then(|r| token_and_record::<E>(r, id)),
        )
    }

    /// The stored document of a record the actor may see, live or trashed.
    fn get_stored<E: Resource>(&self, ctx: &Ctx, id: &Id) -> Result<StoredDoc> {
        self.store
            .read_one(|tx| {
                let stored = tx.find_doc::<E>(&ctx.ws, id)?;
                match stored {
                    Some(d) if self.may_see_record::<E>(tx, ctx, id)? => Ok(Some(d)),
                    _ => Ok(None),
                }
            })?
            .ok_or_else(|| not_found(E::KIND, id))
    }

    /// A page of the records the actor may see.
    pub fn list_records<E: Resource>(&self, ctx: &Ctx, mut q: ListQuery) -> Result<Page<E>> {
        q.viewer = ctx.actor.user_id.clone();
        Ok(self.store.read_one(|tx| tx.list::<E>(&ctx.ws, &q))?)
    }

    /// Applies a JSON merge patch to a record the actor may see, if its version is still
    /// `expected` (when given).
    pub fn patch_record<E: Resource>(
        &self,
        ctx: &Ctx,
        id: &Id,
        patch: Value,
        expected: Option<i64>,
    ) -> Result<E> {
        self.check_write(ctx)?;
        let Value::Object(fields) = &patch else {
            return Err(field_error("", "a merge patch must be a JSON object"));
        };
        check_fields::<E>(fields)?;
        let now = self.now();
        let mut failure: Option<AppError> = None;
        let result = self.store.write(|tx| {
            let before: E = match tx.find::<E>(&ctx.ws, id)? {
                Some(r)
                    if r.meta().deleted_at.is_none()
                        && self.may_see_record::<E>(tx, ctx, id)? =>
                {
                    r
                }
                _ => {
                    return Err(StoreError::NotFound {
                        entity: E::KIND,
                        id: id.to_string(),
                    });
                }
            };
            let version = expected.unwrap_or(before.meta().version);
            let mut doc = serde_json::to_value(&before)
                .map_err(|e| StoreError::Corrupt(format!("cannot serialize: {e}")))?;
            merge_patch(&mut doc, &patch);
            let mut after: E = match from_json(doc)
                .and_then(|r: E| r.validate().map(|_| r).map_err(AppError::from))
            {
                Ok(r) => r,
                Err(e) => {
                    failure = Some(e);
                    return Err(StoreError::Corrupt("patch refused".into()));
                }
            };
            self.check_references(tx, ctx, &after)?;
            tx.update(&ctx.ws, &mut after, version, now)?;
            self.audit(tx, ctx, "update", id, Some(&before), Some(&after))?;
            Ok(after)
        });
        match (result, failure) {
            (_, Some(e)) => Err(e),
            (r, None) => Ok(r?),
        }
    }

    /// Moves a record the actor may see to the trash, or restores it.
    pub fn trash_record<E: Resource>(
        &self,
        ctx: &Ctx,
        id: &Id,
        trashed: bool,
        expected: Option<i64>,
    ) -> Result<E> {
        let visible = self.store.read(|tx| {
            Ok(tx.find::<E>(&ctx.ws, id)?.is_some() && self.may_see_record::<E>(tx, ctx, id)?)
        })?;
        if !visible {
            return Err(not_found(E::KIND, id));
        }
        self.set_trashed::<E>(ctx, id, trashed, expected)
    }

    /// The audit trail (admins only), oldest first.
    pub fn audit_trail(
        &self,
        ctx: &Ctx,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<AuditEvent>> {
        self.check_admin(ctx)?;
        Ok(self
            .store
            .read(|tx| tx.audit_events(&ctx.ws, cursor, limit))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let mut t = json!({"a": "b", "c": {"d": "e", "f": "g"}});
        merge_patch(&mut t, &json!({"a": "z", "c": {"f": null}}));
        assert_eq!(t, json!({"a": "z", "c": {"d": "e"}}));
        let mut t = json!({"tags": ["x"]});
        merge_patch(&mut t, &json!({"tags": ["y", "z"]}));
        assert_eq!(t, json!({"tags": ["y", "z"]}));
    }

    #[test]
    fn fields_come_from_the_schema() {
        let f = fields_of::<Person>();
        assert!(f.iter().any(|x| x == "name"));
        assert!(f.iter().any(|x| x == "emails"));
        assert!(f.iter().any(|x| x == "version"));
        assert!(!f.iter().any(|x| x == "meta"));
    }

    #[test]
    fn unknown_and_read_only_fields_are_named() {
        let body = json!({"name": "A", "nickname_typo": 1, "version": 3});
        let Value::Object(m) = body else { panic!() };
        let err = check_fields::<Person>(&m).unwrap_err();
        let AppError::Invalid(d) = err else { panic!() };
        let names: Vec<String> = d.fields().into_iter().map(|f| f.field).collect();
        assert_eq!(names, vec!["nickname_typo", "version"]);
    }
}
