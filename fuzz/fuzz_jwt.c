
/*
 * ngx_http_faas_jwt_exp(): "exp" of an unverified JWT, any bytes as the
 * token.  Checks: an "exp" found is from 0 to 4102444800.
 */


#include "fuzz_common.h"
#include "ngx_http_faas_token_answer.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char     *p;
    time_t      exp;
    ngx_int_t   rc;

    p = fuzz_copy(data, size);

    exp = -1;
    rc = ngx_http_faas_jwt_exp(p, size, &exp);

    if (rc == NGX_OK) {
        FUZZ_CHECK(exp >= 0 && exp <= 4102444800LL, "exp %lld",
                   (long long) exp);

    } else {
        FUZZ_CHECK(rc == NGX_DECLINED, "rc %d", (int) rc);
    }

    free(p);

    return 0;
}
