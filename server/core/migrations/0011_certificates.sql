-- Certificates (portable SQL, as 0001): per contest, the committee's name
-- and seal as printed and whether participants get one too; per round, a
-- certificate for each prize-winner (and participant), its facts frozen as
-- issued, with a serial that a public page verifies. Revoking keeps the row.
CREATE TABLE certificate_settings (
    contest_id TEXT PRIMARY KEY REFERENCES contests(id),
    committee TEXT NOT NULL,
    seal TEXT,
    participants BIGINT NOT NULL DEFAULT 0,
    updated_by TEXT NOT NULL REFERENCES users(id),
    updated_at BIGINT NOT NULL
);

CREATE TABLE certificates (
    serial TEXT PRIMARY KEY,
    round_id TEXT NOT NULL REFERENCES rounds(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    -- NULL: a participation certificate
    prize TEXT,
    full_name TEXT NOT NULL,
    unit_name TEXT,
    round_name TEXT NOT NULL,
    contest_name TEXT NOT NULL,
    committee TEXT NOT NULL,
    issued_at BIGINT NOT NULL,
    revoked_at BIGINT,
    revoked_reason TEXT
);
CREATE INDEX certificates_round ON certificates(round_id);
CREATE INDEX certificates_user ON certificates(user_id);
