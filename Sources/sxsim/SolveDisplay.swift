import Foundation
import SXModel

/// What `sxsim run` shows on standard error while it solves: on a terminal, once a solve has
/// taken more than a second, one line with the cascade, the solver phase, the iteration and
/// ‖R‖∞ (redrawn at most ten times a second); with `--trace`, every step in the fixed trace
/// format (`SolveStep.traceLine`), one line each, terminal or not.
final class SolveDisplay: @unchecked Sendable {
    private let lock = NSLock()
    private let live: Bool
    private let trace: Bool
    private let started = Date()
    private var lastDrawn = Date.distantPast
    private var cascadeLine = ""
    private var headerWritten = false

    /// Seconds a solve runs before its progress line appears, and between two redraws.
    static let delay = 1.0
    static let redrawInterval = 0.1

    init(live: Bool, trace: Bool) {
        self.live = live
        self.trace = trace
    }

    var isActive: Bool { live || trace }

    @Sendable func cascadeStarted(_ p: TrainProgress) {
        lock.lock(); defer { lock.unlock() }
        let pass = p.pass > 1 ? ", pass \(p.pass)" : ""
        cascadeLine = "solving \(p.cascade) (\(p.position)/\(p.count)\(pass))"
        if live && !trace { FileIO.writeError("\r\(cascadeLine)…\u{1B}[K") }
    }

    @Sendable func step(_ s: SolveStep) {
        lock.lock(); defer { lock.unlock() }
        if trace {
            if !headerWritten { FileIO.writeError(SolveStep.traceHeader + "\n"); headerWritten = true }
            FileIO.writeError(s.traceLine + "\n")
            return
        }
        guard live else { return }
        let now = Date()
        guard now.timeIntervalSince(started) >= Self.delay, now.timeIntervalSince(lastDrawn) >= Self.redrawInterval else { return }
        lastDrawn = now
        FileIO.writeError("\r\(cascadeLine): \(s.phase.rawValue), iteration \(s.iteration), ‖R‖ \(String(format: "%.2e", s.residualNorm))\u{1B}[K")
    }

    /// Clears the progress line.
    func finish() {
        lock.lock(); defer { lock.unlock() }
        if live && !trace { FileIO.writeError("\r\u{1B}[K") }
    }
}
