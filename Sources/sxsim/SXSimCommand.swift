import ArgumentParser

/// The `sxsim` root command. Subcommands are registered in one line so that others can
/// append theirs (design and sweep).
@main
struct SXSimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sxsim",
        abstract: "Steady-state simulation of rare-earth solvent-extraction cascades.",
        discussion: """
            Describe a flowsheet in a YAML file (see 'sxsim template' and docs/flowsheet-format.md), \
            check it with 'sxsim check FILE' and solve it with 'sxsim run FILE'.

            Exit codes: 0 ok, 1 product targets missed, 2 input error, 3 solver did not converge, \
            64 usage error, 66 input unreadable, 73 output file not written, 74 standard output not written.
            """,
        version: "0.1.0",
        subcommands: [Run.self, Check.self, Template.self, Design.self, Sweep.self, Uncertainty.self, Dynamic.self, Compare.self, Slurm.self]
    )

    /// Most command-line arguments accepted. The argument parser's time grows faster than
    /// linearly with repeated options (2,000 `--set` took 8.5 s in a debug build, 20,000 about
    /// half a minute), so a longer command line is refused before it is parsed.
    static let maximumArguments = 1024

    static func main() {
        FileIO.ignoreBrokenPipes()
        let count = CommandLine.arguments.count - 1
        if count > maximumArguments {
            FileIO.writeError("sxsim: \(count) arguments; at most \(maximumArguments) are accepted (merge many sweep parts in several steps)\n")
            Self.exit(withError: ExitCode(64))
        }
        Self.main(nil)
    }
}
