import SXModel

/// The plots `--format svg --plot KIND` can write, one at a time.
public enum PlotKind: String, Sendable, CaseIterable {
    /// Aqueous and organic concentration of every element against stage (log axis).
    case profiles
    /// The McCabe–Thiele diagram of the cascade's key pair (HTML/McCabeThiele.swift).
    case mccabeThiele = "mccabe-thiele"
    /// The same diagram on log-odds axes, where high-purity stages stay visible.
    case mccabeThieleLogOdds = "mccabe-thiele-log-odds"
    /// pH against stage (acid-exchange models only: mass action, empirical).
    case ph
    /// Organic loading (and free extractant under mass action) against stage.
    case loading
    /// Distribution ratio of every element against stage (log axis).
    case distribution
    /// The solver's convergence history: ‖F‖∞ against iteration (log axis), also for a solve
    /// that did not converge (HTML/ConvergencePlot.swift).
    case convergence
}

extension RunReport {
    /// Why `--format svg` cannot draw the requested plot (unknown cascade, a plot the model
    /// does not have, a run that did not converge), or nil when it can.
    public func plotProblem(_ options: ReportOptions) -> String? {
        // The convergence history is no result: it is drawn for a failed solve too.
        guard isSteadyState || options.plot == .convergence else {
            return "the solve did not converge (\(outcome.code)); no plot of the last iterate is drawn: \(outcome.explanation)"
        }
        guard let (r, k) = selectedResult(options) else {
            return "no cascade '\(options.cascade ?? "")'; the cascades are " + results.map(\.cascade.name).joined(separator: ", ")
        }
        switch options.plot {
        case .convergence where convergencePlot(r, index: k).plot == nil:
            return convergencePlot(r, index: k).noStepsNote + " There is no history to plot"
        case .ph where r.pH == nil:
            return "cascade '\(r.cascade.name)' has no pH: only mass-action and empirical sections compute it"
        case .mccabeThiele where McCabeThiele(result: r) == nil, .mccabeThieleLogOdds where McCabeThiele(result: r) == nil:
            return "cascade '\(r.cascade.name)' separates no pair of fed elements, so it has no McCabe–Thiele diagram"
        default:
            return nil
        }
    }

    func selectedResult(_ options: ReportOptions) -> (CascadeResult, Int)? {
        guard let name = options.cascade else { return results.first.map { ($0, 0) } }
        return results.firstIndex { $0.cascade.name == name }.map { (results[$0], $0) }
    }

    /// The SVG document of `options.plot`, or, when it cannot be drawn, a small SVG stating why
    /// (the CLI refuses such a request before writing, see `plotProblem`).
    func svg(options: ReportOptions) -> String {
        if let problem = plotProblem(options) {
            let note = Markup.element("svg", [("xmlns", "http://www.w3.org/2000/svg"), ("viewBox", "0 0 760 60"), ("width", "760"), ("height", "60")], [
                .element("title", [], text: "No plot"),
                .element("text", [("x", "10"), ("y", "30"), ("font-family", "Helvetica, Arial, sans-serif"), ("font-size", "12")], text: problem),
            ])
            return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + note.rendered() + "\n"
        }
        let (r, k) = selectedResult(options)!
        let p = plots(for: r, index: k)
        let plot: LinePlot
        switch options.plot {
        case .profiles: plot = p.profiles
        case .mccabeThiele: plot = McCabeThiele(result: r)!.plot(idPrefix: p.idPrefix)
        case .mccabeThieleLogOdds: plot = McCabeThiele(result: r)!.plot(idPrefix: p.idPrefix, scale: .logOdds)
        case .ph: plot = p.pH!
        case .loading: plot = p.organicPhase
        case .distribution: plot = p.distribution
        case .convergence: plot = convergencePlot(r, index: k).plot!
        }
        return plot.document()
    }
}
