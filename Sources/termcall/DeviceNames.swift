import Call
import MediaDevices

/// The device names as the command line, settings.json and the device menu spell them: a camera
/// is `test`, `none`, a Y4M file or a V4L2 device; a microphone `tone`, `none` or an ALSA PCM; a
/// speaker `none` or an ALSA PCM. One reading of them for every way a call starts.
extension CallConfiguration {
    mutating func useDevices(camera: String, microphone: String, speaker: String, width: Int, height: Int, fps: Int) {
        self.camera = camera == "none" ? nil : VideoSourceSpec.parse(camera, width: width, height: height, fps: fps)
        self.microphone = microphone == "none" ? .none : microphone == "tone" ? .tone(frequency: 440) : .device(microphone)
        self.speaker = speaker == "none" ? nil : speaker
    }
}
