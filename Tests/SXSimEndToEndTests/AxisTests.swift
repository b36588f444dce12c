import Foundation
import Testing
@testable import SXReport

/// The tick logic of the plot axes: decades on log axes, 1-2-2.5-5 steps on linear ones,
/// 10⁻ᵏ / 0.5 / 1 − 10⁻ᵏ on log-odds axes.
struct AxisTests {
    @Test func logAxisSpansWholeDecadesWithATickOnEach() {
        let a = Axis.fitting([3e-7, 0.02, 2.5], label: "c", unit: "mol/L", scale: .logarithmic)
        #expect(a.lower == 1e-7)
        #expect(a.upper == 10)
        let ticks = a.ticks
        #expect(ticks.count == 9, "one major tick per decade 1e-7…10, got \(ticks.map(\.value))")
        for (k, t) in ticks.enumerated() { #expect(abs(log10(t.value) - Double(k - 7)) < 1e-12) }
        // 9 decades with at most 8 labels: every second one, always the top decade.
        #expect(ticks.last?.label == "10")
        #expect(ticks.compactMap(\.label) == ["10⁻⁷", "10⁻⁵", "10⁻³", "0.1", "10"])
        #expect(a.minorTicks.isEmpty, "no minor ticks over more than six decades")
    }

    @Test func narrowLogAxisGetsMinorTicksAndAllLabels() {
        let a = Axis.fitting([0.02, 0.5], label: "D", scale: .logarithmic)
        #expect(a.lower == 0.01 && a.upper == 1)
        #expect(a.ticks.map(\.label) == ["0.01", "0.1", "1"])
        #expect(a.minorTicks.count == 16)
        #expect(a.minorTicks.first.map { abs($0 - 0.02) < 1e-15 } == true)
    }

    @Test func logAxisOfOneExactDecadeIsWidened() {
        let a = Axis.fitting([1, 1], label: "x", scale: .logarithmic)
        #expect(a.lower == 0.1 && a.upper == 10)
    }

    @Test func logAxisIgnoresZerosAndValuesBelowTheFloor() {
        let a = Axis.fitting([0, -1, 1e-80, 0.3, 1.2], label: "c", scale: .logarithmic, floor: 1e-12)
        #expect(a.lower == 0.1 && a.upper == 10)
        #expect(a.fraction(of: 0) == nil)
        #expect(a.fraction(of: 1) == 0.5)
    }

    @Test func decadeLabelsUseSuperscriptsAwayFromOne() {
        #expect(Axis.decadeLabel(-12) == "10⁻¹²")
        #expect(Axis.decadeLabel(3) == "10³")
        #expect(Axis.decadeLabel(-2) == "0.01")
        #expect(Axis.decadeLabel(0) == "1")
    }

    @Test func linearAxisUsesNiceSteps() {
        let a = Axis.fitting([0.013, 0.178], label: "loading", unit: "mol/L", includingZero: true)
        #expect(a.lower == 0)
        #expect(abs(a.upper - 0.2) < 1e-12)
        #expect(a.ticks.compactMap(\.label) == ["0.00", "0.05", "0.10", "0.15", "0.20"])
        let stages = Axis(label: "Stage", lower: 0.5, upper: 102.5, integerTicks: true)
        #expect(stages.ticks.compactMap(\.label) == ["25", "50", "75", "100"])
        let few = Axis(label: "Stage", lower: 0.5, upper: 5.5, integerTicks: true)
        #expect(few.ticks.compactMap(\.label) == ["1", "2", "3", "4", "5"])
    }

    @Test func logOddsAxisSpreadsBothEnds() {
        let a = Axis.fitting([0.004, 0.5, 0.99995], label: "x", scale: .logOdds)
        #expect(abs(a.lower - 1e-3) < 1e-15)
        #expect(abs(a.upper - (1 - 1e-5)) < 1e-15)
        #expect(a.ticks.count == 9)
        // Nine ticks, at most eight labels: every second one, counted from 0.5.
        #expect(a.ticks.compactMap(\.label) == ["0.01", "0.5", "0.99", "1 − 10⁻⁴"])
        var wide = a
        wide.maximumLabels = 9
        #expect(wide.ticks.compactMap(\.label) == ["0.001", "0.01", "0.1", "0.5", "0.9", "0.99", "0.999", "1 − 10⁻⁴", "1 − 10⁻⁵"])
        // Symmetric: x and 1 − x sit symmetrically about 0.5.
        let b = Axis(label: "x", scale: .logOdds, lower: 0.001, upper: 0.999)
        #expect(abs(b.fraction(of: 0.5)! - 0.5) < 1e-12)
        #expect(abs(b.fraction(of: 0.01)! + b.fraction(of: 0.99)! - 1) < 1e-12)
        #expect(b.fraction(of: 1) == nil)
    }
}

/// Escaping and element layout of the markup writer.
struct MarkupTests {
    @Test func escapesTextAndAttributes() {
        let m = Markup.element("text", [("data-name", "a\"b<c>&d")], text: "Pr|Nd <split> & \"reflux\"\u{1}")
        #expect(m.rendered() == "<text data-name=\"a&quot;b&lt;c&gt;&amp;d\">Pr|Nd &lt;split&gt; &amp; \"reflux\"</text>")
    }

    @Test func emptyElementsKeepAnEndTagExceptVoidOnes() {
        #expect(Markup.element("div").rendered() == "<div></div>")
        #expect(Markup.element("meta", [("charset", "utf-8")]).rendered() == "<meta charset=\"utf-8\"/>")
    }
}
