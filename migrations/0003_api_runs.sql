-- Runs created over the API with their own spec (POST /api/v1/scoring-jobs): they belong to a job row that no
-- file defines, so the planner never schedules it and the catalog sync never retires it.

ALTER TABLE jobs
    -- 'file': defined by jobs/NAME.yaml; 'api': a home for runs the API creates, never planned or retired.
    ADD COLUMN origin text NOT NULL DEFAULT 'file' CHECK (origin IN ('file', 'api'));

ALTER TABLE job_runs
    -- The spec this run executes instead of its job's (runs created by the API carry their own settings).
    ADD COLUMN spec jsonb,
    DROP CONSTRAINT job_runs_trigger_check,
    ADD CONSTRAINT job_runs_trigger_check CHECK (trigger IN ('schedule', 'manual', 'retry', 'catchup', 'api'));

-- Ad-hoc scoring runs overlap freely and are kept like any job's history.
INSERT INTO jobs (name, kind, schedule, spec, spec_hash, origin, concurrency)
VALUES ('api.scoring', 'score', '@api', '{"kind": "score", "concurrency": "allow"}', '', 'api', 'allow');
