-- Accommodations (portable SQL, as 0001): for one person or one unit (and
-- the units under it) in a round, extra time per attempt, extra attempts,
-- a later closing time, with the reason and who granted it.
CREATE TABLE round_overrides (
    id TEXT PRIMARY KEY,
    round_id TEXT NOT NULL REFERENCES rounds(id),
    user_id TEXT REFERENCES users(id),
    unit_id TEXT REFERENCES units(id),
    extra_secs BIGINT NOT NULL DEFAULT 0,
    extra_attempts BIGINT NOT NULL DEFAULT 0,
    closes_at BIGINT,
    reason TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX round_overrides_round ON round_overrides(round_id);
