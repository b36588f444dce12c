/// How a line or its points are drawn.
public struct Stroke: Sendable, Equatable {
    public enum Dash: String, Sendable, Equatable {
        case solid, dashed, dotted
        var pattern: String? {
            switch self {
            case .solid: nil
            case .dashed: "7 4"
            case .dotted: "2 3"
            }
        }
    }

    public enum Marker: String, Sendable, Equatable { case none, circle, square, triangle }

    public var colour: String
    public var dash: Dash = .solid
    /// Line width, px; 0 draws the markers only.
    public var width: Double = 1.8
    public var marker: Marker = .none

    public init(colour: String, dash: Dash = .solid, width: Double = 1.8, marker: Marker = .none) {
        self.colour = colour
        self.dash = dash
        self.width = width
        self.marker = marker
    }
}

/// One data series: points in axis units, drawn as a polyline (broken where a point cannot
/// be drawn, e.g. a zero on a log axis) with optional markers.
public struct Series: Sendable, Equatable {
    public struct Point: Sendable, Equatable {
        public var x: Double
        public var y: Double
        public init(_ x: Double, _ y: Double) {
            self.x = x
            self.y = y
        }
    }

    /// The legend's text; nil keeps the series out of the legend.
    public var name: String?
    public var points: [Point]
    public var stroke: Stroke

    public init(name: String?, points: [Point], stroke: Stroke) {
        self.name = name
        self.points = points
        self.stroke = stroke
    }

    public init(name: String?, x: [Double], y: [Double], stroke: Stroke) {
        self.init(name: name, points: zip(x, y).map { Point($0, $1) }, stroke: stroke)
    }
}

/// A legend line: a sample of a stroke and its text.
public struct LegendEntry: Sendable, Equatable {
    public var label: String
    public var stroke: Stroke
    public init(_ label: String, _ stroke: Stroke) {
        self.label = label
        self.stroke = stroke
    }
}

/// Marks drawn over the data.
public enum Annotation: Sendable, Equatable {
    /// A vertical line across the plot at x, with a label at its top.
    case verticalLine(x: Double, label: String?, stroke: Stroke)
    /// A shaded band from x1 to x2 with a label centred at its top.
    case band(from: Double, to: Double, label: String?, fill: String)
    /// A labelled point.
    case point(x: Double, y: Double, label: String?, stroke: Stroke)
    /// A mark in the strip above the plot at x: an arrow into the plot (`inflow`, a feed) or
    /// out of it (a draw or outlet), with a short label.
    case edgeMarker(x: Double, label: String, inflow: Bool)
}
