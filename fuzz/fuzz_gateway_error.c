
/*
 * ngx_http_faas_json_gateway_error() on a gateway's error body, then
 * ngx_http_faas_json_error() with what it found, as the module answers a
 * 901 of the gateway.
 *
 * Checks: what was found is what cJSON reads in the body (V1 "errorCode"
 * and "errorMsg", or else V2 "code" and "message"); the built error is a
 * JSON object whose "errorCode" and "errorMsg" are those found (up to a
 * NUL in them).  ngx_http_faas_json_gateway_error_cut() on the body and
 * on its first half, as a body too long to read whole is cut: no crash,
 * NGX_OK only with something found.
 */


#include "fuzz_common.h"
#include "ngx_http_faas_gateway_error.h"
#include "ngx_http_faas_json_error.h"


static void
fuzz_same(cJSON *root, const char *name, const char *v2, ngx_str_t *s)
{
    cJSON  *item;
    size_t  n;

    item = cJSON_GetObjectItemCaseSensitive(root, name);

    if (v2 != NULL && !cJSON_IsString(item)) {
        item = cJSON_GetObjectItemCaseSensitive(root, v2);
        name = v2;
    }

    if (s->len == 0) {
        FUZZ_CHECK(item == NULL || !cJSON_IsString(item)
                   || item->valuestring[0] == '\0',
                   "\"%s\" was left out", name);
        return;
    }

    FUZZ_CHECK(cJSON_IsString(item), "\"%s\" missing from the error", name);

    n = strlen(item->valuestring);

    FUZZ_CHECK(n <= s->len
               && memcmp(item->valuestring, s->data, n) == 0
               && (n == s->len || memchr(s->data, '\0', s->len) != NULL),
               "\"%s\" changed in the error", name);
}


static void
fuzz_cut(ngx_pool_t *pool, u_char *p, size_t size)
{
    ngx_int_t  rc;
    ngx_str_t  code, message;

    rc = ngx_http_faas_json_gateway_error_cut(pool, p, size, &code, &message);

    FUZZ_CHECK(rc == NGX_OK || rc == NGX_DECLINED, "cut: rc %d", (int) rc);
    FUZZ_CHECK(rc == NGX_DECLINED || code.len || message.len,
               "cut: NGX_OK with nothing found");
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON       *root, *body;
    u_char      *p, *out;
    size_t       len;
    ngx_int_t    rc;
    ngx_str_t    code, message, gw_code, gw_message;
    ngx_pool_t  *pool;

    p = fuzz_copy(data, size);
    pool = fuzz_pool();

    rc = ngx_http_faas_json_gateway_error(pool, p, size, &gw_code,
                                          &gw_message);

    FUZZ_CHECK(rc == NGX_OK || rc == NGX_DECLINED, "rc %d", (int) rc);
    FUZZ_CHECK(rc == NGX_DECLINED || gw_code.len || gw_message.len,
               "NGX_OK with nothing found");

    fuzz_cut(pool, p, size);
    fuzz_cut(pool, p, size / 2);

    body = cJSON_ParseWithLength((const char *) p, size);

    if (body == NULL) {
        FUZZ_CHECK(rc == NGX_DECLINED && gw_code.len == 0
                   && gw_message.len == 0, "found in a body cJSON refuses");

    } else {
        fuzz_same(body, "errorCode", "code", &gw_code);
        fuzz_same(body, "errorMsg", "message", &gw_message);
        cJSON_Delete(body);
    }

    ngx_str_set(&code, "function_error");
    ngx_str_set(&message, "the gateway answered 901");

    len = 0;
    out = ngx_http_faas_json_error(pool, &code, &message, &gw_code,
                                   &gw_message, &len);
    FUZZ_CHECK(out != NULL, "no error built");

    root = cJSON_ParseWithLength((const char *) out, len);
    FUZZ_CHECK(cJSON_IsObject(root), "the error is not a JSON object: %.*s",
               (int) len, out);

    fuzz_same(root, "errorCode", NULL, &gw_code);
    fuzz_same(root, "errorMsg", NULL, &gw_message);

    cJSON_Delete(root);
    ngx_destroy_pool(pool);
    free(p);

    return 0;
}
