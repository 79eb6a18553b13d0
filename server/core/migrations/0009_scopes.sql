-- Ownership and delegation (portable SQL, as 0001). A contest belongs to
-- the committee (unit) that runs it; NULL: the whole city's.
ALTER TABLE contests ADD COLUMN unit_id TEXT REFERENCES units(id);

-- What an organizer or judge may act on: the whole city ('all'), a unit and
-- the units under it, one contest, or (judges) one final. A grant is never
-- deleted: revoking stamps it, so who could do what, when, stays readable.
CREATE TABLE grants (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    scope_kind TEXT NOT NULL,
    scope_id TEXT,
    -- A judge's place on the final's panel (1 = "Giám khảo 1").
    judge_no BIGINT,
    granted_by TEXT REFERENCES users(id),
    granted_at BIGINT NOT NULL,
    revoked_by TEXT REFERENCES users(id),
    revoked_at BIGINT
);
CREATE INDEX grants_user ON grants(user_id, revoked_at);
CREATE INDEX grants_scope ON grants(scope_kind, scope_id);

-- Organizers from before scopes acted city-wide; they keep that until an
-- admin narrows it, so an upgrade locks nobody out.
INSERT INTO grants (id, user_id, role, scope_kind, scope_id, judge_no, granted_by, granted_at)
SELECT 'migrated-' || id, id, 'organizer', 'all', NULL, NULL, NULL, created_at
FROM users WHERE role = 'organizer';
