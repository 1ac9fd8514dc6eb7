import JSONValues
import Registry
import Scheduler

// The bodies the API answers, as `JSONResponse` encodes them: snake_case keys, RFC 3339 times, and every member present,
// `null` when it has no value (`nullable`). Each mirrors the Swift type that answers it, and OpenAPITypeTests holds each
// schema's properties to the keys that type encodes. Only request bodies have `optional` members.

extension OpenAPIDocument {
    static let modelNamePattern = "^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$"
    static let aliasPattern = "^[a-z][a-z0-9_-]{0,62}$"
    static let tokenNamePattern = "^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$"
    static let sha256Pattern = "^[0-9a-f]{64}$"
    /// A model's version number: `integer` in the database, so at most 2³¹ − 1.
    static let versionSchema = Schema.integer(minimum: 1, maximum: Int64(Int32.max), format: "int32")

    static var schemas: [String: Schema] {
        systemSchemas.merging(jobSchemas) { $1 }.merging(modelSchemas) { $1 }.merging(scoringSchemas) { $1 }
            .merging(tokenSchemas) { $1 }
    }

    static let systemSchemas: [String: Schema] = [
        "Error": Schema.object(
            required: [
                "error": .object(
                    required: [
                        "code": Schema.string().described("Machine-readable: `unauthorized`, `forbidden`, `not_found`, `conflict`, …"),
                        "message": Schema.string().described("What went wrong, in words an operator can act on."),
                    ]
                )
            ]
        ).described("Every failure's body."),
        "Health": .object(required: ["status": .enumeration(["ok"])]),
        "Readiness": Schema.object(
            required: [
                "status": .enumeration(["ready", "not_ready"]),
                "checks": .array(
                    .object(
                        required: ["name": .string(), "ok": .boolean],
                        nullable: [
                            "message": Schema.string().described(
                                "Why the check failed; null when it passed, and for callers without a valid token."
                            )
                        ]
                    )
                ),
            ]
        ).described("Each readiness probe (database, migrations, artifact store) and its outcome."),
        "VersionInfo": .object(required: ["name": .enumeration(["nomaly"]), "version": .string()]),
    ]

    static let jobSchemas: [String: Schema] = [
        "RunStatus": Schema.enumeration(RunStatus.allCases.map(\.rawValue))
            .described("`queued` and `running` are live; the others are final."),
        "JobSummary": Schema.object(
            required: [
                "name": .string(),
                "kind": Schema.string().described("`train`, `score`, `command`, …"),
                "schedule": Schema.string().described("Cron expression or `@daily`-style shorthand."),
                "timezone": .string(),
                "paused": .boolean,
                "enabled": .boolean,
                "running": .integer(minimum: 0),
                "queued": .integer(minimum: 0),
                "origin": Schema.enumeration(["file", "api"])
                    .described("`file`: defined in `jobs/`; `api`: holds the runs the API creates (`api.scoring`)."),
                "created_at": .dateTime,
                "active_since": Schema.dateTime.described("When the job was created, or last resumed, re-enabled or re-added."),
                "last_run_failed": Schema.boolean.described(
                    "The newest run that ran (skipped slots aside) failed, timed out or was lost: what the JobFailing alert reads."
                ),
                "retry_pending": Schema.boolean.described("A retry of that failed run is queued or running, so the job has not given up yet."),
            ],
            nullable: [
                "next_fire_at": Schema.dateTime.described(
                    "The schedule's next slot in the job's zone, paused or not; null for `api.scoring` and a schedule that never fires."
                ),
                "last_status": .ref("RunStatus"),
                "last_scheduled_at": .dateTime,
                "last_finished_at": .dateTime,
                "last_success_at": .dateTime,
            ]
        ).described("A job and the state of its runs, exactly as `nomaly jobs list --json` shows it (`JobListing`)."),
        "RunRecord": Schema.object(
            required: [
                "id": .integer(minimum: 1),
                "job_name": .string(),
                "scheduled_at": .dateTime,
                "attempt": .integer(minimum: 1),
                "trigger": Schema.string().described("`schedule`, `manual`, `retry`, …"),
                "status": .ref("RunStatus"),
                "not_before": .dateTime,
                "queued_at": .dateTime,
            ],
            nullable: [
                "claimed_by": .string(),
                "started_at": .dateTime,
                "finished_at": .dateTime,
                "lease_expires_at": .dateTime,
                "error": .string(),
                "exit_code": .integer(),
                "result": Schema.anyValue.described("What the job's kind reported, as JSON."),
                "cancel_requested_at": .dateTime,
                "spec": Schema.anyValue.described("The spec the run executes instead of its job's (runs created over the API)."),
            ]
        ).described("One run of a job."),
        "RunPage": Schema.object(
            required: ["runs": .array(.ref("RunRecord"))],
            nullable: ["next_cursor": Schema.integer(minimum: 1).described("Pass as `cursor` for the next page; null on the last.")]
        ),
        "RunDetail": .object(
            required: ["run": .ref("RunRecord")],
            nullable: ["log_tail": Schema.string().described("The end of the run's output.")]
        ),
        "RunQueued": .object(required: ["run_id": .integer(minimum: 1)]),
    ]

    static let modelSchemas: [String: Schema] = [
        "ModelSummary": Schema.object(
            required: [
                "name": .string(pattern: modelNamePattern),
                "description": .string(),
                "tags": .map(.string()),
                "version_count": Schema.integer(minimum: 0).described("Live (not deleted) versions."),
                "aliases": Schema.map(versionSchema).described("Each alias and the version it points at."),
                "created_at": .dateTime,
                "updated_at": .dateTime,
            ],
            nullable: ["latest_version": versionSchema.described("The newest live version; null when there is none.")]
        ).described("A model (`nomaly models list --json`)."),
        "ModelVersion": Schema.object(
            required: [
                "model": .string(pattern: modelNamePattern),
                "version": versionSchema,
                "algorithm": Schema.string().described("`isolation-forest`, `ecod`, …"),
                "params": Schema.map(.anyValue).described("The detector's settings as trained."),
                "metrics": Schema.anyValue.described("The artifact's `metrics.json`."),
                "feature_schema": Schema.array(.map(.anyValue)).described("The feature columns in the detector's order, with statistics."),
                "artifact_sha256": .string(pattern: sha256Pattern),
                "artifact_uri": .string(),
                "artifact_size": .integer(minimum: 0),
                "nomaly_version": .string(),
                "description": .string(),
                "created_at": .dateTime,
                "aliases": Schema.array(.string(pattern: aliasPattern)).described("The aliases pointing at this version now."),
            ],
            nullable: [
                "training_run_id": Schema.integer(minimum: 1).described("The run that trained it, when a job did."),
                "dataset_fingerprint": .string(),
                "spec_hash": .string(),
                "created_by": .string(),
            ]
        ).described("One immutable, numbered version of a model."),
        "VersionDeleted": .object(
            required: [
                "model": .string(pattern: modelNamePattern),
                "version": versionSchema,
                "deleted": Schema(["type": .string("boolean"), "const": .bool(true)]),
            ]
        ),
        "VersionPage": Schema.object(
            required: ["versions": .array(.ref("ModelVersion"))],
            nullable: ["next_cursor": versionSchema.described("Pass as `cursor` for the next page; null on the last.")]
        ),
        "AliasChange": Schema.object(
            required: [
                "model": .string(pattern: modelNamePattern),
                "alias": .string(pattern: aliasPattern),
                "actor": .string(),
                "changed_at": .dateTime,
            ],
            nullable: [
                "from_version": versionSchema.described("Null when the alias did not exist."),
                "to_version": versionSchema.described("Null when the alias was removed."),
                "reason": .string(),
            ]
        ).described("One move of an alias: a promotion, a rollback or a removal."),
        "AliasRequest": Schema.object(
            required: ["version": versionSchema],
            optional: [
                "expect":
                    versionSchema
                    .described("The version the alias must point at now; `null`: it must not exist; absent: no check."),
                "reason": .string(),
            ]
        ),
        "AuditEntry": Schema.object(
            required: [
                "id": .integer(minimum: 1),
                "at": .dateTime,
                "actor": Schema.string().described("`token:NAME` over the API, the user's name from the CLI."),
                "action": Schema.string().described("`model.register`, `model.promote`, `job.trigger`, …"),
                "details": .map(.anyValue),
            ],
            nullable: ["target": Schema.string().described("`fraud:3`, `fraud@production`, a job or a run."), "remote_addr": .string()]
        ),
        "AuditPage": Schema.object(
            required: ["entries": .array(.ref("AuditEntry"))],
            nullable: ["next_cursor": Schema.integer(minimum: 1).described("Pass as `cursor` for the next page; null on the last.")]
        ).described("A page of the audit log, newest first."),
    ]

    static let scoringSchemas: [String: Schema] = [
        "ScoreResponse": .object(
            required: [
                "model": .string(pattern: modelNamePattern),
                "version": versionSchema,
                "predictions": .array(.object(required: ["score": .number, "is_anomaly": .boolean])),
            ]
        ),
        "MLflowInput": Schema.object(
            optional: [
                "dataframe_split": .object(required: ["columns": .array(.string()), "data": .array(.array(.anyValue))]),
                "dataframe_records": .array(.map(.anyValue)),
                "instances": Schema.array(.anyOf([.map(.anyValue), .array(.anyValue)])).described("Objects of features, or rows in feature order."),
                "inputs": Schema.anyOf([.map(.array(.anyValue)), .array(.array(.anyValue))])
                    .described("Columns by feature name, or rows in feature order."),
            ]
        )
        .described("One of MLflow's input shapes; cells are numbers, or null where the model imputes.")
        .example(
            .object([
                "dataframe_split": .object([
                    "columns": .array([.string("amount"), .string("hour"), .string("velocity")]),
                    "data": .array([.array([.number(141.84), .integer(8), .number(0.97)])]),
                ])
            ])
        ),
        "ScoringJobRequest": .object(
            required: [
                "model": Schema.string(minLength: 1).described("`NAME` (its production alias), `NAME@ALIAS` or `NAME:VERSION`."),
                "input": Schema.string(minLength: 1)
                    .described("A path under the scoring directory, or an `s3://` URL below a prefix of NOMALY_SCORING_S3_PREFIXES."),
                "output": Schema.string(minLength: 1)
                    .described(
                        "`table` (the `anomaly_scores` table), a path under the scoring directory, or an `s3://` URL below a prefix of "
                            + "NOMALY_SCORING_S3_PREFIXES."
                    ),
            ],
            optional: [
                "id": Schema.string().described("The id column; required for table output."),
                "overwrite": Schema.boolean.described("Replace an existing output file or object (default false: the request or the run fails)."),
            ]
        )
        .example(
            .object([
                "model": .string("fraud@production"), "input": .string("today.csv"), "output": .string("table"), "id": .string("id"),
            ])
        ),
        "ScoringJobQueued": .object(required: ["run_id": .integer(minimum: 1), "job": .string(), "status": .enumeration(["queued"])]),
    ]

    static let tokenSchemas: [String: Schema] = [
        "Role": Schema.enumeration(Role.allCases.map(\.rawValue)).described("Roles nest: viewer < operator < admin."),
        "TokenRecord": Schema.object(
            required: ["name": .string(), "role": .ref("Role"), "created_at": .dateTime],
            nullable: ["expires_at": .dateTime, "last_used_at": .dateTime, "revoked_at": .dateTime]
        ).described("A token as listed: never the secret itself."),
        "TokenList": .object(required: ["tokens": .array(.ref("TokenRecord"))]),
        "TokenRequest": .object(
            required: ["name": .string(pattern: tokenNamePattern), "role": .ref("Role")],
            optional: ["expires": Schema.string().described("A lifetime such as `90d` or `12h`; absent: no expiry.").example(.string("90d"))]
        ),
        "TokenCreated": Schema.object(
            required: [
                "token": Schema.string(pattern: "^nmly_[A-Za-z0-9_-]{43}$").described("The secret, shown this once."),
                "name": .string(),
                "role": .ref("Role"),
                "created_at": .dateTime,
            ],
            nullable: ["expires_at": .dateTime, "last_used_at": .dateTime, "revoked_at": .dateTime]
        ),
        "TokenRevoked": .object(required: ["name": .string(), "revoked": Schema(["type": .string("boolean"), "const": .bool(true)])]),
    ]
}
