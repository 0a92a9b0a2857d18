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

static inline EVP_PKEY *tc_evp_ec_p256_generate(void) { return EVP_EC_gen("P-256"); }
static inline long tc_ssl_ctx_set_min_dtls12(SSL_CTX *ctx) { return SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION); }
static inline long tc_bio_mem_data(BIO *b, char **out) { return BIO_get_mem_data(b, out); }
static inline void tc_openssl_free(void *p) { OPENSSL_free(p); }
#endif
