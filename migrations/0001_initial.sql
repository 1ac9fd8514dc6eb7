-- Nomaly's first schema: jobs and their runs, the model registry, API tokens, the audit log,
-- backups and stored anomaly scores. Later migrations extend it; never edit this file once applied.

-- Scheduler ---------------------------------------------------------------------------------------

-- One row per jobs/*.yaml file. The file is the source of truth for the spec; the row holds state.
CREATE TABLE jobs (
    name              text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9_.-]{0,62}$'),
    kind              text NOT NULL,
    schedule          text NOT NULL,
    timezone          text NOT NULL DEFAULT 'UTC',
    spec              jsonb NOT NULL DEFAULT '{}',
    spec_hash         text NOT NULL,
    paused            boolean NOT NULL DEFAULT false,
    -- The last slot materialised, so that a restart neither repeats nor loses slots.
    last_scheduled_at timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE job_runs (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_name         text NOT NULL REFERENCES jobs (name) ON DELETE CASCADE,
    scheduled_at     timestamptz NOT NULL,
    attempt          integer NOT NULL DEFAULT 1 CHECK (attempt >= 1),
    trigger          text NOT NULL CHECK (trigger IN ('schedule', 'manual', 'retry', 'catchup')),
    status           text NOT NULL DEFAULT 'queued'
                     CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'timed_out', 'cancelled', 'skipped', 'lost')),
    -- Earliest moment a worker may start it (retry backoff, jitter).
    not_before       timestamptz NOT NULL DEFAULT now(),
    claimed_by       text,
    -- Fencing token: a worker's final update only lands while it still holds the lease.
    lease_token      uuid,
    lease_expires_at timestamptz,
    queued_at        timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz,
    error            text,
    log_tail         text,
    result           jsonb,
    -- What makes a scheduled slot fire once, whatever the number of replicas.
    UNIQUE (job_name, scheduled_at, attempt),
    CHECK (finished_at IS NULL OR started_at IS NULL OR finished_at >= started_at)
);

CREATE INDEX job_runs_claimable ON job_runs (not_before) WHERE status = 'queued';
CREATE INDEX job_runs_leases ON job_runs (lease_expires_at) WHERE status = 'running';
CREATE INDEX job_runs_by_job ON job_runs (job_name, scheduled_at DESC, id DESC);

-- Model registry ----------------------------------------------------------------------------------

CREATE TABLE models (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$'),
    description  text NOT NULL DEFAULT '',
    tags         jsonb NOT NULL DEFAULT '{}',
    -- Versions are numbered in the database (UPDATE … RETURNING), never MAX()+1 in the application.
    next_version integer NOT NULL DEFAULT 1 CHECK (next_version >= 1),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE model_versions (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    model_id            bigint NOT NULL REFERENCES models (id),
    version             integer NOT NULL CHECK (version >= 1),
    algorithm           text NOT NULL,
    params              jsonb NOT NULL DEFAULT '{}',
    metrics             jsonb NOT NULL DEFAULT '{}',
    feature_schema      jsonb NOT NULL,
    artifact_sha256     text NOT NULL CHECK (artifact_sha256 ~ '^[0-9a-f]{64}$'),
    artifact_uri        text NOT NULL,
    artifact_size       bigint NOT NULL CHECK (artifact_size >= 0),
    training_run_id     bigint REFERENCES job_runs (id) ON DELETE SET NULL,
    dataset_fingerprint text,
    spec_hash           text,
    nomaly_version      text NOT NULL,
    description         text NOT NULL DEFAULT '',
    created_by          text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    deleted_at          timestamptz,
    UNIQUE (model_id, version)
);

CREATE INDEX model_versions_by_artifact ON model_versions (artifact_sha256);
CREATE INDEX model_versions_live ON model_versions (model_id, version DESC) WHERE deleted_at IS NULL;

CREATE TABLE model_aliases (
    model_id   bigint NOT NULL REFERENCES models (id),
    alias      text NOT NULL CHECK (alias ~ '^[a-z][a-z0-9_-]{0,62}$'),
    version_id bigint NOT NULL REFERENCES model_versions (id),
    updated_by text,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (model_id, alias)
);

-- Every alias change, so that rollback knows where to go and operators know who did what.
CREATE TABLE alias_history (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    model_id        bigint NOT NULL REFERENCES models (id),
    alias           text NOT NULL,
    from_version_id bigint REFERENCES model_versions (id),
    to_version_id   bigint REFERENCES model_versions (id),
    actor           text NOT NULL,
    reason          text,
    changed_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX alias_history_by_alias ON alias_history (model_id, alias, id DESC);

-- Access and audit --------------------------------------------------------------------------------

CREATE TABLE api_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL UNIQUE,
    role         text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    -- Only the sha256 of a token is kept; the token itself is shown once.
    token_sha256 text NOT NULL UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    last_used_at timestamptz,
    revoked_at   timestamptz
);

CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor       text NOT NULL,
    action      text NOT NULL,
    target      text,
    details     jsonb NOT NULL DEFAULT '{}',
    remote_addr text
);

CREATE INDEX audit_log_by_time ON audit_log (at DESC);

-- Backups and scores ------------------------------------------------------------------------------

CREATE TABLE backups (
    id          text PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('database', 'models', 'full')),
    status      text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    location    text NOT NULL,
    remote_uri  text,
    size_bytes  bigint,
    sha256      text,
    manifest    jsonb,
    error       text,
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    verified_at timestamptz
);

CREATE TABLE anomaly_scores (
    run_id     bigint NOT NULL REFERENCES job_runs (id) ON DELETE CASCADE,
    row_key    text NOT NULL,
    score      double precision NOT NULL,
    is_anomaly boolean NOT NULL,
    scored_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, row_key)
);
