import ArgumentParser
import Foundation
import SXFlowsheet

/// The only place sxsim touches files and standard streams. POSIX calls throughout: the
/// Foundation conveniences trap on a closed or full standard output (`FileHandle.write` ends
/// in a `try!`) and describe errors in Cocoa terms ("NSCocoaErrorDomain error 256").
enum FileIO {
    static let noInput = ExitCode(66)       // EX_NOINPUT
    static let cannotCreate = ExitCode(73)  // EX_CANTCREAT
    static let ioError = ExitCode(74)       // EX_IOERR

    /// The text of errno `code`, e.g. "Is a directory".
    static func reason(_ code: Int32) -> String { String(cString: strerror(code)) }

    /// Reads the flowsheet text ('-' is standard input): at most
    /// `FlowsheetParser.maximumTextSize` bytes (so /dev/zero ends with a message), valid UTF-8,
    /// not a directory.
    static func read(_ path: String) throws -> String {
        let name = path == "-" ? "standard input" : path
        let fd = path == "-" ? 0 : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            writeError("sxsim: cannot read \(name): \(reason(errno))\n")
            throw noInput
        }
        defer { if fd != 0 { close(fd) } }
        var info = stat()
        if fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFDIR {
            writeError("sxsim: cannot read \(name): it is a directory; give a flowsheet file\n")
            throw noInput
        }
        let limit = FlowsheetParser.maximumTextSize
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while bytes.count <= limit {
            let n = chunk.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
            if n == 0 { break }
            if n < 0 {
                if errno == EINTR { continue }
                writeError("sxsim: cannot read \(name): \(reason(errno))\n")
                throw noInput
            }
            bytes += chunk[0..<n]
        }
        guard bytes.count <= limit else {
            writeError("sxsim: \(name) is larger than \(limit) bytes; a flowsheet is a small text file\n")
            throw noInput
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            writeError("sxsim: \(name) is not UTF-8 text\n")
            throw noInput
        }
        return text
    }

    /// Where `write` puts its text, decided before anything is computed (`sweep` checks it
    /// before solving): a new or replaced regular file (written to a temporary file in the same
    /// directory and renamed onto `path`, so it is never half-written; a symbolic link is
    /// followed, so the link stays and its target is replaced), or a device or FIFO written through
    /// (`/dev/stdout`, `/dev/null`, a named pipe), which is never replaced.
    enum Target: Equatable {
        case file(path: String)
        case stream(path: String)
    }

    /// The target of `-o PATH`, or a message and exit 73: a directory, an existing regular
    /// file without `force`, a dangling link, a socket or block device.
    static func target(_ path: String, force: Bool) throws -> Target {
        func refuse(_ why: String) -> ExitCode {
            writeError("sxsim: cannot write \(path): \(why)\n")
            return cannotCreate
        }
        if path.hasSuffix("/") { throw refuse("it names a directory; give a file name") }
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return .file(path: path) }
            throw refuse(reason(errno))
        }
        let isLink = info.st_mode & S_IFMT == S_IFLNK
        // A link's target decides (/dev/stdout → /proc/self/fd/1 → a pipe or terminal).
        if isLink, stat(path, &info) != 0 { throw refuse("it is a symbolic link to nothing (\(reason(errno)))") }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            if !force { throw refuse("it exists; pass --force to replace it") }
            guard isLink else { return .file(path: path) }
            // Replace the link's target, not the link.
            guard let real = realpath(path, nil) else { throw refuse(reason(errno)) }
            defer { free(real) }
            return .file(path: String(cString: real))
        case S_IFCHR, S_IFIFO:
            return .stream(path: path)
        case S_IFDIR:
            throw refuse("it is a directory; give a file name")
        default:
            throw refuse("it is not a regular file, a character device or a FIFO")
        }
    }

    /// Writes `text` to `path` (see `Target`); exit 73 when it cannot.
    static func write(_ text: String, to path: String, force: Bool) throws {
        switch try target(path, force: force) {
        case .stream(let device):
            let fd = open(device, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else {
                writeError("sxsim: cannot write \(path): \(reason(errno))\n")
                throw cannotCreate
            }
            defer { close(fd) }
            if let code = writeAll(fd, text) {
                writeError("sxsim: cannot write \(path): \(reason(code))\n")
                throw cannotCreate
            }
        case .file(let file):
            let url = URL(fileURLWithPath: file)
            let temp = url.deletingLastPathComponent()
                .appendingPathComponent(".\(url.lastPathComponent).sxsim-\(ProcessInfo.processInfo.processIdentifier).tmp").path
            TemporaryFile.register(temp)
            defer { TemporaryFile.clear() }
            let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                writeError("sxsim: cannot write \(path): \(reason(errno))\n")
                throw cannotCreate
            }
            let failure = writeAll(fd, text) ?? (fsync(fd) == 0 ? nil : errno)
            close(fd)
            pauseInsideWriteWindowForTests(temporaryFile: temp)
            if let code = failure ?? (rename(temp, file) == 0 ? nil : errno) {
                unlink(temp)
                writeError("sxsim: cannot write \(path): \(reason(code))\n")
                throw cannotCreate
            }
        }
    }

    /// Debug builds only: with `SXSIM_TEST_PAUSE_IN_WRITE=1` in the environment, `write` stops
    /// after the temporary file is complete and before it is renamed, says so on standard error
    /// ("sxsim: paused writing TEMP") and waits for a signal. The end-to-end test of issue 13,
    /// item 14 interrupts it there to check that SIGINT and SIGTERM remove the temporary file and
    /// leave the target untouched (the window is otherwise microseconds wide). Release builds
    /// (the README's build command) do not contain this.
    static func pauseInsideWriteWindowForTests(temporaryFile: String) {
        #if DEBUG
        guard ProcessInfo.processInfo.environment["SXSIM_TEST_PAUSE_IN_WRITE"] == "1" else { return }
        // A test runner may start sxsim with signals blocked (Foundation's Process passes its
        // mask on); a shell never does. Unblock the two, as a shell-started sxsim has them.
        var interrupts = sigset_t()
        sigemptyset(&interrupts)
        sigaddset(&interrupts, SIGINT)
        sigaddset(&interrupts, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &interrupts, nil)
        writeError("sxsim: paused writing \(temporaryFile)\n")
        while true { pause() }
        #endif
    }

    /// Writes all of `text` to `fd`; the errno of a failure, nil on success.
    static func writeAll(_ fd: Int32, _ text: String) -> Int32? {
        var bytes = Array(text.utf8)
        var offset = 0
        return bytes.withUnsafeMutableBytes { buffer -> Int32? in
            while offset < buffer.count {
                let n = Foundation.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += n
            }
            return nil
        }
    }

    /// Writes to standard output; a closed, full or broken standard output ends the command
    /// with a message and exit 74 (never a trap).
    static func writeOutput(_ text: String) throws {
        if let code = writeAll(1, text) {
            writeError("sxsim: cannot write standard output: \(reason(code))\n")
            throw ioError
        }
    }

    /// Writes to standard error; when it is closed or full there is nowhere to say so, and the
    /// exit code still tells the outcome.
    static func writeError(_ text: String) {
        _ = writeAll(2, text)
    }

    /// The absolute path of the running executable (/proc/self/exe), for scripts that run it again.
    static func executablePath() throws -> String {
        guard let real = realpath("/proc/self/exe", nil) else {
            writeError("sxsim: cannot find its own executable: \(reason(errno)); give its path\n")
            throw noInput
        }
        defer { free(real) }
        return String(cString: real)
    }

    /// The current directory, absolute.
    static func currentDirectory() throws -> String {
        guard let cwd = getcwd(nil, 0) else {
            writeError("sxsim: cannot read the current directory: \(reason(errno))\n")
            throw noInput
        }
        defer { free(cwd) }
        return String(cString: cwd)
    }

    /// `path` made absolute against the current directory (not resolved: links stay links).
    static func absolutePath(_ path: String) throws -> String {
        path.hasPrefix("/") ? path : try currentDirectory() + "/" + path
    }

    /// True when standard error is a terminal (progress is shown only then).
    static var standardErrorIsTerminal: Bool { isatty(2) == 1 }

    /// A broken pipe is an error `writeOutput` reports, not a signal that kills the process.
    static func ignoreBrokenPipes() { signal(SIGPIPE, SIG_IGN) }
}

/// The temporary file being written, removed if SIGINT or SIGTERM arrives meanwhile. The path
/// is kept as a C string so that the signal handler calls only async-signal-safe functions.
enum TemporaryFile {
    nonisolated(unsafe) private static var path: UnsafeMutablePointer<CChar>?

    static func register(_ temp: String) {
        clear()
        path = strdup(temp)
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
    }

    static func clear() {
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        if let p = path { free(p) }
        path = nil
    }

    private static let handler: @convention(c) (Int32) -> Void = { signal in
        if let p = TemporaryFile.path { unlink(p) }
        Foundation.signal(signal, SIG_DFL)
        raise(signal)
    }
}
