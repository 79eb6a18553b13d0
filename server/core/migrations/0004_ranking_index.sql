-- Ranking reads every finished attempt of a round (a million in a city-wide
-- round). This index holds every column the ranking needs, in person order,
-- so it is read start to end without touching the table.
CREATE INDEX attempts_ranking ON attempts(round_id, user_id, seq, finished_at, started_at, deadline, total, score, prediction);
