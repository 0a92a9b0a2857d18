// alsa-lib for Swift. snd_pcm_hw_params_alloca is a macro: callers use snd_pcm_hw_params_malloc.
#ifndef TERMCALL_CALSA_SHIM_H
#define TERMCALL_CALSA_SHIM_H
#include <alsa/asoundlib.h>

/// alsa-lib prints its own errors to stderr; termcall reports each failure as one line instead.
static void tc_alsa_ignore_error(const char *file, int line, const char *function, int err, const char *fmt, ...) {
    (void)file; (void)line; (void)function; (void)err; (void)fmt;
}
static inline void tc_alsa_silence_errors(void) { snd_lib_error_set_handler(tc_alsa_ignore_error); }
#endif
