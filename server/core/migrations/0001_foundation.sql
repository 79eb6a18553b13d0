-- Portable SQL: the same file runs on SQLite and PostgreSQL. Ids are UUID text,
-- times are Unix milliseconds, flags are 0/1.

CREATE TABLE units (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_id TEXT REFERENCES units(id),
    headcount BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX units_parent ON units(parent_id);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    login TEXT NOT NULL UNIQUE,
    full_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    unit_id TEXT REFERENCES units(id),
    position TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX users_role ON users(role);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE questions (
    id TEXT PRIMARY KEY,
    qkey TEXT NOT NULL UNIQUE,
    current_version BIGINT NOT NULL,
    retired BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Versions are never updated or deleted: an attempt keeps the version it drew.
CREATE TABLE question_versions (
    question_id TEXT NOT NULL REFERENCES questions(id),
    version BIGINT NOT NULL,
    kind TEXT NOT NULL,
    topic TEXT NOT NULL,
    difficulty TEXT NOT NULL,
    text TEXT NOT NULL,
    options TEXT NOT NULL,
    answers TEXT NOT NULL,
    tolerance DOUBLE PRECISION,
    explanation TEXT NOT NULL,
    source TEXT NOT NULL,
    image TEXT,
    dup_key TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT,
    PRIMARY KEY (question_id, version)
);
CREATE INDEX question_versions_topic ON question_versions(topic, difficulty);

-- An uploaded file waiting for the admin to confirm its preview.
CREATE TABLE uploads (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    purpose TEXT NOT NULL,
    file_name TEXT NOT NULL,
    format TEXT NOT NULL,
    defaults TEXT NOT NULL,
    content TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    applied_at BIGINT
);

CREATE TABLE contests (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
