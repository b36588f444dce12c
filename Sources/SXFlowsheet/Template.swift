/// The commented example `sxsim template` prints. Tests check that it reads without errors.
public enum FlowsheetTemplate {
    public static let text = #"""
    # SXSim flowsheet, format version 1 (reference: docs/flowsheet-format.md).
    #
    # A Pr|Nd split: extraction + scrub + strip in one cascade, with part of the Nd strip
    # liquor refluxed to the scrub section. Every dimensional value carries its unit:
    # flows L/h, L/min, m3/h; concentrations mol/L, mmol/L, g/L (element), g/L REO (oxide);
    # temperatures K or °C; fractions as 0.36 or 36 %.
    # Stage 1 is the raffinate end: the organic enters stage 1, the aqueous flows towards it.
    version: 1
    name: Pr|Nd split (template)
    elements: [Pr, Nd]            # symbols, any order; every per-element map uses them
    operating-hours: 8000 h/y     # optional, default 8000 h/y (t/y figures)
    temperature: 25 °C            # optional, informational

    # Named equilibrium parameter sets, referred to by the sections below.
    # model: constant-D          -> distribution-ratios: {Pr: 1.2, Nd: 1.8}
    # model: separation-factors  -> separation-factors: {...}, organic-loading: 0.18 mol/L
    # model: mass-action         -> extraction-constants: {...}, cation: Na, cation-exchange-constant: 1e-5, soap: NaA
    #                               (K_C and soap have no verified source, docs/references.md [MA]: give yours)
    equilibria:
      p507-loaded:
        model: separation-factors
        separation-factors: {Pr: 1.0, Nd: 1.5}   # beta relative to any reference
        organic-loading: 0.18 mol/L              # fully loaded organic, RE mol/L
        provenance:                              # required: where the numbers come from
          source: "typical beta(Nd/Pr) = 1.5 (docs/references.md [TYP]); s*C/3 loading [LOAD] for 1.5 mol/L P507 at 36 %"
          status: unverified                     # verified | unverified | illustrative | textbook
      hcl-strip:
        model: constant-D
        distribution-ratios: {Pr: 0.02, Nd: 0.02}
        provenance: {source: "illustrative strong-acid stripping", status: illustrative}

    # Streams are defined once and fed by name. Aqueous: flow, concentrations (or total-reo
    # with reo-split), acidity, cation. Organic: flow, extractant, saponification, loading.
    # A stream with 'from: OUTLET' is another cascade's product (a link between cascades).
    streams:
      feed:
        phase: aqueous
        flow: 100 L/h
        concentrations: {Pr: 0.3 mol/L, Nd: 130 g/L}   # element basis; "g/L REO" for oxide
        acidity: 0.05 mol/L
      organic:
        phase: organic
        flow: 2243 L/h
        extractant: 1.5 mol/L                          # monomer basis
        saponification: 36 %
      strip-acid:
        phase: aqueous
        flow: 256 L/h
        acidity: 4.8 mol/L                             # 3 H+ per RE stripped + ~0.3 mol/L residual (docs/engine.md §6)

    cascades:
      prnd:
        sections:                                      # in stage order from stage 1
          extraction: {stages: 40, equilibrium: p507-loaded}
          scrub: {stages: 50, equilibrium: p507-loaded, efficiency: 100 %}
          strip: {stages: 12, equilibrium: hcl-strip}
        feeds:                                         # stream: stage (number or SECTION.first/last/K)
          organic: extraction.first
          feed: extraction.last
          strip-acid: strip.last
        raffinate: pr-product                          # name of the aqueous leaving stage 1
        organic-outlet: stripped-organic               # name of the organic leaving the last stage
        draws:                                         # side products; the rest flows on (reflux)
          nd-product: {stage: strip.first, phase: aqueous, fraction: 23.4 %}
        # routes:                                      # internal routing between stages
        #   - {from: strip.first, to: scrub.last, phase: aqueous, fraction: 10 %}

    targets:                                           # checked by 'sxsim run' (PASS/FAIL, exit 1)
      - {product: nd-product, element: Nd, min-purity: 99.5 %, min-recovery: 95 %}
      # more limits (docs/flowsheet-format.md, "targets"): a group, impurity maxima, an effluent
      # - {product: nd-product, element: Nd, max: {Pr: 500 ppm}}
      # - {product: pr-product, elements: [Pr], min-purity: 98 %}
      # - {product: pr-product, max-reo: 50 g/L REO}

    solver:                                            # optional
      tolerance: 1e-12                                 # Newton residual (relative balance error)
      max-iterations: 200
      recycle-tolerance: 1e-8                          # between cascades linked in a loop
      max-recycle-passes: 200

    """#
}
