// extern "C" wrapper over webrtc::AudioProcessing (webrtc-audio-processing 0.3).
#include "CAudioProcessing.h"
#include <webrtc/modules/audio_processing/include/audio_processing.h>
#include <webrtc/common.h>

struct tc_apm {
    webrtc::AudioProcessing *impl;
    webrtc::StreamConfig stream;
};

extern "C" tc_apm *tc_apm_create(const tc_apm_config *config) {
    if (!config) return nullptr;
    webrtc::Config extra;
    extra.Set<webrtc::ExtendedFilter>(new webrtc::ExtendedFilter(true));
    extra.Set<webrtc::DelayAgnostic>(new webrtc::DelayAgnostic(true));
    extra.Set<webrtc::ExperimentalAgc>(new webrtc::ExperimentalAgc(false));
    webrtc::AudioProcessing *apm = webrtc::AudioProcessing::Create(extra);
    if (!apm) return nullptr;
    webrtc::ProcessingConfig processing = {{
        webrtc::StreamConfig(config->sample_rate_hz, 1, false),
        webrtc::StreamConfig(config->sample_rate_hz, 1, false),
        webrtc::StreamConfig(config->sample_rate_hz, 1, false),
        webrtc::StreamConfig(config->sample_rate_hz, 1, false),
    }};
    bool ok = apm->Initialize(processing) == webrtc::AudioProcessing::kNoError;
    ok = ok && apm->high_pass_filter()->Enable(config->high_pass_filter != 0) == 0;
    if (config->echo_cancellation) {
        ok = ok && apm->echo_cancellation()->enable_drift_compensation(false) == 0;
        webrtc::EchoCancellation::SuppressionLevel suppression = webrtc::EchoCancellation::kModerateSuppression;
        if (config->echo_suppression <= 0) suppression = webrtc::EchoCancellation::kLowSuppression;
        if (config->echo_suppression >= 2) suppression = webrtc::EchoCancellation::kHighSuppression;
        ok = ok && apm->echo_cancellation()->set_suppression_level(suppression) == 0;
        ok = ok && apm->echo_cancellation()->Enable(true) == 0;
    }
    if (config->noise_suppression > 0) {
        webrtc::NoiseSuppression::Level level = webrtc::NoiseSuppression::kModerate;
        if (config->noise_suppression == 2) level = webrtc::NoiseSuppression::kHigh;
        if (config->noise_suppression >= 3) level = webrtc::NoiseSuppression::kVeryHigh;
        ok = ok && apm->noise_suppression()->set_level(level) == 0;
        ok = ok && apm->noise_suppression()->Enable(true) == 0;
    }
    if (config->gain_control) {
        ok = ok && apm->gain_control()->set_mode(webrtc::GainControl::kAdaptiveDigital) == 0;
        ok = ok && apm->gain_control()->Enable(true) == 0;
    }
    if (!ok) { delete apm; return nullptr; }
    return new tc_apm{apm, webrtc::StreamConfig(config->sample_rate_hz, 1, false)};
}

extern "C" void tc_apm_destroy(tc_apm *apm) {
    if (!apm) return;
    delete apm->impl;
    delete apm;
}

extern "C" int tc_apm_process_render(tc_apm *apm, const float *samples, int count) {
    if (!apm || !samples || count != (int)apm->stream.num_frames()) return -1;
    const float *src[1] = {samples};
    float scratch_storage[480];
    if (count > 480) return -1;
    float *dst[1] = {scratch_storage};
    return apm->impl->ProcessReverseStream(src, apm->stream, apm->stream, dst);
}

extern "C" int tc_apm_process_capture(tc_apm *apm, float *samples, int count, int stream_delay_ms) {
    if (!apm || !samples || count != (int)apm->stream.num_frames()) return -1;
    apm->impl->set_stream_delay_ms(stream_delay_ms);
    const float *src[1] = {samples};
    float *dst[1] = {samples};
    return apm->impl->ProcessStream(src, apm->stream, apm->stream, dst);
}
