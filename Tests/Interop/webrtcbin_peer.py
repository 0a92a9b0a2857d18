#!/usr/bin/python3
"""GStreamer 1.22 webrtcbin as an interop peer, with the JSON-lines protocol of aiortc_pc_peer.py and
chromium_peer.py. Run it with /usr/bin/python3 (python3-gi is a Debian package, the venv does not see it):
  --answer (default): in {"sdp": offer} -> out {"type":"answer","sdp": answer}
  --offer:            out {"type":"offer","sdp": offer (data channel "chat")} -> in {"sdp": answer}
  ({"type":..., "sdp":...} is accepted in; the descriptions out are complete: printed once ICE
  gathering is done, every candidate in them, nothing trickles.)
  --audio: sends audiotestsrc -> opusenc -> rtpopuspay; --video: videotestsrc 640x480 at 30 fps ->
  vp8enc deadline=1 -> rtpvp8pay. Remote streams are depayloaded, decoded (opusdec / vp8dec) and counted
  at a fakesink, whatever the flags.
  --bundle-policy none|balanced|max-compat|max-bundle: webrtcbin's own default when absent.
  --local-address ADDR (repeatable, default 127.0.0.1): the addresses libnice gathers on (it skips
  loopback on its own, so in a loopback-only namespace it would gather nothing).
  --dtls-certificate rsa|ecdsa: rsa (default) is webrtcbin's own generated RSA-2048 certificate; ecdsa puts a
  fresh P-256 one (openssl req) on every DTLS transport, needed for aiortc, which offers only ECDSA suites.
Lines in: {"cmd":"stats"} -> {"event":"stats","audio_frames_received": decoded Opus buffers (20 ms each),
"video_frames_received": decoded VP8 frames, "audio_rtp_packets", "video_rtp_packets" (out of webrtcbin),
plus webrtcbin's get-stats figures: "rtt_ms" (RTCP receiver reports), "audio_rtt_ms", "video_rtt_ms",
"{audio,video}_packets_received|_packets_lost|_jitter_ms|_packets_sent"}; {"cmd":"close"} -> {"event":"closed"}
and exit 0 (so do stdin EOF and SIGTERM); {"candidate":"candidate:...","sdpMLineIndex":N} adds a trickled
remote candidate; {"cmd":"send","text":..[,"label":..]} sends a message on an open channel (its echo coming
back is reported with "echo": true and not echoed again). Renegotiation is not supported.
Events out: {"event":"state","state":...} (connection state), {"event":"ice-state","state":...},
{"event":"track","kind":"audio"|"video","encoding":...} when a remote stream's pad appears,
{"event":"first-frame","kind":...} at the first decoded buffer of a kind, {"event":"datachannel","label":..,
"id":..} when a channel is open, {"event":"message","label":..,"text":..,"data":..,"length":..,"echo":..} for
each message (echoed back on its channel unless it is our own coming back; "data" is the text, or hex for
binary), {"event":"datachannel-closed","label":..}, {"event":"error","message":..} (bus errors included).
Defaults worth knowing (GStreamer 1.22): bundle policy "none" offers no a=group:BUNDLE, a transport per
section and a stray a=bundle-only on m=application; as answerer "none" and "balanced" decline the offer's
BUNDLE; "max-bundle" offers port-0 a=bundle-only sections.
Run inside a loopback-only network namespace (unshare --net)."""
import argparse
import base64
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstSdp", "1.0")
gi.require_version("GstWebRTC", "1.0")
gi.require_version("Nice", "0.1")
from gi.repository import GLib, Gst, GstSdp, GstWebRTC, Nice  # noqa: E402

from jsonlines import each_line, emit  # noqa: E402

START = time.monotonic()


def elapsed_ms():
    return round((time.monotonic() - START) * 1000, 1)


def parse_args():
    p = argparse.ArgumentParser(description="webrtcbin interop peer (JSON lines on stdin/stdout)")
    role = p.add_mutually_exclusive_group()
    role.add_argument("--offer", action="store_true")
    role.add_argument("--answer", action="store_true")
    p.add_argument("--audio", action="store_true")
    p.add_argument("--video", action="store_true")
    p.add_argument("--bundle-policy", choices=["none", "balanced", "max-compat", "max-bundle"])
    p.add_argument("--local-address", action="append", dest="local_addresses")
    p.add_argument("--dtls-certificate", choices=["rsa", "ecdsa"], default="rsa")
    return p.parse_args()


def offered_payload_types(sdp_text):
    """{kind: (mline index, payload type)} of the first Opus audio and VP8 video sections of an offer."""
    found, mline, kind = {}, -1, None
    for line in sdp_text.splitlines():
        if line.startswith("m="):
            mline += 1
            kind = line[2:].split(" ", 1)[0]
        elif line.startswith("a=rtpmap:") and kind in ("audio", "video") and kind not in found:
            pt, _, codec = line[len("a=rtpmap:"):].partition(" ")
            name = codec.split("/")[0].upper()
            if (kind, name) in (("audio", "OPUS"), ("video", "VP8")):
                found[kind] = (mline, int(pt))
    return found


class Peer:
    def __init__(self, args):
        self.args = args
        self.offerer = args.offer
        self.loop = GLib.MainLoop()
        self.pipe = Gst.Pipeline.new("peer")
        self.webrtc = Gst.ElementFactory.make("webrtcbin", "webrtc")
        if self.webrtc is None:
            raise RuntimeError("no webrtcbin: install gstreamer1.0-plugins-bad and gstreamer1.0-nice")
        if args.bundle_policy:
            Gst.util_set_object_arg(self.webrtc, "bundle-policy", args.bundle_policy)
        self.pipe.add(self.webrtc)
        # libnice never gathers loopback addresses (nice_interfaces_get_local_ips(FALSE)); once an
        # address is added by hand it gathers on those alone.
        # Keep the GstWebRTCICE wrapper for the life of the process: webrtcbin 1.22 holds its ICE object by
        # a floating reference, which PyGObject sinks and owns when it reads the property, so a dropped
        # wrapper frees the agent under webrtcbin (CRITICAL gst_webrtc_ice_add_stream, then SIGSEGV).
        self.ice = self.webrtc.get_property("ice-agent")
        self.nice_agent = self.ice.get_property("agent")
        for text in args.local_addresses or ["127.0.0.1"]:
            address = Nice.Address.new()
            if not address.set_from_string(text) or not self.nice_agent.add_local_address(address):
                raise RuntimeError("libnice refused local address %s" % text)
        self.webrtc.connect("notify::connection-state", self.on_connection_state)
        self.webrtc.connect("notify::ice-connection-state", self.on_ice_state)
        self.webrtc.connect("notify::ice-gathering-state", self.on_gathering_state)
        self.webrtc.connect("pad-added", self.on_pad_added)
        self.webrtc.connect("on-data-channel", self.on_data_channel)
        self.certificate = make_ecdsa_certificate() if args.dtls_certificate == "ecdsa" else None
        if self.certificate:
            self.fingerprint = certificate_fingerprint(self.certificate)
            self.webrtc.connect("element-added", self.on_element_added)
        bus = self.pipe.get_bus()
        bus.add_signal_watch()
        bus.connect("message::error", self.on_bus_error)
        self.lock = threading.Lock()
        self.local_set = False        # set-local-description done
        self.description_sent = False
        self.counts = {"audio": 0, "video": 0}           # decoded buffers
        self.rtp_packets = {"audio": 0, "video": 0}      # RTP packets out of webrtcbin's src pads
        self.channels = []
        self.sent = []                # (label, text) we sent and expect echoed back
        self.open_said = set()
        self.remote_set = False
        self.closing = False

    def on_element_added(self, _bin, element):
        # webrtcbin adds a DTLS transport's TransportSendBin and TransportReceiveBin and only then syncs
        # their state: still in NULL here, dtlssrtpenc has not fetched its DTLS connection yet (it does on
        # NULL->READY), so a new "pem" on dtlssrtpdec (what the transport's "certificate" property sets)
        # replaces the connection and its agent for both. (The SDP fingerprint does not follow by itself:
        # see maybe_send_description.)
        if element.__gtype__.name != "TransportReceiveBin":
            return
        for child in children(element):
            factory = child.get_factory()
            if factory is not None and factory.get_name() == "dtlssrtpdec":
                child.set_property("pem", self.certificate)

    # ---- sending -----------------------------------------------------------------------------
    def add_sender(self, kind, pt, pad_name=None):
        if kind == "audio":
            chain = ("audiotestsrc is-live=true wave=sine freq=440 volume=0.3 ! audioconvert ! audioresample ! "
                     "queue ! opusenc ! rtpopuspay pt=%d ! capsfilter caps="
                     "application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,payload=%d" % (pt, pt))
        else:
            chain = ("videotestsrc is-live=true pattern=ball ! video/x-raw,width=640,height=480,framerate=30/1 ! "
                     "videoconvert ! queue ! vp8enc deadline=1 keyframe-max-dist=60 ! rtpvp8pay pt=%d "
                     "picture-id-mode=15-bit ! capsfilter caps=application/x-rtp,media=video,encoding-name=VP8,"
                     "clock-rate=90000,payload=%d" % (pt, pt))
        bin_ = Gst.parse_bin_from_description(chain, True)
        bin_.set_name("send-" + kind)
        self.pipe.add(bin_)
        src = bin_.get_static_pad("src")
        template = self.webrtc.get_pad_template("sink_%u")
        sink = self.webrtc.request_pad(template, pad_name, None)
        if sink is None:
            raise RuntimeError("webrtcbin gave no sink pad for " + kind)
        if src.link(sink) != Gst.PadLinkReturn.OK:
            raise RuntimeError("cannot link the %s sender to webrtcbin" % kind)
        trans = sink.get_property("transceiver")
        trans.set_property("direction", GstWebRTC.WebRTCRTPTransceiverDirection.SENDRECV)
        if kind == "video":
            trans.set_property("do-nack", True)
        bin_.sync_state_with_parent()

    # ---- receiving ---------------------------------------------------------------------------
    def on_pad_added(self, _webrtc, pad):
        if pad.get_direction() != Gst.PadDirection.SRC:
            return
        caps = pad.get_current_caps() or pad.query_caps(None)
        s = caps.get_structure(0)
        kind = s.get_string("media") or "unknown"
        encoding = (s.get_string("encoding-name") or "").upper()
        emit({"event": "track", "kind": kind, "encoding": encoding, "pad": pad.get_name()})
        if kind == "audio" and encoding == "OPUS":
            chain = "queue ! rtpopusdepay ! opusdec plc=true ! fakesink name=sink sync=false async=false"
        elif kind == "video" and encoding == "VP8":
            chain = "queue ! rtpvp8depay ! vp8dec ! fakesink name=sink sync=false async=false"
        else:
            chain = "fakesink name=sink sync=false async=false"
        bin_ = Gst.parse_bin_from_description(chain, True)
        self.pipe.add(bin_)
        bin_.sync_state_with_parent()
        pad.add_probe(Gst.PadProbeType.BUFFER, self.count_rtp, kind)
        if pad.link(bin_.get_static_pad("sink")) != Gst.PadLinkReturn.OK:
            emit({"event": "error", "message": "cannot link the remote %s pad" % kind})
            return
        sink = bin_.get_by_name("sink").get_static_pad("sink")
        if kind in self.counts and encoding in ("OPUS", "VP8"):
            sink.add_probe(Gst.PadProbeType.BUFFER, self.count_decoded, kind)

    def count_rtp(self, _pad, _info, kind):
        if kind in self.rtp_packets:
            self.rtp_packets[kind] += 1
        return Gst.PadProbeReturn.OK

    def count_decoded(self, _pad, _info, kind):
        self.counts[kind] += 1
        if self.counts[kind] == 1:
            emit({"event": "first-frame", "kind": kind, "elapsed_ms": elapsed_ms()})
        return Gst.PadProbeReturn.OK

    # ---- data channels -----------------------------------------------------------------------
    def wire(self, channel):
        self.channels.append(channel)
        channel.connect("on-open", lambda ch: GLib.idle_add(self.channel_open, ch))
        channel.connect("on-close", lambda ch: emit({"event": "datachannel-closed", "label": ch.get_property("label")}))
        channel.connect("on-error", lambda ch, err: emit({"event": "error", "message": "data channel: %s" % err}))
        channel.connect("on-message-string", self.on_message_string)
        channel.connect("on-message-data", self.on_message_data)

    def channel_open(self, channel):
        if id(channel) not in self.open_said:
            self.open_said.add(id(channel))
            emit({"event": "datachannel", "label": channel.get_property("label"),
                  "id": channel.get_property("id"), "elapsed_ms": elapsed_ms()})
        return False

    def on_data_channel(self, _webrtc, channel):
        self.wire(channel)
        if channel.get_property("ready-state") == GstWebRTC.WebRTCDataChannelState.OPEN:
            GLib.idle_add(self.channel_open, channel)

    def on_message_string(self, channel, text):
        label = channel.get_property("label")
        with self.lock:
            ours = (label, text) in self.sent
            if ours:
                self.sent.remove((label, text))
        # A message we sent ({"cmd":"send"}) coming back is the far end's echo: reported, not echoed
        # again (two echoing peers would bounce it for ever).
        emit({"event": "message", "label": label, "text": text, "data": text, "length": len(text), "echo": ours})
        if not ours:
            GLib.idle_add(lambda: (channel.emit("send-string", text), False)[1])

    def send(self, text, label=None):
        for channel in self.channels:
            if channel.get_property("ready-state") == GstWebRTC.WebRTCDataChannelState.OPEN and \
                    (label is None or channel.get_property("label") == label):
                with self.lock:
                    self.sent.append((channel.get_property("label"), text))
                channel.emit("send-string", text)
                return
        emit({"event": "error", "message": "no open data channel to send on"})

    def on_message_data(self, channel, data):
        raw = data.get_data() if data is not None else b""
        emit({"event": "message", "label": channel.get_property("label"), "text": None,
              "data": raw.hex(), "length": len(raw), "echo": False})
        GLib.idle_add(lambda: (channel.emit("send-data", GLib.Bytes.new(raw)), False)[1])

    # ---- states ------------------------------------------------------------------------------
    def on_connection_state(self, webrtc, _spec):
        state = webrtc.get_property("connection-state").value_nick
        emit({"event": "state", "state": state, "elapsed_ms": elapsed_ms()})

    def on_ice_state(self, webrtc, _spec):
        emit({"event": "ice-state", "state": webrtc.get_property("ice-connection-state").value_nick,
              "elapsed_ms": elapsed_ms()})

    def on_gathering_state(self, _webrtc, _spec):
        GLib.idle_add(self.maybe_send_description)

    def on_bus_error(self, _bus, message):
        err, debug = message.parse_error()
        emit({"event": "error", "message": "%s: %s" % (message.src.get_name(), err.message), "debug": debug})

    # ---- negotiation -------------------------------------------------------------------------
    def start(self):
        if self.pipe.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
            raise RuntimeError("the pipeline does not start")
        if self.offerer:
            # Opus 111 and VP8 96, as browsers number them.
            if self.args.audio:
                self.add_sender("audio", 111)
            if self.args.video:
                self.add_sender("video", 96)
            self.wire(self.webrtc.emit("create-data-channel", "chat", None))
            promise = Gst.Promise.new_with_change_func(self.on_created, "offer")
            self.webrtc.emit("create-offer", None, promise)

    def on_created(self, promise, kind):
        if promise.wait() != Gst.PromiseResult.REPLIED:
            return self.fail("create-%s: no reply" % kind)
        reply = promise.get_reply()
        if reply.has_field("error"):
            return self.fail("create-%s: %s" % (kind, reply.get_value("error").message))
        description = reply.get_value(kind)
        if description is None:
            return self.fail("create-%s gave nothing" % kind)
        done = Gst.Promise.new_with_change_func(self.on_local_set, None)
        self.webrtc.emit("set-local-description", description, done)

    def on_local_set(self, promise, _data):
        promise.wait()
        reply = promise.get_reply()
        if reply is not None and reply.has_field("error"):
            return self.fail("set-local-description: %s" % reply.get_value("error").message)
        with self.lock:
            self.local_set = True
        GLib.idle_add(self.maybe_send_description)

    def maybe_send_description(self):
        with self.lock:
            if self.description_sent or not self.local_set:
                return False
            if self.webrtc.get_property("ice-gathering-state") != GstWebRTC.WebRTCICEGatheringState.COMPLETE:
                return False
            self.description_sent = True
        sdp = self.webrtc.get_property("local-description").sdp.as_text()
        if self.certificate:
            # webrtcbin hashes every base64 line of the transport's "certificate" PEM, the private key's too
            # (_generate_fingerprint_from_certificate), so with a PEM of its own its a=fingerprint is wrong:
            # put the certificate's real one in what goes out.
            sdp = re.sub(r"a=fingerprint:sha-256 [0-9A-F:]+", "a=fingerprint:sha-256 " + self.fingerprint, sdp)
        emit({"type": "offer" if self.offerer else "answer", "sdp": sdp, "elapsed_ms": elapsed_ms()})
        return False

    def set_remote(self, text, kind):
        result, message = GstSdp.SDPMessage.new_from_text(text)
        if result != GstSdp.SDPResult.OK:
            return self.fail("remote %s does not parse (%s)" % (kind, result))
        sdp_type = GstWebRTC.WebRTCSDPType.OFFER if kind == "offer" else GstWebRTC.WebRTCSDPType.ANSWER
        description = GstWebRTC.WebRTCSessionDescription.new(sdp_type, message)
        promise = Gst.Promise.new_with_change_func(self.on_remote_set, (kind, text))
        self.webrtc.emit("set-remote-description", description, promise)

    def on_remote_set(self, promise, data):
        kind, text = data
        promise.wait()
        reply = promise.get_reply()
        if reply is not None and reply.has_field("error"):
            return self.fail("set-remote-description: %s" % reply.get_value("error").message)
        if kind == "offer":
            GLib.idle_add(self.answer_offer, text)

    def answer_offer(self, text):
        # The transceivers the offer made are there now: send on them, with the offer's payload types
        # (webrtcbin intersects the caps of the pad, payload included, with the offered ones).
        wanted = offered_payload_types(text)
        for kind in ("audio", "video"):
            if getattr(self.args, kind) and kind in wanted:
                mline, pt = wanted[kind]
                self.add_sender(kind, pt, "sink_%d" % mline)
        promise = Gst.Promise.new_with_change_func(self.on_created, "answer")
        self.webrtc.emit("create-answer", None, promise)
        return False

    # ---- stats -------------------------------------------------------------------------------
    def stats(self):
        promise = Gst.Promise.new_with_change_func(self.on_stats, None)
        self.webrtc.emit("get-stats", None, promise)

    def on_stats(self, promise, _data):
        line = {"event": "stats", "audio_frames_received": self.counts["audio"],
                "video_frames_received": self.counts["video"],
                "audio_rtp_packets": self.rtp_packets["audio"], "video_rtp_packets": self.rtp_packets["video"],
                "connection_state": self.webrtc.get_property("connection-state").value_nick}
        try:
            if promise.wait() == Gst.PromiseResult.REPLIED:
                line.update(summarise_stats(promise.get_reply()))
        except Exception as exc:  # noqa: BLE001 - the counts matter more than the extras
            line["stats_error"] = str(exc)
        emit(line)

    # ---- lines from stdin and the end --------------------------------------------------------
    def handle(self, line):
        if line is None:
            return self.shutdown()
        try:
            obj = json.loads(line)
        except ValueError as exc:
            emit({"event": "error", "message": "not JSON: %s" % exc})
            return False
        if not isinstance(obj, dict):
            return False
        if "sdp" in obj and not self.remote_set:
            self.remote_set = True
            self.set_remote(obj["sdp"], obj.get("type") or ("answer" if self.offerer else "offer"))
        elif "sdp" in obj:
            emit({"event": "error", "message": "renegotiation is not supported by webrtcbin_peer"})
        elif "candidate" in obj:
            candidate = obj["candidate"]
            if candidate and not candidate.startswith("candidate:"):
                candidate = "candidate:" + candidate
            self.webrtc.emit("add-ice-candidate", int(obj.get("sdpMLineIndex") or 0), candidate or None)
        elif obj.get("cmd") == "send":
            self.send(str(obj.get("text", "")), obj.get("label"))
        elif obj.get("cmd") == "stats":
            self.stats()
        elif obj.get("cmd") == "close":
            return self.shutdown()
        return False

    def fail(self, message):
        emit({"event": "error", "message": message})
        GLib.idle_add(self.shutdown, 1)

    def shutdown(self, rc=0):
        if self.closing:
            return False
        self.closing = True
        # Setting webrtcbin to NULL has hung in some releases (SCTP teardown): give it 3 s.
        stopper = threading.Thread(target=self.pipe.set_state, args=(Gst.State.NULL,), daemon=True)
        stopper.start()
        stopper.join(3)
        emit({"event": "closed"})
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(rc)


def children(bin_):
    """The elements inside a bin, recursively (without python3-gst-1.0's overrides, a Gst.Iterator is not
    a Python iterable)."""
    found, iterator = [], bin_.iterate_recurse()
    while True:
        result, value = iterator.next()
        if result == Gst.IteratorResult.OK:
            found.append(value)
        elif result == Gst.IteratorResult.RESYNC:
            found, _ = [], iterator.resync()
        else:
            return found


def make_ecdsa_certificate():
    """A self-signed P-256 certificate and its key in one PEM string, as dtlsdec's "pem" takes them
    (GstDtlsCertificate reads the X509, rewinds, then reads the private key)."""
    result = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", "-", "-out", "-", "-subj", "/CN=webrtcbin", "-days", "30"],
        capture_output=True, text=True, check=True)
    pems = {m.group(1): m.group(0) for m in re.finditer(r"-----BEGIN ([A-Z ]+)-----.*?-----END \1-----\n",
                                                        result.stdout, re.S)}
    return pems["CERTIFICATE"] + pems["PRIVATE KEY"]


def certificate_fingerprint(pem):
    """SHA-256 of the PEM's certificate (its first block), as a=fingerprint writes it."""
    body = pem.split("-----BEGIN CERTIFICATE-----", 1)[1].split("-----END CERTIFICATE-----", 1)[0]
    digest = hashlib.sha256(base64.b64decode("".join(body.split()))).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def structure_fields(structure):
    fields = {}
    for i in range(structure.n_fields()):
        name = structure.nth_field_name(i)
        try:
            fields[name] = structure.get_value(name)
        except TypeError:  # a type PyGObject cannot convert
            pass
    return fields


def summarise_stats(reply):
    """The figures worth a line out of webrtcbin's get-stats (one GstStructure per stats object). With a
    bundle, 1.22 writes the last transceiver's "kind" and "codec-id" on every RTP stream, so the kind
    comes from the codec stats' ssrc (ours) or the RTP source's clock rate (theirs)."""
    stats = []
    for value in structure_fields(reply).values():
        if isinstance(value, Gst.Structure):
            fields = structure_fields(value)
            fields["_type"] = value.get_name()
            stats.append(fields)
    kind_of = {}
    for f in stats:
        if f["_type"] == "codec" and "ssrc" in f and "mime-type" in f:
            kind_of[f["ssrc"]] = f["mime-type"].split("/")[0].lower()
        source = f.get("gst-rtpsource-stats")
        if f["_type"] == "inbound-rtp" and isinstance(source, Gst.Structure):
            ok, rate = source.get_int("clock-rate")
            if ok and rate in (48000, 90000):
                kind_of[f.get("ssrc")] = "audio" if rate == 48000 else "video"
    out = {}

    def add(key, value):
        out[key] = out.get(key, 0) + value

    for f in stats:
        kind = kind_of.get(f.get("ssrc"), f.get("kind", "unknown"))
        if f["_type"] == "inbound-rtp":
            add(kind + "_packets_received", f.get("packets-received", 0))
            add(kind + "_packets_lost", f.get("packets-lost", 0))
            out[kind + "_jitter_ms"] = max(out.get(kind + "_jitter_ms", 0), round(f.get("jitter", 0) * 1000, 3))
        elif f["_type"] == "outbound-rtp":
            add(kind + "_packets_sent", f.get("packets-sent", 0))
        elif f["_type"] == "remote-inbound-rtp" and f.get("round-trip-time") is not None:
            out[kind + "_rtt_ms"] = round(f["round-trip-time"] * 1000, 3)
    for kind in ("audio", "video"):
        if kind + "_rtt_ms" in out:
            out.setdefault("rtt_ms", out[kind + "_rtt_ms"])
    return out


def read_stdin(peer):
    each_line(lambda line: GLib.idle_add(peer.handle, line) if line is None or line.strip() else None)


def main():
    args = parse_args()
    Gst.init(None)
    peer = Peer(args)
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        GLib.unix_signal_add(GLib.PRIORITY_HIGH, signum, peer.shutdown)
    threading.Thread(target=read_stdin, args=(peer,), daemon=True).start()
    try:
        peer.start()
    except Exception as exc:  # noqa: BLE001 - reported as JSON
        emit({"event": "error", "message": "%s: %s" % (type(exc).__name__, exc)})
        os._exit(1)
    peer.loop.run()


if __name__ == "__main__":
    main()
