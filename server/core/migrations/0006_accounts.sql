-- Accounts that last (portable SQL, as 0001).

-- A password somebody else has seen (generated at registration in bulk or
-- for the first admin, or a temporary one after a reset) must be replaced
-- at the next log-in: until then the account can do nothing else.
ALTER TABLE users ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN password_changed_at BIGINT;

-- A deactivated account cannot log in; its attempts stay. A duplicate
-- merged into another account is deactivated and points at it.
ALTER TABLE users ADD COLUMN deactivated_at BIGINT;
ALTER TABLE users ADD COLUMN merged_into TEXT;
