import CNCurses

/// Keys and mouse events a full-screen view reacts to, as ncurses delivers them (`wget_wch` with
/// `keypad`: terminfo decodes the terminal's sequences, so function and arrow keys work on every
/// terminal it describes).
public enum Key: Sendable, Equatable {
    case character(Character)
    /// Ctrl-C: with the terminal in raw mode it is a key (hang up, quit), not a signal.
    case interrupt
    case escape
    case up, down, left, right
    case home, end, pageUp, pageDown, delete, insert
    case enter, tab, backTab, backspace
    /// Ctrl and a letter (lower case) other than the ones named above: the line editor's keys.
    case control(Character)
    case function(Int)
    case mouse(MouseEvent)
    /// The terminal changed size (ncurses' KEY_RESIZE).
    case resize
    case other
}

/// A mouse event in screen cells (row 0 at the top).
public struct MouseEvent: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case press, wheelUp, wheelDown, secondaryPress }
    public var kind: Kind
    public var row: Int
    public var column: Int

    public init(kind: Kind, row: Int, column: Int) {
        self.kind = kind
        self.row = row
        self.column = column
    }
}

/// One step of reading input: what `wget_wch` returned, before it became a `Key`.
public enum CursesInput: Sendable, Equatable {
    /// A character (OK from `wget_wch`).
    case character(UInt32)
    /// A function key code (KEY_CODE_YES).
    case keyCode(Int32)
}

/// Turns ncurses input into keys. Pure, so the mapping is tested without a terminal. Esc is
/// always the Esc key (ncurses has already joined the sequences terminfo knows): Alt-x would arrive
/// as Esc then x, and a person who presses Esc then q quickly means both.
public enum KeyReader {
    /// ncurses' KEY_* codes this reader maps.
    public enum Code {
        public static let down = Int32(KEY_DOWN), up = Int32(KEY_UP), left = Int32(KEY_LEFT), right = Int32(KEY_RIGHT)
        public static let home = Int32(KEY_HOME), backspace = Int32(KEY_BACKSPACE), f0 = Int32(KEY_F0)
        public static let delete = Int32(KEY_DC), insert = Int32(KEY_IC)
        public static let pageDown = Int32(KEY_NPAGE), pageUp = Int32(KEY_PPAGE), enter = Int32(KEY_ENTER)
        public static let backTab = Int32(KEY_BTAB), end = Int32(KEY_END)
        public static let mouse = Int32(KEY_MOUSE), resize = Int32(KEY_RESIZE)
    }

    /// The key for one input; `mouse` reads the event ncurses holds after KEY_MOUSE.
    public static func key(for input: CursesInput, mouse: () -> MouseEvent?) -> Key? {
        switch input {
        case let .character(c):
            switch c {
            case 0x1B: return .escape
            case 0x03: return .interrupt
            case 0x0D, 0x0A: return .enter
            case 0x09: return .tab
            case 0x7F, 0x08: return .backspace
            case 0x01...0x1A: return .control(Character(Unicode.Scalar(c + 0x60)!))
            case 0..<0x20: return .other
            default:
                guard let scalar = Unicode.Scalar(c), !(0x80..<0xA0).contains(c) else { return .other }
                return .character(Character(scalar))
            }
        case let .keyCode(code):
            switch code {
            case Code.up: return .up
            case Code.down: return .down
            case Code.left: return .left
            case Code.right: return .right
            case Code.home: return .home
            case Code.end: return .end
            case Code.pageUp: return .pageUp
            case Code.pageDown: return .pageDown
            case Code.delete: return .delete
            case Code.insert: return .insert
            case Code.backspace: return .backspace
            case Code.enter: return .enter
            case Code.backTab: return .backTab
            case Code.resize: return .resize
            case Code.mouse: return mouse().map { .mouse($0) }
            case (Code.f0 + 1)...(Code.f0 + 63): return .function(Int(code - Code.f0))
            default: return .other
            }
        }
    }
}
