
/*
 * ngx_http_faas_json_token(): the authorization server's answer,
 * {"access_token": "..", "expires_in": N | "N" | absent}, with the
 * JWT "exp" of the token.
 *
 * Checks: an accepted token is non-empty, at most NGX_HTTP_FAAS_TOKEN_MAX,
 * null-terminated, expires at a time after 0 and at most now + the
 * largest expires_in; a refused one says why.
 *
 * With FUZZ_STRICT=1: the token goes into "Authorization: Bearer <token>"
 * of every gateway request, so it must be visible ASCII (RFC 6750's
 * b64token is narrower still).
 */


#include "fuzz_common.h"
#include "ngx_http_faas_token_answer.h"


#define FUZZ_NOW  1700000000


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char                        *p;
    size_t                         i;
    time_t                         exp;
    ngx_int_t                      rc;
    ngx_pool_t                    *pool;
    ngx_http_faas_token_answer_t   a;

    p = fuzz_copy(data, size);
    pool = fuzz_pool();

    rc = ngx_http_faas_json_token(pool, p, size, FUZZ_NOW, &a);

    if (rc == NGX_OK) {
        FUZZ_CHECK(a.error == NULL, "error \"%s\" with NGX_OK", a.error);
        FUZZ_CHECK(a.token.len > 0 && a.token.data != NULL, "empty token");
        FUZZ_CHECK(a.token.len <= NGX_HTTP_FAAS_TOKEN_MAX, "token of %zu",
                   a.token.len);
        FUZZ_CHECK(a.token.data[a.token.len] == '\0', "not terminated");
        FUZZ_CHECK(strlen((char *) a.token.data) == a.token.len,
                   "NUL inside the token");
        FUZZ_CHECK(a.expires > 0
                   && a.expires <= FUZZ_NOW + 4102444800LL,
                   "expires %lld", (long long) a.expires);

        for (i = 0; fuzz_strict() && i < a.token.len; i++) {
            FUZZ_CHECK(a.token.data[i] > 0x20 && a.token.data[i] < 0x7f,
                       "token byte %zu is %02x", i, a.token.data[i]);
        }

        if (ngx_http_faas_jwt_exp(a.token.data, a.token.len, &exp)
            == NGX_OK)
        {
            FUZZ_CHECK(a.expires <= exp, "expires %lld after exp %lld",
                       (long long) a.expires, (long long) exp);
        }

    } else {
        FUZZ_CHECK(rc == NGX_ERROR, "rc %d", (int) rc);
        FUZZ_CHECK(a.error != NULL, "refused without an error");
    }

    ngx_destroy_pool(pool);
    free(p);

    return 0;
}
