// The browser side of firefox_peer.py: one RTCPeerConnection driven over WebDriver BiDi. The
// driver calls startPeer(emit, options) once the page has loaded — emit is a BiDi channel (each
// call becomes a script.message event the driver prints) — and then termcallCommand(json) for
// each line of its stdin. Same JSON protocol as chromium/peer.js and aiortc_pc_peer.py.
const pending = [];
let waiting = null;
window.termcallCommand = (json) => {
  const command = JSON.parse(json);
  if (waiting) { const resolve = waiting; waiting = null; resolve(command); } else pending.push(command);
};
function nextCommand() {
  if (pending.length) return Promise.resolve(pending.shift());
  return new Promise((resolve) => { waiting = resolve; });
}

function gatheringComplete(pc) {
  return new Promise((resolve) => {
    if (pc.iceGatheringState === "complete") return resolve();
    pc.addEventListener("icegatheringstatechange", () => { if (pc.iceGatheringState === "complete") resolve(); });
  });
}

// Restricts every video transceiver to `codec` (e.g. "VP9"): no other codec, no RTX/RED/ULPFEC.
function preferVideoCodec(pc, codec) {
  if (!codec) return;
  const wanted = "video/" + codec.toLowerCase();
  const codecs = RTCRtpReceiver.getCapabilities("video").codecs.filter((c) => c.mimeType.toLowerCase() === wanted);
  if (!codecs.length) throw new Error("Firefox has no video codec " + codec);
  pc.getTransceivers().forEach((t) => {
    if (t.receiver.track.kind === "video" && !t.stopped) t.setCodecPreferences(codecs);
  });
}

async function stats(pc) {
  const out = { event: "stats", audio_frames_received: 0, video_frames_received: 0 };
  // A Map-like RTCStatsReport: forEach, not Object.values.
  const report = await pc.getStats();
  const codecs = {};
  const candidates = {};
  // Of several inbound streams of a kind (a re-added track gets a new m-section), the one that
  // received last. (Firefox restarts a stream's counters when a renegotiation reconfigures it.)
  const latest = {};
  report.forEach((s) => {
    if (s.type === "codec") codecs[s.id] = s.mimeType;
    if (s.type === "local-candidate" || s.type === "remote-candidate") candidates[s.id] = s;
    if (s.type === "inbound-rtp" && (!latest[s.kind] || (s.lastPacketReceivedTimestamp || 0) >= (latest[s.kind].lastPacketReceivedTimestamp || 0))) latest[s.kind] = s;
  });
  out.inbound_streams = { audio: 0, video: 0 };
  report.forEach((s) => { if (s.type === "inbound-rtp") out.inbound_streams[s.kind] += 1; });
  report.forEach((s) => {
    if (s.type === "inbound-rtp" && latest[s.kind] !== s) return;
    if (s.type === "inbound-rtp" && s.kind === "audio") {
      out.audio_frames_received = s.packetsReceived || 0;
      out.audio_samples_received = s.totalSamplesReceived || 0;
      out.audio_concealed_samples = s.concealedSamples || 0;
      out.audio_codec = codecs[s.codecId];
      out.audio_jitter = s.jitter;
    }
    if (s.type === "inbound-rtp" && s.kind === "video") {
      out.video_frames_received = s.framesDecoded || 0;
      out.video_width = s.frameWidth;
      out.video_height = s.frameHeight;
      out.video_codec = codecs[s.codecId];
      out.video_packets_lost = s.packetsLost;
      out.video_nack_sent = s.nackCount || 0;
      out.video_retransmitted_received = s.retransmittedPacketsReceived || 0;
      out.video_freeze_count = s.freezeCount || 0;
      out.video_freezes_duration = s.totalFreezesDuration || 0;
      out.video_fps = s.framesPerSecond || 0;
      out.video_bytes_received = s.bytesReceived || 0;
    }
    if (s.type === "outbound-rtp") {
      out[s.kind + "_packets_sent"] = s.packetsSent;
      if (codecs[s.codecId]) out[s.kind + "_codec_sent"] = codecs[s.codecId];
    }
    if (s.type === "outbound-rtp" && s.kind === "video") {
      out.video_nack_received = s.nackCount || 0;
      out.video_retransmitted_sent = s.retransmittedPacketsSent || 0;
      out.video_target_bitrate = s.targetBitrate || 0;
      out.video_width_sent = s.frameWidth || 0;
    }
    if (s.type === "remote-inbound-rtp" && s.roundTripTime !== undefined) out[s.kind + "_remote_rtt"] = s.roundTripTime;
    if (s.type === "transport") {
      out.dtls_cipher = s.dtlsCipher;
      out.srtp_cipher = s.srtpCipher;
      out.dtls_state = s.dtlsState;
    }
    if (s.type === "candidate-pair" && s.nominated && s.state === "succeeded" && (s.selected !== false)) {
      // Firefox fills totalRoundTripTime/responsesReceived; currentRoundTripTime only in newer releases.
      out.rtt = s.currentRoundTripTime !== undefined ? s.currentRoundTripTime
        : (s.responsesReceived ? s.totalRoundTripTime / s.responsesReceived : undefined);
      const local = candidates[s.localCandidateId], remote = candidates[s.remoteCandidateId];
      if (local) out.local_candidate = `${local.protocol} ${local.address}:${local.port} ${local.candidateType}`;
      if (remote) out.remote_candidate = `${remote.protocol} ${remote.address}:${remote.port} ${remote.candidateType}`;
    }
    if (s.type === "data-channel") {
      out.datachannel_messages_sent = (out.datachannel_messages_sent || 0) + (s.messagesSent || 0);
      out.datachannel_messages_received = (out.datachannel_messages_received || 0) + (s.messagesReceived || 0);
    }
  });
  return out;
}

window.startPeer = async (channel, optionsJSON) => {
  const options = JSON.parse(optionsJSON);
  const emit = (o) => channel(JSON.stringify(o));
  window.onerror = (message) => { emit({ event: "error", message: String(message) }); };
  window.onunhandledrejection = (e) => { emit({ event: "error", message: String(e.reason) }); };
  try {
    await run(emit, options);
  } catch (error) {
    // A failed negotiation: reported, and the page still answers stats and close (or end of input).
    emit({ event: "error", message: String(error) });
    for (;;) {
      const command = await nextCommand();
      if (command.cmd === "stats" && window.pc) emit(await stats(window.pc));
      if (command.cmd === "close" || command.cmd === "eof") break;
    }
    if (window.pc) window.pc.close();
    emit({ event: "closed" });
  }
};

const channels = [];
function wire(emit, channel, echo) {
  channels.push(channel);
  channel.onmessage = (e) => {
    const text = typeof e.data === "string" ? e.data : null;
    emit({ event: "message", label: channel.label, text, length: text === null ? (e.data.byteLength ?? e.data.size) : text.length });
    if (echo) channel.send(e.data);
  };
  channel.onclose = () => emit({ event: "datachannel-closed", label: channel.label });
}

async function run(emit, options) {
  const pc = new RTCPeerConnection({ iceServers: [], bundlePolicy: options.bundlePolicy });
  window.pc = pc;  // (for poking at it from a debugger)
  pc.onconnectionstatechange = () => emit({ event: "state", state: pc.connectionState });
  pc.ondatachannel = (e) => {
    e.channel.binaryType = "arraybuffer";
    // A channel the peer opened arrives open (no "open" event follows).
    emit({ event: "datachannel", label: e.channel.label, id: e.channel.id });
    wire(emit, e.channel, options.echo);
  };
  pc.ontrack = (e) => {
    emit({ event: "track", kind: e.track.kind, mid: e.transceiver ? e.transceiver.mid : null });
    const element = document.getElementById(e.track.kind === "audio" ? "remoteAudio" : "remoteVideo");
    element.srcObject = new MediaStream([e.track]);
    element.play().catch(() => {});
    // A renegotiation that stops the peer's sending mutes the track; one that resumes unmutes it.
    e.track.onmute = () => emit({ event: "track-muted", kind: e.track.kind });
    e.track.onunmute = () => emit({ event: "track-unmuted", kind: e.track.kind });
  };
  // After the first exchange, changes of ours (removeTrack/addTrack) renegotiate with a new offer.
  let negotiated = false;
  pc.onnegotiationneeded = async () => {
    if (!negotiated) return;
    await pc.setLocalDescription();
    await gatheringComplete(pc);
    emit({ type: "offer", sdp: pc.localDescription.sdp });
  };
  let stream = null;
  const constraints = { audio: options.audio, video: options.video ? { width: 640, height: 480 } : false };
  if (constraints.audio || constraints.video) {
    stream = await navigator.mediaDevices.getUserMedia(constraints);
    stream.getTracks().forEach((t) => pc.addTrack(t, stream));
  }
  if (options.mode === "offer") {
    const chat = pc.createDataChannel("chat");
    chat.binaryType = "arraybuffer";
    chat.onopen = () => emit({ event: "datachannel", label: chat.label, id: chat.id });
    wire(emit, chat, options.echo);
    preferVideoCodec(pc, options.videoCodec);
    await pc.setLocalDescription();
    await gatheringComplete(pc);
    emit({ sdp: pc.localDescription.sdp });
    const answer = await nextCommand();
    if (answer.cmd === "close" || answer.cmd === "eof") return close(pc, emit);
    await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
  } else {
    const offer = await nextCommand();
    if (offer.cmd === "close" || offer.cmd === "eof") return close(pc, emit);
    await pc.setRemoteDescription({ type: "offer", sdp: offer.sdp });
    preferVideoCodec(pc, options.videoCodec);
    await pc.setLocalDescription();
    await gatheringComplete(pc);
    emit({ sdp: pc.localDescription.sdp });
  }
  negotiated = true;
  for (;;) {
    const command = await nextCommand();
    try {
      if (command.cmd === "stats") emit(await stats(pc));
      if (command.cmd === "raw-stats") {
        const report = [];
        (await pc.getStats()).forEach((s) => report.push(s));
        emit({ event: "raw-stats", report });
      }
      if (command.type === "offer") {
        await pc.setRemoteDescription({ type: "offer", sdp: command.sdp });
        await pc.setLocalDescription();
        emit({ type: "answer", sdp: pc.localDescription.sdp });
      }
      if (command.type === "answer") await pc.setRemoteDescription({ type: "answer", sdp: command.sdp });
      if (command.cmd === "send") {
        const channel = channels.find((c) => c.readyState === "open" && (command.label === undefined || c.label === command.label));
        if (!channel) throw new Error("no open data channel" + (command.label === undefined ? "" : " " + command.label));
        channel.send(command.text);
      }
      if (command.cmd === "stop-video") {
        const sender = pc.getSenders().find((s) => s.track && s.track.kind === "video");
        if (sender) pc.removeTrack(sender);
      }
      if (command.cmd === "start-video" && stream && stream.getVideoTracks().length) pc.addTrack(stream.getVideoTracks()[0], stream);
    } catch (error) {
      emit({ event: "error", message: String(error) });
    }
    if (command.cmd === "close" || command.cmd === "eof") break;
  }
  close(pc, emit);
}

function close(pc, emit) {
  pc.close();
  emit({ event: "closed" });
}
