-- Starting an attempt inserts it and its twenty items, and every index is
-- one more B-tree each insert walks and writes: on SQLite's single writer
-- that was most of a start's cost. Two indexes had no reader:
-- * attempts_round (round_id, finished_at): every query by round is served
--   by attempts_ranking (round_id first, finished_at covered), by the
--   unique (round_id, user_id, seq), or, for open attempts, by the partial
--   attempts_one_open.
-- * attempt_items_question (question_id): every query reaches items through
--   their attempt (the primary key); question versions are never deleted,
--   so the foreign key needs no index on this side either.
DROP INDEX attempts_round;
DROP INDEX attempt_items_question;
