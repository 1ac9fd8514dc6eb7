import JSONValues
import Registry

extension OpenAPIDocument {
    static let modelName = Parameter.path(
        "name",
        Schema.string(pattern: OpenAPIDocument.modelNamePattern).example(.string("fraud")),
        "The model's name."
    )
    static let versionNumber = Parameter.path(
        "version",
        versionSchema.example(.integer(1)),
        "The version's number."
    )
    static let aliasName = Parameter.path(
        "alias",
        Schema.string(pattern: OpenAPIDocument.aliasPattern).example(.string("production")),
        "The alias."
    )
    static let reason = Parameter.query("reason", .string(), "Why, for the alias history.")
}

extension OpenAPIDocument {
    static let invalidName = Response.error(
        "A malformed model name, alias or version, or a query parameter out of range (`invalid_name`, `bad_request`)."
    )

    /// `/api/v1/models…` and `/api/v1/audit` (``ModelsController``, and the deletion of a version).
    static let modelOperations: [Operation] = [
        Operation(
            method: .get,
            path: "/api/v1/models",
            id: "listModels",
            tag: "models",
            access: .token(.viewer),
            summary: "Every model with its aliases, by name.",
            responses: [200: .json(.array(.ref("ModelSummary")), "The models.")]
        ),
        Operation(
            method: .get,
            path: "/api/v1/models/{name}",
            id: "getModel",
            tag: "models",
            access: .token(.viewer),
            summary: "One model with its aliases.",
            parameters: [modelName],
            responses: [
                200: .json(.ref("ModelSummary"), "The model."),
                400: invalidName,
                404: .error("There is no such model (`not_found`)."),
            ]
        ),
        Operation(
            method: .get,
            path: "/api/v1/models/{name}/versions",
            id: "listModelVersions",
            tag: "models",
            access: .token(.viewer),
            summary: "A model's live versions, newest first, a page at a time.",
            parameters: [
                modelName,
                limit(default: 50),
                .query("cursor", versionSchema, "The previous page's `next_cursor`: answers the versions before it."),
            ],
            responses: [
                200: .json(.ref("VersionPage"), "A page of versions; `next_cursor` asks for the next."),
                400: invalidName,
                404: .error("There is no such model (`not_found`)."),
            ]
        ),
        Operation(
            method: .get,
            path: "/api/v1/models/{name}/versions/{version}",
            id: "getModelVersion",
            tag: "models",
            access: .token(.viewer),
            summary: "One version.",
            parameters: [modelName, versionNumber],
            responses: [
                200: .json(.ref("ModelVersion"), "The version."),
                400: invalidName,
                404: .error("There is no such model or version, or it was deleted (`not_found`)."),
            ]
        ),
        Operation(
            method: .delete,
            path: "/api/v1/models/{name}/versions/{version}",
            id: "deleteModelVersion",
            tag: "models",
            access: .token(.admin),
            summary: "Deletes a version: it leaves listings and references; its artifact goes at the next garbage collection.",
            parameters: [modelName, versionNumber],
            responses: [
                200: .json(.ref("VersionDeleted"), "The version is deleted."),
                400: invalidName,
                404: .error("There is no such model or version, or it was deleted already (`not_found`)."),
                409: .error("An alias points at the version (`refused`): promote another or remove the alias first."),
            ]
        ),
        Operation(
            method: .get,
            path: "/api/v1/models/{name}/history",
            id: "getAliasHistory",
            tag: "models",
            access: .token(.viewer),
            summary: "A model's alias changes, newest first.",
            parameters: [
                modelName,
                .query("alias", .string(pattern: aliasPattern), "Only this alias's changes."),
                limit(default: 100),
            ],
            responses: [
                200: .json(.array(.ref("AliasChange")), "The changes."),
                400: invalidName,
                404: .error("There is no such model (`not_found`)."),
            ]
        ),
        Operation(
            method: .put,
            path: "/api/v1/models/{name}/aliases/{alias}",
            id: "setAlias",
            tag: "models",
            access: .token(.admin),
            summary: "Points an alias at a version, optionally only if it points where the caller expects.",
            parameters: [modelName, aliasName],
            body: .json(.ref("AliasRequest"), "The version, and the expected current target."),
            responses: [
                200: .json(.ref("AliasChange"), "The change."),
                400: .error("The body is not the expected JSON (`invalid_json`), or a name or version is malformed (`invalid_name`)."),
                404: .error("There is no such model or version (`not_found`)."),
                409: .error("The alias does not point where `expect` says (`conflict`)."),
                413: .error("The body is larger than 1 MiB (`too_large`)."),
            ]
        ),
        Operation(
            method: .delete,
            path: "/api/v1/models/{name}/aliases/{alias}",
            id: "removeAlias",
            tag: "models",
            access: .token(.admin),
            summary: "Removes an alias.",
            parameters: [modelName, aliasName, reason],
            responses: [
                200: .json(.ref("AliasChange"), "The change."),
                400: invalidName,
                404: .error("There is no such model or alias (`not_found`)."),
            ]
        ),
        Operation(
            method: .post,
            path: "/api/v1/models/{name}/aliases/{alias}/rollback",
            id: "rollBackAlias",
            tag: "models",
            access: .token(.admin),
            summary: "Points an alias back where it pointed before its last change.",
            parameters: [modelName, aliasName, reason],
            responses: [
                200: .json(.ref("AliasChange"), "The change."),
                400: invalidName,
                404: .error("There is no such model or alias (`not_found`)."),
                409: .error("The alias never changed, or its previous version was deleted (`refused`)."),
            ]
        ),
        Operation(
            method: .get,
            path: "/api/v1/audit",
            id: "listAuditEntries",
            tag: "audit",
            access: .token(.viewer),
            summary: "The audit log, newest first, a page at a time (pass `next_cursor` as `cursor`).",
            parameters: [limit(default: 100), cursor],
            responses: [
                200: .json(.ref("AuditPage"), "A page of entries; `next_cursor` asks for the next."),
                400: .error("A query parameter is out of range (`bad_request`)."),
            ]
        ),
    ]

    /// Model tarballs over HTTP (``ArtifactsController``).
    static let artifactOperations: [Operation] = [
        Operation(
            method: .get,
            path: "/api/v1/models/{name}/versions/{version}/artifact",
            id: "downloadModelArtifact",
            tag: "models",
            access: .token(.viewer),
            summary: "A version's artifact: the model tarball, streamed.",
            parameters: [
                modelName,
                versionNumber,
                .header("If-None-Match", .string(), "An ETag from an earlier download: 304 when it still matches."),
            ],
            responses: [
                200: Response(description: "The tarball.", content: ["application/gzip": .string(format: "binary")])
                    .header("ETag", .string(pattern: "^\"[0-9a-f]{64}\"$"), "The artifact's sha256, quoted.", required: true)
                    .header("Content-Disposition", .string(), "`attachment; filename=\"NAME-VERSION.tar.gz\"`."),
                304: Response.empty("The artifact matches `If-None-Match`.")
                    .header("ETag", .string(pattern: "^\"[0-9a-f]{64}\"$"), "The artifact's sha256, quoted.", required: true),
                400: invalidName,
                404: .error("There is no such model or version, or its artifact is missing from the store (`not_found`)."),
                502: .error("The artifact store failed (`storage`)."),
            ]
        ),
        Operation(
            method: .post,
            path: "/api/v1/models/{name}/versions",
            id: "uploadModelVersion",
            tag: "models",
            access: .token(.admin),
            summary: "Registers a model tarball (made by `nomaly train`) as the model's next version.",
            description: "The body is streamed to disk, at most 100 MiB by default; nothing is stored unless the tarball is valid.",
            parameters: [modelName, .query("description", .string(), "What this version is, for people.")],
            body: RequestBody(
                description: "The model tarball.",
                content: ["application/gzip": .string(format: "binary"), "application/octet-stream": .string(format: "binary")]
            ),
            responses: [
                201: .json(.ref("ModelVersion"), "The new version."),
                400: invalidName,
                413: .error("The tarball is larger than the upload limit (`too_large`)."),
                415: .error("The body is not `application/gzip` or `application/octet-stream` (`unsupported_media_type`)."),
                422: .error("The body is not a valid model tarball, or a hostile one (`invalid_artifact`)."),
                502: .error("The artifact store failed (`storage`)."),
            ]
        ),
    ]
}
