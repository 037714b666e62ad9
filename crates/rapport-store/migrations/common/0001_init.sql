-- Rapport's schema, portable between SQLite and PostgreSQL: TEXT, BIGINT and
-- DOUBLE PRECISION only. Timestamps are BIGINT microseconds since the Unix epoch,
-- dates are TEXT 'YYYY-MM-DD'. Every record table stores the whole record as a JSON
-- document (`doc`, the source of truth for reads) next to the columns that queries
-- filter, join or sort on; both are written by the one write path in entity.rs.

CREATE TABLE workspaces (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    deleted_at BIGINT,
    doc TEXT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT,
    feed_token_hash TEXT UNIQUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    deleted_at BIGINT,
    doc TEXT NOT NULL,
    UNIQUE (workspace_id, name)
);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    token_hash TEXT NOT NULL UNIQUE,
    label TEXT,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE login_attempts (
    attempt_key TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    failures BIGINT NOT NULL,
    PRIMARY KEY (attempt_key, window_start)
);

CREATE TABLE people (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    deleted_at BIGINT,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    -- 'MM-DD' of the birthday, for the agenda's upcoming dates.
    birthday_md TEXT,
    preferred_channel TEXT,
    doc TEXT NOT NULL
);
CREATE INDEX people_ws_name ON people (workspace_id, name_key, id);
CREATE INDEX people_birthday ON people (workspace_id, birthday_md);
CREATE INDEX people_ws_updated ON people (workspace_id, updated_at);

CREATE TABLE person_emails (
    workspace_id TEXT NOT NULL,
    person_id TEXT NOT NULL REFERENCES people(id),
    email TEXT NOT NULL
);
CREATE INDEX person_emails_lookup ON person_emails (workspace_id, email);
CREATE INDEX person_emails_person ON person_emails (person_id);

CREATE TABLE person_phones (
    workspace_id TEXT NOT NULL,
    person_id TEXT NOT NULL REFERENCES people(id),
    phone_key TEXT NOT NULL
);
CREATE INDEX person_phones_lookup ON person_phones (workspace_id, phone_key);
CREATE INDEX person_phones_person ON person_phones (person_id);

CREATE TABLE tags (
    workspace_id TEXT NOT NULL,
    entity_kind TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    tag TEXT NOT NULL
);
CREATE INDEX tags_lookup ON tags (workspace_id, tag, entity_kind);
CREATE INDEX tags_entity ON tags (entity_id);

CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    deleted_at BIGINT,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX organizations_ws_name ON organizations (workspace_id, name_key, id);

CREATE TABLE memberships (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    deleted_at BIGINT,
    person_id TEXT NOT NULL REFERENCES people(id),
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    doc TEXT NOT NULL
);
CREATE INDEX memberships_person ON memberships (person_id);
CREATE INDEX memberships_org ON memberships (organization_id);

CREATE TABLE relationships (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    deleted_at BIGINT,
    subject_kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    importance BIGINT NOT NULL,
    cadence_days BIGINT,
    owner_id TEXT,
    visibility TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX relationships_subject ON relationships (workspace_id, subject_id);
CREATE INDEX relationships_ws ON relationships (workspace_id, id);

CREATE TABLE ties (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    deleted_at BIGINT,
    from_person_id TEXT NOT NULL REFERENCES people(id),
    to_person_id TEXT NOT NULL REFERENCES people(id),
    kind TEXT NOT NULL,
    strength BIGINT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX ties_from ON ties (from_person_id);
CREATE INDEX ties_to ON ties (to_person_id);

CREATE TABLE interactions (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    deleted_at BIGINT,
    at BIGINT NOT NULL,
    channel TEXT NOT NULL,
    direction TEXT NOT NULL,
    sentiment BIGINT,
    minutes BIGINT,
    source TEXT NOT NULL,
    source_id TEXT,
    doc TEXT NOT NULL
);
CREATE INDEX interactions_ws_at ON interactions (workspace_id, at);
CREATE UNIQUE INDEX interactions_source ON interactions (workspace_id, source, source_id);

-- Who took part in an interaction: people (subject_kind 'person') or organizations.
CREATE TABLE interaction_subjects (
    workspace_id TEXT NOT NULL,
    interaction_id TEXT NOT NULL REFERENCES interactions(id),
    subject_id TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX interaction_subjects_subject ON interaction_subjects (subject_id, at);
CREATE INDEX interaction_subjects_interaction ON interaction_subjects (interaction_id);

-- Per person or organization: when they were last in a live interaction, and in how
-- many. Maintained by the write path so the agenda never scans interactions.
CREATE TABLE subject_activity (
    subject_id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    last_at BIGINT,
    interactions BIGINT NOT NULL
);
CREATE INDEX subject_activity_ws ON subject_activity (workspace_id);

CREATE TABLE commitments (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    deleted_at BIGINT,
    relationship_id TEXT NOT NULL REFERENCES relationships(id),
    owed_by TEXT NOT NULL,
    status TEXT NOT NULL,
    due TEXT,
    doc TEXT NOT NULL
);
CREATE INDEX commitments_rel ON commitments (relationship_id);
CREATE INDEX commitments_open ON commitments (workspace_id, status, due);

CREATE TABLE exchanges (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    deleted_at BIGINT,
    relationship_id TEXT NOT NULL REFERENCES relationships(id),
    direction TEXT NOT NULL,
    kind TEXT NOT NULL,
    value BIGINT NOT NULL,
    at BIGINT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX exchanges_rel ON exchanges (relationship_id);

CREATE TABLE conflicts (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    deleted_at BIGINT,
    relationship_id TEXT NOT NULL REFERENCES relationships(id),
    severity BIGINT NOT NULL,
    status TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX conflicts_rel ON conflicts (relationship_id);
CREATE INDEX conflicts_open ON conflicts (workspace_id, status);

CREATE TABLE feedback (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    deleted_at BIGINT,
    relationship_id TEXT NOT NULL REFERENCES relationships(id),
    scale TEXT NOT NULL,
    score BIGINT NOT NULL,
    at BIGINT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX feedback_rel ON feedback (relationship_id, at);

CREATE TABLE goals (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    deleted_at BIGINT,
    relationship_id TEXT NOT NULL REFERENCES relationships(id),
    status TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX goals_rel ON goals (relationship_id);

CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    deleted_at BIGINT,
    due TEXT,
    done_at BIGINT,
    link_kind TEXT,
    link_id TEXT,
    doc TEXT NOT NULL
);
CREATE INDEX tasks_open ON tasks (workspace_id, done_at, due);
CREATE INDEX tasks_link ON tasks (link_id);

CREATE TABLE important_dates (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    deleted_at BIGINT,
    person_id TEXT NOT NULL REFERENCES people(id),
    kind TEXT NOT NULL,
    month_day TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX important_dates_day ON important_dates (workspace_id, month_day);
CREATE INDEX important_dates_person ON important_dates (person_id);

CREATE TABLE deals (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    deleted_at BIGINT,
    subject_kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    stage TEXT NOT NULL,
    amount DOUBLE PRECISION,
    currency TEXT,
    doc TEXT NOT NULL
);
CREATE INDEX deals_subject ON deals (subject_id);
CREATE INDEX deals_stage ON deals (workspace_id, stage);

CREATE TABLE notes (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    deleted_at BIGINT,
    link_kind TEXT NOT NULL,
    link_id TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX notes_link ON notes (link_id);

CREATE TABLE stakes (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    deleted_at BIGINT,
    person_id TEXT NOT NULL REFERENCES people(id),
    project_kind TEXT NOT NULL,
    project_value TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX stakes_project ON stakes (workspace_id, project_kind, project_value);
CREATE UNIQUE INDEX stakes_person_project ON stakes (person_id, project_kind, project_value);

CREATE TABLE audit_events (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    at BIGINT NOT NULL,
    actor_id TEXT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before_doc TEXT,
    after_doc TEXT
);
CREATE INDEX audit_events_ws ON audit_events (workspace_id, id);
CREATE INDEX audit_events_entity ON audit_events (entity_id);

-- One health score per relationship per day, written lazily when health is computed.
CREATE TABLE health_history (
    workspace_id TEXT NOT NULL,
    relationship_id TEXT NOT NULL REFERENCES relationships(id),
    day TEXT NOT NULL,
    score BIGINT,
    PRIMARY KEY (relationship_id, day)
);

-- The folded text of each searchable record (people, organizations, deals, notes).
-- Each engine indexes it its own way (see the engine's migration).
CREATE TABLE search_docs (
    entity_id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    entity_kind TEXT NOT NULL,
    body TEXT NOT NULL
);

-- The folded words of names, emails and tags: the vocabulary that typo-tolerant
-- search corrects a query word against.
CREATE TABLE search_terms (
    workspace_id TEXT NOT NULL,
    term TEXT NOT NULL,
    PRIMARY KEY (workspace_id, term)
);
