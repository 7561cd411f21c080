
/*
 * ngx_http_faas_json_error() with any bytes as its four strings (a
 * function's or the gateway's error text can be anything).
 *
 * Input: three pieces of a length byte and that many bytes, the rest the
 * fourth.  An empty third or fourth piece stands for a NULL one when the
 * first byte of the input is odd.
 *
 * Checks: the size counted is the size written (the pool gives the exact
 * size: ASan sees an overrun); the result is one JSON object, ended with
 * CRLF, whose strings are the ones given wherever they hold no NUL.
 */


#include "fuzz_common.h"
#include "ngx_http_faas_json_error.h"


static void
fuzz_same(cJSON *root, const char *name, ngx_str_t *s, int present)
{
    cJSON  *item;

    item = cJSON_GetObjectItemCaseSensitive(root, name);

    if (!present) {
        FUZZ_CHECK(item == NULL, "\"%s\" present", name);
        return;
    }

    FUZZ_CHECK(cJSON_IsString(item), "\"%s\" is not a string", name);

    if (memchr(s->data, '\0', s->len) == NULL) {
        FUZZ_CHECK(strlen(item->valuestring) == s->len
                   && memcmp(item->valuestring, s->data, s->len) == 0,
                   "\"%s\" changed", name);
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int          nulls;
    cJSON       *root;
    u_char      *out;
    size_t       len, i;
    ngx_str_t    s[4], *gw_code, *gw_message;
    ngx_pool_t  *pool;

    nulls = size && (data[0] & 1);

    for (i = 0; i < 3; i++) {
        fuzz_take(&data, &size, &s[i]);
    }

    s[3].data = (u_char *) data;
    s[3].len = size;

    /* each in its own allocation, so that reads past one are caught */
    for (i = 0; i < 4; i++) {
        s[i].data = fuzz_copy(s[i].data, s[i].len);
    }

    gw_code = (nulls && s[2].len == 0) ? NULL : &s[2];
    gw_message = (nulls && s[3].len == 0) ? NULL : &s[3];

    pool = fuzz_pool();

    len = 0;
    out = ngx_http_faas_json_error(pool, &s[0], &s[1], gw_code, gw_message,
                                   &len);
    FUZZ_CHECK(out != NULL, "no error built");
    FUZZ_CHECK(len >= 2 && out[len - 2] == CR && out[len - 1] == LF
               && out[len - 3] == '}', "not ended with }CRLF");

    root = cJSON_ParseWithLength((const char *) out, len);
    FUZZ_CHECK(cJSON_IsObject(root), "not a JSON object: %.*s", (int) len,
               out);

    fuzz_same(root, "error", &s[0], 1);
    fuzz_same(root, "message", &s[1], 1);
    fuzz_same(root, "errorCode", &s[2], s[2].len != 0);
    fuzz_same(root, "errorMsg", &s[3], s[3].len != 0);

    cJSON_Delete(root);
    ngx_destroy_pool(pool);

    for (i = 0; i < 4; i++) {
        free(s[i].data);
    }

    return 0;
}
