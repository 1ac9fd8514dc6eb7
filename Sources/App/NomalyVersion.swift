/// The version of this build, reported by `nomaly --version`, `GET /version` and recorded in model lineage.
package enum NomalyVersion {
    package static let current = "0.1.0"
}
