// The library context DTLS runs in: OpenSSL's default provider seen through a filter that offers
// only the key types a WebRTC handshake meets.
//
// Why: OpenSSL 3.0 decodes a certificate's public key by building a decoder chain from every key
// manager and every decoder of the library context (OSSL_DECODER_CTX_new_for_pkey; 3.2 caches
// it, Debian bookworm's 3.0 does not). With the default provider's dozens of each, that costs more
// than the ECDSA verification it prepares, and every DTLS handshake decodes the peer's certificate.
// The filter keeps the key managers of EC, X25519, RSA, RSA-PSS (GStreamer and Janus still send RSA
// certificates) and HMAC (libssl's record MAC keys for the CBC suites), and of the decoders only
// those from DER SubjectPublicKeyInfo for those types, which is all a certificate needs. Every
// other operation (ciphers, digests, signatures, key exchange, KDFs, random) passes through whole,
// and so do the TLS group capabilities. The provider runs in a library context of its own; this
// one only filters what that one offers (the OSSL_PROVIDER_add_builtin pattern of OpenSSL's docs).
#ifndef TERMCALL_DTLS_LIBRARY_CONTEXT_H
#define TERMCALL_DTLS_LIBRARY_CONTEXT_H
#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/provider.h>
#include <openssl/ssl.h>
#include <string.h>
#include <strings.h>

typedef struct tc_dtls_filter_state {
    OSSL_LIB_CTX *inner_context;
    OSSL_PROVIDER *inner;
    OSSL_ALGORITHM key_managers[32];
    OSSL_ALGORITHM decoders[32];
} tc_dtls_filter_state;

static inline tc_dtls_filter_state *tc_dtls_filter(void) {
    static tc_dtls_filter_state state;
    return &state;
}

/* Whether one of the colon-separated `names` ("EC:id-ecPublicKey:1.2.840.10045.2.1") is a key
 * type WebRTC's DTLS uses. */
static inline int tc_dtls_key_type_kept(const char *names) {
    static const char *const kept[] = { "EC", "X25519", "RSA", "RSA-PSS", "HMAC" };
    for (const char *name = names; name != NULL && *name != '\0';) {
        const char *end = strchr(name, ':');
        size_t length = end != NULL ? (size_t)(end - name) : strlen(name);
        for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
            if (strlen(kept[i]) == length && strncasecmp(name, kept[i], length) == 0) return 1;
        name = end != NULL ? end + 1 : NULL;
    }
    return 0;
}

/* Copies the kept algorithms of `operation` from the inner provider into `out` (zero-terminated). */
static inline int tc_dtls_filter_operation(int operation, OSSL_ALGORITHM *out, size_t capacity) {
    int no_cache = 0;
    const OSSL_ALGORITHM *all = OSSL_PROVIDER_query_operation(tc_dtls_filter()->inner, operation, &no_cache);
    size_t n = 0;
    for (const OSSL_ALGORITHM *a = all; a != NULL && a->algorithm_names != NULL; a++) {
        if (!tc_dtls_key_type_kept(a->algorithm_names)) continue;
        if (operation == OSSL_OP_DECODER) {
            const char *properties = a->property_definition != NULL ? a->property_definition : "";
            if (strstr(properties, "input=der") == NULL || strstr(properties, "structure=SubjectPublicKeyInfo") == NULL) continue;
        }
        if (n + 1 >= capacity) return 0;
        out[n++] = *a;
    }
    memset(&out[n], 0, sizeof(out[n]));
    return n > 0;
}

static inline const OSSL_ALGORITHM *tc_dtls_filter_query(void *provider_context, int operation, int *no_cache) {
    (void)provider_context;
    tc_dtls_filter_state *state = tc_dtls_filter();
    *no_cache = 0;
    if (operation == OSSL_OP_KEYMGMT) return state->key_managers;
    if (operation == OSSL_OP_DECODER) return state->decoders;
    return OSSL_PROVIDER_query_operation(state->inner, operation, no_cache);
}

static inline int tc_dtls_filter_capabilities(void *provider_context, const char *capability, OSSL_CALLBACK *callback, void *argument) {
    (void)provider_context;
    return OSSL_PROVIDER_get_capabilities(tc_dtls_filter()->inner, capability, callback, argument);
}

static inline void tc_dtls_filter_teardown(void *provider_context) { (void)provider_context; }

static inline int tc_dtls_filter_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in,
                                      const OSSL_DISPATCH **out, void **provider_context) {
    (void)handle; (void)in;
    static const OSSL_DISPATCH dispatch[] = {
        { OSSL_FUNC_PROVIDER_QUERY_OPERATION, (void (*)(void))tc_dtls_filter_query },
        { OSSL_FUNC_PROVIDER_GET_CAPABILITIES, (void (*)(void))tc_dtls_filter_capabilities },
        { OSSL_FUNC_PROVIDER_TEARDOWN, (void (*)(void))tc_dtls_filter_teardown },
        { 0, NULL },
    };
    tc_dtls_filter_state *state = tc_dtls_filter();
    state->inner_context = OSSL_LIB_CTX_new();
    state->inner = state->inner_context != NULL ? OSSL_PROVIDER_load(state->inner_context, "default") : NULL;
    if (state->inner == NULL
        || !tc_dtls_filter_operation(OSSL_OP_KEYMGMT, state->key_managers, sizeof(state->key_managers) / sizeof(state->key_managers[0]))
        || !tc_dtls_filter_operation(OSSL_OP_DECODER, state->decoders, sizeof(state->decoders) / sizeof(state->decoders[0])))
        return 0;
    *provider_context = OSSL_PROVIDER_get0_provider_ctx(state->inner);
    *out = dispatch;
    return 1;
}

/* A DTLS SSL_CTX in the filtered library context; in the default one if that cannot be made.
 * Called once per process (DtlsContext.shared). */
static inline SSL_CTX *tc_dtls_ctx_new(void) {
    OSSL_LIB_CTX *context = OSSL_LIB_CTX_new();
    if (context != NULL && OSSL_PROVIDER_add_builtin(context, "termcall-dtls", tc_dtls_filter_init)
        && OSSL_PROVIDER_load(context, "termcall-dtls") != NULL) {
        SSL_CTX *ssl = SSL_CTX_new_ex(context, NULL, DTLS_method());
        if (ssl != NULL) return ssl; // the context lives as long as the process, as the SSL_CTX does
    }
    if (context != NULL) OSSL_LIB_CTX_free(context);
    return SSL_CTX_new(DTLS_method());
}
#endif
