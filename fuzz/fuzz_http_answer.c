
/*
 * ngx_http_faas_function_response_parse(): a function's answer with
 * faas_response http, {"statusCode": N, "headers": {..},
 * "body": "..", "isBase64Encoded": bool}.
 *
 * Checks: an accepted answer has a status from 200 to 599; every header
 * has a token name that is not one nginx owns and a value without CR, LF
 * or NUL; a plain body is the "body" string; a refusal says why.
 *
 * With FUZZ_STRICT=1: no control character but HTAB in a value
 * (RFC 9110 field-value).
 *
 * The same input also goes to ngx_http_faas_function_response_parse_event()
 * (an invocation by event): accepted only as an array of exactly one
 * element whose "result" is an object, with a status from 200 to 599.
 */


#include "fuzz_common.h"
#include "ngx_http_faas_response.h"


static ngx_uint_t
fuzz_token_char(u_char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
           || (c >= 'A' && c <= 'Z') || (c && strchr("!#$%&'*+-.^_`|~", c));
}


static const char  *fuzz_skip[] = {
    "content-length", "transfer-encoding", "connection", "keep-alive",
    "upgrade", "proxy-connection", NULL
};


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON                        *root, *body, *b64;
    u_char                       *p;
    size_t                        i, k;
    ngx_int_t                     rc;
    ngx_pool_t                   *pool;
    const char                   *error, **skip;
    ngx_keyval_t                 *kv;
    ngx_http_faas_http_answer_t   a;

    p = fuzz_copy(data, size);
    pool = fuzz_pool();

    error = NULL;
    rc = ngx_http_faas_function_response_parse_event(pool, p, size, &a,
                                                     &error);

    FUZZ_CHECK(rc == NGX_OK || rc == NGX_ERROR, "event: rc %d", (int) rc);
    FUZZ_CHECK(rc == NGX_OK || error != NULL,
               "event: refused without an error");

    if (rc == NGX_OK) {
        FUZZ_CHECK(a.status >= 200 && a.status <= 599, "event: status %u",
                   (unsigned) a.status);

        root = cJSON_ParseWithLength((const char *) p, size);
        FUZZ_CHECK(cJSON_IsArray(root) && cJSON_GetArraySize(root) == 1
                   && cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(
                          cJSON_GetArrayItem(root, 0), "result")),
                   "event: accepted what is not one result");
        cJSON_Delete(root);
    }

    error = NULL;
    rc = ngx_http_faas_function_response_parse(pool, p, size, &a, &error);

    if (rc != NGX_OK) {
        FUZZ_CHECK(rc == NGX_ERROR, "rc %d", (int) rc);
        FUZZ_CHECK(error != NULL, "refused without an error");
        goto done;
    }

    FUZZ_CHECK(a.status >= 200 && a.status <= 599, "status %u",
               (unsigned) a.status);

    kv = a.headers.elts;

    for (i = 0; i < a.headers.nelts; i++) {
        FUZZ_CHECK(kv[i].key.len > 0, "header with an empty name");

        for (k = 0; k < kv[i].key.len; k++) {
            FUZZ_CHECK(fuzz_token_char(kv[i].key.data[k]),
                       "header name \"%.*s\" is not a token",
                       (int) kv[i].key.len, kv[i].key.data);
        }

        for (skip = fuzz_skip; *skip; skip++) {
            FUZZ_CHECK(kv[i].key.len != strlen(*skip)
                       || strncasecmp((char *) kv[i].key.data, *skip,
                                      kv[i].key.len) != 0,
                       "header \"%s\" passed", *skip);
        }

        for (k = 0; fuzz_strict() && k < kv[i].value.len; k++) {
            FUZZ_CHECK(kv[i].value.data[k] == '\t'
                       || (kv[i].value.data[k] >= 0x20
                           && kv[i].value.data[k] != 0x7f),
                       "header \"%.*s\" has control byte %02x",
                       (int) kv[i].key.len, kv[i].key.data,
                       kv[i].value.data[k]);
        }

        for (k = 0; k < kv[i].value.len; k++) {
            FUZZ_CHECK(kv[i].value.data[k] != CR
                       && kv[i].value.data[k] != LF
                       && kv[i].value.data[k] != '\0',
                       "header \"%.*s\" has byte %02x in its value",
                       (int) kv[i].key.len, kv[i].key.data,
                       kv[i].value.data[k]);
        }
    }

    /* the body, checked against cJSON's reading of the same input */

    root = cJSON_ParseWithLength((const char *) p, size);
    FUZZ_CHECK(root != NULL, "accepted what cJSON refuses");

    body = cJSON_GetObjectItemCaseSensitive(root, "body");
    b64 = cJSON_GetObjectItemCaseSensitive(root, "isBase64Encoded");

    if (!cJSON_IsString(body)) {
        FUZZ_CHECK(a.body.len == 0, "a body of %zu from no \"body\"",
                   a.body.len);

    } else if (!cJSON_IsTrue(b64)) {
        FUZZ_CHECK(a.body.len == strlen(body->valuestring)
                   && memcmp(a.body.data, body->valuestring, a.body.len)
                      == 0, "the body changed");

    } else {
        FUZZ_CHECK(a.body.len <= strlen(body->valuestring) / 4 * 3 + 3,
                   "a base64 body of %zu from %zu", a.body.len,
                   strlen(body->valuestring));
    }

    cJSON_Delete(root);

done:

    ngx_destroy_pool(pool);
    free(p);

    return 0;
}
