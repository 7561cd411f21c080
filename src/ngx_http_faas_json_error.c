
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * The JSON error body the module answers with: its code and message (and
 * the gateway's) in, the bytes out, no request or event, so that tests
 * and fuzzers can call it.
 */


#include "ngx_http_faas.h"
#include "ngx_http_faas_json_error.h"


/* {"error":"<code>","message":"<text>"[,"errorCode":..,"errorMsg":..]} */

u_char *
ngx_http_faas_json_error(ngx_pool_t *pool, ngx_str_t *code,
    ngx_str_t *message, ngx_str_t *gw_code, ngx_str_t *gw_message,
    size_t *len)
{
    u_char  *p, *start;
    size_t   size;

    size = sizeof("{\"error\":\"\",\"message\":\"\"}" CRLF) - 1
           + code->len + ngx_escape_json(NULL, code->data, code->len)
           + message->len
           + ngx_escape_json(NULL, message->data, message->len);

    if (gw_code && gw_code->len) {
        size += sizeof(",\"errorCode\":\"\"") - 1 + gw_code->len
                + ngx_escape_json(NULL, gw_code->data, gw_code->len);
    }

    if (gw_message && gw_message->len) {
        size += sizeof(",\"errorMsg\":\"\"") - 1 + gw_message->len
                + ngx_escape_json(NULL, gw_message->data, gw_message->len);
    }

    start = ngx_pnalloc(pool, size);
    if (start == NULL) {
        return NULL;
    }

    p = ngx_cpymem(start, "{\"error\":\"", sizeof("{\"error\":\"") - 1);
    p = (u_char *) ngx_escape_json(p, code->data, code->len);
    p = ngx_cpymem(p, "\",\"message\":\"", sizeof("\",\"message\":\"") - 1);
    p = (u_char *) ngx_escape_json(p, message->data, message->len);
    *p++ = '"';

    if (gw_code && gw_code->len) {
        p = ngx_cpymem(p, ",\"errorCode\":\"",
                       sizeof(",\"errorCode\":\"") - 1);
        p = (u_char *) ngx_escape_json(p, gw_code->data, gw_code->len);
        *p++ = '"';
    }

    if (gw_message && gw_message->len) {
        p = ngx_cpymem(p, ",\"errorMsg\":\"", sizeof(",\"errorMsg\":\"") - 1);
        p = (u_char *) ngx_escape_json(p, gw_message->data,
                                       gw_message->len);
        *p++ = '"';
    }

    *p++ = '}';
    *p++ = CR;
    *p++ = LF;

    *len = p - start;

    return start;
}
