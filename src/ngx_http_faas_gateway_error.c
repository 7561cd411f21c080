
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * The error body of a gateway (V1 and V2) or of a failed function (901):
 * bytes in, its code and message out, no request or event, so that tests
 * and fuzzers can call it.
 */


#include "ngx_http_faas.h"

#include "ngx_http_faas_cjson.h"


/*
 * The gateway's error, as far as found: V1 {"errorCode": "...",
 * "errorMsg": "..."}, V2 {"code": "...", "message": "..."}
 */

ngx_int_t
ngx_http_faas_json_gateway_error(ngx_pool_t *pool, u_char *data, size_t len,
    ngx_str_t *code, ngx_str_t *message)
{
    cJSON  *root, *item;

    ngx_str_null(code);
    ngx_str_null(message);

    root = cJSON_ParseWithLength((const char *) data, len);
    if (root == NULL) {
        return NGX_DECLINED;
    }

    item = cJSON_GetObjectItemCaseSensitive(root, "errorCode");
    if (!cJSON_IsString(item)) {
        item = cJSON_GetObjectItemCaseSensitive(root, "code");
    }

    if (cJSON_IsString(item)) {
        (void) ngx_http_faas_cjson_string(pool, item, code);
    }

    item = cJSON_GetObjectItemCaseSensitive(root, "errorMsg");
    if (!cJSON_IsString(item)) {
        item = cJSON_GetObjectItemCaseSensitive(root, "message");
    }

    if (cJSON_IsString(item)) {
        (void) ngx_http_faas_cjson_string(pool, item, message);
    }

    cJSON_Delete(root);

    return (code->len || message->len) ? NGX_OK : NGX_DECLINED;
}
