#if canImport(Glibc)
import Glibc
#endif
import COpenSSL

/// A TLS client (1.2 or 1.3) over OpenSSL memory BIOs, sans-IO: bytes from the server in through
/// `receive`, bytes for the server out through `takeOutput`. For TURN over TLS (RFC 8656 §3.1),
/// so unlike DTLS-SRTP the server is checked the web's way: its chain against the system's roots
/// (or `caFile`), and its name — or, for a URL that named an address, its IP — against the
/// certificate (RFC 6125), with SNI sent for names. One thread owns it.
public final class TlsClientSession {
    public enum State: Sendable, Equatable {
        case handshaking, established
        /// One line for the user: why the server was not trusted or the connection broke.
        case failed(String)
        case closed
    }

    public private(set) var state: State = .handshaking
    /// The negotiated protocol (`TLSv1.3`) and cipher, once established.
    public private(set) var protocolVersion: String?
    public private(set) var cipherSuite: String?

    private let context: OpaquePointer
    private let ssl: OpaquePointer
    private let input: OpaquePointer
    private let output: OpaquePointer
    private let peerName: String
    private var pendingPlaintext: [UInt8] = []
    private var readBuffer = [UInt8](repeating: 0, count: 16_384)

    /// `serverName` is the DNS name to verify and send as SNI; nil verifies `serverAddress` (an IP
    /// in text form) instead. `caFile` (PEM) replaces the system's roots.
    public init(serverName: String?, serverAddress: String, caFile: String? = nil) throws(TlsError) {
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw .setup("SSL_CTX_new") }
        self.context = context
        guard tc_ssl_ctx_set_min_tls12(context) == 1 else { SSL_CTX_free(context); throw .setup("TLS 1.2 minimum") }
        if let caFile {
            guard SSL_CTX_load_verify_locations(context, caFile, nil) == 1 else {
                SSL_CTX_free(context)
                throw .setup("cannot read CA certificates from \(caFile) (PEM expected)")
            }
        } else {
            _ = SSL_CTX_set_default_verify_paths(context)
        }
        tc_ssl_ctx_verify_peer(context)
        guard let (ssl, input, output) = MemoryBIOs.session(context) else { SSL_CTX_free(context); throw .setup("SSL_new / BIO_new") }
        self.ssl = ssl
        self.input = input
        self.output = output
        if let serverName {
            guard SSL_set1_host(ssl, serverName) == 1, tc_ssl_set_sni(ssl, serverName) == 1 else { throw .setup("server name \(serverName)") }
            peerName = serverName
        } else {
            guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), serverAddress) == 1 else { throw .setup("server address \(serverAddress)") }
            peerName = serverAddress
        }
        SSL_set_connect_state(ssl)
    }

    deinit {
        SSL_free(ssl) // frees both BIOs
        SSL_CTX_free(context)
    }

    /// Sends the ClientHello.
    public func start() { advance() }

    /// Bytes the server sent; returns the plaintext they carried (empty during the handshake).
    public func receive(_ bytes: [UInt8]) -> [UInt8] {
        guard state == .handshaking || state == .established, !bytes.isEmpty else { return [] }
        _ = bytes.withUnsafeBytes { BIO_write(input, $0.baseAddress, Int32($0.count)) }
        if state == .handshaking { advance() }
        guard state == .established else { return [] }
        var plaintext: [UInt8] = []
        while true {
            ERR_clear_error()
            let n = readBuffer.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
            if n > 0 { plaintext += readBuffer[0..<Int(n)]; continue }
            let error = SSL_get_error(ssl, n)
            if error == SSL_ERROR_ZERO_RETURN { state = .closed }
            else if error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE { fail(DtlsEndpoint.openSSLErrors()) }
            break
        }
        return plaintext
    }

    /// Queues plaintext for the server (held until the handshake is done).
    public func send(_ plaintext: [UInt8]) {
        guard state == .handshaking || state == .established else { return }
        pendingPlaintext += plaintext
        flushPlaintext()
    }

    /// Everything to write to the socket now.
    public func takeOutput() -> [UInt8] {
        let pending = Int(BIO_ctrl_pending(output))
        guard pending > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: pending)
        let n = bytes.withUnsafeMutableBytes { BIO_read(output, $0.baseAddress, Int32(pending)) }
        return n > 0 ? Array(bytes[0..<Int(n)]) : []
    }

    /// close_notify (RFC 8446 §6.1).
    public func close() {
        if state == .established { _ = SSL_shutdown(ssl) }
        if state == .handshaking || state == .established { state = .closed }
    }

    private func advance() {
        ERR_clear_error()
        let result = SSL_do_handshake(ssl)
        if result == 1 {
            state = .established
            protocolVersion = SSL_get_version(ssl).map { String(cString: $0) }
            cipherSuite = SSL_get_current_cipher(ssl).flatMap { SSL_CIPHER_standard_name($0) }.map { String(cString: $0) }
            flushPlaintext()
            return
        }
        let error = SSL_get_error(ssl, result)
        if error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE { return }
        let verdict = SSL_get_verify_result(ssl)
        if verdict != X509_V_OK {
            let why = String(cString: X509_verify_cert_error_string(verdict))
            fail("\(peerName) is not who it claims to be (\(why)); for a server with a private CA, pass --ca-file")
        } else {
            fail("TLS handshake with \(peerName) failed: \(DtlsEndpoint.openSSLErrors())")
        }
    }

    private func flushPlaintext() {
        guard state == .established, !pendingPlaintext.isEmpty else { return }
        ERR_clear_error()
        let written = pendingPlaintext.withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) }
        if written > 0 { pendingPlaintext.removeFirst(Int(written)) } else {
            let error = SSL_get_error(ssl, written)
            if error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE { fail(DtlsEndpoint.openSSLErrors()) }
        }
    }

    private func fail(_ reason: String) {
        if case .failed = state { return }
        state = .failed(reason)
    }
}

public enum TlsError: Error, Sendable, Equatable, CustomStringConvertible {
    case setup(String)

    public var description: String {
        switch self {
        case let .setup(what): return "TLS setup failed: \(what)"
        }
    }
}
