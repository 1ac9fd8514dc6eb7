import Foundation
import Postgres
package import Scheduler

extension Runtime {
    /// Asks every replica that runs a scheduler on this database to read its jobs folder again (`nomaly jobs reload`),
    /// and collects their answers for `wait`: replicas do not register anywhere, so how many will answer is not known,
    /// and the wait is the whole of it.
    /// - Parameter onAnswer: called with each answer as it arrives, in arrival order.
    /// - Returns: the answers, in arrival order.
    package func requestJobReload(wait: Duration, onAnswer: @escaping @Sendable (JobReloadAnswer) -> Void) async throws -> [JobReloadAnswer] {
        try await withDatabase { pool in
            // Listening before asking: an answer cannot come before its request, so none is missed.
            let listener = try await pool.listen(to: [JobReload.answerChannel])
            let request = UUID().uuidString.lowercased()
            let collector = Task {
                var answers: [JobReloadAnswer] = []
                for await notification in listener.notifications {
                    guard let answer = try? JobReloadAnswer(payload: notification.payload), answer.request == request else { continue }
                    answers.append(answer)
                    onAnswer(answer)
                }
                return answers
            }
            do {
                try await pool.notify(JobReload.requestChannel, payload: request)
                try await Task.sleep(for: wait)
            } catch {
                listener.stop()
                collector.cancel()
                throw error
            }
            listener.stop()
            return await collector.value
        }
    }
}
