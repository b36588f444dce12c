import SXFlowsheet
import SXModel

extension RunReport {
    /// The JSON document; its layout is documented in docs/cli.md and versioned by
    /// "formatVersion" (fields are only ever added within a version).
    public func json(options: ReportOptions = ReportOptions()) -> JSONValue {
        func perElement(_ values: [Double]) -> JSONValue {
            .object(zip(elements, values).map { ($0.symbol, .number($1)) })
        }
        // A failed solve's numbers are null unless the last iterate was asked for.
        let show = showsNumbers(options)
        func result(_ x: Double?) -> JSONValue { show ? .optional(x) : .null }
        // A verdict only for a steady state with every value evaluated.
        func verdict(_ limits: [LimitCheck], _ passed: Bool) -> JSONValue {
            isSteadyState && limits.allSatisfy({ $0.value != nil }) ? .bool(passed) : .null
        }
        func limitJSON(_ l: LimitCheck) -> JSONValue {
            .object([("key", .string(l.key)), ("kind", .string(l.kind.rawValue)), ("elements", .array(l.elements.map { .string($0.symbol) })),
                     ("unit", .string(l.unit)), ("limit", .number(l.limit)), ("value", result(l.value)), ("margin", result(l.margin)),
                     ("pass", isSteadyState && l.value != nil ? .bool(l.passed) : .null)])
        }
        var doc: [(String, JSONValue)] = [
            ("format", .string("sxsim-run")),
            ("formatVersion", .integer(1)),
            ("flowsheet", .object([("name", .string(flowsheetName)), ("file", .string(fileName)),
                                   ("elements", .array(elements.map { .string($0.symbol) })),
                                   ("operatingHoursPerYear", .number(operatingHours))])),
            ("outcome", .object([("code", .string(outcome.code)), ("converged", .bool(outcome.isConverged)),
                                 ("explanation", .string(outcome.explanation)), ("passes", .integer(passes)),
                                 ("recycleChange", .number(recycleChange)),
                                 ("trainClosure", show ? perElement(trainClosure) : .null)])),
            ("lastIterate", .bool(show && !isSteadyState)),
            ("targetsMet", targetsMet.map { .bool($0) } ?? .null),
            ("products", .array(products.map { p in
                .object([("name", .string(p.name)), ("cascade", .string(p.cascade)), ("phase", .string(p.phase.rawValue)),
                         ("stage", .integer(p.stage)), ("flow_L_per_h", result(p.flow)),
                         ("totalREO_g_per_L", result(p.totalOxide)), ("REO_t_per_y", result(p.oxideTonnesPerYear)),
                         ("acidity_mol_per_L", result(p.acidity)),
                         ("elements", .object(elements.indices.map { j in
                             (elements[j].symbol, .object([("oxide", .string(elements[j].oxideFormula)),
                                                           ("concentration_mol_per_L", result(p.concentrations[j])),
                                                           ("oxide_g_per_L", result(p.oxideConcentrations[j])),
                                                           ("oxidePurity", result(p.purity[j])),
                                                           ("oxidePurityAmongAllMetals", result(p.purityAmongAllMetals[j])),
                                                           ("recovery", result(p.recovery[j]))]))
                         }))])
            })),
            ("targets", .array(targets.map { t in
                .object([("product", .string(t.target.product)), ("element", .string(t.target.element.symbol)),
                         ("elements", .array(t.target.elements.map { .string($0.symbol) })),
                         ("minPurity", .optional(t.target.minimumPurity)), ("minRecovery", .optional(t.target.minimumRecovery)),
                         ("maxImpurities", .object(t.target.maximumImpurities.map { ($0.element.symbol, .number($0.maximum)) })),
                         ("purity", result(t.purity)), ("recovery", result(t.recovery)),
                         ("pass", verdict(t.limits, t.passed)), ("intermediate", .bool(t.intermediate)),
                         ("stagesMeetingPurity", show ? t.stagesMeetingPurity.map { .array([.integer($0.lowerBound), .integer($0.upperBound)]) } ?? .null : .null),
                         ("limits", .array(t.limits.map(limitJSON)))])
            })),
            ("effluentTargets", .array(effluents.map { e in
                .object([("product", .string(e.target.product)),
                         ("maxAcidity_mol_per_L", .optional(e.target.maximumAcidity)), ("maxREO_g_per_L", .optional(e.target.maximumOxide)),
                         ("pass", verdict(e.limits, e.passed)), ("intermediate", .bool(e.intermediate)),
                         ("limits", .array(e.limits.map(limitJSON)))])
            })),
            ("reagents", .object([("REO_fed_kg_per_h", .number(reagents.oxideFed)),
                                  ("acid_mol_per_h", .number(reagents.acid)), ("HCl_kg_per_h", .number(reagents.acidKgPerHour)),
                                  ("HCl_kg_per_t_REO_fed", .optional(reagents.acidKgPerTonne)),
                                  ("base", .string(reagents.baseFormula)), ("base_mol_per_h", .number(reagents.base)),
                                  ("base_kg_per_h", .number(reagents.baseKgPerHour)),
                                  ("base_kg_per_t_REO_fed", .optional(reagents.baseKgPerTonne)),
                                  ("extractant_mol_per_h", .number(reagents.extractant))])),
            ("cascades", .array(cascades.map { c in
                .object([("name", .string(c.name)), ("stages", .integer(c.stageCount)),
                         ("sections", .array(c.sections.map { s in
                             .object([("name", .string(s.name)), ("stages", .integer(s.stages)), ("model", .string(s.model)),
                                      ("efficiency", .number(s.efficiency))])
                         })),
                         ("outcome", .string(c.outcome.code)), ("explanation", .string(c.outcome.explanation)),
                         ("iterations", .integer(c.iterations)), ("continuationSteps", .integer(c.continuationSteps)),
                         ("residualNorm", .number(c.residualNorm)), ("massBalanceClosure", perElement(c.closure)),
                         ("organicCircuit", c.circuit.map { k in
                             .object([("entryStage", .integer(k.entryStage)), ("returnFlow_L_per_h", .number(k.returnFlow)),
                                      ("makeUpFlow_L_per_h", .number(k.makeUpFlow)),
                                      ("returningLoading_mol_per_L", show ? perElement(k.returningLoading) : .null),
                                      ("returningREO_g_per_L", show ? .number(k.returningOxide) : .null)])
                         } ?? .null)])
            })),
            ("equilibria", .array(equilibria.map { e in
                .object([("name", .string(e.name)), ("model", .string(e.model)), ("status", .string(e.provenance.status)),
                         ("source", .string(e.provenance.source)), ("conditions", e.provenance.conditions.map { .string($0) } ?? .null)])
            })),
            ("warnings", .array(warnings.map { w in
                .object([("id", .string(w.id.code)), ("location", .string(w.location.description)), ("message", .string(w.message))])
            })),
        ]
        if let s = seconds { doc.append(("seconds", .number(s))) }
        if options.profiles { doc.append(("profiles", show ? .array(results.map(RunReport.profileJSON)) : .null)) }
        return .object(doc)
    }

    static func profileJSON(_ r: CascadeResult) -> JSONValue {
        let c = r.cascade
        let ranges = c.sectionStageRanges
        let d = r.distributionRatios
        let ph = r.pH
        let loading = r.organicLoading
        func row(_ v: [Double]) -> JSONValue {
            var pairs: [(String, JSONValue)] = []
            for (e, x) in zip(c.elements, v) { pairs.append((e.symbol, .number(x))) }
            return .object(pairs)
        }
        var stages: [JSONValue] = []
        for i in 0..<r.stageCount {
            let section: String = ranges.firstIndex { $0.contains(i + 1) }.map { c.sections[$0].name } ?? ""
            var pairs: [(String, JSONValue)] = [("stage", .integer(i + 1)), ("section", .string(section))]
            pairs.append(("aqueous_mol_per_L", row(r.aqueous[i])))
            pairs.append(("organic_mol_per_L", row(r.organic[i])))
            pairs.append(("D", row(d[i])))
            pairs.append(("pH", JSONValue.optional(ph?[i])))
            if let dosage = r.dosage { pairs.append(("dosage_vol_percent", JSONValue.optional(dosage[i].isNaN ? nil : dosage[i]))) }
            pairs.append(("loading_mol_per_L", .number(loading[i])))
            // The solver's unknowns, full precision (ln, and the concentrations they stand for:
            // free extractant, cation, acid): what `sxsim dynamic --start-from` reads.
            if let state = r.stageUnknowns { pairs += DynamicStateFile.unknownFields(state, stage: i).filter { $0.0 != DynamicStateFile.RowKey.aqueous } }
            stages.append(.object(pairs))
        }
        return .object([("cascade", .string(c.name)), ("stages", .array(stages))])
    }
}
