// ncursesw for Swift. SwiftPM drops pkg-config's -D flags, so define them here before the include.
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
#include <ncurses.h>
#include <term.h>

/// Globals Swift 6 rejects as shared mutable state, read through functions instead.
static inline WINDOW *tc_stdscr(void) { return stdscr; }
static inline int tc_lines(void) { return LINES; }
static inline int tc_cols(void) { return COLS; }
static inline int tc_colors(void) { return COLORS; }
/// Macros.
static inline int tc_key_f(int n) { return KEY_F(n); }
static inline attr_t tc_a_bold(void) { return A_BOLD; }
static inline attr_t tc_a_reverse(void) { return A_REVERSE; }
static inline attr_t tc_a_dim(void) { return A_DIM; }
static inline void tc_getmaxyx(WINDOW *w, int *y, int *x) { int yy, xx; getmaxyx(w, yy, xx); *y = yy; *x = xx; }

/// Reads a numeric terminfo capability (e.g. "colors") for `term` without initialising the screen.
/// Returns -1 when the terminal or capability is unknown.
static inline int tc_terminfo_number(const char *term, const char *capability) {
    int err = 0;
    if (setupterm(term, -1, &err) != OK) return -1;
    int value = tigetnum(capability);
    return value < 0 ? -1 : value;
}
#endif
