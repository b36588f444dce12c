import Foundation
import Testing
import SXFlowsheet
import SXModel
import SXReport

/// Paths and golden-file helpers shared by the end-to-end tests.
enum Repository {
    /// The package root, found from this file's path (Tests/SXSimEndToEndTests/Support.swift).
    static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let flowsheets = root.appendingPathComponent("Flowsheets")

    /// The example flowsheets (Flowsheets/*.yaml), by base name.
    static var examples: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: flowsheets.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
    }

    static var invalidExamples: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: flowsheets.appendingPathComponent("invalid").path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
    }

    static func text(_ relative: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(relative), encoding: .utf8)
    }

    /// Set SXSIM_RECORD=1 to rewrite the expected outputs from the current results
    /// (then review the diff before committing).
    static var recording: Bool { ProcessInfo.processInfo.environment["SXSIM_RECORD"] == "1" }

    static func record(_ text: String, to relative: String) throws {
        try Data(text.utf8).write(to: root.appendingPathComponent(relative), options: .atomic)
    }

    /// A recording run compares nothing, so it must never pass: each recorded file fails its
    /// test, and CI (or a forgotten environment variable) cannot report green while recording.
    static func failRecordingRun(_ relative: String, sourceLocation: SourceLocation = #_sourceLocation) {
        Issue.record("SXSIM_RECORD=1: recorded \(relative) instead of comparing; review the diff and run again without SXSIM_RECORD",
                     sourceLocation: sourceLocation)
    }

    /// Compares `actual` with the stored file at `path` at printed precision (`Golden`), or
    /// records it there (and fails the run) when recording.
    static func expectMatchesStored(_ actual: String, at path: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        if recording {
            try record(actual, to: path)
            failRecordingRun(path, sourceLocation: sourceLocation)
            return
        }
        let diffs = Golden.differences(expected: try text(path), actual: actual)
        #expect(diffs.isEmpty, "differs from \(path) (re-record with SXSIM_RECORD=1 if intended):\n\(diffs.prefix(10).joined(separator: "\n"))",
                sourceLocation: sourceLocation)
    }

    /// Runs an example exactly as `sxsim run Flowsheets/NAME.yaml --no-timing` does
    /// (each example once per test process; several tests read the same output).
    static func run(_ name: String) throws -> PipelineOutput {
        if let out = outputs[name] { return out }
        return Pipeline.run(text: try text("Flowsheets/\(name).yaml"), fileName: "Flowsheets/\(name).yaml", measureTime: false)
    }

    static let outputs: [String: PipelineOutput] = {
        var out: [String: PipelineOutput] = [:]
        for name in examples {
            guard let t = try? text("Flowsheets/\(name).yaml") else { continue }
            out[name] = Pipeline.run(text: t, fileName: "Flowsheets/\(name).yaml", measureTime: false)
        }
        return out
    }()
}

/// Compares report text at printed precision: the text between numbers must match exactly;
/// each number may differ from the expected one by at most one unit of its last printed digit
/// (round-off differences between platforms flip last digits, nothing more). Solver-effort
/// lines (Newton iterations, residual, recycle passes) are compared on their outcome only.
enum Golden {
    static func numberPattern() -> NSRegularExpression {
        // A number not glued to a preceding letter or digit (so "Pr6O11" stays text).
        try! NSRegularExpression(pattern: #"(?<![A-Za-z0-9_.])[-+]?\d+(\.\d+)?([eE][-+]?\d+)?"#)
    }

    struct Token { var text: String; var isNumber: Bool }

    static func tokens(_ line: String) -> [Token] {
        let ns = line as NSString
        var out: [Token] = []
        var last = 0
        for m in numberPattern().matches(in: line, range: NSRange(location: 0, length: ns.length)) {
            if m.range.location > last { out.append(Token(text: ns.substring(with: NSRange(location: last, length: m.range.location - last)), isNumber: false)) }
            out.append(Token(text: ns.substring(with: m.range), isNumber: true))
            last = m.range.location + m.range.length
        }
        if last < ns.length { out.append(Token(text: ns.substring(from: last), isNumber: false)) }
        return out
    }

    /// One unit in the last printed digit of `text` ("99.9876" → 1e-4, "1.23e-05" → 1e-7).
    static func lastDigitUnit(_ text: String) -> Double {
        let lower = text.lowercased()
        let (mantissa, exponent) = lower.contains("e")
            ? (String(lower.split(separator: "e")[0]), Int(lower.split(separator: "e")[1]) ?? 0) : (lower, 0)
        let decimals = mantissa.split(separator: ".").dropFirst().first?.count ?? 0
        return pow(10, Double(exponent - decimals))
    }

    /// The number before "Newton iterations" in a solver line, nil when there is none.
    static func iterationCount(_ line: String) -> Int? {
        guard let r = line.range(of: " Newton iterations") else { return nil }
        return line[..<r.lowerBound].split(separator: " ").last.flatMap { Int($0) }
    }

    /// Differences, one line each; empty when the texts agree at printed precision.
    static func differences(expected: String, actual: String) -> [String] {
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var diffs: [String] = []
        if e.count != a.count { diffs.append("line count: expected \(e.count), computed \(a.count)") }
        for (k, (el, al)) in zip(e, a).enumerated() where el != al {
            // Solver effort (iterations, continuation steps, residual, passes) belongs to the
            // engine's implementation, not to the answer: only the outcome word is compared.
            if el.contains("Newton iterations") || el.contains("recycle passes") {
                let word = { (s: String) in s.trimmingCharacters(in: .whitespaces).split(separator: ",").first.map(String.init) ?? "" }
                if word(el) != word(al) { diffs.append("line \(k + 1):\n  expected: \(el)\n  computed: \(al)") }
                // The stored count must not go stale (issue 13, item 16): it may differ from
                // the computed one by the last bits of another machine's libm (a few
                // iterations on a hard solve), not by more than max(3, 10 %).
                if let stored = iterationCount(el), let now = iterationCount(al),
                   abs(stored - now) > max(3, now / 10) {
                    diffs.append("line \(k + 1): stale solver count (re-record with SXSIM_RECORD=1):\n  expected: \(el)\n  computed: \(al)")
                }
                continue
            }
            let et = tokens(el), at = tokens(al)
            var same = et.count == at.count
            if same {
                for (x, y) in zip(et, at) {
                    if x.isNumber && y.isNumber, let xv = Double(x.text), let yv = Double(y.text) {
                        if abs(xv - yv) > 1.0001 * lastDigitUnit(x.text) { same = false }
                    } else if x.text != y.text { same = false }
                }
            }
            if !same { diffs.append("line \(k + 1):\n  expected: \(el)\n  computed: \(al)") }
        }
        return diffs
    }
}
