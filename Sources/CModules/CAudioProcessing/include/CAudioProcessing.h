// The C face of webrtc-audio-processing 0.3 (C++ only): echo cancellation, noise suppression,
// automatic gain control and high-pass filtering on 10 ms frames of mono float audio.
#ifndef TERMCALL_CAUDIOPROCESSING_H
#define TERMCALL_CAUDIOPROCESSING_H
#ifdef __cplusplus
extern "C" {
#endif

typedef struct tc_apm tc_apm;

typedef struct tc_apm_config {
    int sample_rate_hz;       /* 8000, 16000, 32000 or 48000 */
    int echo_cancellation;    /* extended filter + delay-agnostic, so a wrong delay estimate still converges */
    int echo_suppression;     /* residual suppression: 0 low, 1 moderate, 2 high (more removes more near-end in double talk) */
    int noise_suppression;    /* 0 off, 1 moderate, 2 high, 3 very high */
    int gain_control;         /* adaptive digital AGC */
    int high_pass_filter;
} tc_apm_config;

/// Returns NULL when the library rejects the configuration.
tc_apm *tc_apm_create(const tc_apm_config *config);
void tc_apm_destroy(tc_apm *apm);
/// Far-end (what the speaker plays): 10 ms of mono samples in [-1, 1]. Returns 0 on success.
int tc_apm_process_render(tc_apm *apm, const float *samples, int count);
/// Near-end (what the microphone heard), processed in place: 10 ms of mono samples. Returns 0 on success.
int tc_apm_process_capture(tc_apm *apm, float *samples, int count, int stream_delay_ms);

#ifdef __cplusplus
}
#endif
#endif
