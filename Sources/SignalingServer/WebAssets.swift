import Foundation

/// The browser page's files (assets/web): read once at start, served from memory. Found at
/// `--web-root`, `$TERMCALL_WEB_ROOT`, next to the sources this binary was built from, or in
/// /usr/local/share/termcall/web and /usr/share/termcall/web.
struct WebAssets: Sendable {
    struct File: Sendable {
        var bytes: [UInt8]
        var type: String
    }

    enum Failure: Error, CustomStringConvertible {
        case notFound([String])
        var description: String {
            switch self {
            case let .notFound(places): return "the web page (index.html, app.js, verify.js, app.css) is not in any of \(places.joined(separator: ", ")); pass --web-root DIR"
            }
        }
    }

    static let names = ["index.html": "text/html; charset=utf-8", "app.js": "text/javascript; charset=utf-8", "verify.js": "text/javascript; charset=utf-8",
                        "app.css": "text/css; charset=utf-8"]
    private let files: [String: File]

    init(root: String?) throws {
        let fromSources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("assets/web").path
        let places = [root, ProcessInfo.processInfo.environment["TERMCALL_WEB_ROOT"], fromSources,
                      "/usr/local/share/termcall/web", "/usr/share/termcall/web"].compactMap { $0 }
        guard let dir = places.first(where: { FileManager.default.fileExists(atPath: $0 + "/index.html") }) else { throw Failure.notFound(places) }
        var files: [String: File] = [:]
        for (name, type) in Self.names {
            if let data = FileManager.default.contents(atPath: dir + "/" + name) { files[name] = File(bytes: Array(data), type: type) }
        }
        self.files = files
    }

    func file(_ name: String) -> File? { files[name] }
}
