
/*
 * ngx_http_faas_client_response_parse(): the head and body of an HTTP/1.x
 * answer read by the module's own client (token URL, Domain API).
 *
 * Checks: the body lies inside the input; with a Content-Length it is
 * exactly that long; a status is three digits; an answer complete before
 * the close stays the same at the close.
 */


#include "fuzz_common.h"
#include "ngx_http_faas_client_response.h"


static void
fuzz_check(u_char *p, size_t len, ngx_int_t rc, ngx_http_faas_response_t *res)
{
    FUZZ_CHECK(rc == NGX_OK || rc == NGX_AGAIN || rc == NGX_ERROR,
               "rc %d", (int) rc);

    if (rc != NGX_OK) {
        return;
    }

    FUZZ_CHECK(res->status >= 100 && res->status <= 999,
               "status %u", (unsigned) res->status);
    FUZZ_CHECK(res->body.data >= p && res->body.data <= p + len,
               "body outside the input");
    FUZZ_CHECK(res->body.len <= (size_t) (p + len - res->body.data),
               "body length %zu past the input", res->body.len);
    FUZZ_CHECK(!res->chunked, "chunked accepted");

    if (res->content_length >= 0) {
        FUZZ_CHECK((off_t) res->body.len == res->content_length,
                   "body %zu, Content-Length %lld", res->body.len,
                   (long long) res->content_length);
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char                    *p;
    ngx_int_t                  rc0, rc1;
    ngx_http_faas_response_t   r0, r1;

    p = fuzz_copy(data, size);

    rc0 = ngx_http_faas_client_response_parse(p, size, 0, &r0);
    fuzz_check(p, size, rc0, &r0);

    rc1 = ngx_http_faas_client_response_parse(p, size, 1, &r1);
    fuzz_check(p, size, rc1, &r1);

    if (rc0 == NGX_OK) {
        FUZZ_CHECK(rc1 == NGX_OK && r1.status == r0.status
                   && r1.body.data == r0.body.data
                   && r1.body.len == r0.body.len,
                   "complete before the close, different at the close");
    }

    if (rc0 == NGX_ERROR) {
        FUZZ_CHECK(rc1 == NGX_ERROR, "refused before the close only");
    }

    free(p);

    return 0;
}
