-- When a job last became expected to run: created, resumed, re-enabled or re-added after removal. The "no success
-- for twice its interval" alert counts from the later of this and the newest success, so a job that was paused
-- for a week is not overdue the moment it is resumed.

ALTER TABLE jobs ADD COLUMN active_since timestamptz;
UPDATE jobs SET active_since = created_at;
ALTER TABLE jobs ALTER COLUMN active_since SET DEFAULT now(), ALTER COLUMN active_since SET NOT NULL;
