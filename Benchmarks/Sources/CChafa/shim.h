// chafa, used only by termcall-bench as the rendering anchor.
#ifndef TERMCALL_CCHAFA_SHIM_H
#define TERMCALL_CCHAFA_SHIM_H
#include <chafa.h>
static inline gsize tc_gstring_len(const GString *s) { return s->len; }
/// Terminal info for a truecolor xterm, so chafa emits the same kind of sequences we do.
static inline ChafaTermInfo *tc_chafa_truecolor_term(void) {
    gchar *envp[] = { (gchar *)"TERM=xterm-256color", (gchar *)"COLORTERM=truecolor", NULL };
    return chafa_term_db_detect(chafa_term_db_get_default(), envp);
}
#endif
