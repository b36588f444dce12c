import SXNumerics

/// Settings of a cascade solve: the strategy chain's budgets and every constant of the start
/// and the continuation, named (docs/engine.md §5 explains each phase).
public struct SolveOptions: Sendable, Equatable {
    public var newton = NewtonOptions()
    /// Newton iterations of the first, direct attempt from the linear start, when it is
    /// making progress (see `directTrialIterations`).
    public var directIterations = 60
    /// Newton iterations after which the direct attempt must have lowered ‖F‖∞ by
    /// `directProgressFactor` to go on; otherwise pseudo-transient continuation takes over
    /// at once (on long cascades with a loading front, damped Newton from the linear start
    /// creeps: hundreds of iterations where the pseudo-transient phase needs tens).
    public var directTrialIterations = 10
    public var directProgressFactor = 1e-2
    /// Past the trial, the direct attempt runs in rounds of `directTrialIterations`, each of
    /// which must lower ‖F‖∞ by this factor for the next to run; otherwise the
    /// pseudo-transient phase takes over (and, should it fail, Newton gets the rest of its
    /// `directIterations`).
    public var directRoundProgressFactor = 0.5
    /// Newton iterations of a warm start (`CascadeSolver.solve(_:options:startingFrom:)`)
    /// before it gives way to the cold strategy chain. From a neighbouring steady state
    /// Newton converges quadratically in a handful of iterations; a warm start that needs
    /// more is far off and the cold chain is the better bet.
    public var warmStartIterations = 12
    /// A warm start goes on past `warmTrialIterations` only when it has lowered ‖F‖∞ by
    /// `warmProgressFactor` by then: from a seed close enough Newton converges quadratically,
    /// and a seed that has not gained two decades in five iterations rarely converges in
    /// twelve (300 samples of `prnd-split.yaml` at 3 % β: docs/uncertainty.md, "Solving").
    public var warmTrialIterations = 5
    public var warmProgressFactor = 1e-2
    /// Whether a warm start that does not converge within `warmStartIterations` gives way to
    /// the cold strategy chain (the default). False answers with the warm attempt's own
    /// outcome instead: a continuation that retries with a shorter step (`sxsim uncertainty`,
    /// docs/uncertainty.md) wants the cheap failure, not a cold solve of hundreds of iterations.
    public var coldChainAfterFailedWarmStart = true
    /// Pseudo-transient steps of the second attempt (0 skips it).
    public var pseudoTransientSteps = 600
    /// A pseudo-transient attempt whose controller norm has stayed above
    /// `pseudoTransientDivergenceFactor` times its lowest for this many consecutive steps is
    /// given up as diverging (`NewtonSolver.solvePseudoTransient`), so that the other form of
    /// electroneutrality gets its turn. Measured (release, `sxbench peak mass-action/50x15`):
    /// the first attempt there climbed from ‖R‖ ≈ 16 to 5,000 at Δt = 1e12 for all 600 steps
    /// before the algebraic form converged in 32. A test on "no new low for 100 steps" instead
    /// doubled the failures of the plant-like population (16 → 35 of 200): attempts that wander
    /// near their best for hundreds of steps still converge.
    public var pseudoTransientDivergenceSteps = 50
    public var pseudoTransientDivergenceFactor = 100.0
    /// Acid exchange: try the pseudo-transient phase with electroneutrality algebraic first
    /// (`CascadeSystem.algebraicElectroneutrality`), the differential form second.
    public var algebraicElectroneutralityFirst = false
    /// Most continuation steps (the third attempt).
    public var maximumContinuationSteps = 30
    /// The linear start's settings.
    public var start = StartOptions()
    /// The continuation's settings.
    public var continuation = ContinuationOptions()
    /// The optional last attempt: physical time stepping to the steady state, then Newton.
    public var timeStepping = TimeSteppingOptions()
    /// Continuation in the number of stages for long cascades (`StageContinuation`).
    public var stageContinuation = StageContinuationOptions()
    public init() {}
}

/// Settings of the continuation in the number of stages (`StageContinuation`, docs/engine.md
/// §5): a cascade of at least `minimumStages` stages that the direct Newton attempt does not
/// converge is solved first with every section's stage count divided by `coarseningFactor`
/// (that cascade in turn through a coarser one while it has `minimumStages`), and the coarse
/// steady state, stretched along each section's flattest step, starts Newton on the real one.
public struct StageContinuationOptions: Sendable, Equatable {
    /// Whether the strategy runs at all.
    public var enabled = true
    /// Whether it runs on cascades without acid exchange too (Xu's model, constant D). Off: on
    /// `Flowsheets/prnd-split.yaml` (Xu's model, 100 + 100 stages) it cost 441 iterations
    /// against the pseudo-transient phase's 368 (debug build, `ExampleTests`, 2026-11-30); it
    /// was built for the long plateaus of mass action.
    public var withoutAcidExchange = false
    /// Fewest stages (all sections together) of a cascade solved through a coarser one; shorter
    /// cascades go to the pseudo-transient phase. Measured (release, `sxbench peak
    /// mass-action/NxE`, Newton iterations of all phases, 2026-11-30): at 40, 50 × 15 takes 49
    /// (284 without the strategy), 100 × 15 55 (108), 1000 × 2 37 (107); at 100 the 50-stage
    /// level is solved by the pseudo-transient phase (284) and 100 × 15 takes 300; at 20,
    /// 200 × 2 takes 98 (35 without).
    public var minimumStages = 40
    /// A section that halving would leave with fewer stages than this keeps its stage count in
    /// the coarser cascade (the others are halved). `Flowsheets/prnd-mass-action.yaml`
    /// (40 + 50 + 12 stages): 70 iterations through its 20 + 25 + 6-stage cascade (debug build,
    /// `ExampleTests`), 168 when that went on to 10 + 13 + 3 (101 without the strategy); the
    /// benchmark's 15-element cascades go down to 10 + 10 + 5 (the measurements above).
    public var minimumSectionStages = 5
    /// Each coarser cascade has every long section's stage count divided by this (rounded up).
    public var coarseningFactor = 2
    /// A section is long, and is shortened in the coarser cascade, when it has at least this
    /// fraction of the longest section's stages (`StageContinuation.coarser`): only a section
    /// longer than its separation needs has a plateau to shorten. With every section halved,
    /// `Flowsheets/prnd-mass-action.yaml` with a 500-stage scrub did not converge through the
    /// strategy (docs/engine.md §5); the benchmark's 2 : 2 : 1 sections are all long.
    public var longSectionFraction = 0.5
    /// Where the stages are inserted, a metal (or the saponifying cation) below `tailFraction`
    /// of the stage's aqueous metals and cation (mol/L over mol/L), or whose ln x changes by more
    /// than `tailStep` from one stage to the next, is a geometric tail: its far end is moved by
    /// its per-stage factor for every stage inserted; otherwise it is copied. (A strip section
    /// has no plateau: there the elements it strips fall by about e^−0.65 per stage while still
    /// a few % of the stage's metals.)
    public var tailFraction = 0.01
    public var tailStep = 0.1
    /// When the strategy can run (acid exchange, at least `minimumStages`, a coarser cascade
    /// exists), the direct Newton attempt gives way to it after this many iterations unless
    /// ‖F‖∞ has fallen by `directProbeProgressFactor` by then (instead of after the full
    /// `SolveOptions.directTrialIterations`). A direct attempt that will fail on a long
    /// cascade shows it at once: its steps are damped to 1e-2–1e-4 and ‖F‖∞ barely moves
    /// (mass action 1000 × 15: 547 → 546 in its first two iterations, 1000 × 2: 5.36 → 5.25,
    /// 500 × 15: 4.81 → 4.79), while one that converges takes full steps (500 × 6: 2.8 → 0.018
    /// in two). Each iteration of such a failing attempt costs several residual evaluations in
    /// the line search (0.06–0.22 s CPU each at 1000 × 15, against 0.026 s for a full Newton
    /// step there; release `sxbench peak mass-action/1000x15 --steps`, 2026-11-30).
    /// Whether a cascade that can go through a coarser one does so before its own start and
    /// direct attempt (which then run only when the strategy fails), so that a long cascade
    /// never pays for its own start. Measured (release, `sxbench peak mass-action/NxE`, user
    /// CPU of the process, shared machine, 2026-11-30; before → after): 1000 × 15 0.78 → 0.19 s
    /// (52 → 50 iterations), 500 × 15 0.38 → 0.13 s, 200 × 15 0.14 → 0.06 s, 50 × 15 0.06 →
    /// 0.03 s, 1000 × 2 0.17 → 0.01 s, 500 × 6 0.05 → 0.03 s (7 → 16 iterations: those of the
    /// coarser cascades are cheap, and the 500-stage start, most of the direct solve, is not
    /// made). On the plant-like mass-action sample (`sxbench plants --count 90 --seed 1
    /// --model mass-action`) the same 25 converge and 5 are refused, iterations min / median /
    /// p90 4 / 52 / 192 → 11 / 34 / 155, median solve time 673 → 177 ms.
    public var beforeStart = true
    public var directProbeIterations = 2
    public var directProbeProgressFactor = 0.5
    /// ‖F‖∞ to which the coarser cascades are solved (with no polishing steps): they are only
    /// starts for the next finer one, whose stretched start is off by more than this anyway
    /// (`StageContinuationTests`), so steps below it change nothing but the cost. Measured on
    /// the mass-action cascade at 500 stages × 6 elements, the stretched starts of the levels
    /// of 63, 125, 250 and 500 stages have ‖F‖∞ = 0.14, 0.085, 0.029 and 1.4e-3. Lowered from
    /// 1e-6 (2026-11-30, `sxbench plants --model mass-action` and the grid): the same 172
    /// plant-like cases converge and 28 are refused, iterations median 26 → 24, and the grid's
    /// mass-action cases take 3 to 7 fewer iterations (1000 × 15: 42 → 35; 500 × 6: 18 → 14).
    public var coarseTolerance = 1e-3
    public init() {}
}

/// Settings of the start (`StartingPoint`): each element solved as a linear cascade, its
/// distribution ratios refined by damped successive substitution from the model.
public struct StartOptions: Sendable, Equatable {
    /// Most refinement passes (each one linear solve per element, O(N)).
    public var maximumSweeps = 150
    /// Most passes of the fully loaded (Xu) start of an acid-exchange cascade.
    public var loadedStartSweeps = 40
    /// Largest change of any ln D (and ln [(HA)₂]) in one pass.
    public var maximumLogStep = 2.0
    /// Damping of the ln D update under a fixed organic loading (Xu's model).
    public var loadedDamping = 0.7
    /// Damping of the ln D and ln [(HA)₂] updates under acid exchange (1: undamped, each pass
    /// takes the model's D at the aqueous of the linear solves, with [(HA)₂] that closes the
    /// extractant balance there). At 0.5 (until 2026-11-30) D was taken at a free dimer half
    /// way to that root, which no aqueous balances, and the strip of mass action 500 × 6
    /// swung between [H⁺] at its floor and the anion for 30 passes (51 passes before Newton,
    /// 6 undamped; docs/engine.md §6).
    public var acidExchangeDamping = 1.0
    /// Xu's model: from pass `relaxationDelay` on, the damping falls (× `relaxationDecrease`,
    /// down to `minimumRelaxation`) whenever a pass changed some ln D by more than
    /// `cyclingChange` and by more than the pass before, and recovers (× `relaxationRecovery`,
    /// up to 1) otherwise. Without it the update cycles with changes of 0.5–2 on long
    /// 15-element cascades and the start stays far off.
    public var relaxationDelay = 10
    public var cyclingChange = 0.1
    public var relaxationDecrease = 0.7
    public var relaxationRecovery = 1.1
    public var minimumRelaxation = 0.05
    /// Xu's model (a fixed loading without acid exchange): each pass's linear solve is scored
    /// by the cascade's balance errors (½‖R‖₂²), the best kept, and the passes stop after this
    /// many without a better one (0: no scoring), counted afresh whenever the damping is cut
    /// (`relaxationDecrease`): the passes are then still being brought under control. Acid routed from a strip into the loaded
    /// sections (reflux) makes the passes wander instead of settling (Benchmarks/README.md,
    /// separation factors 500 × 6: all 150 passes, 100 ms of a 10 ms solve).
    public var stagnationSweeps = 20
    /// Settled when no damped ln D moved by more than this times the current relaxation.
    public var settledChange = 1e-2
    /// ln x given to a species whose linear solve returns zero (far below any trace).
    public var logFloor = -700.0
    /// The start keeps [H⁺] ≥ this fraction of the anion while it refines (acid exchange).
    public var minimumAcidFraction = 1e-3
    /// First estimate of [H⁺]: at least this fraction of the anion (acid exchange).
    public var firstAcidFraction = 0.05
    /// Projection into the domain: the cation at most this fraction of the anion, and
    /// 3 Σx at most `rareEarthRoom` of what the anion leaves after the cation.
    public var maximumCationFraction = 0.5
    public var rareEarthRoom = 0.9
    /// A section fed more acid than this fraction of a loaded organic's capacity is treated
    /// as a strip by the loaded start (kept at the trace start's distribution ratios).
    public var stripAcidFraction = 0.5
    public init() {}
}

/// Settings of the continuation (the solver's third strategy).
public struct ContinuationOptions: Sendable, Equatable {
    /// Feed-scaling continuation starts at this fraction of the real rare-earth feed.
    public var traceFeedFraction = 1e-3
    /// First step: a factor 10^`feedDecades` in the feed, or `parameterStep` in t.
    public var feedDecades = 1.0
    public var parameterStep = 0.1
    /// After a successful step the step grows by this factor, up to the caps below.
    public var growth = 1.5
    public var maximumFeedDecades = 1.0
    public var maximumParameterStep = 0.5
    /// After a failed step it is halved; below this it gives up.
    public var minimumStep = 1e-4
    public init() {}
}
