import ArgumentParser
import Foundation

/// The only place sxsim touches files and standard streams.
enum FileIO {
    static let noInput = ExitCode(66)       // EX_NOINPUT
    static let cannotCreate = ExitCode(73)  // EX_CANTCREAT

    /// Reads the flowsheet text ('-' is standard input).
    static func read(_ path: String) throws -> String {
        if path == "-" {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            return String(decoding: data, as: UTF8.self)
        }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard let text = String(data: data, encoding: .utf8) else {
                writeError("sxsim: \(path): not UTF-8 text\n")
                throw noInput
            }
            return text
        } catch let e as ExitCode {
            throw e
        } catch {
            writeError("sxsim: cannot read \(path): \((error as NSError).localizedDescription)\n")
            throw noInput
        }
    }

    /// Writes `text` to `path` atomically: a temporary file in the same directory, then a
    /// rename, so a reader never sees half a file. Refuses to replace an existing file
    /// unless `force`.
    static func write(_ text: String, to path: String, force: Bool) throws {
        let url = URL(fileURLWithPath: path)
        if FileManager.default.fileExists(atPath: path) && !force {
            writeError("sxsim: \(path) exists; pass --force to replace it\n")
            throw cannotCreate
        }
        let dir = url.deletingLastPathComponent()
        let temp = dir.appendingPathComponent(".\(url.lastPathComponent).sxsim-\(ProcessInfo.processInfo.processIdentifier).tmp")
        do {
            try Data(text.utf8).write(to: temp)
            if rename(temp.path, url.path) != 0 {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(at: temp)
                writeError("sxsim: cannot write \(path): \(reason)\n")
                throw cannotCreate
            }
        } catch let e as ExitCode {
            throw e
        } catch {
            try? FileManager.default.removeItem(at: temp)
            writeError("sxsim: cannot write \(path): \((error as NSError).localizedDescription)\n")
            throw cannotCreate
        }
    }

    static func writeOutput(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func writeError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// True when standard error is a terminal (progress is shown only then).
    static var standardErrorIsTerminal: Bool { isatty(2) == 1 }
}
