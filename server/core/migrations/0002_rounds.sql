-- Online qualifying rounds, attempts and finalists (portable SQL, as 0001).

CREATE TABLE rounds (
    id TEXT PRIMARY KEY,
    contest_id TEXT NOT NULL REFERENCES contests(id),
    -- The organizer's rules as JSON (hoithi_core::round::RoundRules); the
    -- times are copied out for queries.
    rules TEXT NOT NULL,
    opens_at BIGINT NOT NULL,
    closes_at BIGINT NOT NULL,
    published BIGINT NOT NULL DEFAULT 0,
    key_published BIGINT NOT NULL DEFAULT 0,
    results_published BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX rounds_contest ON rounds(contest_id, opens_at);

CREATE TABLE attempts (
    id TEXT PRIMARY KEY,
    round_id TEXT NOT NULL REFERENCES rounds(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    -- 1, 2, …: unique per person and round, so concurrent starts cannot
    -- exceed the attempts allowed.
    seq BIGINT NOT NULL,
    started_at BIGINT NOT NULL,
    deadline BIGINT NOT NULL,
    finished_at BIGINT,
    -- 'submit' or 'deadline'
    closed_by TEXT,
    total BIGINT NOT NULL,
    score BIGINT,
    prediction BIGINT,
    UNIQUE (round_id, user_id, seq)
);
-- At most one attempt in progress per person and round.
CREATE UNIQUE INDEX attempts_one_open ON attempts(round_id, user_id) WHERE finished_at IS NULL;
CREATE INDEX attempts_due ON attempts(deadline) WHERE finished_at IS NULL;
CREATE INDEX attempts_round ON attempts(round_id, finished_at);
CREATE INDEX attempts_user ON attempts(user_id, round_id);

-- The questions an attempt drew, each at the version it was given.
CREATE TABLE attempt_items (
    attempt_id TEXT NOT NULL REFERENCES attempts(id),
    position BIGINT NOT NULL,
    question_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    -- Display order of the options: stored option indices as JSON.
    option_order TEXT NOT NULL,
    -- hoithi_core::round::grading::Response as JSON, in stored indices.
    response TEXT,
    answered_at BIGINT,
    correct BIGINT,
    PRIMARY KEY (attempt_id, position),
    FOREIGN KEY (question_id, version) REFERENCES question_versions(question_id, version)
);
CREATE INDEX attempt_items_question ON attempt_items(question_id);

CREATE TABLE finalists (
    contest_id TEXT NOT NULL REFERENCES contests(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    position BIGINT NOT NULL,
    confirmed_at BIGINT NOT NULL,
    confirmed_by TEXT NOT NULL,
    PRIMARY KEY (contest_id, user_id)
);
