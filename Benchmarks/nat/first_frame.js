// Run in the joining page before app.js (chromium_page.py, CHROMIUM_INIT_SCRIPT): timestamps, in
// performance.now() milliseconds from the page's navigation, of what a call through termcall
// serve's page goes through, in window.__bench.marks (each the first time it happens):
//   sent_join / sent_offer / sent_answer / sent_candidate   signalling messages sent (WebSocket.send)
//   pc_created, ice_checking, ice_connected, pc_connected   the RTCPeerConnection
//   track_audio, track_video                                 the remote tracks arrive (ontrack)
//   first_frame_presented    the first remote video frame handed to the compositor: the page's own
//                            remote <video>'s requestVideoFrameCallback (`now`), with its metadata
//                            (receiveTime: last packet of that frame received) in __bench.frame
//   first_frame_stats        getStats first shows inbound video framesDecoded > 0 (polled every
//                            10 ms; libwebrtc caches a report for up to 50 ms, so this lags)
(() => {
  const bench = (window.__bench = { marks: {}, frame: null });
  const mark = (name, at = performance.now()) => {
    if (!(name in bench.marks)) bench.marks[name] = at;
  };
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    try {
      const message = JSON.parse(data);
      if (message && message.type) mark("sent_" + message.type);
    } catch (error) {}
    return send.call(this, data);
  };
  const Native = window.RTCPeerConnection;
  class Timed extends Native {
    constructor(...args) {
      super(...args);
      mark("pc_created");
      const pc = this;
      pc.addEventListener("iceconnectionstatechange", () => mark("ice_" + pc.iceConnectionState));
      pc.addEventListener("connectionstatechange", () => mark("pc_" + pc.connectionState));
      pc.addEventListener("track", (event) => {
        mark("track_" + event.track.kind);
        if (event.track.kind !== "video") return;
        // app.js makes the <video> in its own ontrack handler, which runs after this listener.
        const hook = (tries) => {
          const video = document.querySelector("#remotes video");
          if (video && video.requestVideoFrameCallback) {
            video.requestVideoFrameCallback((now, metadata) => {
              mark("first_frame_presented", now);
              bench.frame = { receiveTime: metadata.receiveTime, presentationTime: metadata.presentationTime,
                              expectedDisplayTime: metadata.expectedDisplayTime, width: metadata.width };
            });
          } else if (tries > 0) setTimeout(() => hook(tries - 1), 0);
        };
        setTimeout(() => hook(100), 0);
      });
      const poll = async () => {
        if (pc.connectionState === "closed" || "first_frame_stats" in bench.marks) return;
        try {
          (await pc.getStats()).forEach((r) => {
            if (r.type === "inbound-rtp" && r.kind === "video" && r.framesDecoded > 0) mark("first_frame_stats");
          });
        } catch (error) {}
        setTimeout(poll, 10);
      };
      poll();
    }
  }
  window.RTCPeerConnection = Timed;
})();
