import CNCurses
import Render

/// The colour depth of the terminal we run in: environment first, then terminfo's `colors`.
public enum TerminalColors {
    public static func detect(environment: [String: String]) -> ColorDepth {
        var colors: Int?
        if let term = environment["TERM"], !term.isEmpty {
            let n = tc_terminfo_number(term, "colors")
            colors = n >= 0 ? Int(n) : nil
        }
        return ColorDepth.detect(environment: environment, terminfoColors: colors)
    }
}
