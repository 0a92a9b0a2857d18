import CNCurses
import Render

/// The colour depth of the terminal we run in: environment first, then terminfo (`colors`, and the
/// `RGB` flag of direct-colour entries such as xterm-direct).
public enum TerminalColors {
    public static func detect(environment: [String: String]) -> ColorDepth {
        var colors: Int?
        if let term = environment["TERM"], !term.isEmpty {
            // A terminal terminfo knows without `colors` has none (vt100); an unknown one is guessed from its name.
            let n = tc_terminfo_number(term, "colors")
            colors = n >= 0 ? Int(n) : (n == -1 ? 0 : nil)
            if n != -2, tigetflag("RGB") > 0 { colors = 1 << 24 }
        }
        return ColorDepth.detect(environment: environment, terminfoColors: colors)
    }
}
