#define _XOPEN_SOURCE 600
#define _DEFAULT_SOURCE
#include "CPseudoTerminal.h"
#include <fcntl.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

int tc_open_pty(int *master, int *slave) {
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0) return -1;
    if (grantpt(m) != 0 || unlockpt(m) != 0) { close(m); return -1; }
    const char *name = ptsname(m);
    int s = name ? open(name, O_RDWR | O_NOCTTY) : -1;
    if (s < 0) { close(m); return -1; }
    struct termios t;
    if (tcgetattr(s, &t) == 0) { cfmakeraw(&t); tcsetattr(s, TCSANOW, &t); }
    *master = m;
    *slave = s;
    return 0;
}
