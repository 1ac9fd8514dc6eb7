import JSONValues
import Registry

extension OpenAPIDocument {
    /// What a scoring request sends: CSV with a header naming the model's features, or MLflow's JSON shapes.
    static let scoringBody = RequestBody(
        description: "CSV with a header naming the model's features (other columns are ignored), or one of MLflow's JSON shapes.",
        content: ["text/csv": .string(), "application/json": .ref("MLflowInput")]
    )

    /// The answers of a scoring request, with the failures its body and its model can cause.
    static func scoringResponses(badRequest: String) -> [Int: Response] {
        [
            200: Response(
                description: "A score per row, in order; CSV (`score,is_anomaly`) when the request accepts `text/csv`.",
                content: ["application/json": .ref("ScoreResponse"), "text/csv": .string()]
            )
            .header("X-Nomaly-Model-Version", .string(), "`NAME:VERSION` of the model that scored (CSV answers)."),
            400: .error(badRequest),
            404: .error("There is no such model, alias or version (`not_found`)."),
            413: .error(
                "The body is larger than `NOMALY_HTTP_MAX_BODY`, 50 MiB by default (`too_large`), or carries more rows than "
                    + "`NOMALY_SCORING_MAX_ROWS`, 1,000,000 by default (`too_many_rows`: score it with `POST /api/v1/scoring-jobs`); "
                    + "JSON with more than 100,000 columns, values in a row or keys at once (`too_many_columns`), or a string, key "
                    + "or number longer than 64 KiB (`too_long`)."
            ),
            415: .error(
                "The body is neither `text/csv` nor `application/json` (`unsupported_media_type`), or its JSON is not UTF-8 "
                    + "(`unsupported_encoding`)."
            ),
            422: .error("The model's stored artifact does not load (`invalid_artifact`)."),
            502: .error("The artifact store failed (`storage`)."),
        ]
    }

    /// `POST /api/v1/models/{name}/score` and `POST /invocations` (``ScoringController``), and background scoring runs.
    static let scoringOperations: [Operation] = [
        Operation(
            method: .post,
            path: "/api/v1/models/{name}/score",
            id: "scoreRows",
            tag: "scoring",
            access: .token(.operator),
            summary: "Scores the rows in the body with a version of the model: its `production` alias unless told otherwise.",
            parameters: [
                modelName,
                .query("alias", Schema.string(pattern: aliasPattern).defaulting(to: .string("production")), "Score with this alias's version."),
                .query("version", versionSchema, "Score with this version (wins over `alias`)."),
            ],
            body: scoringBody,
            responses: scoringResponses(
                badRequest:
                    "A malformed name, alias or version (`invalid_name`, `bad_request`), JSON that is malformed or nested deeper "
                    + "than `NOMALY_HTTP_MAX_JSON_DEPTH` (`invalid_json`, `json_too_deep`; the message names line and column), or a "
                    + "body that lacks a feature or has a bad cell (`invalid_input`, `invalid_json`)."
            )
        ),
        Operation(
            method: .post,
            path: "/invocations",
            id: "invocations",
            tag: "scoring",
            access: .token(.operator),
            summary: "MLflow's scoring endpoint: the model comes from `X-Nomaly-Model`, or the server's `NOMALY_INVOCATIONS_MODEL`.",
            parameters: [
                .header(
                    "X-Nomaly-Model",
                    Schema.string().example(.string("fraud@production")),
                    "`NAME@ALIAS`, `NAME:VERSION` or `NAME` (its `production` alias)."
                )
            ],
            body: scoringBody,
            responses: scoringResponses(
                badRequest:
                    "No model named (`no_model`), a malformed reference (`invalid_name`), JSON that is malformed or nested deeper "
                    + "than `NOMALY_HTTP_MAX_JSON_DEPTH` (`invalid_json`, `json_too_deep`; the message names line and column), or a "
                    + "body that lacks a feature or has a bad cell (`invalid_input`, `invalid_json`)."
            )
        ),
        Operation(
            method: .post,
            path: "/api/v1/scoring-jobs",
            id: "createScoringJob",
            tag: "scoring",
            access: .token(.operator),
            summary: "Scores a file in the background: queues a run that writes a score per row to a file, an S3 object or a table.",
            body: .json(.ref("ScoringJobRequest"), "The model, the input, and where the scores go."),
            responses: [
                202: .json(.ref("ScoringJobQueued"), "The run is queued; follow it at `Location`.")
                    .header("Location", .string(), "`/api/v1/runs/{run_id}`.", required: true),
                400: .error(
                    "The body is not the expected JSON (`invalid_json`, `json_too_deep`), the model reference is malformed "
                        + "(`invalid_name`), a path lies outside the scoring folder (`outside_scoring_dir`), an `s3://` URL is not "
                        + "below a prefix of NOMALY_SCORING_S3_PREFIXES (`s3_not_allowed`), a location lies in the artifact store "
                        + "or the backups (`protected_location`), a location is neither a path nor an `s3://bucket/key` URL "
                        + "(`invalid_location`), or a setting is invalid (`invalid_settings`)."
                ),
                404: .error("There is no such model, alias or version (`not_found`)."),
                409: .error(
                    "The output file exists and `overwrite` is not true (`output_exists`), or the `api.scoring` job does not take "
                        + "these runs (`not_triggerable`)."
                ),
                413: .error("The body is larger than 1 MiB (`too_large`)."),
                503: .error("The request timed out (`request_timeout`)."),
            ]
        ),
    ]
}
