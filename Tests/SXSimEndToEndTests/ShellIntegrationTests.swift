import ArgumentParser
import Foundation
import Testing
@testable import sxsim

/// Shell completion (argument-parser's `--generate-completion-script`) and the manual page
/// (docs/man/sxsim.1, written by argument-parser's generate-manual plugin; docs/cli.md).
@Suite("Shell completion and manual page")
struct ShellIntegrationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Runs bash with the completion script loaded, completes `line` (cursor at its end) and
    /// returns the candidates.
    static func complete(_ line: String) throws -> [String] {
        let script = SXSimCommand.completionScript(for: .bash)
        let words = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        let program = """
        shopt -s extglob
        \(script)
        COMP_WORDS=(\(words.map { "'\($0)'" }.joined(separator: " ")))
        COMP_CWORD=\(words.count - 1)
        COMP_LINE='\(line)'
        COMP_POINT=\(line.utf8.count)
        _sxsim sxsim '\(words.last!)' '\(words.count > 1 ? words[words.count - 2] : "")'
        printf '%s\\n' "${COMPREPLY[@]}"
        """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-c", program]
        p.currentDirectoryURL = root
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init).sorted()
    }

    @Test func bashCompletesSubcommandsAndOptions() throws {
        #expect(try Self.complete("sxsim sl") == ["slurm"])
        #expect(try Self.complete("sxsim sweep --sh") == ["--shard", "--shards"])
        #expect(try Self.complete("sxsim slurm --cpus").contains("--cpus-per-task"))
    }

    @Test func everyShellGetsAScript() {
        for shell in [CompletionShell.bash, .zsh, .fish] {
            #expect(SXSimCommand.completionScript(for: shell).contains("slurm"), "\(shell)")
        }
    }

    /// The committed manual page names every subcommand and every option of each: regenerate it
    /// (docs/cli.md, "Manual page") when a command changes.
    @Test func manualPageIsCurrent() throws {
        let page = try String(contentsOf: Self.root.appendingPathComponent("docs/man/sxsim.1"), encoding: .utf8)
        let regenerate = "docs/man/sxsim.1 is out of date: swift package generate-manual --configuration debug, then copy "
            + ".build/plugins/GenerateManual/outputs/sxsim/sxsim.1 to docs/man/ (docs/cli.md)"
        // The option lines of a help text: "  --shards <N>", "  -o, --output <file>".
        let pattern = try NSRegularExpression(pattern: #"^ {2}(?:-[a-zA-Z], )?(--[a-z][a-z0-9-]*)"#, options: .anchorsMatchLines)
        for command in SXSimCommand.configuration.subcommands {
            let name = command._commandName
            #expect(page.contains(".It \(name)") || page.contains("\(name)\n"), "subcommand \(name): \(regenerate)")
            let help = SXSimCommand.helpMessage(for: command, columns: 1000)
            let options = Set(pattern.matches(in: help, range: NSRange(help.startIndex..., in: help)).map { (help as NSString).substring(with: $0.range(at: 1)) })
            #expect(!options.isEmpty, "no options read from the help of \(name)")
            for option in options.subtracting(["--help"]) {
                let mdoc = "-" + option.dropFirst(2)   // mdoc writes --shards as "Fl -shards", -o, --output as "Fl o , -output"
                #expect(page.contains("Fl \(mdoc)") || page.contains(", \(mdoc)"), "\(name) \(option): \(regenerate)")
            }
        }
    }
}
