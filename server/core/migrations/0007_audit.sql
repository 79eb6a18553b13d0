-- The audit log (portable SQL, as 0001): every change an organizer or an
-- admin makes, who, when, what, and the values before and after. Rows are
-- only ever added.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_id TEXT,
    actor_name TEXT NOT NULL,
    actor_login TEXT NOT NULL,
    action TEXT NOT NULL,
    object_kind TEXT NOT NULL,
    object_id TEXT NOT NULL,
    contest_id TEXT,
    summary TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_contest ON audit_log(contest_id, at);
CREATE INDEX audit_log_actor ON audit_log(actor_id, at);
