import Foundation
package import Settings

/// Where backups go and how they are protected (docs/configuration.md, "Backups").
package struct BackupSettings: Sendable, Equatable {
    /// `NOMALY_BACKUP_DIR` (default `$NOMALY_HOME/backups`), absolute: one folder per set.
    package var directory: String
    /// `ENCRYPTION_KEY_FILE` (the guide's name): a file holding a 256-bit key; when set, every file of a new set is
    /// encrypted with AES-256-GCM and its manifest signed, and sets without encryption or signature are refused.
    package var encryptionKeyFile: String?
    /// `NOMALY_BACKUP_SIGNING_KEY_FILE`: a file holding a 256-bit key (the same forms) that signs the manifests of
    /// unencrypted sets and checks sets it signed; when set, unsigned sets are refused.
    package var signingKeyFile: String?
    /// `NOMALY_BACKUP_S3`: where sets go off-site, `s3://bucket/prefix/`. When unset and a bucket is configured
    /// (`S3_BUCKET`, `S3_BUCKET_NAME`, `AWS_S3_BACKUP_BUCKET`), sets go to `s3://BUCKET/S3_PREFIX` + `backups/`.
    package var remote: String?

    package init(directory: String, encryptionKeyFile: String? = nil, signingKeyFile: String? = nil, remote: String? = nil) {
        self.directory = directory
        self.encryptionKeyFile = encryptionKeyFile
        self.signingKeyFile = signingKeyFile
        self.remote = remote
    }

    /// Reads the backup variables, each problem into `reader`; relative paths start at the reader's working directory.
    package init(reader: inout SettingsReader) {
        directory = reader.path("NOMALY_BACKUP_DIR") ?? reader.home + "/backups"
        // Parsed here, not only when a backup starts: `nomaly check` must not call a file that holds no key fine.
        func keyFile(_ variable: String) -> String? {
            guard let path = reader.path(variable) else { return nil }
            guard FileManager.default.isReadableFile(atPath: path) else {
                reader.report(ConfigurationProblem(variable: variable, message: "\(path) is missing or unreadable"))
                return path
            }
            do {
                _ = try EncryptionKey(fileAt: path)
            } catch {
                reader.report(ConfigurationProblem(variable: variable, message: error.message))
            }
            return path
        }
        encryptionKeyFile = keyFile("ENCRYPTION_KEY_FILE")
        signingKeyFile = keyFile("NOMALY_BACKUP_SIGNING_KEY_FILE")
        remote = reader.environment["NOMALY_BACKUP_S3"]
        if let remote, !remote.hasPrefix("s3://") {
            reader.report(ConfigurationProblem(variable: "NOMALY_BACKUP_S3", message: "'\(remote)' is not an s3://bucket/prefix URL"))
        }
    }
}
