// The library context DTLS runs in: OpenSSL's default provider seen through a filter that offers
// only the algorithms a WebRTC handshake uses.
//
// Why: OpenSSL 3.0 decodes a certificate's public key by building a decoder chain from every key
// manager and every decoder of the library context (OSSL_DECODER_CTX_new_for_pkey, which walks the
// context's whole method store; 3.2 caches the chain, Debian bookworm's 3.0 does not). With the
// default provider's 366 algorithms that costs more than the ECDSA verification it prepares, and
// every DTLS handshake decodes the peer's certificate. The filter offers about forty: the key
// types EC, X25519, RSA and RSA-PSS (GStreamer and Janus still send RSA certificates) and HMAC
// (libssl's record MAC keys for the CBC suites), their SubjectPublicKeyInfo DER decoders and
// encoders, ECDH and X25519, ECDSA, RSA and HMAC signatures, the ciphers and digests of our cipher
// list and fingerprints, HMAC, TLS1-PRF and HKDF, and every random generator. Anything else is
// absent from this context only; TURN's TLS and everything outside DTLS use the default one.
// The provider runs in a library context of its own; this one only filters what that one offers.
#ifndef TERMCALL_DTLS_LIBRARY_CONTEXT_H
#define TERMCALL_DTLS_LIBRARY_CONTEXT_H
#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/provider.h>
#include <string.h>
#include <strings.h>

/* What is kept of each operation: algorithm names (any of an algorithm's aliases matches), and for
 * encoders and decoders the properties they must carry. An operation not listed passes through
 * whole (random generators); one listed with no names is left out. */
typedef struct tc_dtls_kept_operation {
    int operation;
    const char *names[10];
    const char *properties[2];
} tc_dtls_kept_operation;

#define TC_DTLS_KEY_TYPES "EC", "X25519", "RSA", "RSA-PSS"
static const tc_dtls_kept_operation tc_dtls_kept[] = {
    { OSSL_OP_DIGEST, { "SHA1", "SHA2-224", "SHA2-256", "SHA2-384", "SHA2-512" }, { NULL } },
    { OSSL_OP_CIPHER, { "AES-128-GCM", "AES-256-GCM", "ChaCha20-Poly1305", "AES-128-CBC", "AES-256-CBC" }, { NULL } },
    { OSSL_OP_MAC, { "HMAC" }, { NULL } },
    { OSSL_OP_KDF, { "TLS1-PRF", "HKDF" }, { NULL } },
    { OSSL_OP_KEYMGMT, { TC_DTLS_KEY_TYPES, "HMAC" }, { NULL } },
    { OSSL_OP_KEYEXCH, { "ECDH", "X25519" }, { NULL } },
    { OSSL_OP_SIGNATURE, { "ECDSA", "RSA", "HMAC" }, { NULL } },
    { OSSL_OP_ASYM_CIPHER, { NULL }, { NULL } },
    { OSSL_OP_KEM, { NULL }, { NULL } },
    { OSSL_OP_ENCODER, { TC_DTLS_KEY_TYPES }, { "output=der", "structure=SubjectPublicKeyInfo" } },
    { OSSL_OP_DECODER, { TC_DTLS_KEY_TYPES }, { "input=der", "structure=SubjectPublicKeyInfo" } },
    { OSSL_OP_STORE, { NULL }, { NULL } },
};
enum { TC_DTLS_KEPT_OPERATIONS = sizeof(tc_dtls_kept) / sizeof(tc_dtls_kept[0]), TC_DTLS_KEPT_MAXIMUM = 16 };

typedef struct tc_dtls_filter_state {
    OSSL_LIB_CTX *inner_context;
    OSSL_PROVIDER *inner;
    OSSL_ALGORITHM kept[TC_DTLS_KEPT_OPERATIONS][TC_DTLS_KEPT_MAXIMUM];
} tc_dtls_filter_state;

static inline tc_dtls_filter_state *tc_dtls_filter(void) {
    static tc_dtls_filter_state state;
    return &state;
}

/* Whether one of the colon-separated `names` ("EC:id-ecPublicKey:1.2.840.10045.2.1") is listed. */
static inline int tc_dtls_named(const char *names, const char *const *listed) {
    for (const char *name = names; name != NULL && *name != '\0';) {
        const char *end = strchr(name, ':');
        size_t length = end != NULL ? (size_t)(end - name) : strlen(name);
        for (const char *const *l = listed; *l != NULL; l++)
            if (strlen(*l) == length && strncasecmp(name, *l, length) == 0) return 1;
        name = end != NULL ? end + 1 : NULL;
    }
    return 0;
}

/* Copies the kept algorithms of one operation from the inner provider (zero-terminated). */
static inline int tc_dtls_filter_operation(const tc_dtls_kept_operation *rule, OSSL_ALGORITHM *out) {
    int no_cache = 0;
    const OSSL_ALGORITHM *all = OSSL_PROVIDER_query_operation(tc_dtls_filter()->inner, rule->operation, &no_cache);
    size_t n = 0;
    for (const OSSL_ALGORITHM *a = all; a != NULL && a->algorithm_names != NULL; a++) {
        if (!tc_dtls_named(a->algorithm_names, rule->names)) continue;
        const char *properties = a->property_definition != NULL ? a->property_definition : "";
        int wanted = 1;
        for (size_t p = 0; p < 2 && rule->properties[p] != NULL; p++) wanted &= strstr(properties, rule->properties[p]) != NULL;
        if (!wanted) continue;
        if (n + 1 >= TC_DTLS_KEPT_MAXIMUM) return 0;
        out[n++] = *a;
    }
    memset(&out[n], 0, sizeof(out[n]));
    return 1;
}

static inline const OSSL_ALGORITHM *tc_dtls_filter_query(void *provider_context, int operation, int *no_cache) {
    (void)provider_context;
    tc_dtls_filter_state *state = tc_dtls_filter();
    *no_cache = 0;
    for (size_t i = 0; i < TC_DTLS_KEPT_OPERATIONS; i++)
        if (tc_dtls_kept[i].operation == operation) return state->kept[i];
    return OSSL_PROVIDER_query_operation(state->inner, operation, no_cache);
}

/* TLS groups and the like, as the default provider states them (libssl then skips the groups
 * whose key manager this context lacks). */
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
    if (state->inner == NULL) return 0;
    for (size_t i = 0; i < TC_DTLS_KEPT_OPERATIONS; i++)
        if (!tc_dtls_filter_operation(&tc_dtls_kept[i], state->kept[i])) return 0;
    *provider_context = OSSL_PROVIDER_get0_provider_ctx(state->inner);
    *out = dispatch;
    return 1;
}

/* The filtered library context, or NULL if it cannot be made. Made once per process, by
 * DtlsContext.shared (the filter's state is this translation unit's), and never freed. */
static inline OSSL_LIB_CTX *tc_dtls_library_context_new(void) {
    OSSL_LIB_CTX *context = OSSL_LIB_CTX_new();
    if (context != NULL && OSSL_PROVIDER_add_builtin(context, "termcall-dtls", tc_dtls_filter_init)
        && OSSL_PROVIDER_load(context, "termcall-dtls") != NULL) return context;
    if (context != NULL) OSSL_LIB_CTX_free(context);
    return NULL;
}
#endif
