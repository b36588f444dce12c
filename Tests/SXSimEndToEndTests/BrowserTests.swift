import Foundation
import Testing
import SXReport

/// Headless Chromium, found on PATH as `chromium` or `chromium-browser`, or given by
/// SXSIM_CHROMIUM. `.ci/install-deps --browser` installs Debian's `chromium`; `.ci/run` does,
/// and sets SXSIM_REQUIRE_BROWSER=1 so that CI fails instead of skipping when it is missing.
enum Browser {
    static let path: String? = {
        let env = ProcessInfo.processInfo.environment
        if let p = env["SXSIM_CHROMIUM"], FileManager.default.isExecutableFile(atPath: p) { return p }
        for dir in (env["PATH"] ?? "/usr/bin").split(separator: ":") {
            for name in ["chromium", "chromium-browser"] {
                let p = "\(dir)/\(name)"
                if FileManager.default.isExecutableFile(atPath: p) { return p }
            }
        }
        return nil
    }()

    static var required: Bool { ProcessInfo.processInfo.environment["SXSIM_REQUIRE_BROWSER"] == "1" }

    /// Runs when Chromium is there, or when CI requires it (then its absence fails).
    static var enabled: Bool { path != nil || required }

    struct Shot {
        var log: String
        var pngSize: Int
    }

    /// Loads `url` headless, writes a screenshot of `width`×`height` px to `png` and returns
    /// Chromium's log (with the page's console messages, `--enable-logging=stderr --v=0`).
    static func screenshot(_ url: URL, to png: URL, width: Int = 1200, height: Int = 2400) throws -> Shot {
        let chromium = try #require(path, "chromium is not installed: run `bash .ci/install-deps --browser` (Debian's chromium package)")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: chromium)
        // A profile of its own (CI's HOME may be read-only or shared) and no /dev/shm (small in containers).
        let profile = png.deletingPathExtension().appendingPathExtension("profile")
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars", "--no-first-run",
                       "--user-data-dir=\(profile.path)", "--enable-logging=stderr", "--v=0",
                       "--screenshot=\(png.path)", "--window-size=\(width),\(height)", url.absoluteString]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = err
        try p.run()
        // A browser that hangs is stopped after a minute (the test then fails on its output).
        let watchdog = DispatchWorkItem { if p.isRunning { p.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: watchdog)
        let data = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        watchdog.cancel()
        try? FileManager.default.removeItem(at: profile)
        let size = (try? FileManager.default.attributesOfItem(atPath: png.path)[.size] as? Int) ?? 0
        return Shot(log: String(decoding: data, as: UTF8.self), pngSize: size)
    }

    /// Console messages and uncaught errors of the page (Chromium's own warnings, e.g. about
    /// D-Bus or the GPU in a container, are not the page's and are ignored).
    static func consoleProblems(_ log: String) -> [String] {
        log.split(separator: "\n").map(String.init).filter { $0.contains(":CONSOLE") || $0.contains("Uncaught") }
    }
}

/// Each example's HTML report loads in a real browser without a console message, and its
/// screenshot is not blank: a PNG of a blank page of the same size compresses to a few kB,
/// a page with tables and plots to many times that.
@Suite(.serialized, .enabled(if: Browser.enabled, "chromium not found: install it with `bash .ci/install-deps --browser` to run the browser test"))
struct BrowserTests {
    static let directory: URL = {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("sxsim-browser-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }()

    static let blankSize: Int = {
        let page = directory.appendingPathComponent("blank.html")
        try? Data("<!DOCTYPE html><html><head><title>blank</title></head><body></body></html>".utf8).write(to: page)
        return (try? Browser.screenshot(page, to: directory.appendingPathComponent("blank.png")).pngSize) ?? 0
    }()

    @Test func chromiumDetectsConsoleErrors() throws {
        let page = BrowserTests.directory.appendingPathComponent("broken.html")
        try Data("<!DOCTYPE html><html><body><script>undefinedFunction();</script></body></html>".utf8).write(to: page)
        let shot = try Browser.screenshot(page, to: BrowserTests.directory.appendingPathComponent("broken.png"), width: 400, height: 300)
        #expect(!Browser.consoleProblems(shot.log).isEmpty, "a script error must show in the log, or the check below proves nothing:\n\(shot.log)")
    }

    @Test(arguments: Repository.examples)
    func reportRendersWithoutConsoleErrors(_ name: String) throws {
        let out = try Repository.run(name)
        let html = try #require(out.report).rendered(.html)
        let page = BrowserTests.directory.appendingPathComponent("\(name).html")
        try Data(html.utf8).write(to: page)
        let png = BrowserTests.directory.appendingPathComponent("\(name).png")
        let shot = try Browser.screenshot(page, to: png)
        #expect(shot.pngSize > 0, "\(name): no screenshot written:\n\(shot.log)")
        #expect(Browser.consoleProblems(shot.log).isEmpty, "\(name): console messages:\n\(Browser.consoleProblems(shot.log).joined(separator: "\n"))")
        #expect(BrowserTests.blankSize > 0)
        #expect(shot.pngSize > 8 * BrowserTests.blankSize,
                "\(name): the screenshot (\(shot.pngSize) bytes) is hardly larger than a blank page's (\(BrowserTests.blankSize) bytes): \(png.path)")
    }
}
