/// Polls `condition` until it holds; throws (failing the test) after `timeout`. Tests wait for outcomes, never for a
/// fixed time: on a loaded machine everything comes late.
package func waitFor(timeout: Duration = .seconds(15), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw WaitTimeout(timeout: timeout)
}

package struct WaitTimeout: Error, CustomStringConvertible {
    package let timeout: Duration

    package init(timeout: Duration) {
        self.timeout = timeout
    }

    package var description: String { "condition not met within \(timeout)" }
}
