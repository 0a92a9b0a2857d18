import CALSA
import CAudioProcessing
import CNCurses
import COpenSSL
import COpus
import CSpeexDSP
import CSRTP
import CUsrsctp
import CV4L2
import CVPX
import Testing

/// Each C module imports, links and answers a real call — proof the package's C layer is whole.
@Suite struct CLibraryLinkTests {
    @Test func opusEncodesAFrameOfSilence() {
        var error: Int32 = 0
        let created = opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &error)
        #expect(error == OPUS_OK)
        guard let encoder = created else { return }
        defer { opus_encoder_destroy(encoder) }
        #expect(tc_opus_set_inband_fec(encoder, 1) == OPUS_OK)
        let pcm = [Int16](repeating: 0, count: 960)
        var packet = [UInt8](repeating: 0, count: 1500)
        let bytes = opus_encode(encoder, pcm, 960, &packet, 1500)
        #expect(bytes > 0)
    }

    @Test func vp8EncoderInitialises() {
        var config = vpx_codec_enc_cfg_t()
        #expect(vpx_codec_enc_config_default(vpx_codec_vp8_cx()!, &config, 0) == VPX_CODEC_OK)
        config.g_w = 64
        config.g_h = 48
        var codec = vpx_codec_ctx_t()
        #expect(tc_vpx_enc_init(&codec, &config, 0) == VPX_CODEC_OK)
        vpx_codec_destroy(&codec)
    }

    @Test func openSSLGeneratesAP256Key() {
        let key = tc_evp_ec_p256_generate(nil)
        #expect(key != nil)
        EVP_PKEY_free(key)
        #expect(String(cString: OpenSSL_version(OPENSSL_VERSION)).hasPrefix("OpenSSL 3"))
    }

    @Test func srtpAnswers() {
        // srtp_init is the SRTP module's to call, once (SrtpLibrary): calling it again here raced
        // with that under parallel tests. The version call proves the library links.
        #expect(String(cString: srtp_get_version_string()).contains("libsrtp2"))
    }

    @Test func speexResamplerConverts44100To48000() {
        var error: Int32 = 0
        let resampler = speex_resampler_init(1, 44100, 48000, 5, &error)
        #expect(error == 0)
        defer { speex_resampler_destroy(resampler) }
        let input = [Int16](repeating: 1000, count: 441)
        var output = [Int16](repeating: 0, count: 600)
        var inLength: UInt32 = 441, outLength: UInt32 = 600
        #expect(speex_resampler_process_int(resampler, 0, input, &inLength, &output, &outLength) == 0)
        #expect(outLength > 400)
    }

    @Test func audioProcessingRunsTenMillisecondFrames() {
        var config = tc_apm_config(sample_rate_hz: 48000, echo_cancellation: 1, echo_suppression: 1, noise_suppression: 2,
                                   gain_control: 1, high_pass_filter: 1)
        let apm = tc_apm_create(&config)
        #expect(apm != nil)
        defer { tc_apm_destroy(apm) }
        let far = (0..<480).map { Float(sin(Double($0) * 0.05)) * 0.3 }
        var near = far
        #expect(tc_apm_process_render(apm, far, 480) == 0)
        #expect(tc_apm_process_capture(apm, &near, 480, 40) == 0)
        #expect(tc_apm_process_capture(apm, &near, 479, 40) != 0) // wrong frame size is refused
    }

    @Test func alsaAndNcursesAndV4L2Answer() {
        #expect(String(cString: snd_asoundlib_version()).hasPrefix("1."))
        #expect(String(cString: curses_version()).contains("ncurses"))
        #expect(tc_v4l2_open("/nonexistent/termcall-video", O_RDWR) == -1)
    }

    @Test func usrsctpAnswers() {
        // usrsctp is process-global and started once by the SCTP module; setting a tunable to the
        // value that module uses proves the library links without racing that start.
        #expect(usrsctp_sysctl_set_sctp_ecn_enable(0) == 0)
        #expect(usrsctp_sysctl_set_sctp_ecn_enable(7) != 0) // out of range: refused
    }
}

#if canImport(Glibc)
import Glibc
#endif
