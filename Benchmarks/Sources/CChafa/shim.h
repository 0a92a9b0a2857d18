// chafa, used only by termcall-bench as the rendering anchor.
#ifndef TERMCALL_CCHAFA_SHIM_H
#define TERMCALL_CCHAFA_SHIM_H
#include <chafa.h>
static inline gsize tc_gstring_len(const GString *s) { return s->len; }
#endif
