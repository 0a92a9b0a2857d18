// termcall's browser page: join a room on `termcall serve` and call everyone in it (one
// RTCPeerConnection per peer), with the perfect-negotiation pattern (either side may offer;
// glare is resolved by the polite peer rolling back), trickle ICE, and chat on a data channel
// labelled "chat". Speaks signalling protocol version 1 (see Sources/Signaling/SignalingMessage.swift).
// Each peer's verification code comes from verify.js over the "termcall-control" channel. A room's
// passphrase comes from the address (#p=…) or is asked for when the server says it is needed.
"use strict";
const room = decodeURIComponent(location.pathname.slice(1));
const $ = (id) => document.getElementById(id);
const peers = new Map(); // peer id -> { pc, polite, makingOffer, ignoreOffer, chat, video, name }
let ws = null, myId = null, iceServers = [], local = null, joinedOnce = false, ended = false, inbox = Promise.resolve();
let passphrase = new URLSearchParams(location.hash.slice(1)).get("p") || null;
const chatLog = [];

function note(text, who) {
  const li = document.createElement("li");
  if (who) { const b = document.createElement("span"); b.className = "who"; b.textContent = who; li.append(b, text); }
  else { li.className = "note"; li.textContent = text; }
  $("log").append(li);
  li.scrollIntoView({ block: "end" });
}
const status = (text) => { $("status").textContent = text; };
const send = (m) => { if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ v: 1, ...m })); };

function connect() {
  ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws");
  ws.onopen = join;
  // One message at a time: a candidate must not overtake the description it belongs to.
  ws.onmessage = (e) => { inbox = inbox.then(() => handle(JSON.parse(e.data))).catch((err) => console.error(err)); };
  // The media does not depend on the server: reconnect quietly, resuming our id.
  ws.onclose = () => { if (!ended) { status("signalling lost, reconnecting…"); setTimeout(connect, 1000); } };
}

const join = () => send({ type: "join", room, name: "browser", ...(myId ? { id: myId } : {}), ...(passphrase ? { passphrase } : {}) });

async function handle(m) {
  if (m.type === "peers") {
    myId = m.id;
    if (m.iceServers) iceServers = m.iceServers;
    status(m.peers.length ? "in call" : "waiting");
    for (const p of m.peers) {
      // The newcomer offers to everyone already there; those already there wait for its offer.
      if (!peers.has(p.id)) addPeer(p.id, p.name, !joinedOnce);
    }
    joinedOnce = true;
  } else if (m.type === "offer" || m.type === "answer") {
    const peer = peers.get(m.from) || addPeer(m.from, "peer", false);
    const collision = m.type === "offer" && (peer.makingOffer || peer.pc.signalingState !== "stable");
    peer.ignoreOffer = !peer.polite && collision;
    if (peer.ignoreOffer) return;
    await peer.pc.setRemoteDescription({ type: m.type, sdp: m.sdp }); // rolls back our offer if polite
    if (m.type === "offer") {
      addTracks(peer); // onto the offered transceivers: the answer sends them, no second offer
      await peer.pc.setLocalDescription();
      send({ type: "answer", to: m.from, sdp: peer.pc.localDescription.sdp });
    }
  } else if (m.type === "candidate") {
    const peer = peers.get(m.from);
    if (!peer) return;
    try {
      await peer.pc.addIceCandidate(m.candidate ? { candidate: m.candidate, sdpMid: m.mid ?? "0" } : null);
    } catch (err) { if (!peer.ignoreOffer) console.warn("candidate", err); }
  } else if (m.type === "bye") {
    const peer = peers.get(m.from);
    if (peer) { note(`${peer.name} hung up`); removePeer(m.from); }
  } else if (m.type === "error" && m.code === "wrong-passphrase" && !m.message.includes("too many")) {
    const given = prompt(`${m.message}\n\nPassphrase:`);
    if (given) { passphrase = given; join(); } else note(`server: ${m.message}`);
  } else if (m.type === "error") {
    note(`server: ${m.message}`);
  }
}

function addPeer(id, name, offerer) {
  const pc = new RTCPeerConnection({ iceServers });
  const peer = { pc, polite: myId > id, makingOffer: false, ignoreOffer: false, chat: null, video: null, name, tracksAdded: false };
  peers.set(id, peer);
  // The newcomer offers (adding tracks and the chat channel starts negotiation); the others add
  // their tracks when the offer comes, so both sides do not offer at once.
  if (offerer) {
    addTracks(peer);
    wireChat(peer, pc.createDataChannel("chat"));
    wireControl(peer, pc.createDataChannel("termcall-control"));
  }
  pc.ondatachannel = (e) => {
    if (e.channel.label === "chat") wireChat(peer, e.channel);
    if (e.channel.label === "termcall-control") wireControl(peer, e.channel);
  };
  pc.onicecandidate = (e) => send({ type: "candidate", to: id, candidate: e.candidate ? e.candidate.candidate : "", mid: e.candidate ? e.candidate.sdpMid : null });
  pc.onnegotiationneeded = async () => {
    try {
      peer.makingOffer = true;
      await pc.setLocalDescription();
      send({ type: "offer", to: id, sdp: pc.localDescription.sdp });
    } catch (err) { console.error(err); } finally { peer.makingOffer = false; }
  };
  pc.ontrack = (e) => {
    if (!peer.video) {
      peer.video = document.createElement("video");
      peer.video.autoplay = true; peer.video.playsInline = true;
      peer.video.srcObject = new MediaStream();
      $("remotes").append(peer.video);
      $("waiting").hidden = true;
    }
    peer.video.srcObject.addTrack(e.track);
    peer.video.play().catch(() => {});
  };
  pc.onconnectionstatechange = () => {
    if (pc.connectionState === "connected") status("in call");
    if (pc.connectionState === "failed") { note(`connection to ${peer.name} failed`); pc.restartIce(); }
  };
  return peer;
}

function addTracks(peer) {
  if (peer.tracksAdded || !local) return;
  peer.tracksAdded = true;
  local.getTracks().forEach((t) => peer.pc.addTrack(t, local));
}

function removePeer(id) {
  const peer = peers.get(id);
  if (!peer) return;
  peer.pc.close();
  if (peer.video) peer.video.remove();
  peers.delete(id);
  $("waiting").hidden = peers.size > 0;
  if (!peers.size) status("waiting");
}

function wireChat(peer, channel) {
  peer.chat = channel;
  channel.onopen = () => note(`chat with ${peer.name} is open`);
  channel.onmessage = (e) => {
    if (typeof e.data !== "string") return;
    chatLog.push({ from: peer.name, text: e.data });
    note(e.data, peer.name);
  };
}

/// The verification exchange, once the control channel is open (it may already be, from ondatachannel).
function wireControl(peer, channel) {
  const start = () => startVerification(peer.pc, channel, (code) => {
    peer.code = code;
    note(`verification code with ${peer.name}: ${code} — read it to them; if theirs differs, someone is in the middle`);
  }, (reason) => note(`verification with ${peer.name} failed: ${reason}`));
  if (channel.readyState === "open") start(); else channel.onopen = start;
}

function say(text) {
  let sent = 0;
  for (const peer of peers.values()) if (peer.chat && peer.chat.readyState === "open") { peer.chat.send(text); sent++; }
  if (sent) note(text, "me");
  return sent;
}

function hangUp() {
  ended = true;
  send({ type: "bye" });
  for (const id of [...peers.keys()]) removePeer(id);
  if (local) local.getTracks().forEach((t) => t.stop());
  if (ws) ws.close();
  status("call ended");
}

/// Call figures from getStats, per peer: what the page (and a test driving it) can read.
async function stats() {
  const out = [];
  for (const [id, peer] of peers) {
    const s = { peer: id, name: peer.name, state: peer.pc.connectionState, framesDecoded: 0, audioPacketsReceived: 0, audioSamplesReceived: 0, verification: peer.code || null };
    (await peer.pc.getStats()).forEach((r) => {
      if (r.type === "inbound-rtp" && r.kind === "video") { s.framesDecoded = r.framesDecoded || 0; s.frameWidth = r.frameWidth; s.videoPacketsLost = r.packetsLost; }
      if (r.type === "inbound-rtp" && r.kind === "audio") { s.audioPacketsReceived = r.packetsReceived || 0; s.audioSamplesReceived = r.totalSamplesReceived || 0; }
      if (r.type === "outbound-rtp") s[r.kind + "PacketsSent"] = r.packetsSent;
      if (r.type === "transport") { s.dtlsCipher = r.dtlsCipher; s.srtpCipher = r.srtpCipher; }
    });
    out.push(s);
  }
  return out;
}

// Something to inspect from the console (and for automated tests): the call's figures and chat.
window.termcall = { stats, say, chatLog, hangUp, get id() { return myId; } };

$("room").textContent = room;
$("hint").textContent = `termcall call ${room} --server ${location.protocol === "https:" ? "wss" : "ws"}://${location.host}`;
$("copy").onclick = () => navigator.clipboard && navigator.clipboard.writeText(location.href);
$("hangup").onclick = hangUp;
$("say").onsubmit = (e) => {
  e.preventDefault();
  const text = $("line").value.trim();
  if (text && !say(text)) note("nobody to send to yet");
  $("line").value = "";
};

(async () => {
  try {
    local = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });
    $("self").srcObject = local;
  } catch (err) {
    note(`no camera or microphone (${err.name}): you will see and hear the others, they will not see or hear you`);
  }
  connect();
})();
