-- Security (portable SQL, as 0001).

-- An organizer sees the bank's answer keys only when an admin grants it.
ALTER TABLE users ADD COLUMN bank_keys BIGINT NOT NULL DEFAULT 0;

-- A seat or judge code is bound to the first device that opens it (a hash
-- of that device's cookie); the host can release it to another device.
ALTER TABLE final_codes ADD COLUMN device TEXT;
ALTER TABLE final_codes ADD COLUMN bound_at BIGINT;
ALTER TABLE final_codes ADD COLUMN device_label TEXT;

-- When an organizer ended the final: its host, seat and judge codes stop
-- working; the audience's join code still shows the final scoreboard.
ALTER TABLE finals ADD COLUMN ended_at BIGINT;

-- Unconfirmed uploads are purged after a day.
CREATE INDEX uploads_created ON uploads(created_at);
