
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * The error body of a gateway (V1 and V2) or of a failed function (901):
 * bytes in, its code and message out, no request or event, so that tests
 * and fuzzers can call it.
 */


#include "ngx_http_faas.h"
#include "ngx_http_faas_gateway_error.h"
#include "ngx_http_faas_escape.h"

#include "ngx_http_faas_cjson.h"


typedef struct {
    ngx_str_t    value;
    ngx_uint_t   found;
} ngx_http_faas_gateway_member_t;


static u_char *ngx_http_faas_gateway_error_space(u_char *p, u_char *last);
static u_char *ngx_http_faas_gateway_error_string(u_char *p, u_char *last,
    u_char **whole);
static u_char *ngx_http_faas_gateway_error_skip(u_char *p, u_char *last);
static void ngx_http_faas_gateway_error_take(ngx_pool_t *pool, u_char *start,
    u_char *end, ngx_uint_t cut, ngx_http_faas_gateway_member_t *m);


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


/*
 * The same for a body cut after len bytes, as far as it came: the
 * members of its object up to the cut, a string the cut fell in as far
 * as it is whole.  The gateway's code and message usually come first.
 */

ngx_int_t
ngx_http_faas_json_gateway_error_cut(ngx_pool_t *pool, u_char *data,
    size_t len, ngx_str_t *code, ngx_str_t *message)
{
    u_char                          *p, *last, *key, *value, *whole;
    size_t                           n;
    ngx_uint_t                       i;
    ngx_http_faas_gateway_member_t   m[4], *dst;

    static ngx_str_t  names[4] = {
        ngx_string("\"errorCode\""), ngx_string("\"code\""),
        ngx_string("\"errorMsg\""), ngx_string("\"message\"")
    };

    ngx_str_null(code);
    ngx_str_null(message);
    ngx_memzero(m, sizeof(m));

    last = data + len;
    p = ngx_http_faas_gateway_error_space(data, last);

    if (p == last || *p != '{') {
        return NGX_DECLINED;
    }

    p++;

    for ( ;; ) {
        p = ngx_http_faas_gateway_error_space(p, last);

        if (p == last || *p != '"') {
            break;
        }

        key = p;
        p = ngx_http_faas_gateway_error_string(p, last, &whole);

        if (p == NULL) {
            break;
        }

        /* the four names have no escapes: compared as they are sent */
        n = p - key;
        dst = NULL;

        for (i = 0; i < 4; i++) {
            if (n == names[i].len && ngx_strncmp(key, names[i].data, n) == 0)
            {
                dst = &m[i];
                break;
            }
        }

        p = ngx_http_faas_gateway_error_space(p, last);

        if (p == last || *p != ':') {
            break;
        }

        p = ngx_http_faas_gateway_error_space(p + 1, last);

        if (p == last) {
            break;
        }

        if (*p == '"') {
            value = p;
            p = ngx_http_faas_gateway_error_string(p, last, &whole);

            if (dst != NULL && !dst->found) {
                ngx_http_faas_gateway_error_take(pool, value,
                                                 p ? p : whole, p == NULL,
                                                 dst);
            }

        } else {
            p = ngx_http_faas_gateway_error_skip(p, last);
        }

        if (p == NULL) {
            break;
        }

        p = ngx_http_faas_gateway_error_space(p, last);

        if (p == last || *p != ',') {
            break;
        }

        p++;
    }

    /* as for a whole body: V1's names first, then V2's */
    *code = m[0].found ? m[0].value : m[1].value;
    *message = m[2].found ? m[2].value : m[3].value;

    return (code->len || message->len) ? NGX_OK : NGX_DECLINED;
}


static u_char *
ngx_http_faas_gateway_error_space(u_char *p, u_char *last)
{
    while (p < last
           && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
    {
        p++;
    }

    return p;
}


/*
 * Past the string at p (its opening quote), or NULL when it is cut:
 * then *whole is where its last whole character or escape ends, not
 * inside a surrogate pair
 */

static u_char *
ngx_http_faas_gateway_error_string(u_char *p, u_char *last, u_char **whole)
{
    ngx_int_t   u;
    ngx_uint_t  high;

    high = 0;

    for (p++; p < last; /* void */) {

        if (!high) {
            *whole = p;
        }

        high = 0;

        if (*p == '"') {
            return p + 1;
        }

        if (*p != '\\') {
            p++;
            continue;
        }

        if (last - p < 2) {
            break;
        }

        if (p[1] != 'u') {
            p += 2;
            continue;
        }

        if (last - p < 6) {
            break;
        }

        u = ngx_hextoi(p + 2, 4);
        high = (u >= 0xd800 && u <= 0xdbff);
        p += 6;
    }

    if (!high && p >= last) {
        *whole = last;
    }

    return NULL;
}


/* past a value that is no string, or NULL when it is cut */

static u_char *
ngx_http_faas_gateway_error_skip(u_char *p, u_char *last)
{
    u_char      *whole;
    ngx_uint_t   depth;

    depth = 0;

    while (p < last) {

        switch (*p) {

        case '"':
            p = ngx_http_faas_gateway_error_string(p, last, &whole);

            if (p == NULL) {
                return NULL;
            }

            continue;

        case '{':
        case '[':
            depth++;
            break;

        case '}':
        case ']':
            if (depth == 0) {
                return p;
            }

            if (--depth == 0) {
                return p + 1;
            }

            break;

        case ',':
            if (depth == 0) {
                return p;
            }

            break;
        }

        p++;
    }

    return NULL;
}


/* a string member's value, decoded by cJSON: a cut one closed first */

static void
ngx_http_faas_gateway_error_take(ngx_pool_t *pool, u_char *start,
    u_char *end, ngx_uint_t cut, ngx_http_faas_gateway_member_t *m)
{
    u_char  *token;
    size_t   len;
    cJSON   *item;

    len = end - start;

    if (cut) {
        token = ngx_pnalloc(pool, len + 1);
        if (token == NULL) {
            return;
        }

        ngx_memcpy(token, start, len);
        token[len++] = '"';

    } else {
        token = start;
    }

    item = cJSON_ParseWithLength((const char *) token, len);

    if (cJSON_IsString(item)
        && ngx_http_faas_cjson_string(pool, item, &m->value) == NGX_OK)
    {
        m->found = 1;

        if (cut) {
            /* the cut may fall inside a character */
            m->value.len = ngx_http_faas_utf8_whole(m->value.data,
                                                    m->value.len);
        }
    }

    cJSON_Delete(item);
}
