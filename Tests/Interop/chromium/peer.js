// The browser side of chromium_peer.py: one RTCPeerConnection driven by commands the bridge
// relays from the test (GET /next), reporting events back (POST /emit). Same JSON protocol as
// aiortc_pc_peer.py, so one Swift test drives either peer.
const params = new URLSearchParams(location.search);
const emit = (o) => fetch("/emit", { method: "POST", body: JSON.stringify(o) });
window.onerror = (message) => { emit({ event: "error", message: String(message) }); };
window.onunhandledrejection = (e) => { emit({ event: "error", message: String(e.reason) }); };

async function nextCommand() {
  for (;;) {
    const reply = await (await fetch("/next")).json();
    if (reply.cmd !== "none") return reply;
  }
}

function gatheringComplete(pc) {
  return new Promise((resolve) => {
    if (pc.iceGatheringState === "complete") return resolve();
    pc.addEventListener("icegatheringstatechange", () => { if (pc.iceGatheringState === "complete") resolve(); });
  });
}

function wire(channel) {
  channel.onmessage = (e) => {
    const text = typeof e.data === "string" ? e.data : null;
    emit({ event: "message", label: channel.label, text, length: text === null ? e.data.byteLength : text.length });
    channel.send(e.data);
  };
  channel.onclose = () => emit({ event: "datachannel-closed", label: channel.label });
}

// The benchmark's tap (record=1): the remote audio as played out (after NetEq's jitter buffer and
// concealment), 48 kHz float samples posted to the bridge in half-second chunks.
const tap = { context: null, pending: [], chain: Promise.resolve(), flush: () => Promise.resolve() };
async function recordAudio(track) {
  const context = new AudioContext({ sampleRate: 48000 });
  const worklet = "registerProcessor('tap', class extends AudioWorkletProcessor {" +
    " process(inputs) { const c = inputs[0][0]; if (c) this.port.postMessage(c.slice(0)); return true; } });";
  await context.audioWorklet.addModule(URL.createObjectURL(new Blob([worklet], { type: "text/javascript" })));
  const node = new AudioWorkletNode(context, "tap");
  const silent = context.createGain();
  silent.gain.value = 0;
  context.createMediaStreamSource(new MediaStream([track])).connect(node).connect(silent).connect(context.destination);
  node.port.onmessage = (e) => tap.pending.push(e.data);
  tap.flush = () => {
    const chunks = tap.pending.splice(0);
    if (chunks.length === 0) return Promise.resolve();
    const all = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) { all.set(c, at); at += c.length; }
    // One POST at a time, so the chunks reach the file in order.
    tap.chain = tap.chain.then(() => fetch("/audio", { method: "POST", body: all.buffer }));
    return tap.chain;
  };
  setInterval(() => tap.flush(), 500);
  await context.resume();
  tap.context = context;
}

// The longest gap between frames the page presented (requestVideoFrameCallback).
const presented = { last: null, longest: 0 };
function watchFrames(video) {
  const frame = (now) => {
    if (presented.last !== null) presented.longest = Math.max(presented.longest, now - presented.last);
    presented.last = now;
    video.requestVideoFrameCallback(frame);
  };
  video.requestVideoFrameCallback(frame);
}

async function stats(pc) {
  const out = { event: "stats", audio_frames_received: 0, video_frames_received: 0 };
  const report = await pc.getStats();
  const codecs = {};
  report.forEach((s) => { if (s.type === "codec") codecs[s.id] = s.mimeType; });
  report.forEach((s) => {
    if (s.type === "inbound-rtp" && s.kind === "audio") {
      out.audio_frames_received = s.packetsReceived || 0;
      out.audio_samples_received = s.totalSamplesReceived || 0;
      out.audio_concealed_samples = s.concealedSamples || 0;
      out.audio_codec = codecs[s.codecId];
      out.audio_jitter = s.jitter;
      out.audio_packets_lost = s.packetsLost || 0;
      out.audio_accelerated_samples = s.removedSamplesForAcceleration || 0;
      out.audio_decelerated_samples = s.insertedSamplesForDeceleration || 0;
      out.audio_buffer_delay_ms = s.jitterBufferEmittedCount ? Math.round(1000 * s.jitterBufferDelay / s.jitterBufferEmittedCount) : 0;
    }
    if (s.type === "inbound-rtp" && s.kind === "video") {
      out.video_frames_received = s.framesDecoded || 0;
      out.video_width = s.frameWidth;
      out.video_height = s.frameHeight;
      out.video_codec = codecs[s.codecId];
      out.video_packets_lost = s.packetsLost;
      out.video_nack_sent = s.nackCount || 0;
      out.video_pli_sent = s.pliCount || 0;
      out.video_retransmitted_received = s.retransmittedPacketsReceived || 0;
      out.video_freeze_count = s.freezeCount || 0;
      out.video_freezes_duration = s.totalFreezesDuration || 0;
      out.video_fps = s.framesPerSecond || 0;
      out.video_bytes_received = s.bytesReceived || 0;
    }
    if (s.type === "outbound-rtp") out[s.kind + "_packets_sent"] = s.packetsSent;
    if (s.type === "outbound-rtp" && s.kind === "audio") out.audio_codec_sent = codecs[s.codecId];
    if (s.type === "outbound-rtp" && s.kind === "video") {
      out.video_nack_received = s.nackCount || 0;
      out.video_retransmitted_sent = s.retransmittedPacketsSent || 0;
      out.video_target_bitrate = s.targetBitrate || 0;
      out.video_width_sent = s.frameWidth || 0;
    }
    if (s.type === "remote-inbound-rtp") out[s.kind + "_remote_rtt"] = s.roundTripTime;
    if (s.type === "transport") {
      out.dtls_cipher = s.dtlsCipher;
      out.srtp_cipher = s.srtpCipher;
      out.dtls_state = s.dtlsState;
    }
    if (s.type === "candidate-pair" && s.nominated && s.state === "succeeded") out.rtt = s.currentRoundTripTime;
  });
  out.video_longest_gap_ms = Math.round(presented.longest);
  return out;
}

(async () => {
  const pc = new RTCPeerConnection({ iceServers: [] });
  pc.onconnectionstatechange = () => emit({ event: "state", state: pc.connectionState });
  pc.ondatachannel = (e) => {
    // A channel the peer opened arrives open (no "open" event follows).
    emit({ event: "datachannel", label: e.channel.label, id: e.channel.id });
    wire(e.channel);
  };
  pc.ontrack = (e) => {
    const element = document.getElementById(e.track.kind === "audio" ? "remoteAudio" : "remoteVideo");
    element.srcObject = new MediaStream([e.track]);
    element.play().catch(() => {});
    if (e.track.kind === "audio" && params.get("record") === "1") recordAudio(e.track).catch((x) => emit({ event: "error", message: String(x) }));
    if (e.track.kind === "video") watchFrames(element);
    // A renegotiation that stops the peer's sending mutes the track; one that resumes unmutes it.
    e.track.onmute = () => emit({ event: "track-muted", kind: e.track.kind });
    e.track.onunmute = () => emit({ event: "track-unmuted", kind: e.track.kind });
  };
  // After the first exchange, changes of ours (removeTrack/addTrack) renegotiate with a new offer.
  let negotiated = false;
  pc.onnegotiationneeded = async () => {
    if (!negotiated) return;
    await pc.setLocalDescription();
    emit({ type: "offer", sdp: pc.localDescription.sdp });
  };
  let stream = null;
  const video = { width: 640, height: 480 };
  if (params.get("fps")) video.frameRate = Number(params.get("fps"));
  // A file as the microphone (the benchmark) goes out as it is, like termcall's --no-voice-processing.
  const raw = { echoCancellation: false, noiseSuppression: false, autoGainControl: false };
  const audio = params.get("audio") === "1" && (params.get("processing") === "0" ? raw : true);
  const constraints = { audio, video: params.get("video") === "1" ? video : false };
  if (constraints.audio || constraints.video) {
    stream = await navigator.mediaDevices.getUserMedia(constraints);
    stream.getTracks().forEach((t) => pc.addTrack(t, stream));
  }
  if (params.get("mode") === "offer") {
    const chat = pc.createDataChannel("chat");
    chat.onopen = () => emit({ event: "datachannel", label: chat.label, id: chat.id });
    wire(chat);
    await pc.setLocalDescription();
    await gatheringComplete(pc);
    emit({ sdp: pc.localDescription.sdp });
    const answer = await nextCommand();
    await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
  } else {
    const offer = await nextCommand();
    await pc.setRemoteDescription({ type: "offer", sdp: offer.sdp });
    await pc.setLocalDescription();
    await gatheringComplete(pc);
    emit({ sdp: pc.localDescription.sdp });
  }
  negotiated = true;
  for (;;) {
    const command = await nextCommand();
    if (command.cmd === "stats") emit(await stats(pc));
    if (command.type === "offer") {
      await pc.setRemoteDescription({ type: "offer", sdp: command.sdp });
      await pc.setLocalDescription();
      emit({ type: "answer", sdp: pc.localDescription.sdp });
    }
    if (command.type === "answer") await pc.setRemoteDescription({ type: "answer", sdp: command.sdp });
    if (command.cmd === "stop-video") {
      const sender = pc.getSenders().find((s) => s.track && s.track.kind === "video");
      if (sender) pc.removeTrack(sender);
    }
    if (command.cmd === "start-video") pc.addTrack(stream.getVideoTracks()[0], stream);
    if (command.cmd === "close" || command.cmd === "eof") break;
  }
  pc.close();
  await tap.flush();
  await emit({ event: "closed" });
})();
