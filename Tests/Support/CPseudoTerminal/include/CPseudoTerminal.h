// Pseudo-terminal pairs for tests (posix_openpt and friends need _XOPEN_SOURCE, which Glibc's Swift
// module does not define).
#ifndef TERMCALL_CPSEUDOTERMINAL_H
#define TERMCALL_CPSEUDOTERMINAL_H
/// Opens a raw-mode pty pair. Returns 0 and fills both descriptors, or -1 with errno set.
int tc_open_pty(int *master, int *slave);
#endif
