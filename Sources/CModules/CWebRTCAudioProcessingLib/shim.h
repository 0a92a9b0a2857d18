// Carries webrtc-audio-processing's pkg-config flags and link line for the C++ target CAudioProcessing.
// The library is C++ only; Swift imports CAudioProcessing, never this module.
#ifndef TERMCALL_CWEBRTCAPM_SHIM_H
#define TERMCALL_CWEBRTCAPM_SHIM_H
#endif
