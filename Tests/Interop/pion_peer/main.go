// Command pion_peer is a Pion WebRTC (v3) interop peer driven by JSON lines on stdin/stdout, with the
// protocol of webrtcbin_peer.py / aiortc_pc_peer.py / chromium_peer.py. Build and run it through
// Tests/Interop/pion_peer.sh (GOPATH mode against Debian's golang-github-pion-webrtc.v3-dev, offline).
//
//	--answer (default): in {"sdp": offer} -> out {"type":"answer","sdp": answer}
//	--offer:            out {"type":"offer","sdp": offer (data channel "chat")} -> in {"sdp": answer}
//
// {"type":..., "sdp":...} is accepted in (a later offer is answered); descriptions out are complete:
// printed once ICE gathering is done, nothing trickles. {"candidate":"candidate:...","sdpMid":..,
// "sdpMLineIndex":N} adds a remote candidate anyway.
//
// Media: Pion does not encode, so the peer reflects. An Opus and a VP8 TrackLocalStaticRTP are added
// before offering or answering; every RTP packet read from a remote track goes out again on the local
// track of its kind (the far end gets its own media back and decodes it). Pion rewrites SSRC and
// payload type for the negotiated sender; packets of another payload type than the track's first are
// not forwarded, padding is stripped. A PLI or FIR from the far end on our video sender is passed on to
// the far end's video stream, and a PLI is sent when video forwarding starts after packets were
// dropped (our sender was not bound yet), so the reflected stream starts on a keyframe.
// --audio / --video are accepted and ignored (both tracks are always there).
//
// Lines in: {"cmd":"stats"} -> {"event":"stats","audio_packets_received","video_packets_received",
// "audio_packets_sent","video_packets_sent","audio_packets_dropped","video_packets_dropped",
// "connection_state","ice_state","dtls_state","sctp_state","signaling_state","selected_pair":{..},
// "codecs":{"audio_received":"audio/opus/111","audio_sent":..,"video_received":..,"video_sent":..}}; {"cmd":"send","text":..[,"label":..]} sends a message on an open
// channel (default: "chat", else the first one open); {"cmd":"close"}, stdin EOF or SIGTERM/SIGINT close the
// PeerConnection, print {"event":"closed"} (plus "close_error" if Close failed, e.g. the far end had
// closed DTLS first) and exit 0.
// Events out: {"event":"state","state":..} (PeerConnectionState), {"event":"ice-state","state":..},
// {"event":"track","kind":..,"codec":..,"payload_type":..,"ssrc":..}, {"event":"datachannel","label":..,
// "id":..} when a channel is open, {"event":"message","label":..,"text":..,"length":..,"echo":..} for
// each message (echoed back on "chat" unless it is one we sent coming back, "echo": true),
// {"event":"datachannel-closed","label":..}, {"event":"error","message":..} (the peer keeps running).
// Default MediaEngine codecs and interceptors; loopback candidates included, mDNS off.
// Run inside a loopback-only network namespace (unshare --net).
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pion/ice/v2"
	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v3"
)

var start = time.Now()

// ---- output: one goroutine owns stdout --------------------------------------------------------

type output struct {
	mu     sync.Mutex
	lines  chan []byte
	closed bool
	done   chan struct{}
}

func newOutput() *output {
	o := &output{lines: make(chan []byte, 1024), done: make(chan struct{})}
	go func() {
		w := bufio.NewWriter(os.Stdout)
		for line := range o.lines {
			w.Write(line)
			if len(o.lines) == 0 {
				if err := w.Flush(); err != nil {
					os.Exit(1) // the driver went away
				}
			}
		}
		w.Flush()
		close(o.done)
	}()
	return o
}

func (o *output) emit(v map[string]any) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil { // Encode appends the newline
		b.Reset()
		fmt.Fprintf(&b, "{\"event\":\"error\",\"message\":%q}\n", "cannot encode output: "+err.Error())
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.closed {
		o.lines <- []byte(b.String())
	}
}

// finish drops everything emitted from now on and waits until what was emitted is written.
func (o *output) finish() {
	o.mu.Lock()
	if !o.closed {
		o.closed = true
		close(o.lines)
	}
	o.mu.Unlock()
	<-o.done
}

// ---- the reflecting local tracks --------------------------------------------------------------

// reflector is a TrackLocalStaticRTP that knows whether a sender has bound it.
type reflector struct {
	*webrtc.TrackLocalStaticRTP
	kind  string
	bound atomic.Bool
	sent  atomic.Uint64
	mu    sync.Mutex
	codec string // what Bind negotiated: mime/payload type
}

func (r *reflector) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	codec, err := r.TrackLocalStaticRTP.Bind(ctx)
	if err == nil {
		r.mu.Lock()
		r.codec = fmt.Sprintf("%s/%d", codec.MimeType, codec.PayloadType)
		r.mu.Unlock()
		r.bound.Store(true)
	}
	return codec, err
}

func (r *reflector) Unbind(ctx webrtc.TrackLocalContext) error {
	r.bound.Store(false)
	return r.TrackLocalStaticRTP.Unbind(ctx)
}

// ---- the peer ----------------------------------------------------------------------------------

type peer struct {
	out      *output
	pc       *webrtc.PeerConnection
	offerer  bool
	local    map[string]*reflector // "audio", "video"
	received map[string]*atomic.Uint64
	dropped  map[string]*atomic.Uint64

	mu           sync.Mutex
	remoteSSRC   map[string]uint32 // kind -> SSRC of the remote track being reflected
	remoteCodec  map[string]string
	channels     []*webrtc.DataChannel
	pendingEchos map[string]int // label + "\x00" + text -> messages we sent whose echo is due
	closeOnce    sync.Once
}

func (p *peer) errorf(format string, args ...any) {
	p.out.emit(map[string]any{"event": "error", "message": fmt.Sprintf(format, args...)})
}

func newPeer(out *output, offerer bool) (*peer, error) {
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		return nil, err
	}
	ir := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, ir); err != nil {
		return nil, err
	}
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true) // Pion's ICE skips loopback interfaces otherwise
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se))
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, err
	}
	p := &peer{
		out: out, pc: pc, offerer: offerer,
		local:        map[string]*reflector{},
		received:     map[string]*atomic.Uint64{"audio": {}, "video": {}},
		dropped:      map[string]*atomic.Uint64{"audio": {}, "video": {}},
		remoteSSRC:   map[string]uint32{},
		remoteCodec:  map[string]string{},
		pendingEchos: map[string]int{},
	}
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		out.emit(map[string]any{"event": "state", "state": s.String()})
	})
	pc.OnICEConnectionStateChange(func(s webrtc.ICEConnectionState) {
		out.emit(map[string]any{"event": "ice-state", "state": s.String()})
	})
	pc.OnTrack(p.onTrack)
	pc.OnDataChannel(p.wireChannel)

	for _, kind := range []string{"audio", "video"} {
		mime := webrtc.MimeTypeOpus
		if kind == "video" {
			mime = webrtc.MimeTypeVP8
		}
		track, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: mime}, kind, "pion-reflect")
		if err != nil {
			return nil, err
		}
		r := &reflector{TrackLocalStaticRTP: track, kind: kind}
		p.local[kind] = r
		sender, err := pc.AddTrack(r)
		if err != nil {
			return nil, err
		}
		go p.readSenderRTCP(kind, sender)
	}
	return p, nil
}

// readSenderRTCP drains a sender's RTCP (the interceptors, NACK responder and reports, depend on it)
// and passes keyframe requests for the reflected video on to the far end.
func (p *peer) readSenderRTCP(kind string, sender *webrtc.RTPSender) {
	for {
		packets, _, err := sender.ReadRTCP()
		if err != nil {
			return
		}
		if kind != "video" {
			continue
		}
		for _, packet := range packets {
			switch packet.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				p.requestKeyframe()
			}
		}
	}
}

func (p *peer) requestKeyframe() {
	p.mu.Lock()
	ssrc := p.remoteSSRC["video"]
	p.mu.Unlock()
	if ssrc == 0 {
		return
	}
	if err := p.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: ssrc}}); err != nil {
		p.errorf("sending PLI: %v", err)
	}
}

func (p *peer) onTrack(track *webrtc.TrackRemote, receiver *webrtc.RTPReceiver) {
	kind := track.Kind().String()
	codec := track.Codec()
	p.out.emit(map[string]any{"event": "track", "kind": kind, "codec": codec.MimeType,
		"payload_type": int(codec.PayloadType), "ssrc": uint32(track.SSRC()), "id": track.ID(),
		"stream_id": track.StreamID()})
	local := p.local[kind]
	received, dropped := p.received[kind], p.dropped[kind]
	if received == nil {
		received, dropped = &atomic.Uint64{}, &atomic.Uint64{}
	}
	p.mu.Lock()
	if _, taken := p.remoteSSRC[kind]; !taken {
		p.remoteSSRC[kind] = uint32(track.SSRC())
		p.remoteCodec[kind] = fmt.Sprintf("%s/%d", codec.MimeType, codec.PayloadType)
	} else {
		local = nil // a second remote track of a kind is counted, not reflected
	}
	p.mu.Unlock()
	// RTCP arriving for the receiver is consumed by the interceptors; drain what they return.
	go func() {
		for {
			if _, _, err := receiver.ReadRTCP(); err != nil {
				return
			}
		}
	}()
	go func() {
		pt := track.PayloadType()
		needKeyframe := false
		for {
			packet, _, err := track.ReadRTP()
			if err != nil {
				return
			}
			received.Add(1)
			if local == nil || packet.PayloadType != uint8(pt) || len(packet.Payload) == 0 {
				dropped.Add(1)
				continue
			}
			if !local.bound.Load() {
				dropped.Add(1)
				needKeyframe = kind == "video"
				continue
			}
			if needKeyframe {
				needKeyframe = false
				p.requestKeyframe()
			}
			packet.Header.Padding = false
			packet.PaddingSize = 0
			if err := local.WriteRTP(packet); err != nil {
				dropped.Add(1)
				continue
			}
			local.sent.Add(1)
		}
	}()
}

func echoKey(label, text string) string { return label + "\x00" + text }

func (p *peer) wireChannel(dc *webrtc.DataChannel) {
	label := dc.Label()
	dc.OnOpen(func() {
		p.mu.Lock()
		p.channels = append(p.channels, dc)
		p.mu.Unlock()
		event := map[string]any{"event": "datachannel", "label": label}
		if id := dc.ID(); id != nil {
			event["id"] = int(*id)
		}
		p.out.emit(event)
	})
	dc.OnClose(func() {
		p.mu.Lock()
		for i, c := range p.channels {
			if c == dc {
				p.channels = append(p.channels[:i], p.channels[i+1:]...)
				break
			}
		}
		p.mu.Unlock()
		p.out.emit(map[string]any{"event": "datachannel-closed", "label": label})
	})
	dc.OnMessage(func(msg webrtc.DataChannelMessage) {
		text := string(msg.Data)
		event := map[string]any{"event": "message", "label": label, "length": len(msg.Data)}
		if msg.IsString {
			event["text"] = text
		} else {
			event["text"] = nil
			event["data"] = fmt.Sprintf("%x", msg.Data)
		}
		key := echoKey(label, text)
		p.mu.Lock()
		echo := msg.IsString && p.pendingEchos[key] > 0
		if echo {
			if p.pendingEchos[key]--; p.pendingEchos[key] == 0 {
				delete(p.pendingEchos, key)
			}
		}
		p.mu.Unlock()
		event["echo"] = echo
		p.out.emit(event)
		// Only chat is echoed: a control channel's messages (termcall's verification
		// exchange) coming back would look like the far end's own.
		if echo || label != "chat" {
			return
		}
		var err error
		if msg.IsString {
			err = dc.SendText(text)
		} else {
			err = dc.Send(msg.Data)
		}
		if err != nil {
			p.errorf("echo on %q: %v", label, err)
		}
	})
}

// ---- signalling ---------------------------------------------------------------------------------

// sendLocal sets a local description and prints it once gathering is complete.
func (p *peer) sendLocal(desc webrtc.SessionDescription) error {
	gathered := webrtc.GatheringCompletePromise(p.pc)
	if err := p.pc.SetLocalDescription(desc); err != nil {
		return fmt.Errorf("SetLocalDescription(%s): %w", desc.Type, err)
	}
	select {
	case <-gathered:
	case <-time.After(10 * time.Second):
		p.errorf("ICE gathering not complete after 10 s, sending what there is")
	}
	local := p.pc.LocalDescription()
	p.out.emit(map[string]any{"type": local.Type.String(), "sdp": local.SDP})
	return nil
}

func (p *peer) offer() error {
	dc, err := p.pc.CreateDataChannel("chat", nil)
	if err != nil {
		return fmt.Errorf("CreateDataChannel: %w", err)
	}
	p.wireChannel(dc) // our own channel does not come through OnDataChannel
	offer, err := p.pc.CreateOffer(nil)
	if err != nil {
		return fmt.Errorf("CreateOffer: %w", err)
	}
	return p.sendLocal(offer)
}

func (p *peer) onDescription(kind, text string) {
	var t webrtc.SDPType
	switch kind {
	case "offer":
		t = webrtc.SDPTypeOffer
	case "answer":
		t = webrtc.SDPTypeAnswer
	case "pranswer":
		t = webrtc.SDPTypePranswer
	case "":
		if p.pc.SignalingState() == webrtc.SignalingStateHaveLocalOffer {
			t = webrtc.SDPTypeAnswer
		} else {
			t = webrtc.SDPTypeOffer
		}
	default:
		p.errorf("unknown description type %q", kind)
		return
	}
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: t, SDP: text}); err != nil {
		p.errorf("SetRemoteDescription(%s): %v", t, err)
		return
	}
	if t != webrtc.SDPTypeOffer {
		return
	}
	answer, err := p.pc.CreateAnswer(nil)
	if err != nil {
		p.errorf("CreateAnswer: %v", err)
		return
	}
	if err := p.sendLocal(answer); err != nil {
		p.errorf("%v", err)
	}
}

// ---- commands -----------------------------------------------------------------------------------

func (p *peer) send(text, label string) {
	p.mu.Lock()
	want := label
	if want == "" {
		want = "chat" // no label: "chat" when it is open, else the first channel opened
	}
	var dc *webrtc.DataChannel
	for _, c := range p.channels {
		if c.Label() == want {
			dc = c
			break
		}
	}
	if dc == nil && label == "" && len(p.channels) > 0 {
		dc = p.channels[0]
	}
	if dc != nil {
		p.pendingEchos[echoKey(dc.Label(), text)]++
	}
	p.mu.Unlock()
	if dc == nil {
		if label == "" {
			p.errorf("send: no open data channel")
		} else {
			p.errorf("send: no open data channel %q", label)
		}
		return
	}
	if err := dc.SendText(text); err != nil {
		p.mu.Lock()
		p.pendingEchos[echoKey(dc.Label(), text)]--
		p.mu.Unlock()
		p.errorf("send on %q: %v", dc.Label(), err)
	}
}

func (p *peer) stats() {
	event := map[string]any{"event": "stats", "elapsed_ms": time.Since(start).Milliseconds()}
	for _, kind := range []string{"audio", "video"} {
		event[kind+"_packets_received"] = p.received[kind].Load()
		event[kind+"_packets_sent"] = p.local[kind].sent.Load()
		event[kind+"_packets_dropped"] = p.dropped[kind].Load()
	}
	event["connection_state"] = p.pc.ConnectionState().String()
	event["ice_state"] = p.pc.ICEConnectionState().String()
	event["signaling_state"] = p.pc.SignalingState().String()
	if sctp := p.pc.SCTP(); sctp != nil {
		event["sctp_state"] = sctp.State().String()
		if dtls := sctp.Transport(); dtls != nil {
			event["dtls_state"] = dtls.State().String()
			if iceTransport := dtls.ICETransport(); iceTransport != nil {
				if pair, err := iceTransport.GetSelectedCandidatePair(); err == nil && pair != nil {
					event["selected_pair"] = map[string]any{
						"local":  candidateText(pair.Local),
						"remote": candidateText(pair.Remote),
					}
				}
			}
		}
	}
	codecs := map[string]any{}
	p.mu.Lock()
	for kind, c := range p.remoteCodec {
		codecs[kind+"_received"] = c
	}
	p.mu.Unlock()
	for kind, r := range p.local {
		r.mu.Lock()
		if r.codec != "" {
			codecs[kind+"_sent"] = r.codec
		}
		r.mu.Unlock()
	}
	event["codecs"] = codecs
	p.out.emit(event)
}

func candidateText(c *webrtc.ICECandidate) string {
	if c == nil {
		return ""
	}
	return fmt.Sprintf("%s %s %s:%d", c.Protocol, c.Typ, c.Address, c.Port)
}

// close closes the PeerConnection (waiting at most 3 s), prints {"event":"closed"} (with "close_error"
// when Close failed) and exits 0.
func (p *peer) close() {
	p.closeOnce.Do(func() {
		done := make(chan error, 1)
		go func() { done <- p.pc.Close() }()
		closed := map[string]any{"event": "closed"}
		select {
		case err := <-done:
			// Not an "error" event: when the far end hung up first, Close reports the DTLS
			// connection it finds closed already ("dtls fatal: conn is closed").
			if err != nil {
				closed["close_error"] = err.Error()
			}
		case <-time.After(3 * time.Second):
			closed["close_error"] = "Close did not return within 3 s"
		}
		p.out.emit(closed)
		p.out.finish()
		os.Exit(0)
	})
}

type command struct {
	Type          *string `json:"type"`
	SDP           *string `json:"sdp"`
	Cmd           string  `json:"cmd"`
	Text          *string `json:"text"`
	Label         string  `json:"label"`
	Candidate     *string `json:"candidate"`
	SDPMid        *string `json:"sdpMid"`
	SDPMLineIndex *uint16 `json:"sdpMLineIndex"`
}

func (p *peer) handle(line string) {
	line = strings.TrimSpace(line)
	if line == "" {
		return
	}
	var c command
	if err := json.Unmarshal([]byte(line), &c); err != nil {
		p.errorf("bad input line: %v", err)
		return
	}
	switch {
	case c.SDP != nil:
		kind := ""
		if c.Type != nil {
			kind = *c.Type
		}
		p.onDescription(kind, *c.SDP)
	case c.Candidate != nil:
		init := webrtc.ICECandidateInit{Candidate: strings.TrimPrefix(*c.Candidate, "a="), SDPMid: c.SDPMid,
			SDPMLineIndex: c.SDPMLineIndex}
		if init.Candidate == "" {
			return // end of candidates
		}
		if err := p.pc.AddICECandidate(init); err != nil {
			p.errorf("AddICECandidate: %v", err)
		}
	case c.Cmd == "stats":
		p.stats()
	case c.Cmd == "send":
		if c.Text == nil {
			p.errorf("send: no text")
			return
		}
		p.send(*c.Text, c.Label)
	case c.Cmd == "close":
		p.close()
	default:
		p.errorf("unknown input: %s", line)
	}
}

func main() {
	offer := flag.Bool("offer", false, "create the data channel \"chat\" and offer")
	answer := flag.Bool("answer", false, "wait for an offer and answer it (the default)")
	flag.Bool("audio", false, "ignored: the Opus track is always there")
	flag.Bool("video", false, "ignored: the VP8 track is always there")
	flag.Parse()
	if *offer && *answer {
		fmt.Fprintln(os.Stderr, "pion_peer: --offer and --answer exclude each other")
		os.Exit(2)
	}
	out := newOutput()
	p, err := newPeer(out, *offer)
	if err != nil {
		out.emit(map[string]any{"event": "error", "message": "creating the PeerConnection: " + err.Error()})
		out.finish()
		os.Exit(1)
	}

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-signals
		p.close()
	}()

	if *offer {
		if err := p.offer(); err != nil {
			p.errorf("%v", err)
		}
	}

	reader := bufio.NewReaderSize(os.Stdin, 1<<16)
	for {
		line, err := reader.ReadString('\n')
		if line != "" {
			p.handle(line)
		}
		if err != nil {
			break
		}
	}
	p.close()
}
