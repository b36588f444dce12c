/// The text of a Slurm batch script that runs one sxsim command as a job array of N shards
/// and merges their parts (docs/sweep.md, "On a Slurm cluster"). It knows nothing of sweeps:
/// any command that follows the shard conventions of `ShardableCommand` can be distributed
/// (`sweep` today; `uncertainty` when it lands).
///
/// The script has three modes, chosen by its first argument:
/// - none (as `sbatch SCRIPT` runs it): array task `SLURM_ARRAY_TASK_ID` = I runs
///   `sxsim COMMAND --shard I/N -o PARTS/part-I.csv`;
/// - `submit` (`bash SCRIPT submit`): records a checksum of the input files, submits the array
///   and a merge job that starts only when every task succeeded (`afterok`), prints both ids;
/// - `merge` (the merge job, or by hand): `sxsim MERGE-COMMAND --merge PARTS/part-1.csv … --shards N -o RESULT`
///   (MERGE-COMMAND is by default the command itself, so the merge refuses a missing, repeated
///   or foreign part; see `ShardableCommand`).
///
/// Pure text: `SlurmCommand` resolves the paths and writes the file.
struct SlurmScript: Equatable {
    /// The job name (letters, digits, '.', '_', '-'): `--job-name`, and `NAME-merge` for the merge job.
    var name: String
    /// The distributed command's arguments after `sxsim` (e.g. `["sweep", "f.yaml", "--vary", "k=1:2:3"]`).
    var command: [String]
    /// The words before `--merge` in the merge's command line (by default `command`).
    var mergeCommand: [String]
    /// Whether the merge is given `--shards N`.
    var mergeChecksShards: Bool = true
    /// Input files the command reads, checked unchanged (SHA-256) by every task and the merge.
    var inputs: [String]
    /// Number of array tasks (shards), ≥ 1.
    var shards: Int
    /// Absolute path of the sxsim executable the tasks run.
    var executable: String
    /// Absolute working directory of every task (`--chdir`): relative paths in `command` are
    /// taken from there, as when the script was written.
    var workingDirectory: String
    /// Folder of the parts (relative to the working directory or absolute).
    var partsDirectory: String
    /// The merged result file.
    var result: String
    /// Further `#SBATCH` options as written after `#SBATCH ` (e.g. "--partition=short"), given to
    /// the array and the merge job alike.
    var sbatchOptions: [String] = []
    /// The version of sxsim that wrote the script (shown in its header).
    var version: String = ""

    static let validName = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")

    /// `text` quoted for bash: unchanged when it is made of safe characters only, else in
    /// single quotes (a single quote inside becomes '\'').
    static func quote(_ text: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/=:+,@%")
        if !text.isEmpty, text.allSatisfy(safe.contains) { return text }
        return "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }

    static func array(_ words: [String]) -> String { "(" + words.map(quote).joined(separator: " ") + ")" }

    /// The part file of shard `index`.
    func part(_ index: Int) -> String { "\(partsDirectory)/part-\(index).csv" }

    func rendered() -> String {
        precondition(shards >= 1 && !command.isEmpty && name.allSatisfy(Self.validName.contains) && !name.isEmpty)
        let commandLine = (["sxsim"] + command).map(Self.quote).joined(separator: " ")
        let options = sbatchOptions.map { "#SBATCH \($0)\n" }.joined()
        let q = Self.quote
        return """
        #!/bin/bash
        # Written by `sxsim slurm`\(version.isEmpty ? "" : " (sxsim \(version))"): \(shards) shard\(shards == 1 ? "" : "s") of
        #   \(commandLine)
        # as a Slurm job array, then one merge into \(result).
        #
        #   bash THIS-FILE submit   submit the array and a merge job that runs when every shard succeeded
        #   sbatch THIS-FILE        submit the array only; afterwards: bash THIS-FILE merge
        #   sbatch --array=3 THIS-FILE   run shard 3 again (then merge)
        #
        # Parts: \(partsDirectory)/part-I.csv; task logs: \(name)-JOB_I.log in the working directory.
        # The merge refuses a missing, repeated or foreign part (docs/sweep.md, "On a Slurm cluster").
        #SBATCH --job-name=\(name)
        #SBATCH --array=1-\(shards)
        #SBATCH --chdir=\(workingDirectory)
        #SBATCH --output=\(name)-%A_%a.log
        \(options)set -euo pipefail

        sxsim=\(q(executable))
        workdir=\(q(workingDirectory))
        shards=\(shards)
        parts=\(q(partsDirectory))
        result=\(q(result))
        command=\(Self.array(command))
        merge_command=\(Self.array(mergeCommand + ["--merge"]))
        shards_option=\(Self.array(mergeChecksShards ? ["--shards", String(shards)] : []))
        inputs=\(Self.array(inputs))
        sbatch_options=\(Self.array(sbatchOptions))

        cd "$workdir"
        # The inputs must not change between submission and merge: a checksum is recorded at
        # submission and checked by every task and by the merge.
        check_inputs() {
          if [ -f "$parts/inputs.sha256" ]; then
            sha256sum --check --quiet --strict "$parts/inputs.sha256" || {
              echo "\(name): an input file changed since submission (see $parts/inputs.sha256); submit again" >&2; exit 65; }
          fi
        }

        case "${1:-}" in
        submit)
          self=$(readlink -f "${BASH_SOURCE[0]}")
          mkdir -p "$parts"
          rm -f "$parts"/part-*.csv
          if [ ${#inputs[@]} -gt 0 ]; then sha256sum -- "${inputs[@]}" > "$parts/inputs.sha256"; fi
          array=$(sbatch --parsable "$self")
          array=${array%%;*}
          merge=$(sbatch --parsable "${sbatch_options[@]}" --job-name=\(name)-merge --chdir="$workdir" \\
                  --output=\(name)-merge-%j.log --dependency=afterok:"$array" --kill-on-invalid-dep=yes \\
                  --wrap="bash $(printf %q "$self") merge")
          merge=${merge%%;*}
          echo "submitted array job $array (\(shards) shards) and merge job $merge; result: $workdir/$result"
          ;;
        merge)
          check_inputs
          list=() missing=()
          for ((i = 1; i <= shards; i++)); do
            list+=("$parts/part-$i.csv")
            [ -f "$parts/part-$i.csv" ] || missing+=("$i")
          done
          if [ ${#missing[@]} -gt 0 ]; then
            echo "\(name): ${#missing[@]} of $shards shards have no part in $parts (shard ${missing[*]}: no part-I.csv; see \(name)-*.log);" \
               "run them again with: sbatch --array=$(IFS=,; echo "${missing[*]}") $0, then merge" >&2
            exit 66
          fi
          "$sxsim" "${merge_command[@]}" "${list[@]}" "${shards_option[@]}" -o "$result" --force
          echo "merged \(shards) part\(shards == 1 ? "" : "s") into $workdir/$result"
          ;;
        "")
          i=${SLURM_ARRAY_TASK_ID:?"not an array task: submit with 'bash $0 submit' or 'sbatch $0'"}
          check_inputs
          mkdir -p "$parts"
          exec "$sxsim" "${command[@]}" --shard "$i/$shards" -o "$parts/part-$i.csv" --force
          ;;
        *)
          echo "usage: bash $0 [submit|merge] (no argument: one array task, as sbatch runs it)" >&2
          exit 64
          ;;
        esac

        """
    }
}
