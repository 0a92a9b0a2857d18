#if canImport(Glibc)
import Glibc
#endif
import COpenSSL
import SRTP

/// One DTLS 1.2 association (RFC 6347) for DTLS-SRTP (RFC 5764), sans-IO over OpenSSL memory BIOs:
/// datagrams in through `handleDatagram`, datagrams out through `pollTransmit`, events through
/// `pollEvent`. The role comes from SDP `a=setup` (active = client). The peer's certificate is
/// accepted during the handshake and checked against the fingerprints it signalled afterwards:
/// any listed algorithm may match; none matching aborts with `DtlsError.fingerprintMismatch`.
///
/// Flights leave packed into datagrams of at most `mtu` bytes, whole records each (OpenSSL
/// fragments handshake messages to the MTU it is told). Retransmission uses OpenSSL's DTLS timer,
/// started at 100 ms; `nextTimeout` says when to call `handleTimeout`. The timer reads the system
/// clock (OpenSSL offers no way to inject one), so `now` values are milliseconds on the same
/// monotonic clock the caller uses for everything else.
public final class DtlsEndpoint {
    public enum Role: Sendable, Equatable { case client, server }

    public enum Event: Sendable, Equatable {
        /// Handshake done and the peer's certificate matched: SRTP keys are ready.
        case connected(SrtpKeyingMaterial)
        /// Application data (SCTP for data channels).
        case data([UInt8])
        case failed(DtlsError)
        /// The peer sent close_notify.
        case closed
    }

    public let role: Role
    public let mtu: Int
    public private(set) var isConnected = false
    public private(set) var isClosed = false
    /// The peer's certificate fingerprint (SHA-256), once the handshake finished.
    public private(set) var peerFingerprint: DtlsFingerprint?
    /// Whether handshakes run in the library context filtered to WebRTC's algorithms (`DtlsContext`).
    public static var runsInFilteredLibraryContext: Bool { DtlsContext.shared.library != nil }
    /// The negotiated cipher suite by its IANA name (`TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256`), as
    /// getStats reports `dtlsCipher`; and the protocol version (`DTLSv1.2`).
    public private(set) var cipherSuite: String?
    public private(set) var protocolVersion: String?

    private let ssl: OpaquePointer
    private let input: OpaquePointer
    private let output: OpaquePointer
    private let remoteFingerprints: [DtlsFingerprint]
    private var transmits: [[UInt8]] = []
    private var events: [Event] = []
    private var readBuffer = [UInt8](repeating: 0, count: 16_384)

    /// Makes the process's DTLS context now (the first one costs tens of milliseconds), so the
    /// handshake after the answer does not wait for it.
    public static func prepareContext() { _ = DtlsContext.shared }

    public init(role: Role, certificate: DtlsCertificate, remoteFingerprints: [DtlsFingerprint], mtu: Int = 1200) throws(DtlsError) {
        guard let context = DtlsContext.shared.pointer else { throw .setup("SSL_CTX_new (DTLS 1.2, ciphers, peer certificate)") }
        guard let (ssl, input, output) = MemoryBIOs.session(context) else { throw .setup("SSL_new / BIO_new") }
        guard SSL_use_certificate(ssl, certificate.certificate) == 1, SSL_use_PrivateKey(ssl, certificate.key) == 1,
              // RFC 8827 §6.5: GCM first; CM-SHA1-80 for peers without it. (0 means success here.)
              SSL_set_tlsext_use_srtp(ssl, "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80") == 0 else {
            SSL_free(ssl)
            throw .setup("DTLS session (certificate, use_srtp)")
        }
        self.ssl = ssl
        self.input = input
        self.output = output
        tc_ssl_set_no_query_mtu(ssl)
        // Records up to `mtu` bytes: with a memory BIO OpenSSL adds no overhead of its own, and
        // `collectOutput` packs whole records into datagrams of the same size.
        _ = tc_ssl_set_mtu(ssl, mtu)
        tc_dtls_use_fast_timer(ssl)
        self.role = role
        self.mtu = mtu
        self.remoteFingerprints = remoteFingerprints
        if role == .client { SSL_set_connect_state(ssl) } else { SSL_set_accept_state(ssl) }
    }

    deinit {
        SSL_free(ssl) // frees both BIOs
    }

    /// Client: sends the ClientHello. Server: nothing to do until the ClientHello arrives.
    public func start(now: Int64) {
        advanceHandshake()
    }

    /// A DTLS datagram (RFC 7983: first byte 20–63) from the peer.
    public func handleDatagram(_ bytes: [UInt8], now: Int64) {
        guard !isClosed, !bytes.isEmpty else { return }
        _ = bytes.withUnsafeBytes { BIO_write(input, $0.baseAddress, Int32($0.count)) }
        if isConnected { readApplicationData() } else { advanceHandshake() }
        collectOutput()
    }

    public func handleTimeout(now: Int64) {
        guard !isConnected, !isClosed else { return }
        ERR_clear_error()
        // -1: OpenSSL gave up retransmitting (about a dozen timeouts): the handshake failed.
        if tc_dtls_handle_timeout(ssl) < 0 { fail(.handshake("the peer stopped answering during the handshake")) }
        collectOutput()
    }

    /// When OpenSSL wants `handleTimeout` (ms on the caller's clock), while the handshake runs.
    public func nextTimeout(now: Int64) -> Int64? {
        guard !isConnected, !isClosed else { return nil }
        var tv = timeval()
        guard tc_dtls_get_timeout(ssl, &tv) == 1 else { return nil }
        return now + Int64(tv.tv_sec) * 1000 + Int64(tv.tv_usec) / 1000
    }

    /// Sends application data (SCTP) once connected; false before that.
    @discardableResult
    public func send(_ payload: [UInt8]) -> Bool {
        // One record per message, within the MTU (SCTP sizes its packets to fit).
        guard isConnected, !isClosed, !payload.isEmpty, payload.count <= mtu - Self.recordOverhead else { return false }
        ERR_clear_error()
        let written = payload.withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) }
        if written <= 0 {
            let error = SSL_get_error(ssl, written)
            if error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE { fail(.handshake(Self.openSSLErrors())) }
        }
        collectOutput()
        return written == payload.count
    }

    /// Hang-up: close_notify to the peer (RFC 5246 §7.2.1).
    public func close() {
        guard !isClosed else { return }
        if isConnected { _ = SSL_shutdown(ssl) }
        isClosed = true
        collectOutput()
    }

    /// Record header (13) + explicit nonce (8) + tag (16) for AES-GCM, with room for CBC suites.
    public static let recordOverhead = 64

    public func pollTransmit() -> [UInt8]? { transmits.isEmpty ? nil : transmits.removeFirst() }
    public func pollEvent() -> Event? { events.isEmpty ? nil : events.removeFirst() }

    // MARK: internals

    private func advanceHandshake() {
        guard !isConnected, !isClosed else { return }
        ERR_clear_error() // SSL_get_error reads the thread's queue: leftovers would look like failures
        let result = SSL_do_handshake(ssl)
        if result == 1 {
            finishHandshake()
        } else {
            let error = SSL_get_error(ssl, result)
            if error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE { fail(.handshake(Self.openSSLErrors())) }
        }
        collectOutput()
    }

    private func finishHandshake() {
        guard let peer = SSL_get1_peer_certificate(ssl) else { return fail(.handshake("the peer sent no certificate")) }
        defer { X509_free(peer) }
        peerFingerprint = DtlsFingerprint(of: peer, algorithm: .sha256)
        // RFC 8122 §5: any of the signalled fingerprints may match, each with its own algorithm.
        let matches = remoteFingerprints.contains { expected in DtlsFingerprint(of: peer, algorithm: expected.algorithm)?.digest == expected.digest }
        guard matches else {
            // Tell the peer too: close_notify ends its side instead of leaving it sending media.
            _ = SSL_shutdown(ssl)
            collectOutput()
            return fail(.fingerprintMismatch(expected: remoteFingerprints.map(\.description)))
        }
        guard let profile = SSL_get_selected_srtp_profile(ssl), let srtp = SrtpProfile(openSSLID: profile.pointee.id) else {
            return fail(.handshake("the peer negotiated no SRTP profile (use_srtp)"))
        }
        var material = [UInt8](repeating: 0, count: 2 * (srtp.keyLength + srtp.saltLength))
        let label = "EXTRACTOR-dtls_srtp"
        guard SSL_export_keying_material(ssl, &material, material.count, label, label.utf8.count, nil, 0, 0) == 1 else {
            return fail(.handshake("keying material export"))
        }
        isConnected = true
        if let cipher = SSL_get_current_cipher(ssl), let name = SSL_CIPHER_standard_name(cipher) { cipherSuite = String(cString: name) }
        if let version = SSL_get_version(ssl) { protocolVersion = String(cString: version) }
        events.append(.connected(SrtpKeyingMaterial(profile: srtp, exported: material, localIsClient: role == .client)))
        readApplicationData() // records that arrived with the last flight
    }

    private func readApplicationData() {
        while true {
            ERR_clear_error()
            let n = readBuffer.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
            if n > 0 { events.append(.data(Array(readBuffer[0..<Int(n)]))); continue }
            switch SSL_get_error(ssl, n) {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                break
            case SSL_ERROR_ZERO_RETURN:
                _ = SSL_shutdown(ssl) // answer the peer's close_notify with ours
                isClosed = true
                events.append(.closed)
            default:
                // A fatal alert from the peer or an internal error: the association is over.
                fail(.handshake(Self.openSSLErrors()))
            }
            ERR_clear_error()
            return
        }
    }

    private func fail(_ error: DtlsError) {
        guard !isClosed else { return }
        isClosed = true
        events.append(.failed(error))
    }

    /// Takes what OpenSSL wrote and packs whole records into datagrams of at most `mtu` bytes.
    private func collectOutput() {
        let pending = Int(BIO_ctrl_pending(output))
        guard pending > 0 else { return }
        var bytes = [UInt8](repeating: 0, count: pending)
        let n = bytes.withUnsafeMutableBytes { BIO_read(output, $0.baseAddress, Int32($0.count)) }
        guard n > 0 else { return }
        bytes.removeLast(bytes.count - Int(n))
        var datagram: [UInt8] = []
        var offset = 0
        while offset + 13 <= bytes.count {
            let length = Int(bytes[offset + 11]) << 8 | Int(bytes[offset + 12])
            let end = min(bytes.count, offset + 13 + length)
            if !datagram.isEmpty, datagram.count + (end - offset) > mtu {
                transmits.append(datagram)
                datagram = []
            }
            datagram += bytes[offset..<end]
            offset = end
        }
        if offset < bytes.count { datagram += bytes[offset...] }
        if !datagram.isEmpty { transmits.append(datagram) }
    }

    static func openSSLErrors() -> String {
        var messages: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            messages.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return messages.isEmpty ? "the connection was refused" : messages.joined(separator: "; ")
    }
}

/// An SSL object over a pair of memory BIOs — the sans-IO shape both DTLS and TLS here use: the
/// caller writes what arrived into `input` and reads what to send from `output`. An empty input
/// means "nothing yet", not end of stream.
/// The one DTLS context of the process: DTLS 1.2 at least, the cipher list, a peer certificate
/// required (checked against the signalled fingerprint, not a CA). OpenSSL 3 makes a context
/// slowly (it fetches and caches every algorithm: about a millisecond, more the first time), so
/// every endpoint shares this one and sets its own certificate and SRTP profiles on its session.
/// It lives in a library context that offers only the algorithms a WebRTC handshake uses
/// (`COpenSSL/dtls_library_context.h`: decoding the peer's certificate costs about 2.5× less).
/// Made at first use, never changed after: OpenSSL allows SSL_new on it from any thread.
final class DtlsContext: @unchecked Sendable {
    static let shared = DtlsContext()
    let pointer: OpaquePointer?
    /// The filtered library context (nil: it could not be made, and OpenSSL's default one serves).
    let library: OpaquePointer?

    private init() {
        library = tc_dtls_library_context_new()
        guard let context = SSL_CTX_new_ex(library, nil, DTLS_method()) else { pointer = nil; return }
        guard tc_ssl_ctx_set_min_dtls12(context) == 1 else { SSL_CTX_free(context); pointer = nil; return }
        // ECDHE with ECDSA or RSA certificates: peers such as GStreamer still use RSA.
        _ = SSL_CTX_set_cipher_list(context, "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA")
        tc_ssl_ctx_request_peer_certificate(context)
        tc_ssl_ctx_no_resumption(context)
        pointer = context
    }
}

enum MemoryBIOs {
    static func session(_ context: OpaquePointer) -> (ssl: OpaquePointer, input: OpaquePointer, output: OpaquePointer)? {
        guard let ssl = SSL_new(context) else { return nil }
        guard let input = BIO_new(BIO_s_mem()), let output = BIO_new(BIO_s_mem()) else { SSL_free(ssl); return nil }
        _ = tc_bio_set_mem_eof_return(input, -1)
        _ = tc_bio_set_mem_eof_return(output, -1)
        SSL_set_bio(ssl, input, output) // the SSL owns both BIOs from here
        return (ssl, input, output)
    }
}
