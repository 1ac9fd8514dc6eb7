import JSONValues
import Registry
import Scheduler

extension OpenAPIDocument {
    static let jobName = Parameter.path("name", Schema.string(minLength: 1).example(.string("nightly")), "The job's name.")
    static let runID = Parameter.path("id", Schema.integer(minimum: 1, maximum: Int64.max).example(.integer(1)), "The run's id.")

    /// `limit`: how many items a page holds.
    static func limit(default value: Int64) -> Parameter {
        .query("limit", Schema.integer(minimum: 1, maximum: 1000).defaulting(to: .integer(value)), "The most items to answer.")
    }

    /// `cursor`: the `next_cursor` of the previous page.
    static let cursor = Parameter.query(
        "cursor",
        .integer(minimum: 1, maximum: Int64.max),
        "The previous page's `next_cursor`: answers the items before it."
    )
}

extension OpenAPIDocument {
    /// `/api/v1/jobs…` and `/api/v1/runs…` (``JobsController``).
    static let jobOperations: [Operation] = [
        Operation(
            method: .get,
            path: "/api/v1/jobs",
            id: "listJobs",
            tag: "jobs",
            access: .token(.viewer),
            summary: "Every job with the state of its runs, by name.",
            responses: [200: .json(.array(.ref("JobSummary")), "The jobs.")]
        ),
        Operation(
            method: .get,
            path: "/api/v1/jobs/{name}",
            id: "getJob",
            tag: "jobs",
            access: .token(.viewer),
            summary: "One job.",
            parameters: [jobName],
            responses: [
                200: .json(.ref("JobSummary"), "The job."),
                404: .error("There is no such job (`not_found`)."),
            ]
        ),
        Operation(
            method: .post,
            path: "/api/v1/jobs/{name}/trigger",
            id: "triggerJob",
            tag: "jobs",
            access: .token(.operator),
            summary: "Queues a run now, whatever the schedule says (even while the job is paused).",
            parameters: [jobName],
            responses: [
                202: .json(.ref("RunQueued"), "The run is queued."),
                404: .error("There is no such job (`unknown_job`)."),
                409: .error("The job only holds runs created over the API, such as `api.scoring` (`not_triggerable`)."),
            ]
        ),
        pauseOrResume(paused: true),
        pauseOrResume(paused: false),
        Operation(
            method: .get,
            path: "/api/v1/runs",
            id: "listRuns",
            tag: "runs",
            access: .token(.viewer),
            summary: "Runs, newest first, a page at a time.",
            parameters: [
                .query("job", .string(), "Only this job's runs."),
                .query("status", .ref("RunStatus"), "Only runs in this state."),
                .query("since", .dateTime, "Only runs scheduled at or after this time (`2026-11-29T00:00:00Z`)."),
                limit(default: 50),
                cursor,
            ],
            responses: [
                200: .json(.ref("RunPage"), "A page of runs; `next_cursor` asks for the next."),
                400: .error("A query parameter is malformed or out of range (`bad_request`)."),
            ]
        ),
        Operation(
            method: .get,
            path: "/api/v1/runs/{id}",
            id: "getRun",
            tag: "runs",
            access: .token(.viewer),
            summary: "One run and the end of its log.",
            parameters: [runID],
            responses: [
                200: .json(.ref("RunDetail"), "The run."),
                400: .error("The id is not an integer (`bad_request`)."),
                404: .error("There is no such run, or it was pruned (`unknown_run`)."),
            ]
        ),
        Operation(
            method: .post,
            path: "/api/v1/runs/{id}/cancel",
            id: "cancelRun",
            tag: "runs",
            access: .token(.operator),
            summary: "Cancels a queued run at once, or asks the worker of a running one to stop it.",
            parameters: [runID],
            responses: [
                200: .json(
                    .object(required: ["status": .enumeration(["cancelled", "running"])]),
                    "`cancelled`, or `running` while its worker stops it."
                ),
                400: .error("The id is not an integer (`bad_request`)."),
                404: .error("There is no such run (`unknown_run`)."),
                409: .error("The run already ended (`not_cancellable`)."),
            ]
        ),
    ]

    static func pauseOrResume(paused: Bool) -> Operation {
        Operation(
            method: .post,
            path: "/api/v1/jobs/{name}/" + (paused ? "pause" : "resume"),
            id: paused ? "pauseJob" : "resumeJob",
            tag: "jobs",
            access: .token(.operator),
            summary: paused
                ? "Pauses a job: it queues nothing until resumed."
                : "Resumes a job; its misfire policy decides what runs for the slots it missed.",
            parameters: [jobName],
            responses: [
                200: .json(.ref("JobSummary"), "The job."),
                404: .error("There is no such job (`unknown_job`)."),
            ]
        )
    }
}
