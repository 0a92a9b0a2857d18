// OpenSSL 3 for Swift: several entry points are macros or variadic.
#ifndef TERMCALL_COPENSSL_SHIM_H
#define TERMCALL_COPENSSL_SHIM_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/bio.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include "dtls_library_context.h"

/* A P-256 key in `context` (NULL: the default library context). */
static inline EVP_PKEY *tc_evp_ec_p256_generate(OSSL_LIB_CTX *context) { return EVP_PKEY_Q_keygen(context, NULL, "EC", "P-256"); }
static inline long tc_ssl_ctx_set_min_dtls12(SSL_CTX *ctx) { return SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION); }
static inline long tc_bio_mem_data(BIO *b, char **out) { return BIO_get_mem_data(b, out); }
static inline void tc_openssl_free(void *p) { OPENSSL_free(p); }

/* DTLS over memory BIOs (macros in ssl.h/bio.h). */
static inline long tc_ssl_set_mtu(SSL *s, long mtu) { return SSL_set_mtu(s, mtu); }
static inline long tc_dtls_set_link_mtu(SSL *s, long mtu) { return DTLS_set_link_mtu(s, mtu); }
static inline long tc_dtls_get_timeout(SSL *s, struct timeval *tv) { return DTLSv1_get_timeout(s, tv); }
static inline long tc_dtls_handle_timeout(SSL *s) { return DTLSv1_handle_timeout(s); }
static inline long tc_bio_set_mem_eof_return(BIO *b, int v) { return BIO_set_mem_eof_return(b, v); }
static inline void tc_ssl_set_no_query_mtu(SSL *s) { SSL_set_options(s, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_RENEGOTIATION); }
/* Peers' certificates are self-signed: verification is by SDP fingerprint after the handshake.
   The whole chain check is replaced, not only its verdict: there is no point building and
   checking a chain of one self-signed certificate only to ignore the result. */
static int tc_verify_accept_any(int ok, X509_STORE_CTX *ctx) { (void)ok; (void)ctx; return 1; }
static int tc_chain_accept_any(X509_STORE_CTX *ctx, void *arg) { (void)ctx; (void)arg; return 1; }
static inline void tc_ssl_ctx_request_peer_certificate(SSL_CTX *ctx) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, tc_verify_accept_any);
    SSL_CTX_set_cert_verify_callback(ctx, tc_chain_accept_any, NULL);
}
/* WebRTC never resumes a DTLS session (each association has fresh keys and fingerprints): no
   session tickets (the server would encrypt one every handshake) and no session cache. */
static inline void tc_ssl_ctx_no_resumption(SSL_CTX *ctx) {
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
}
/* Retransmission: first after 100 ms (OpenSSL's default is 1 s), doubling to 3 s. */
static unsigned int tc_dtls_timer(SSL *s, unsigned int previous_us) {
    (void)s;
    if (previous_us == 0) return 100000;
    return previous_us >= 1500000 ? 3000000 : previous_us * 2;
}
static inline void tc_dtls_use_fast_timer(SSL *s) { DTLS_set_timer_cb(s, tc_dtls_timer); }
static inline int tc_x509_set_validity(X509 *x, long notBeforeSeconds, long notAfterSeconds) {
    return X509_gmtime_adj(X509_getm_notBefore(x), notBeforeSeconds) != NULL && X509_gmtime_adj(X509_getm_notAfter(x), notAfterSeconds) != NULL;
}
/* TLS client (TURN over TLS): TLS 1.2 at least, SNI, chain and name checked by OpenSSL itself. */
static inline long tc_ssl_ctx_set_min_tls12(SSL_CTX *ctx) { return SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION); }
static inline long tc_ssl_set_sni(SSL *s, const char *name) { return SSL_set_tlsext_host_name(s, name); }
static inline void tc_ssl_ctx_verify_peer(SSL_CTX *ctx) { SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL); }
#endif
