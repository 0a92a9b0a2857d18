// usrsctp for Swift. SwiftPM drops pkg-config's -DINET -DINET6, so define them before the include.
#ifndef TERMCALL_CUSRSCTP_SHIM_H
#define TERMCALL_CUSRSCTP_SHIM_H
#ifndef INET
#define INET 1
#endif
#ifndef INET6
#define INET6 1
#endif
#include <usrsctp.h>
#endif
