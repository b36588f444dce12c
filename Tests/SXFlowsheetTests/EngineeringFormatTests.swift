import Testing
import SXModel
import SXFlowsheet

/// Issue 13, item 15: numbers in engineering form in every text output (no "4e+04 L/h").
struct EngineeringFormatTests {
    @Test(arguments: [
        (40000.0, 4, "40000"), (1.5e-5, 4, "15e-6"), (1.5296e-8, 5, "15.296e-9"), (0.28845, 5, "0.28845"),
        (1.8e-15, 2, "1.8e-15"), (1.2346e10, 4, "12.35e9"), (999.96e-6, 4, "0.001"), (9.9996e-4, 3, "0.001"),
        (0.0, 4, "0"), (-2.5e-7, 3, "-250e-9"), (123456789.0, 4, "123500000"), (1e9, 4, "1e9"), (5.47e-24, 3, "5.47e-24"),
    ])
    func engineeringForm(_ x: Double, _ digits: Int, _ expected: String) {
        let s = EngineeringFormat.string(x, digits: digits)
        #expect(s == expected)
        #expect(!s.contains("e+") && !s.contains("e0"), "\(s)")
        // Exponents are multiples of 3 and the text reads back to the rounded value.
        if let e = s.split(separator: "e").dropFirst().first { #expect(Int(e)! % 3 == 0) }
        #expect(Double(s).map { abs($0 - x) <= abs(x) * 1e-2 } == true)
    }
}
