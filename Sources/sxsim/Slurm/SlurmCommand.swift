import ArgumentParser
import Foundation
import SXDesign
import SXFlowsheet
import SXReport

/// A subcommand that `sxsim slurm` can spread over a job array. Its conventions, which the
/// script relies on: `--shard I/N -o PART --force` runs the I-th of N contiguous parts of the
/// study and writes it (`--force` replaces a part left by an earlier attempt);
/// `mergeArguments(...) --merge PART... [--shards N] -o RESULT --force` joins the parts. By
/// default the merge is given the study's own arguments and `--shards N`, so that it refuses a
/// missing, repeated or foreign part (as `sweep` does); a command whose merge takes the parts
/// alone says so with `mergeArguments` and `mergeChecksShards`. `sweep` conforms; `uncertainty`
/// (issue 14) is to.
protocol ShardableCommand: ParsableCommand {
    /// The options given on this command that the script sets itself (as the user typed them,
    /// e.g. "--shard", "-o/--output"); a command to distribute must leave them out.
    var optionsSetByDistribution: [String] { get }
    /// The files the study reads, checked unchanged (SHA-256) by every task and by the merge.
    var inputFiles: [String] { get }
    /// Reads the study's inputs and checks what can be checked without running it (the same
    /// messages and exit codes as the command), so that a mistake fails now, not in every task.
    func validateStudy() throws
    /// The words before `--merge` in the merge's command line, given the distributed command
    /// (its subcommand first): by default all of it, so that the merge knows the study.
    func mergeArguments(_ distributed: [String]) -> [String]
    /// Whether the merge takes `--shards N` and checks that every shard is there exactly once.
    var mergeChecksShards: Bool { get }
}

extension ShardableCommand {
    func mergeArguments(_ distributed: [String]) -> [String] { distributed }
    var mergeChecksShards: Bool { true }
}

extension Sweep: ShardableCommand {
    var optionsSetByDistribution: [String] {
        [shard.map { _ in "--shard" }, output.map { _ in "-o/--output" }, merge.isEmpty ? nil : "--merge",
         shards.map { _ in "--shards" }, force ? "--force" : nil,
         html.map { _ in "--html (make the page from the merged CSV: sxsim sweep --merge RESULT -o /dev/null --html PAGE)" }]
            .compactMap { $0 }
    }
    var inputFiles: [String] { file.map { $0 == "-" ? [] : [$0] } ?? [] }
    func validateStudy() throws {
        guard let file else { throw ValidationError("give the sweep's flowsheet file") }
        if file == "-" { throw ValidationError("a distributed sweep reads its flowsheet from a file, not standard input") }
        _ = try study(file)
    }
}

extension Uncertainty: ShardableCommand {
    var optionsSetByDistribution: [String] {
        [shard.map { _ in "--shard" }, output.map { _ in "-o/--output" }, merge.isEmpty ? nil : "--merge", force ? "--force" : nil]
            .compactMap { $0 }
    }
    var inputFiles: [String] { file.map { $0 == "-" ? [] : [$0] } ?? [] }
    func validateStudy() throws {
        guard let file else { throw ValidationError("give the study's flowsheet file") }
        if file == "-" { throw ValidationError("a distributed study reads its flowsheet from a file, not standard input") }
        guard let samples else { throw ValidationError("give --samples N") }
        do {
            _ = try UncertaintyStudy(parameters: vary.map { s throws(SweepError) in try UncertainParameter.parse(s) }, samples: samples, seed: seed)
        } catch { throw ValidationError(error.message) }
        let text = try FileIO.read(file)
        let parsed = FlowsheetParser.parse(text: text, fileName: file)
        if parsed.flowsheet == nil {
            FileIO.writeError(Pipeline.render(parsed.diagnostics))
            throw ExitCode(2)
        }
    }
    /// The merge reads the study from the parts' rows; `--samples` lets it see a missing last part.
    func mergeArguments(_ distributed: [String]) -> [String] { ["uncertainty", "--samples", String(samples ?? 0)] }
    var mergeChecksShards: Bool { false }
}

/// `sxsim slurm`: writes the sbatch script that runs a study as a Slurm job array and merges it.
struct Slurm: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a Slurm job-array script that runs a sweep or an uncertainty study in N shards and merges them.",
        discussion: """
        Everything after the options is the sxsim command to distribute, without --shard, -o or \
        --merge (the script adds them). 'bash SCRIPT submit' submits the array and a merge job that \
        runs when every shard has succeeded; the merge refuses a missing, repeated or foreign part. \
        See docs/sweep.md, "On a Slurm cluster".

        Example: sxsim slurm --shards 16 -o prnd.sbatch -- sweep Flowsheets/prnd-split.yaml \\
                   --vary "streams.scrub-acid.flow=300:360:1000 L/h"
                 bash prnd.sbatch submit        # result: prnd.csv
        """)

    /// Most shards: the merge names every part on one command line (sxsim takes at most 1,024
    /// arguments), and Slurm's default MaxArraySize (1001) allows array indices up to 1000.
    static let maximumShards = 1000

    @Option(help: ArgumentHelp("Number of array tasks (shards), 1 to \(maximumShards).", valueName: "N"))
    var shards: Int
    @Option(name: [.short, .long], help: ArgumentHelp("Script file to write (default: standard output).", valueName: "file"))
    var output: String?
    @Flag(help: "Overwrite the script file if it exists.") var force = false
    @Option(help: ArgumentHelp("Job name (default: the script's file name without extension, else sxsim-COMMAND).", valueName: "name"))
    var name: String?
    @Option(help: ArgumentHelp("Folder of the parts, relative to the current directory (default: NAME.parts).", valueName: "dir"))
    var parts: String?
    @Option(help: ArgumentHelp("The merged result file (default: NAME.csv).", valueName: "file"))
    var result: String?
    @Option(help: ArgumentHelp("Slurm partition (--partition).", valueName: "name")) var partition: String?
    @Option(help: ArgumentHelp("Time limit of each task and of the merge (--time), e.g. 00:30:00.", valueName: "time")) var time: String?
    @Option(name: .customLong("cpus-per-task"), help: ArgumentHelp("CPUs of each task (--cpus-per-task); give the command --jobs to match.", valueName: "n"))
    var cpusPerTask: Int?
    @Option(help: ArgumentHelp("Any other sbatch option for every job, as written after #SBATCH (repeatable), e.g. --sbatch=--account=rare-earths.", valueName: "option"))
    var sbatch: [String] = []
    @Option(help: ArgumentHelp("The sxsim executable the tasks run (default: this one).", valueName: "path"))
    var sxsim: String?
    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("The sxsim command to distribute, e.g. sweep FILE --vary KEY=SPEC.", valueName: "command"))
    var command: [String] = []

    /// The command to distribute, without a leading "--".
    var distributed: [String] { command.first == "--" ? Array(command.dropFirst()) : command }

    func validate() throws {
        guard (1...Self.maximumShards).contains(shards) else {
            throw ValidationError("--shards \(shards): give 1 to \(Self.maximumShards) shards")
        }
        if let name, name.isEmpty || !name.allSatisfy(SlurmScript.validName.contains) {
            throw ValidationError("--name '\(name)': use letters, digits, '.', '_' and '-' only")
        }
        if let cpusPerTask, cpusPerTask < 1 { throw ValidationError("--cpus-per-task \(cpusPerTask): give at least 1") }
        for option in sbatch where !option.hasPrefix("-") || option.contains("\n") {
            throw ValidationError("--sbatch '\(option)': give an sbatch option as written after #SBATCH, e.g. --sbatch=--account=NAME")
        }
        // The merge names every part on one command line, after the study's own arguments.
        let mergeArguments = distributed.count + 1 + shards + 6
        if mergeArguments > SXSimCommand.maximumArguments {
            throw ValidationError("the merge would take \(mergeArguments) arguments (at most \(SXSimCommand.maximumArguments)); use fewer shards")
        }
        _ = try shardable()
    }

    /// The distributed command, parsed as sxsim would parse it; refused when it cannot be sharded.
    func shardable() throws -> any ShardableCommand {
        guard let sub = distributed.first else {
            throw ValidationError("give the sxsim command to distribute after the options, e.g. sxsim slurm --shards 4 -- sweep FILE --vary KEY=SPEC")
        }
        let parsed: ParsableCommand
        do { parsed = try SXSimCommand.parseAsRoot(distributed) } catch {
            throw ValidationError("the command to distribute is not valid: \(SXSimCommand.message(for: error))")
        }
        guard let command = parsed as? any ShardableCommand, !(parsed is Slurm) else {
            throw ValidationError("'\(sub)' cannot be run in shards; sxsim slurm distributes commands with --shard and --merge (sweep, uncertainty)")
        }
        let conflicts = command.optionsSetByDistribution
        if !conflicts.isEmpty {
            throw ValidationError("leave \(conflicts.joined(separator: ", ")) out of the command to distribute: the script sets them for each shard and the merge")
        }
        return command
    }

    func run() throws {
        let command = try shardable()
        // The script is checked before anything else, as `sweep` checks its output.
        if let output { _ = try FileIO.target(output, force: force) }
        // A study that cannot run would fail every task: say so now.
        try command.validateStudy()
        let base = output.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent }
            .map { String($0.map { SlurmScript.validName.contains($0) ? $0 : "-" }) }
        let jobName = name ?? (base.flatMap { $0.isEmpty ? nil : $0 } ?? "sxsim-\(distributed[0])")
        var options: [String] = []
        if let partition { options.append("--partition=\(partition)") }
        if let time { options.append("--time=\(time)") }
        if let cpusPerTask { options.append("--cpus-per-task=\(cpusPerTask)") }
        options += sbatch
        let script = SlurmScript(name: jobName, command: distributed, mergeCommand: command.mergeArguments(distributed),
                                 mergeChecksShards: command.mergeChecksShards, inputs: command.inputFiles, shards: shards,
                                 executable: try sxsim.map(FileIO.absolutePath) ?? FileIO.executablePath(),
                                 workingDirectory: try FileIO.currentDirectory(),
                                 partsDirectory: parts ?? "\(jobName).parts", result: result ?? "\(jobName).csv",
                                 sbatchOptions: options, version: SXSimCommand.configuration.version)
        guard let output else { return try FileIO.writeOutput(script.rendered()) }
        try FileIO.write(script.rendered(), to: output, force: force)
        FileIO.writeError("sxsim slurm: wrote \(output) (\(shards) shards); submit with: bash \(output) submit\n")
    }
}
