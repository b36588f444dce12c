import Foundation
import Testing

/// Issue 13, item 16: every reference the examples, reports (the equilibrium data's provenance)
/// and docs cite resolves in docs/references.md, and nothing cites a file users do not have.
struct ReferenceTests {
    /// The files that cite: examples (headers and provenance, which reports print), docs, README, sources.
    static func citingFiles() -> [String] {
        let root = Repository.root.path
        var files: [String] = []
        let e = FileManager.default.enumerator(atPath: root)
        while let f = e?.nextObject() as? String {
            if f.hasPrefix(".") || f.hasPrefix("Benchmarks/.build") || f.contains("/.build") || f.hasPrefix("Flowsheets/expected") { continue }
            let cites = (f.hasPrefix("Flowsheets/") && f.hasSuffix(".yaml")) || (f.hasPrefix("docs/") && f != "docs/references.md" && !f.hasSuffix(".png"))
                || f == "README.md" || (f.hasPrefix("Sources/") && f.hasSuffix(".swift"))
            var isDirectory: ObjCBool = false
            if cites, FileManager.default.fileExists(atPath: root + "/" + f, isDirectory: &isDirectory), !isDirectory.boolValue { files.append(f) }
        }
        return files.sorted()
    }

    /// Keys defined in docs/references.md: "**[KEY]" entries and the "| RC-… |" rows of the case table.
    static func definedKeys() throws -> Set<String> {
        let text = try Repository.text("docs/references.md")
        let entry = try NSRegularExpression(pattern: #"\*\*\[([A-Z0-9-]+)\]"#), row = try NSRegularExpression(pattern: #"(?m)^\s*\| (RC-[A-Z0-9]+) \|"#)
        let ns = text as NSString, range = NSRange(location: 0, length: ns.length)
        return Set((entry.matches(in: text, range: range) + row.matches(in: text, range: range)).map { ns.substring(with: $0.range(at: 1)) })
    }

    @Test func everyCitedKeyResolves() throws {
        let keys = try Self.definedKeys()
        #expect(keys.isSuperset(of: ["RC", "RC-K1", "RC-F1", "RC-X1", "RC-X2", "TYP", "LOAD", "XU", "KREMSER", "RAO", "KUBOTA", "MOHAMMADI", "ME2013"]))
        let token = try NSRegularExpression(pattern: #"\[([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)?)\]"#)
        var cited = 0
        for f in Self.citingFiles() {
            let text = try Repository.text(f)
            #expect(!text.contains("domain.md") && !text.contains("shared/guide"), "\(f) cites a file users do not have")
            for line in text.split(separator: "\n") where line.contains("references.md") {
                let s = String(line), ns = s as NSString
                for m in token.matches(in: s, range: NSRange(location: 0, length: ns.length)) {
                    let key = ns.substring(with: m.range(at: 1))
                    if key.hasPrefix("SX") && key.dropFirst(2).allSatisfy(\.isNumber) { continue }   // diagnostic ids
                    cited += 1
                    #expect(keys.contains(key), "\(f): [\(key)] is not in docs/references.md")
                }
            }
        }
        #expect(cited >= 20, "only \(cited) citations found")
    }
}
