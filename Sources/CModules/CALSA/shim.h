// alsa-lib for Swift. snd_pcm_hw_params_alloca is a macro: callers use snd_pcm_hw_params_malloc.
#ifndef TERMCALL_CALSA_SHIM_H
#define TERMCALL_CALSA_SHIM_H
#include <alsa/asoundlib.h>
#endif
