// sxbench: times the benchmark grid with a monotonic clock and prints markdown.
//
//   sxbench table [--quick] [--filter TEXT]    results table (README.md, via run.sh)
//   sxbench peak CASE [--unscored-start] [--history] [--steps]
//                                              one cold solve; peak resident memory of this process
//                                              (--history: the solve's phases and every 25th step;
//                                              --steps: every step as taken, with the CPU seconds
//                                              since the solve began)
//                                              (--unscored-start: the start without pass scoring)
//   sxbench loop CASE [--dense]                allocations and time inside the Newton loop
//   sxbench plants [--count N] [--seed S] [--model M] [--only I] [--feasibility-only]
//                                              the plant-like population (issue 9 item 5): outcomes
//                                              and iteration distribution per model
//   sxbench startup [NAME]                     dynamic start-ups to the steady state (StartupCase)
//   sxbench kernels CASE                       the Newton kernels timed one by one (residual, Jacobian,
//                                              factorisation against LAPACK's, solve) at the solution
//   sxbench profile CASE [--start] [--every K] the solution (--start: the cold start) stage by stage:
//                                              totals, pH, free dimer, Na⁺, the three largest metals
//   SXBENCH_STAGE_CONTINUATION_MINIMUM=N       (peak, plants) SolveOptions.stageContinuation.minimumStages
//                                              = N; 0 turns the continuation in the number of stages off
//   SXBENCH_STAGE_CONTINUATION_BEFORE_START=0|1 (peak, plants) SolveOptions.stageContinuation.beforeStart
//
// CASE is written as in the table, e.g. mass-action/500x6/band.
// Allocation counts need the malloc interposer preloaded (run.sh does this); without it
// they print as "n/a".
import BenchmarkCases
import Foundation
import SXDesign
import SXModel
import SXNumerics

#if canImport(Glibc)
import Glibc
#endif

// MARK: - Clocks and counters

func monotonicSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

func processCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// Peak resident set size of this process so far, bytes (Linux `VmHWM`).
func peakResidentBytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
        return kb * 1024
    }
    return 0
}

/// Counts malloc calls through ordo-one's malloc interposer when its library is preloaded
/// (`LD_PRELOAD=.../libMallocInterposerSwift.so`, as run.sh does). The C entry points are
/// looked up at run time, so this tool builds and runs without it.
enum Allocations {
    typealias Toggle = @convention(c) () -> Void
    typealias Stats = @convention(c) (UnsafeMutablePointer<Int64>?, UnsafeMutablePointer<Int64>?,
                                      UnsafeMutablePointer<Int64>?, UnsafeMutablePointer<Int64>?,
                                      UnsafeMutablePointer<Int64>?, UnsafeMutablePointer<Int64>?) -> Void
    nonisolated(unsafe) static let handle = dlopen(nil, RTLD_NOW)
    static let enable: Toggle? = symbol("malloc_interposer_enable")
    static let disable: Toggle? = symbol("malloc_interposer_disable")
    static let reset: Toggle? = symbol("malloc_interposer_reset")
    static let statistics: Stats? = symbol("malloc_interposer_get_stats")

    static func symbol<T>(_ name: String) -> T? {
        guard let p = dlsym(handle, name) else { return nil }
        return unsafeBitCast(p, to: T.self)
    }

    static var available: Bool { enable != nil && disable != nil && reset != nil && statistics != nil }

    /// malloc calls (malloc, calloc, realloc, posix_memalign, ...) made by `body`; nil without the interposer.
    static func count<R>(_ body: () throws -> R) rethrows -> (R, Int?) {
        guard available else { return (try body(), nil) }
        reset!()
        enable!()
        let r = try body()
        disable!()
        var count: Int64 = 0, bytes: Int64 = 0, small: Int64 = 0, large: Int64 = 0, frees: Int64 = 0, freed: Int64 = 0
        statistics!(&count, &bytes, &small, &large, &frees, &freed)
        return (r, Int(count))
    }
}

// MARK: - Measurement

struct Timing {
    var medianWall: Double
    var medianCPU: Double
    var repetitions: Int
}

/// Repeats `body` until `minimumRepetitions` runs and `budget` seconds, at most `maximumRepetitions`.
func measure(minimumRepetitions: Int = 5, maximumRepetitions: Int = 31, budget: Double = 1.0,
             _ body: () -> Void) -> Timing {
    var walls: [Double] = [], cpus: [Double] = []
    let begin = monotonicSeconds()
    repeat {
        let c0 = processCPUSeconds(), w0 = monotonicSeconds()
        body()
        let w1 = monotonicSeconds(), c1 = processCPUSeconds()
        walls.append(w1 - w0)
        cpus.append(c1 - c0)
        // A single slow run: do not insist on five of them.
        if walls.count == 1 && walls[0] > budget { break }
    } while walls.count < maximumRepetitions && (walls.count < minimumRepetitions || monotonicSeconds() - begin < budget)
    func median(_ v: [Double]) -> Double {
        let s = v.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : 0.5 * (s[s.count / 2 - 1] + s[s.count / 2])
    }
    return Timing(medianWall: median(walls), medianCPU: median(cpus), repetitions: walls.count)
}

func parseCase(_ text: String) -> BenchmarkCase? {
    let parts = text.split(separator: "/")
    guard parts.count >= 2, let model = StandardCascades.Model(rawValue: String(parts[0])) else { return nil }
    let size = parts[1].split(separator: "x").compactMap { Int($0) }
    guard size.count == 2 else { return nil }
    let solver = parts.count > 2 ? LinearSolverKind(rawValue: String(parts[2])) ?? .band : .band
    return BenchmarkCase(model: model, stages: size[0], elements: size[1], solver: solver)
}

func ms(_ seconds: Double) -> String {
    let v = seconds * 1000
    if v >= 100 { return String(format: "%.0f", v) }
    if v >= 10 { return String(format: "%.1f", v) }
    if v >= 1 { return String(format: "%.2f", v) }
    return String(format: "%.3f", v)
}

func machineDescription() -> String {
    let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
        .map { $0.split(separator: ":", maxSplits: 1).last!.trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
    return "\(ProcessInfo.processInfo.activeProcessorCount) logical CPUs (nproc), \(model)"
}

// MARK: - Commands

/// Per-iteration time of the Newton loop alone (set-up excluded), for the dense comparison.
/// The probe's perturbed start can leave the physical domain (mass action: a negative
/// acidity), in which case no iteration runs; smaller perturbations are tried, and nil is
/// returned (no comparison) rather than the time of a solve that did nothing.
func newtonIterationSeconds(_ c: BenchmarkCase, solver: LinearSolverKind, iterations: Int) -> Double? {
    for perturbation in [0.05, 0.005, 0.0005] {
        guard var probe = try? NewtonLoopProbe(c, linearSolver: solver, maximumIterations: iterations,
                                               perturbation: perturbation) else { return nil }
        guard probe.iterate().iterations > 0 else { continue }
        var performed = 0
        let t = measure(minimumRepetitions: solver == .dense ? 1 : 5, maximumRepetitions: solver == .dense ? 3 : 31, budget: 0.5) {
            probe.reset()
            performed = probe.iterate().iterations
        }
        return performed > 0 ? t.medianWall / Double(performed) : nil
    }
    return nil
}

struct Row {
    var c: BenchmarkCase
    var result: CascadeResult
    var timing: Timing
    var mallocs: Int?
    var denseSolve: Double?          // seconds per solve, measured
    var denseEstimated: Bool = false // per-iteration time × band iterations
    var speedup: Double?
}

func table(quick: Bool, filter: String?) {
    let stageCounts = quick ? [10, 50, 100] : BenchmarkGrid.stageCounts
    var rows: [Row] = []
    for model in StandardCascades.Model.allCases {
        for ne in BenchmarkGrid.elementCounts {
            for n in stageCounts {
                let c = BenchmarkCase(model: model, stages: n, elements: ne)
                if let filter, !c.description.contains(filter) { continue }
                let w0 = monotonicSeconds(), c0 = processCPUSeconds()
                let (result, mallocs) = Allocations.count { c.solve() }
                let first = Timing(medianWall: monotonicSeconds() - w0, medianCPU: processCPUSeconds() - c0, repetitions: 1)
                // A solve slower than 2 s (a non-converging one, typically) is timed once.
                let timing = first.medianWall > 2 ? first : measure { _ = c.solve() }
                var row = Row(c: c, result: result, timing: timing, mallocs: mallocs)
                var mode = BenchmarkGrid.denseMode(for: c)
                // A band solve that does not converge would make the dense one run to the
                // iteration limit at O(N³) per step: compare per iteration instead.
                if mode == .fullSolve && (!result.outcome.isConverged || result.continuationSteps > 0) { mode = .perIteration }
                switch mode {
                case .fullSolve:
                    let d = c.with(.dense)
                    let dt = measure(minimumRepetitions: 3, maximumRepetitions: 7, budget: 2) { _ = d.solve() }
                    row.denseSolve = dt.medianWall
                    row.speedup = dt.medianWall / timing.medianWall
                case .perIteration:
                    let cap = BenchmarkGrid.denseIterationCap
                    if let dense = newtonIterationSeconds(c, solver: .dense, iterations: cap),
                       let band = newtonIterationSeconds(c, solver: .band, iterations: cap) {
                        row.denseSolve = dense * Double(max(result.iterations, 1))
                        row.denseEstimated = true
                        row.speedup = dense / band
                    }
                case .skipped:
                    break
                }
                FileHandle.standardError.write("\(c): \(result.outcome.code) \(result.iterations) it, \(ms(timing.medianWall)) ms\n".data(using: .utf8)!)
                rows.append(row)
            }
        }
    }

    print("Machine: \(machineDescription()). Release build; one process; median of the repetitions shown.")
    print("")
    print("| model | stages × elements | unknowns | outcome | Newton iterations | time per solve (ms) | CPU per solve (ms) | time per iteration (ms) | reps | mallocs per solve | dense per solve (ms) | band speed-up |")
    print("|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows {
        let it = r.result.iterations
        let outcome = r.result.outcome.isConverged
            ? (r.result.continuationSteps > 0 ? "converged (\(r.result.continuationSteps) continuation steps)" : "converged")
            : r.result.outcome.code
        let dense = r.denseSolve.map { (r.denseEstimated ? "≈" : "") + ms($0) } ?? "–"
        let speed = r.speedup.map { String(format: "%.0f×", $0) + (r.denseEstimated ? " (per iteration)" : "") } ?? "–"
        print("| \(r.c.model.rawValue) | \(r.c.stages) × \(r.c.elements) | \(r.c.unknowns) | \(outcome) | \(it) | \(ms(r.timing.medianWall)) | \(ms(r.timing.medianCPU)) | \(ms(r.timing.medianWall / Double(max(it, 1)))) | \(r.timing.repetitions) | \(r.mallocs.map(String.init) ?? "n/a") | \(dense) | \(speed) |")
    }

    // Growth from 500 to 1000 stages.
    print("")
    print("Growth, time per solve at 1000 stages over 500 stages (target ≤ 2.5):")
    print("")
    print("Time per iteration is the solve time over its Newton iterations (all phases), so the")
    print("last column separates the cost of an iteration from the number of iterations.")
    print("")
    print("| model | elements | 1000 / 500 | iterations 500 → 1000 | time per iteration 1000 / 500 |")
    print("|---|---:|---:|---|---:|")
    for model in StandardCascades.Model.allCases {
        for ne in BenchmarkGrid.elementCounts {
            guard let a = rows.first(where: { $0.c.model == model && $0.c.elements == ne && $0.c.stages == 500 }),
                  let b = rows.first(where: { $0.c.model == model && $0.c.elements == ne && $0.c.stages == 1000 }) else { continue }
            let perIteration = (b.timing.medianWall / Double(max(b.result.iterations, 1)))
                / (a.timing.medianWall / Double(max(a.result.iterations, 1)))
            if a.result.outcome.isConverged && b.result.outcome.isConverged {
                print("| \(model.rawValue) | \(ne) | \(String(format: "%.2f", b.timing.medianWall / a.timing.medianWall)) | \(a.result.iterations) → \(b.result.iterations) | \(String(format: "%.2f", perIteration)) |")
            } else {
                print("| \(model.rawValue) | \(ne) | not meaningful (500: \(a.result.outcome.code), 1000: \(b.result.outcome.code)) | \(a.result.iterations) → \(b.result.iterations) | \(String(format: "%.2f", perIteration)) |")
            }
        }
    }
}

/// A solve's history: the first step, every phase change, every 25th step and the last.
func printHistory(_ r: CascadeResult) {
    for (k, step) in r.history.enumerated() where k == 0 || k % 25 == 0 || step.phase != r.history[k - 1].phase || k == r.history.count - 1 {
        print("  \(step.phase) \(step.iteration): ‖R‖∞ \(String(format: "%.3e", step.residualNorm)), damping \(String(format: "%.3g", step.damping))")
    }
}


/// The Newton kernels one by one at the converged state of `c` (the probe's unperturbed
/// start): set-up, residual, Jacobian, band factorisation (SXSim's and LAPACK's), one solve;
/// medians of `repetitions`, the band the Jacobian's non-zeros reach against the declared one,
/// and its subnormal entries (docs/engine.md §5, "What a Newton iteration costs").
func kernels(_ c: BenchmarkCase, repetitions: Int = 50) {
    guard let probe = try? NewtonLoopProbe(c, linearSolver: .band, maximumIterations: 1, perturbation: 0) else {
        print("set-up failed"); return
    }
    var system = probe.system
    let u = probe.unknowns
    let n = system.unknownCount
    var r = [Double](repeating: 0, count: n)
    var jacobian = BandMatrix(order: n, lowerBandwidth: system.lowerBandwidth, upperBandwidth: system.upperBandwidth)
    var lu = BandLUWorkspace(order: n)
    var lapack = LAPACKBandLU(order: n)
    func median(_ body: () -> Void) -> Double {
        var times: [Double] = []
        for _ in 0..<repetitions { let t0 = monotonicSeconds(); body(); times.append(monotonicSeconds() - t0) }
        return times.sorted()[repetitions / 2]
    }
    let cascade = c.cascade
    let tNetwork = median { _ = try? CascadeNetwork(cascade) }
    let network = try! CascadeNetwork(cascade)
    let tSystem = median { _ = CascadeSystem(network: network) }
    let tSolver = median { _ = NewtonSolver(for: system) }
    let tResidual = median { try? system.residual(at: u, into: &r) }
    let tJacobian = median { jacobian.setZero(); try? system.residualAndJacobian(at: u, residual: &r, jacobian: &jacobian) }
    let tAfter = median {
        jacobian.setZero(); try? system.residual(at: u, into: &r)
        try? system.jacobianAfterResidual(at: u, residual: &r, jacobian: &jacobian)
    }
    let tZero = median { jacobian.setZero() }
    jacobian.setZero(); try? system.residualAndJacobian(at: u, residual: &r, jacobian: &jacobian)
    let assembled = jacobian
    var factored = assembled, lapackFactored = assembled
    let tCopy = median { factored = assembled; factored.storage[0] += 0 }
    let tFactor = median { factored = assembled; try? lu.factorize(&factored) }
    let tLAPACKFactor = median { lapackFactored = assembled; try? lapack.factorize(&lapackFactored) }
    var rhs = r
    let tSolve = median { rhs = r; try? lu.solve(factored, &rhs) }
    let tLAPACKSolve = median { rhs = r; try? lapack.solve(lapackFactored, &rhs) }
    var ours = r, theirs = r
    try? lu.solve(factored, &ours)
    try? lapack.solve(lapackFactored, &theirs)
    let difference = zip(ours, theirs).map { abs($0 - $1) }.max()! / max(theirs.map(abs).max()!, 1e-300)
    let swaps = lu.pivots.enumerated().filter { $0.offset != $0.element }.count
    let subnormalJacobian = assembled.storage.filter(\.isSubnormal).count
    let subnormalLAPACK = lapackFactored.storage.filter(\.isSubnormal).count
    print("\(c): \(n) unknowns, declared band kl = \(system.lowerBandwidth), ku = \(system.upperBandwidth); non-zeros reach kl = \(lu.factoredLowerBandwidth), ku = \(lu.factoredUpperBandwidth)")
    print("  set-up: network \(ms(tNetwork)) ms, system \(ms(tSystem)) ms, Newton workspace \(ms(tSolver)) ms")
    print("  residual \(ms(tResidual)) ms; residual + Jacobian \(ms(tJacobian)) ms (zeroing the band \(ms(tZero)) ms); residual, then the Jacobian after it \(ms(tAfter)) ms")
    print("  factorisation \(ms(tFactor - tCopy)) ms (LAPACK dgbtrf at the declared band \(ms(tLAPACKFactor - tCopy)) ms), \(swaps) row interchanges; solve \(ms(tSolve)) ms (dgbtrs \(ms(tLAPACKSolve)) ms)")
    print("  solutions differ by \(String(format: "%.1e", difference)) relative; subnormal entries: \(subnormalJacobian) in the Jacobian, \(subnormalLAPACK) in LAPACK's factors")
}

func peak(_ c: BenchmarkCase, unscoredStart: Bool = false, history: Bool = false, steps: Bool = false) {
    let before = peakResidentBytes()
    let w0 = monotonicSeconds()
    var options = c.options()
    stageContinuationOverride(&options)
    // The start as it was before its passes were scored (StartOptions.stagnationSweeps), for comparison.
    if unscoredStart { options.start.stagnationSweeps = 0 }
    let cpu0 = processCPUSeconds()
    var observer: SolveObserver?
    if steps {
        observer = { (step: SolveStep) in
            let norm = String(format: "%.3e", step.residualNorm), damping = String(format: "%.3g", step.damping)
            let cpu = String(format: "%.3f", processCPUSeconds() - cpu0)
            print("  \(step.phase) \(step.iteration): ‖R‖∞ \(norm), damping \(damping), CPU \(cpu) s")
        }
    }
    guard let r = try? CascadeSolver.solve(c.cascade, options: options, observer: observer) else { print("\(c): rejected"); return }
    let w1 = monotonicSeconds()
    let after = peakResidentBytes()
    if history { printHistory(r) }
    var phases: [String] = []
    for step in r.history where phases.last?.hasPrefix(step.phase.rawValue + " ") != true { phases.append(step.phase.rawValue + " ") }
    let counts = phases.map { p in "\(p)\(r.history.filter { $0.phase.rawValue + " " == p }.count)" }
    print("\(c): \(r.outcome.code), \(r.iterations) iterations (\(counts.joined(separator: ", ")); continuation steps \(r.continuationSteps)), \(ms(w1 - w0)) ms; peak RSS \(String(format: "%.1f", Double(after) / 1_048_576)) MB (before the solve \(String(format: "%.1f", Double(before) / 1_048_576)) MB)")
}

func loop(_ c: BenchmarkCase, solver: LinearSolverKind) {
    print("\(c) Newton loop (set-up excluded), \(solver.rawValue) factorisation:")
    if !Allocations.available { print("  malloc interposer not preloaded: allocation counts unavailable") }
    var previous: Int?
    for cap in 1...6 {
        guard var probe = try? NewtonLoopProbe(c, linearSolver: solver, maximumIterations: cap) else { print("  set-up failed"); return }
        _ = probe.iterate(); probe.reset()     // warm
        let (report, mallocs) = Allocations.count { probe.iterate() }
        let t0 = monotonicSeconds()
        probe.reset()
        _ = probe.iterate()
        let wall = monotonicSeconds() - t0
        let delta = zip([mallocs], [previous]).map { m, p in (m != nil && p != nil) ? String(m! - p!) : "–" }.first!
        print("  cap \(cap): \(report.iterations) iterations, reason \(report.reason), ‖F‖ \(String(format: "%.2e", report.residualNorm)), mallocs \(mallocs.map(String.init) ?? "n/a") (+\(delta) vs previous cap), \(ms(wall)) ms")
        previous = mallocs
    }
}

/// The plant-like population of issue 9 item 5 (`PlantLikeCascades`): every case solved cold,
/// counted as converged, refused before solving (infeasible) or failed; the iteration
/// distribution per model; each failure named with its case and the solver's explanation.
func plants(count: Int, seed: UInt64, family: PlantLikeCascades.Family?, only: Int? = nil, feasibilityOnly: Bool = false) {
    if feasibilityOnly {
        // The checks before solving alone (milliseconds per case): each refusal with its reason.
        var refused = 0, checked = 0
        let w0 = monotonicSeconds()
        for index in only.map({ $0...$0 }) ?? 0...(count - 1) {
            let c = PlantLikeCascades.make(index: index, seed: seed)
            if let family, c.family != family { continue }
            checked += 1
            guard let net = try? CascadeNetwork(c.cascade) else { continue }
            if let p = Feasibility.refusals(net).first {
                refused += 1
                print("REFUSED \(c.summary): \(p.description); \(p.remedy)")
            }
        }
        print("\(refused) of \(checked) cases refused by the feasibility checks (specification refusals not counted), \(ms(monotonicSeconds() - w0)) ms in all")
        return
    }
    // A cascade the specification checks refuse (CascadeSpecificationError) is counted apart.
    let specificationPrefix = "specification: "
    struct Row { var c: PlantLikeCascades.Case; var outcome: SolveOutcome; var iterations: Int; var seconds: Double; var closure: Double }
    var rows: [Row] = []
    for index in only.map({ $0...$0 }) ?? 0...(count - 1) {
        let c = PlantLikeCascades.make(index: index, seed: seed)
        if let family, c.family != family { continue }
        let w0 = monotonicSeconds()
        let outcome: SolveOutcome, iterations: Int, closure: Double
        do {
            var options = SolveOptions()
            stageContinuationOverride(&options)
            let r = try CascadeSolver.solve(c.cascade, options: options)
            if only != nil {
                printHistory(r)
                print(c.summary + ": " + r.outcome.explanation)
            }
            (outcome, iterations, closure) = (r.outcome, r.iterations, r.outcome.isConverged ? r.worstClosure : .nan)
        } catch {
            (outcome, iterations, closure) = (.infeasible(reason: specificationPrefix + "\(error)"), 0, .nan)
        }
        rows.append(Row(c: c, outcome: outcome, iterations: iterations, seconds: monotonicSeconds() - w0, closure: closure))
        if !outcome.isConverged, case .infeasible = outcome {} else if !outcome.isConverged {
            print("FAILED \(c.summary): \(outcome.code), \(iterations) iterations, \(ms(monotonicSeconds() - w0)) ms — \(outcome.explanation)")
        }
        // A run takes an hour or more: failures reach a file as they happen, progress goes to
        // standard error, and a stopped run keeps what it found.
        fflush(nil)  // (all streams: Swift 6 refuses the global `stdout`)
        if only == nil && (index + 1) % 25 == 0 {
            FileHandle.standardError.write("plants: \(index + 1) of \(count) cases, \(rows.filter { !$0.outcome.isConverged }.count) not converged or refused so far\n".data(using: .utf8)!)
        }
    }
    func percentile(_ v: [Int], _ p: Double) -> Int { v.isEmpty ? 0 : v.sorted()[min(v.count - 1, Int(p * Double(v.count - 1) + 0.5))] }
    print("")
    print("Plant-like cascades, seed \(seed), cases 0..<\(count)\(family.map { " (" + $0.rawValue + " only)" } ?? ""):")
    print("")
    print("| model | cases | converged | refused: feasibility (infeasible) | refused: specification | failed | iterations min / median / p90 / p99 / max | solve time median / max (ms) | worst closure |")
    print("|---|---:|---:|---:|---:|---:|---|---|---:|")
    for f in PlantLikeCascades.Family.allCases {
        let mine = rows.filter { $0.c.family == f }
        guard !mine.isEmpty else { continue }
        let converged = mine.filter { $0.outcome.isConverged }
        let refused = mine.filter { if case .infeasible = $0.outcome { return true } else { return false } }
        let specification = refused.filter { if case .infeasible(let why) = $0.outcome { return why.hasPrefix(specificationPrefix) } else { return false } }
        let its = converged.map(\.iterations)
        let times = converged.map(\.seconds).sorted()
        let worst = converged.map(\.closure).max() ?? 0
        print("| \(f.rawValue) | \(mine.count) | \(converged.count) | \(refused.count - specification.count) | \(specification.count) | \(mine.count - converged.count - refused.count) | \(percentile(its, 0)) / \(percentile(its, 0.5)) / \(percentile(its, 0.9)) / \(percentile(its, 0.99)) / \(percentile(its, 1)) | \(times.isEmpty ? "–" : ms(times[times.count / 2])) / \(times.isEmpty ? "–" : ms(times.last!)) | \(String(format: "%.1e", worst)) |")
    }
    print("")
    print("Iterations of the converged cases (all models):")
    let bins = [(1, 1), (2, 5), (6, 10), (11, 20), (21, 50), (51, 100), (101, 200), (201, 500), (501, 1000), (1001, Int.max)]
    for (lo, hi) in bins {
        let n = rows.filter { $0.outcome.isConverged && $0.iterations >= lo && $0.iterations <= hi }.count
        print("  \(hi == Int.max ? "> 1000" : lo == hi ? "\(lo)" : "\(lo)–\(hi)"): \(n)")
    }
    let reasons = Dictionary(grouping: rows.compactMap { r -> String? in
        if case .infeasible(let why) = r.outcome { return String(why.prefix(60)) } else { return nil } }, by: { $0 })
    print("")
    print("Refusals by reason (first 60 characters):")
    for (k, v) in reasons.sorted(by: { $0.value.count > $1.value.count }) { print("  \(v.count) × \(k)") }
}

/// Times each start-up once (wall clock and process CPU; they are seconds long).
func startup(_ name: String?) {
    for c in StartupCase.allCases where name == nil || c.rawValue == name {
        let w0 = monotonicSeconds(), c0 = processCPUSeconds()
        let outcome = c.run()
        let wall = monotonicSeconds() - w0, cpu = processCPUSeconds() - c0
        let st = outcome.statistics
        print("\(c.rawValue): \(outcome.reachedSteadyState ? "within \(StartupCase.steadyTolerance) of the steady state" : "NOT at the steady state (\(outcome.summary))") "
              + "at \(String(format: "%.6g", outcome.simulatedTime)) h; "
              + (st.map { "\($0.acceptedSteps) steps (\($0.rejectedSteps) rejected), \($0.newtonIterations) Newton iterations, \($0.jacobianEvaluations) Jacobian evaluations; " } ?? "")
              + String(format: "wall %.2f s, CPU %.2f s", wall, cpu))
    }
}

/// Exploration: the start (`--start`) or the solution of a grid case, stage by stage.
func profile(_ c: BenchmarkCase, startOnly: Bool, every: Int) {
    var options = c.options()
    if startOnly {
        options.directIterations = 0; options.pseudoTransientSteps = 0
        options.maximumContinuationSteps = 0; options.timeStepping.enabled = false
        options.continuation.minimumStep = 1e9
    }
    guard let r = try? CascadeSolver.solve(c.cascade, options: options) else { print("rejected"); return }
    print("\(c): \(r.outcome), ‖R‖∞ \(r.residualNorm), iterations \(r.iterations)")
    let symbols = r.cascade.elements.map(\.symbol)
    for i in 0..<r.stageCount where i % every == 0 || i == r.stageCount - 1 {
        let x = r.aqueous[i], y = r.organic[i]
        let top = x.indices.sorted { x[$0] > x[$1] }.prefix(3).map { "\(symbols[$0]) \(String(format: "%.2e", x[$0]))" }
        print(String(format: "%4d X %.3e Y %.3e pH %.2f dimer %.3e Na %.2e | ", i + 1, x.reduce(0, +), y.reduce(0, +),
                     r.pH?[i] ?? .nan, r.freeDimer?[i] ?? .nan, r.aqueousCation?[i] ?? .nan) + top.joined(separator: ", "))
    }
}

// MARK: - Main

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "table":
    let filter = arguments.firstIndex(of: "--filter").flatMap { arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil }
    table(quick: arguments.contains("--quick"), filter: filter)
case "peak" where arguments.count > 1:
    guard let c = parseCase(arguments[1]) else { FileHandle.standardError.write("bad case \(arguments[1])\n".data(using: .utf8)!); exit(64) }
    peak(c, unscoredStart: arguments.contains("--unscored-start"), history: arguments.contains("--history"),
         steps: arguments.contains("--steps"))
case "loop" where arguments.count > 1:
    guard let c = parseCase(arguments[1]) else { FileHandle.standardError.write("bad case \(arguments[1])\n".data(using: .utf8)!); exit(64) }
    loop(c, solver: arguments.contains("--dense") ? .dense : .band)
case "kernels" where arguments.count > 1:
    guard let c = parseCase(arguments[1]) else { exit(64) }
    kernels(c)
case "profile" where arguments.count > 1:
    guard let c = parseCase(arguments[1]) else { exit(64) }
    let every = arguments.firstIndex(of: "--every").flatMap { Int(arguments[$0 + 1]) } ?? 1
    profile(c, startOnly: arguments.contains("--start"), every: every)
case "plants":
    func option(_ name: String) -> String? {
        arguments.firstIndex(of: name).flatMap { arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil }
    }
    let family = option("--model").flatMap(PlantLikeCascades.Family.init(rawValue:))
    plants(count: option("--count").flatMap(Int.init) ?? 600, seed: option("--seed").flatMap(UInt64.init) ?? 1, family: family,
           only: option("--only").flatMap(Int.init), feasibilityOnly: arguments.contains("--feasibility-only"))
case "startup":
    startup(arguments.count > 1 ? arguments[1] : nil)
default:
    FileHandle.standardError.write("usage: sxbench table [--quick] [--filter TEXT] | peak CASE [--history] | loop CASE [--dense] | plants [--count N] [--seed S] [--model M] [--only I] [--feasibility-only] | startup [NAME] | kernels CASE | profile CASE [--start] [--every K]\n".data(using: .utf8)!)
    exit(64)
}
