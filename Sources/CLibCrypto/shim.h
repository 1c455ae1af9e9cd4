#ifndef HOIST_CLIBCRYPTO_SHIM_H
#define HOIST_CLIBCRYPTO_SHIM_H
// OpenSSL's libcrypto, which libssh2 already links: Hoist's digests come from it.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#endif
