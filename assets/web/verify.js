// The verification code the terminal shows (Sources/Call/VerificationExchange.swift, SECURITY.md):
// six digits from both DTLS certificate fingerprints and two nonces exchanged commit-then-reveal on
// the "termcall-control" data channel, so a party in the middle cannot steer its two legs' codes
// together. The DTLS client commits. Pages served over plain http have no crypto.subtle, so
// SHA-256 is done here (FIPS 180-4), synchronously.
"use strict";

const SHA256_K = new Uint32Array(64), SHA256_H0 = new Uint32Array(8);
(() => {
  // The constants are the fractional parts of the cube roots (K) and square roots (H0) of the first primes.
  const primes = [];
  for (let n = 2; primes.length < 64; n++) if (primes.every((p) => n % p)) primes.push(n);
  primes.forEach((p, i) => { SHA256_K[i] = (Math.cbrt(p) % 1) * 2 ** 32; });
  primes.slice(0, 8).forEach((p, i) => { SHA256_H0[i] = (Math.sqrt(p) % 1) * 2 ** 32; });
})();

function sha256(bytes) {
  const length = bytes.length, padded = new Uint8Array(((length + 9 + 63) >> 6) << 6);
  padded.set(bytes);
  padded[length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(length / 2 ** 29));
  view.setUint32(padded.length - 4, (length << 3) >>> 0);
  const h = SHA256_H0.slice(), w = new Uint32Array(64);
  const rotr = (x, n) => (x >>> n) | (x << (32 - n));
  for (let block = 0; block < padded.length; block += 64) {
    for (let t = 0; t < 16; t++) w[t] = view.getUint32(block + 4 * t);
    for (let t = 16; t < 64; t++) {
      const s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >>> 3);
      const s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >>> 10);
      w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    let [a, b, c, d, e, f, g, k] = h;
    for (let t = 0; t < 64; t++) {
      const t1 = k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + SHA256_K[t] + w[t];
      const t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      k = g; g = f; f = e; e = (d + t1) >>> 0; d = c; c = b; b = a; a = (t1 + t2) >>> 0;
    }
    [a, b, c, d, e, f, g, k].forEach((x, i) => { h[i] = (h[i] + x) >>> 0; });
  }
  const out = new Uint8Array(32), outView = new DataView(out.buffer);
  h.forEach((x, i) => outView.setUint32(4 * i, x));
  return out;
}

const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const fromHex = (text) => (typeof text === "string" && /^([0-9a-fA-F]{2})*$/.test(text) ? new Uint8Array(text.match(/../g) || []).map((_, i) => parseInt(text.substr(2 * i, 2), 16)) : null);

function sdpAttribute(sdp, name) {
  const line = sdp.split(/\r?\n/).find((l) => l.startsWith("a=" + name + ":"));
  return line ? line.slice(name.length + 3).trim() : null;
}

/// The SHA-256 fingerprint in a description (the browser checked the certificate against it).
function fingerprintOf(sdp) {
  const value = sdpAttribute(sdp, "fingerprint");
  if (!value || !value.toLowerCase().startsWith("sha-256 ")) return null;
  return new Uint8Array(value.slice(8).split(":").map((h) => parseInt(h, 16)));
}

/// Whether we are the DTLS client (RFC 8842: setup:active in the answer is the client).
function isDtlsClient(pc) {
  const local = pc.currentLocalDescription, remote = pc.currentRemoteDescription;
  if (local.type === "answer") return sdpAttribute(local.sdp, "setup") === "active";
  return sdpAttribute(remote.sdp, "setup") !== "active";
}

function verificationCode(committerFingerprint, responderFingerprint, committerNonce, responderNonce) {
  const label = new TextEncoder().encode("termcall verification v1");
  const parts = [label, committerFingerprint, responderFingerprint, committerNonce, responderNonce];
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { all.set(p, at); at += p.length; }
  const d = sha256(all);
  const number = (((d[0] << 24) >>> 0) + (d[1] << 16) + (d[2] << 8) + d[3]) % 1000000;
  const digits = String(number).padStart(6, "0");
  return digits.slice(0, 3) + " " + digits.slice(3);
}

/// Runs the exchange on an open "termcall-control" channel; calls done(code) or failed(reason).
function startVerification(pc, channel, done, failed) {
  const local = fingerprintOf(pc.currentLocalDescription.sdp), remote = fingerprintOf(pc.currentRemoteDescription.sdp);
  if (!local || !remote) return failed("no SHA-256 fingerprints to verify");
  const committer = isDtlsClient(pc), nonce = crypto.getRandomValues(new Uint8Array(32));
  let theirCommit = null, finished = false;
  const send = (type, value) => channel.send(JSON.stringify({ type, value: toHex(value) }));
  const finish = (code) => { finished = true; done(code); };
  channel.addEventListener("message", (e) => {
    if (finished || typeof e.data !== "string" || e.data.length > 512) return;
    let m;
    try { m = JSON.parse(e.data); } catch { return; }
    const value = fromHex(m.value);
    if (!m.type || !m.type.startsWith("verify-")) return;
    if (!value || value.length !== 32) { finished = true; return failed("a malformed verification message"); }
    if (!committer && m.type === "verify-commit" && !theirCommit) { theirCommit = value; send("verify-nonce", nonce); }
    else if (committer && m.type === "verify-nonce") { send("verify-reveal", nonce); finish(verificationCode(local, remote, nonce, value)); }
    else if (!committer && m.type === "verify-reveal" && theirCommit) {
      if (toHex(sha256(value)) !== toHex(theirCommit)) { finished = true; return failed("the far end's verification broke its commitment: someone may be in the middle"); }
      finish(verificationCode(remote, local, value, nonce));
    } else { finished = true; failed("an unexpected " + m.type); }
  });
  if (committer) send("verify-commit", sha256(nonce));
}
