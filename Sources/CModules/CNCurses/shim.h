// ncursesw (and its panel library) for Swift. SwiftPM drops pkg-config's -D flags, so define them
// here before the include.
#ifndef TERMCALL_CNCURSES_SHIM_H
#define TERMCALL_CNCURSES_SHIM_H
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 600
#endif
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <stdio.h>
#include <wchar.h>
#include <ncurses.h>
#include <panel.h>
#include <term.h>
#include <sys/syscall.h>
#include <unistd.h>

/// Globals Swift 6 rejects as shared mutable state, read through functions instead.
static inline WINDOW *tc_stdscr(void) { return stdscr; }
static inline WINDOW *tc_curscr(void) { return curscr; }
static inline int tc_lines(void) { return LINES; }
static inline int tc_cols(void) { return COLS; }
static inline int tc_colors(void) { return COLORS; }
static inline int tc_color_pairs(void) { return COLOR_PAIRS; }
/// Macros.
static inline int tc_key_f(int n) { return KEY_F(n); }
static inline attr_t tc_a_normal(void) { return A_NORMAL; }
static inline attr_t tc_a_bold(void) { return A_BOLD; }
static inline attr_t tc_a_reverse(void) { return A_REVERSE; }
static inline attr_t tc_a_dim(void) { return A_DIM; }
static inline attr_t tc_a_underline(void) { return A_UNDERLINE; }
static inline void tc_getmaxyx(WINDOW *w, int *y, int *x) { int yy, xx; getmaxyx(w, yy, xx); *y = yy; *x = xx; }
static inline void tc_getyx(WINDOW *w, int *y, int *x) { int yy, xx; getyx(w, yy, xx); *y = yy; *x = xx; }

/// A file in memory that ncurses writes its output into; the owner forwards the bytes to the
/// terminal without blocking. -1 on failure.
static inline int tc_memory_file(void) { return (int)syscall(SYS_memfd_create, "termcall-curses", 1u /* MFD_CLOEXEC */); }

/// The terminal `term` writing to descriptor `out` and reading `in` (each its own FILE).
/// NULL when terminfo does not know `term` or the descriptors cannot be used.
static inline SCREEN *tc_newterm(const char *term, int out, int in, FILE **outFile, FILE **inFile) {
    *outFile = fdopen(out, "w");
    *inFile = fdopen(in, "r");
    if (!*outFile || !*inFile) return NULL;
    return newterm(term, *outFile, *inFile);
}

/// One cell: `text` (a NUL-terminated wide string: a spacing character, or one with its combining
/// marks) in extended colour pair `pair` (ncurses 6 passes pairs past 32767 through `opts`).
static inline int tc_put_cell(WINDOW *w, int y, int x, const wchar_t *text, attr_t attr, int pair) {
    cchar_t cell;
    if (setcchar(&cell, text, attr, 0, &pair) != OK) return ERR;
    return mvwadd_wch(w, y, x, &cell);
}
/// The same as a window's background (what `werase` and new lines show).
static inline int tc_set_background(WINDOW *w, attr_t attr, int pair) {
    cchar_t cell;
    wchar_t blank[2] = { L' ', 0 };
    if (setcchar(&cell, blank, attr, 0, &pair) != OK) return ERR;
    wbkgrndset(w, &cell);
    return OK;
}

/// Mouse: the buttons and wheel we report, and the event read after KEY_MOUSE.
static inline mmask_t tc_mouse_mask(void) {
    return BUTTON1_PRESSED | BUTTON1_RELEASED | BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED
         | BUTTON3_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED;
}
/// 1 press/click of the left button, 2 wheel up, 3 wheel down, 4 right click, 0 other; -1 no event.
static inline int tc_read_mouse(int *y, int *x) {
    MEVENT event;
    if (getmouse(&event) != OK) return -1;
    *y = event.y; *x = event.x;
    if (event.bstate & BUTTON4_PRESSED) return 2;
    if (event.bstate & BUTTON5_PRESSED) return 3;
    if (event.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED)) return 1;
    if (event.bstate & BUTTON3_CLICKED) return 4;
    return 0;
}

/// A string capability of the current terminal, or NULL when it has none.
static inline const char *tc_terminfo_string(const char *capability) {
    char *value = tigetstr(capability);
    return (value == NULL || value == (char *)-1) ? NULL : value;
}

/// What the current terminal's `setaf`/`setab`/`cup` send for these arguments ("" when it has none).
static inline const char *tc_set_foreground(int color) { const char *s = tc_terminfo_string("setaf"); return s ? tiparm(s, color) : ""; }
static inline const char *tc_set_background_color(int color) { const char *s = tc_terminfo_string("setab"); return s ? tiparm(s, color) : ""; }
static inline const char *tc_cursor_to(int row, int column) { const char *s = tc_terminfo_string("cup"); return s ? tiparm(s, row, column) : ""; }

/// Reads a numeric terminfo capability (e.g. "colors") for `term` without initialising the screen.
/// Returns -1 when the terminal has no such capability, -2 when terminfo does not know the terminal.
static inline int tc_terminfo_number(const char *term, const char *capability) {
    int err = 0;
    if (setupterm(term, -1, &err) != OK) return -2;
    int value = tigetnum(capability);
    return value < 0 ? -1 : value;
}
#endif
