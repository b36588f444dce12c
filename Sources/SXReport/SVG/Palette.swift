/// Okabe and Ito's colour-blind-safe palette ("Color Universal Design", 2002), ordered for
/// lines on white: the yellow, weakest on white, comes last. Series are also told apart by
/// dash pattern or marker, so a plot reads in grey print as well.
public enum Palette {
    public static let okabeIto: [String] = [
        "#0072B2",  // blue
        "#D55E00",  // vermillion
        "#009E73",  // bluish green
        "#CC79A7",  // reddish purple
        "#E69F00",  // orange
        "#56B4E9",  // sky blue
        "#000000",  // black
        "#F0E442",  // yellow
    ]

    /// The colour of the k-th series (repeats after eight).
    public static func colour(_ k: Int) -> String { okabeIto[((k % okabeIto.count) + okabeIto.count) % okabeIto.count] }

    /// Neutral greys for frames, grid lines and annotations.
    public static let ink = "#222222"
    public static let grid = "#E3E3E3"
    public static let annotation = "#666666"
}
