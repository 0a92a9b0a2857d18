// speexdsp for Swift (resampler; the echo canceller is the stand-in backend).
#ifndef TERMCALL_CSPEEXDSP_SHIM_H
#define TERMCALL_CSPEEXDSP_SHIM_H
#include <speex/speex_resampler.h>
#include <speex/speex_echo.h>
#include <speex/speex_preprocess.h>
#endif
