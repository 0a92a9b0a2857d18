/// How many colours the terminal can show, which decides the SGR codes we emit.
public enum ColorDepth: String, Sendable, CaseIterable {
    case truecolor
    case palette256 = "256"
    case palette16 = "16"
    case none

    /// Picks the depth from the environment and terminfo's `colors` (nil when unknown).
    /// `NO_COLOR` (https://no-color.org) wins over everything; `COLORTERM=truecolor|24bit` is the
    /// de-facto truecolor signal since terminfo rarely advertises it.
    public static func detect(environment: [String: String], terminfoColors: Int?) -> ColorDepth {
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return .none }
        let term = environment["TERM"] ?? ""
        if term == "dumb" { return .none }
        if let colorterm = environment["COLORTERM"]?.lowercased(), colorterm == "truecolor" || colorterm == "24bit" {
            return .truecolor
        }
        if term.hasSuffix("-direct") { return .truecolor }
        if let colors = terminfoColors {
            if colors >= 1 << 24 { return .truecolor }
            if colors >= 256 { return .palette256 }
            if colors >= 8 { return .palette16 }
            return .none
        }
        if term.contains("256color") { return .palette256 }
        return term.isEmpty ? .none : .palette16
    }
}

/// How a cell shows its part of the picture.
public enum RenderMode: String, Sendable, CaseIterable {
    /// `▀` with foreground = upper pixel, background = lower pixel: two pixels per cell.
    case halfBlock = "half"
    /// A character from a density ramp, no colour.
    case ascii
    /// A ramp character drawn in the cell's colour (brightened so the character carries luminance).
    case asciiColor = "ascii-color"
}
