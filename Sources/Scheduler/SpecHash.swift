import Crypto
import Foundation

/// The sha256 of a spec's text, recorded with what was made from it (job rows, model versions).
package enum SpecHash {
    package static func of(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
