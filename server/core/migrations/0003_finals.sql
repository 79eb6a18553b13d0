-- Live finals: the program and the event log every screen's state is
-- rebuilt from (portable SQL, as 0001).

CREATE TABLE finals (
    id TEXT PRIMARY KEY,
    contest_id TEXT REFERENCES contests(id),
    name TEXT NOT NULL,
    -- hoithi_core::live::Program as JSON.
    program TEXT NOT NULL,
    -- Short code the audience screens join with.
    join_code TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

-- Seat and judge codes: what a pad joins with, instead of an account.
CREATE TABLE final_codes (
    code TEXT PRIMARY KEY,
    final_id TEXT NOT NULL REFERENCES finals(id),
    -- 'host', 'seat' or 'judge'
    role TEXT NOT NULL,
    -- The seat number or the judge's index.
    slot BIGINT NOT NULL
);
CREATE INDEX final_codes_final ON final_codes(final_id);

-- Events are only ever appended; (final, seq) unique makes two writers
-- racing for the same number fail instead of forking the show.
CREATE TABLE live_events (
    final_id TEXT NOT NULL REFERENCES finals(id),
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    -- hoithi_core::live::EventKind as JSON.
    kind TEXT NOT NULL,
    PRIMARY KEY (final_id, seq)
);
