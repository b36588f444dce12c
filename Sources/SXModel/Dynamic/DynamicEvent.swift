/// A change to a cascade's operation at a given time of a dynamic simulation: a step in a
/// stream's flow or composition, a stream stopped, an equilibrium parameter set changed.
/// What the cascade holds (its inventories) is continuous across an event.
public struct DynamicEvent: Sendable {
    /// When the change happens, h from the start of the simulation (≥ 0).
    public var time: Double
    public var change: Change

    public enum Change: Sendable {
        /// The stream (a feed, by name) flows at `flow` L/h from now on; 0 stops it.
        case streamFlow(stream: String, flow: Double)
        /// The stream's concentration of `element` becomes `concentration` mol/L (aqueous
        /// feeds: in solution; organic feeds: loading).
        case streamConcentration(stream: String, element: Element, concentration: Double)
        /// The aqueous stream's free acid becomes `acidity` mol/L H⁺.
        case streamAcidity(stream: String, acidity: Double)
        /// The section's stages use another equilibrium model or parameter set from now on.
        case sectionEquilibrium(section: String, model: any EquilibriumModel)
    }

    public init(time: Double, change: Change) {
        self.time = time
        self.change = change
    }

    /// One line for reports: "10 h: feed flow 120 L/h".
    public var summary: String {
        let t = "\(EngineeringFormat.string(time)) h"
        switch change {
        case .streamFlow(let s, let f): return f == 0 ? "\(t): stream '\(s)' stopped" : "\(t): stream '\(s)' flow \(EngineeringFormat.string(f)) L/h"
        case .streamConcentration(let s, let e, let c): return "\(t): stream '\(s)' \(e.symbol) \(EngineeringFormat.string(c)) mol/L"
        case .streamAcidity(let s, let a): return "\(t): stream '\(s)' acidity \(EngineeringFormat.string(a)) mol/L"
        case .sectionEquilibrium(let s, let m): return "\(t): section '\(s)' equilibrium \(m.modelName)"
        }
    }

    /// `cascade` with this change applied; the problem, in a sentence, when it does not apply.
    /// A stream stopped earlier is restarted by a flow step from `original` (the cascade as
    /// specified), where it keeps its composition and stage.
    public func applied(to cascade: Cascade, original: Cascade? = nil) -> Result<Cascade, CascadeSpecificationError> {
        var c = cascade
        func fail(_ s: String) -> Result<Cascade, CascadeSpecificationError> { .failure(CascadeSpecificationError(problems: ["event at \(time) h: " + s])) }
        switch change {
        case .streamFlow(let name, let flow):
            guard flow >= 0 && flow.isFinite else { return fail("flow \(EngineeringFormat.string(flow)) L/h must be ≥ 0") }
            if let k = c.aqueousFeeds.firstIndex(where: { $0.name == name }) {
                if flow == 0 { c.aqueousFeeds.remove(at: k) } else { c.aqueousFeeds[k].flow = flow }
            } else if let k = c.organicFeeds.firstIndex(where: { $0.name == name }) {
                if flow == 0 { c.organicFeeds.remove(at: k) } else { c.organicFeeds[k].flow = flow }
            } else if flow > 0, var feed = original?.aqueousFeeds.first(where: { $0.name == name }) {
                feed.flow = flow
                c.aqueousFeeds.append(feed)
            } else if flow > 0, var feed = original?.organicFeeds.first(where: { $0.name == name }) {
                feed.flow = flow
                c.organicFeeds.append(feed)
            } else {
                return fail("no stream '\(name)' is fed to cascade '\(cascade.name)'" + (flow == 0 ? " (or it is stopped already)" : ""))
            }
        case .streamConcentration(let name, let element, let value):
            guard value >= 0 && value.isFinite else { return fail("concentration \(EngineeringFormat.string(value)) mol/L must be ≥ 0") }
            guard let j = c.elements.firstIndex(of: element) else { return fail("\(element.symbol) is not an element of the flowsheet") }
            if let k = c.aqueousFeeds.firstIndex(where: { $0.name == name }) {
                c.aqueousFeeds[k].concentrations[j] = value
            } else if let k = c.organicFeeds.firstIndex(where: { $0.name == name }) {
                c.organicFeeds[k].concentrations[j] = value
            } else {
                return fail("no stream '\(name)' is fed to cascade '\(cascade.name)'")
            }
        case .streamAcidity(let name, let value):
            guard value >= 0 && value.isFinite else { return fail("acidity \(EngineeringFormat.string(value)) mol/L must be ≥ 0") }
            guard let k = c.aqueousFeeds.firstIndex(where: { $0.name == name }) else {
                return fail("no aqueous stream '\(name)' is fed to cascade '\(cascade.name)'")
            }
            c.aqueousFeeds[k].acidity = value
        case .sectionEquilibrium(let name, let model):
            guard let k = c.sections.firstIndex(where: { $0.name == name }) else {
                return fail("cascade '\(cascade.name)' has no section '\(name)'")
            }
            c.sections[k].equilibrium = model
        }
        return .success(c)
    }
}
