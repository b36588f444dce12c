import Foundation
import SXModel

/// The convergence history of one cascade solve (`CascadeResult.history`): ‖F‖∞ before each
/// recorded solver step on a log axis against the step's number over the whole solve, one
/// colour, dash and marker per phase (damped Newton, pseudo-transient, continuation), the
/// convergence tolerance as a dotted line and the residual of the returned iterate as a
/// last point. Drawn for a failed solve too: it is not a result but shows how the solver
/// failed. A solve without steps (a linear cascade converges at its start) has no plot
/// (`plot` is nil) but a one-line note (`noStepsNote`).
struct ConvergencePlot {
    let result: CascadeResult
    /// The solver's ‖F‖∞ tolerance (`solver.tolerance`, default 1e-12).
    let tolerance: Double
    /// Unique prefix for the SVG ids.
    let idPrefix: String

    /// A run of a phase longer than this is drawn without markers: hundreds of
    /// pseudo-transient markers merge into a band (a single step is always a marker).
    static let markerLimit = 60
    /// The tolerance line is left out (and said to be below the axis) when it lies more than
    /// this many decades below the smallest residual: a tolerance of 1e-300 would squash the
    /// history into the top of the plot.
    static let toleranceDecades = 6.0

    static func label(_ phase: SolveStep.Phase) -> String {
        switch phase {
        case .warmStart: "warm start"
        case .newton: "Newton"
        case .pseudoTransient: "pseudo-transient"
        case .continuation: "continuation"
        case .timeStepping: "time stepping"
        case .stageContinuation: "stage continuation"
        }
    }

    static func stroke(_ phase: SolveStep.Phase, marker: Bool) -> Stroke {
        switch phase {
        case .warmStart: Stroke(colour: Palette.colour(3), width: 2.2, marker: marker ? .circle : .none)
        case .newton: Stroke(colour: Palette.colour(0), marker: marker ? .circle : .none)
        case .pseudoTransient: Stroke(colour: Palette.colour(1), dash: .dashed, marker: marker ? .square : .none)
        case .continuation: Stroke(colour: Palette.colour(2), dash: .dotted, width: 2.2, marker: marker ? .triangle : .none)
        case .timeStepping: Stroke(colour: Palette.colour(4), dash: .dashed, marker: marker ? .square : .none)
        case .stageContinuation: Stroke(colour: Palette.colour(5), dash: .dotted, marker: marker ? .circle : .none)
        }
    }

    /// Runs of consecutive steps of one phase (a new run also where the numbering jumps:
    /// polishing steps below the tolerance are counted but not recorded).
    var runs: [[SolveStep]] {
        var out: [[SolveStep]] = []
        for s in result.history {
            if let last = out.last?.last, last.phase == s.phase, last.iteration + 1 == s.iteration {
                out[out.count - 1].append(s)
            } else {
                out.append([s])
            }
        }
        return out
    }

    /// The residual of the returned iterate, placed after the last counted step, when it can
    /// be drawn on a log axis.
    var returned: Series.Point? {
        guard !result.history.isEmpty, result.residualNorm.isFinite, result.residualNorm > 0 else { return nil }
        return Series.Point(Double(max(result.iterations, result.history.last!.iteration) + 1), result.residualNorm)
    }

    /// Why there is no plot, for a solve that took no step: a linear cascade converges at
    /// its start; an infeasible specification or a failed start is answered before any step.
    var noStepsNote: String {
        let name = result.cascade.name
        return result.outcome.isConverged
            ? "\(name): converged at the start: a linear cascade needs no Newton step."
            : "\(name): no solver step was taken (\(result.outcome.code)): the solve ended before its first Newton step."
    }

    /// False when the tolerance lies more than `toleranceDecades` below every residual.
    var toleranceShown: Bool {
        let smallest = (result.history.map(\.residualNorm) + (returned.map { [$0.y] } ?? [])).filter { $0.isFinite && $0 > 0 }.min()
        return smallest.map { log10($0) - log10(tolerance) <= ConvergencePlot.toleranceDecades } ?? true
    }

    /// The phases the solve went through, in order of first use.
    var phases: [SolveStep.Phase] {
        var out: [SolveStep.Phase] = []
        for s in result.history where !out.contains(s.phase) { out.append(s.phase) }
        return out
    }

    /// The figure caption: what is drawn, for the phases this solve used.
    var caption: String {
        let phases = self.phases
        var parts = ["Convergence of \(result.cascade.name): the residual ‖F‖∞ (largest relative balance error) before each solver step, "
                     + "log axis, against the step's number counted over the whole solve."]
        if phases.contains(.newton) { parts.append("Damped Newton: blue, solid, circles.") }
        if phases.contains(.pseudoTransient) {
            parts.append("Pseudo-transient continuation: vermillion, dashed, squares; it restarts from the linear start, so the residual may jump back up.")
        }
        if phases.contains(.continuation) {
            parts.append("Continuation in the feed or the separation factors: green, dotted, triangles; each step solves an intermediate cascade, "
                         + "whose residual is drawn.")
        }
        if phases.contains(.timeStepping) {
            parts.append("Physical time stepping: orange, dashed, squares; each point is the steady residual after an integrator step "
                         + "or before a Newton iteration polishing its end; it restarts from the linear start.")
        }
        if phases.contains(.stageContinuation) {
            parts.append("Continuation in the number of stages: sky blue, dotted, circles; first the solves of the same cascade "
                         + "with fewer stages per section, then Newton from their steady state stretched to the real stage counts.")
        }
        if runs.contains(where: { $0.count > ConvergencePlot.markerLimit }) {
            parts.append("Runs of more than \(ConvergencePlot.markerLimit) steps are drawn without markers.")
        }
        parts.append((toleranceShown ? "The dotted grey line is the tolerance \(Fmt.g(tolerance))"
                                     : "The tolerance \(Fmt.g(tolerance)) lies far below the residuals and is not drawn")
                     + (returned == nil ? "." : "; the black point after the last step is the residual of the iterate returned.")
                     + " Polishing steps taken below the tolerance are counted, not drawn.")
        return parts.joined(separator: " ")
    }

    var plot: LinePlot? {
        guard !result.history.isEmpty else { return nil }
        let runs = self.runs
        var series = runs.map { run in
            Series(name: nil, x: run.map { Double($0.iteration) }, y: run.map(\.residualNorm),
                   stroke: ConvergencePlot.stroke(run[0].phase, marker: run.count <= ConvergencePlot.markerLimit))
        }
        let residuals = result.history.map(\.residualNorm) + (returned.map { [$0.y] } ?? [])
        let toleranceShown = self.toleranceShown
        // A third of a decade of room above and below, so that no marker sits on the frame.
        let drawable = residuals.filter { $0.isFinite && $0 > 0 }
        let room = (drawable.max().map { [$0 * 3] } ?? []) + (drawable.min().map { [$0 / 3] } ?? [])
        // Padded so that the first step and the returned iterate stand clear of the frame.
        let first = Double(result.history[0].iteration), last = returned?.x ?? Double(result.history.last!.iteration)
        let pad = max(0.5, 0.02 * (last - first))
        let xAxis = Axis(label: "Iteration (counted over the whole solve)", lower: first - pad, upper: last + pad, integerTicks: true)
        let yAxis = Axis.fitting(residuals + room + (toleranceShown ? [tolerance] : []), label: "Residual ‖F‖∞ (largest relative balance error)",
                                 scale: .logarithmic)
        let toleranceStroke = Stroke(colour: Palette.annotation, dash: .dotted, width: 1.5)
        if toleranceShown {
            series.append(Series(name: nil, x: [xAxis.lower, xAxis.upper], y: [tolerance, tolerance], stroke: toleranceStroke))
        }
        let returnedStroke = Stroke(colour: Palette.ink, width: 0, marker: .circle)
        if let p = returned { series.append(Series(name: nil, points: [p], stroke: returnedStroke)) }

        let phases = self.phases
        // A phase's legend sample has its marker when some run of it is drawn with markers.
        let marked = Set(runs.filter { $0.count <= ConvergencePlot.markerLimit }.map { $0[0].phase })
        var legend = phases.map { LegendEntry(ConvergencePlot.label($0), ConvergencePlot.stroke($0, marker: marked.contains($0))) }
        if returned != nil { legend.append(LegendEntry("returned iterate", returnedStroke)) }
        legend.append(LegendEntry((toleranceShown ? "tolerance " : "tol. ") + Fmt.g(tolerance) + (toleranceShown ? "" : " (below)"), toleranceStroke))

        let counts = phases.map { p in "\(ConvergencePlot.label(p)) \(result.history.filter { $0.phase == p }.count)" }.joined(separator: ", ")
        let name = result.cascade.name
        var plot = LinePlot(
            id: "\(idPrefix)-convergence", title: "\(name): convergence history (\(result.outcome.code))",
            description: "Residual ‖F‖∞ (the largest relative balance error) before each of the \(result.history.count) recorded solver steps "
                + "of cascade \(name) on a log axis, against the step's number counted over the whole solve; steps per phase: \(counts). "
                + (toleranceShown ? "The dotted line is the tolerance \(Fmt.g(tolerance)). "
                                  : "The tolerance \(Fmt.g(tolerance)) lies below the axis and is not drawn. ")
                + (returned.map { "The last point is the residual of the returned iterate, \(Fmt.e($0.y, 1)). " } ?? "")
                + "Outcome: \(result.outcome.code).",
            xAxis: xAxis, yAxis: yAxis, series: series, legend: legend)
        plot.height = 340
        return plot
    }
}
