-- Fair play (portable SQL, as 0001): where each attempt came from (the
-- hash of the browser's first-party device cookie, the address, what the
-- browser reports of itself), when its page was hidden and shown again (by
-- the server's clock), and organizers' decisions on the signals.
ALTER TABLE attempts ADD COLUMN device TEXT;
ALTER TABLE attempts ADD COLUMN address TEXT;
ALTER TABLE attempts ADD COLUMN traits TEXT;

CREATE TABLE attempt_events (
    attempt_id TEXT NOT NULL REFERENCES attempts(id),
    -- 'hidden' or 'visible'
    kind TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX attempt_events_attempt ON attempt_events(attempt_id, at);

-- 'clear' (a flag, by its key), 'disqualify_attempt' or 'disqualify_person'
-- (every attempt of the person in the round, and no new one). Lifting keeps
-- the row: the log shows what stood when.
CREATE TABLE fairplay_decisions (
    id TEXT PRIMARY KEY,
    round_id TEXT NOT NULL REFERENCES rounds(id),
    action TEXT NOT NULL,
    flag_key TEXT,
    user_id TEXT REFERENCES users(id),
    attempt_id TEXT REFERENCES attempts(id),
    reason TEXT NOT NULL,
    decided_by TEXT NOT NULL REFERENCES users(id),
    decided_at BIGINT NOT NULL,
    lifted_by TEXT REFERENCES users(id),
    lifted_reason TEXT,
    lifted_at BIGINT
);
CREATE INDEX fairplay_decisions_round ON fairplay_decisions(round_id, user_id);
