/// Whether the terminal takes UTF-8, judged the POSIX way from the locale (LC_ALL, then LC_CTYPE,
/// then LANG). Half-blocks are UTF-8; without it the preview falls back to ASCII art instead of
/// printing mojibake. An unset locale is the C locale, which is ASCII.
public enum TerminalCharset {
    public static func isUTF8(environment: [String: String]) -> Bool {
        for name in ["LC_ALL", "LC_CTYPE", "LANG"] {
            if let value = environment[name], !value.isEmpty {
                let lower = value.lowercased()
                return lower.contains("utf-8") || lower.contains("utf8")
            }
        }
        return false
    }
}
