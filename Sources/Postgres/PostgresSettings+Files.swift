import Foundation
package import Settings

extension PostgresSettings {
    /// A file libpq is told to read, by which setting, and what it must hold.
    struct LibpqFile {
        enum Content {
            /// PEM blocks of this type (`CERTIFICATE`, `X509 CRL`).
            case pem(String)
            /// A private key: PEM or DER, so only readable and not empty; libpq refuses it when others may read it.
            case privateKey
            /// A password file: libpq ignores it, with a warning, when others may read it.
            case passwordFile
            /// A folder of CRLs.
            case folder
        }

        let keyword: String
        let variable: String
        let content: Content
    }

    static let libpqFiles: [LibpqFile] = [
        LibpqFile(keyword: "sslrootcert", variable: "PGSSLROOTCERT", content: .pem("CERTIFICATE")),
        LibpqFile(keyword: "sslcert", variable: "PGSSLCERT", content: .pem("CERTIFICATE")),
        LibpqFile(keyword: "sslkey", variable: "PGSSLKEY", content: .privateKey),
        LibpqFile(keyword: "sslcrl", variable: "PGSSLCRL", content: .pem("X509 CRL")),
        LibpqFile(keyword: "sslcrldir", variable: "PGSSLCRLDIR", content: .folder),
        LibpqFile(keyword: "passfile", variable: "PGPASSFILE", content: .passwordFile),
    ]

    /// Opens every file the connection settings name for libpq (`sslrootcert`, `sslcert`, `sslkey`, `sslcrl`,
    /// `sslcrldir`, `passfile`, in `DATABASE_URL` or as `PG*` variables) and says what is wrong with each. Blocking.
    ///
    /// For `nomaly check` only: libpq decides at connect time whether it needs a file (a missing `sslrootcert` is
    /// ignored under `sslmode=require`), so commands leave that to libpq, but a file an operator named and libpq
    /// cannot use is almost always a mistake, found here before the first connection fails or, worse, quietly does
    /// without it. `sslrootcert=system` names no file.
    /// - Returns: problems named by the setting that names the file: `DATABASE_URL` or the `PG*` variable.
    package func fileProblems(environment: Environment) -> [ConfigurationProblem] {
        var fromString: [String: String] = [:]
        if case .connectionString(let text) = location {
            // An unparsable string is reported where the string is read (connectionStringProblem).
            fromString = (try? PostgresConfiguration.parameters(of: text)) ?? [:]
        }
        var problems: [ConfigurationProblem] = []
        for file in Self.libpqFiles {
            let named: (variable: String, path: String)?
            if let path = fromString[file.keyword], !path.isEmpty {
                named = ("DATABASE_URL", path)
            } else if let path = environment[file.variable] {
                named = (file.variable, path)
            } else {
                named = nil
            }
            guard let named, !(file.keyword == "sslrootcert" && named.path == "system") else { continue }
            if let message = Self.problem(with: file, at: named.path) {
                problems.append(ConfigurationProblem(variable: named.variable, message: "\(file.keyword) \(named.path) \(message)"))
            }
        }
        return problems
    }

    /// What is wrong with the file at `path` for libpq, or nil.
    private static func problem(with file: LibpqFile, at path: String) -> String? {
        var status = stat()
        guard stat(path, &status) == 0 else { return "cannot be opened: \(String(cString: strerror(errno)))" }
        let isFolder = (status.st_mode & S_IFMT) == S_IFDIR
        if case .folder = file.content {
            return isFolder ? (access(path, R_OK | X_OK) == 0 ? nil : "cannot be read") : "is not a folder"
        }
        if isFolder { return "is a folder, not a file" }
        guard let data = FileManager.default.contents(atPath: path) else { return "cannot be read" }
        let othersMayRead = status.st_mode & 0o077 != 0
        switch file.content {
        case .pem(let type):
            return data.range(of: Data("-----BEGIN \(type)-----".utf8)) == nil ? "holds no PEM \(type.lowercased())" : nil
        case .privateKey:
            if data.isEmpty { return "is empty" }
            // libpq's rule: 0600 or less for the user's own key, 0640 or less for one owned by root.
            let tooOpen = status.st_uid == 0 ? status.st_mode & 0o037 != 0 : othersMayRead
            return tooOpen ? "may be read by others (mode \(String(status.st_mode & 0o777, radix: 8))): libpq refuses it; chmod 0600 it" : nil
        case .passwordFile:
            return othersMayRead
                ? "may be read by others (mode \(String(status.st_mode & 0o777, radix: 8))): libpq ignores it; chmod 0600 it" : nil
        case .folder:
            return nil
        }
    }
}
