-- The scheduler's execution state: job removal, per-run concurrency and cancellation, and the indexes
-- the claim, reaper and pruning queries rely on.

-- The policies the claim, skip and prune statements need, normalised from the spec when it is synced.
ALTER TABLE jobs
    ADD COLUMN enabled                   boolean NOT NULL DEFAULT true,
    -- Set when the job's file disappeared; the row stays for its history.
    ADD COLUMN removed_at                timestamptz,
    ADD COLUMN concurrency               text NOT NULL DEFAULT 'forbid' CHECK (concurrency IN ('forbid', 'allow', 'replace')),
    ADD COLUMN starting_deadline_seconds double precision CHECK (starting_deadline_seconds > 0),
    ADD COLUMN keep_succeeded            integer NOT NULL DEFAULT 100 CHECK (keep_succeeded >= 0),
    ADD COLUMN keep_failed               integer NOT NULL DEFAULT 100 CHECK (keep_failed >= 0),
    ADD COLUMN max_age_seconds           double precision NOT NULL DEFAULT 2592000 CHECK (max_age_seconds > 0);

ALTER TABLE job_runs
    -- Copied from the job's `concurrency: forbid|replace` when the run is queued.
    ADD COLUMN exclusive           boolean NOT NULL DEFAULT true,
    ADD COLUMN cancel_requested_at timestamptz,
    ADD COLUMN cancel_reason       text,
    ADD COLUMN heartbeat_at        timestamptz,
    ADD COLUMN exit_code           integer;

-- At most one exclusive run of a job is running, whatever the replicas do: the database enforces the
-- `forbid` policy even if two claims race.
CREATE UNIQUE INDEX job_runs_one_exclusive_running ON job_runs (job_name) WHERE status = 'running' AND exclusive;

-- History pruning walks each job's finished runs newest first.
CREATE INDEX job_runs_finished ON job_runs (job_name, status, finished_at DESC) WHERE finished_at IS NOT NULL;
