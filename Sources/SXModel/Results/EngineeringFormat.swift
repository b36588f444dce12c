import Foundation

/// Numbers for people, in one form across the project's text (reports, design output,
/// diagnostics): `digits` significant digits, plain digits from 0.001 up to 1e9 ("0.2885",
/// "46.99", "40000"), otherwise a mantissa from 1 to 999 times a power of ten that is a multiple
/// of 3 ("15.3e-9", "1.8e-15", "12.35e9"): never "4e+04". Trailing zeros are dropped.
/// Lives here, the lowest module that prints numbers (the model's own problem messages), so
/// that SXFlowsheet, SXReport and SXDesign share it.
public enum EngineeringFormat {
    public static func string(_ x: Double, digits: Int = 4) -> String {
        guard x.isFinite else { return x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }
        if x == 0 { return "0" }
        let digits = max(1, digits)
        // Round to `digits` significant digits first (0.00099996 is 0.001 at 4 digits).
        let general = String(format: "%.\(digits)g", x)
        guard let rounded = Double(String(format: "%.\(digits - 1)e", x)) else { return general }
        let a = abs(rounded)
        if a >= 1e-3 && a < 1e9 {
            let plain = String(format: "%.\(digits)g", rounded)
            if !plain.contains("e") { return plain }
            // %g switches to an exponent from 10^digits on: plain digits, still rounded.
            return String(format: "%.0f", rounded)
        }
        // Split off a power of 1000.
        var exponent = Int((log10(abs(rounded)) / 3).rounded(.down)) * 3
        var mantissa = rounded / pow(10, Double(exponent))
        if abs(mantissa) >= 999.5 { exponent += 3; mantissa /= 1000 }
        if abs(mantissa) < 1 { exponent -= 3; mantissa *= 1000 }
        let integerDigits = abs(mantissa) >= 100 ? 3 : abs(mantissa) >= 10 ? 2 : 1
        var m = String(format: "%.\(max(0, digits - integerDigits))f", mantissa)
        if m.contains(".") {
            while m.hasSuffix("0") { m.removeLast() }
            if m.hasSuffix(".") { m.removeLast() }
        }
        return "\(m)e\(exponent)"
    }
}
