
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * The request body's JSON check: one JSON value (RFC 8259) and nothing
 * after it but white space, in one pass, without building a tree or
 * allocating: the body can be large and is sent on as it is.  Strings
 * must be valid UTF-8; nesting deeper than NGX_HTTP_FAAS_JSON_DEPTH is
 * refused.  A byte class table keeps the inner loops to one load and one
 * test per byte.
 */


#include "ngx_http_faas.h"


#define NGX_HTTP_FAAS_J_PLAIN  0x01      /* in a string as it is */
#define NGX_HTTP_FAAS_J_DIGIT  0x02
#define NGX_HTTP_FAAS_J_WS     0x04


static ngx_int_t ngx_http_faas_json_scan_string(u_char **pp, u_char *last,
    const char **error);
static ngx_int_t ngx_http_faas_json_scan_number(u_char **pp, u_char *last);


#define P  NGX_HTTP_FAAS_J_PLAIN
#define D  (NGX_HTTP_FAAS_J_PLAIN|NGX_HTTP_FAAS_J_DIGIT)
#define W  NGX_HTTP_FAAS_J_WS

static const u_char  ngx_http_faas_json_class[256] = {
    /* 0x00 */  0, 0, 0, 0, 0, 0, 0, 0, 0, W, W, 0, 0, W, 0, 0,
    /* 0x10 */  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    /* 0x20 */  P|W, P, 0, P, P, P, P, P, P, P, P, P, P, P, P, P,
    /* 0x30 */  D, D, D, D, D, D, D, D, D, D, P, P, P, P, P, P,
    /* 0x40 */  P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,
    /* 0x50 */  P, P, P, P, P, P, P, P, P, P, P, P, 0, P, P, P,
    /* 0x60 */  P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,
    /* 0x70 */  P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P
    /* 0x80 - 0xff: 0, UTF-8 is checked sequence by sequence */
};

#undef P
#define ngx_http_faas_json_is(c, what)                                       \
    (ngx_http_faas_json_class[c] & NGX_HTTP_FAAS_J_##what)
#undef D
#undef W

#define ngx_http_faas_json_skip_ws(p, last)                                  \
    while (p < last && ngx_http_faas_json_is(*p, WS)) {                      \
        p++;                                                                 \
    }


ngx_int_t
ngx_http_faas_json_validate(u_char *data, size_t len, const char **error)
{
    u_char      *p, *last, c;
    ngx_uint_t   depth;
    u_char       stack[NGX_HTTP_FAAS_JSON_DEPTH];

    p = data;
    last = data + len;
    depth = 0;

    *error = "the request body is not valid JSON";

value:

    ngx_http_faas_json_skip_ws(p, last);

    if (p == last) {
        return NGX_ERROR;
    }

    c = *p++;

    switch (c) {

    case '{':
    case '[':
        if (depth == NGX_HTTP_FAAS_JSON_DEPTH) {
            *error = "the request body nests too deep";
            return NGX_ERROR;
        }

        stack[depth++] = c;

        ngx_http_faas_json_skip_ws(p, last);

        if (p < last && *p == c + 2) {     /* '}' or ']', empty */
            p++;
            depth--;
            goto after;
        }

        if (c == '[') {
            goto value;
        }

        goto key;

    case '"':
        if (ngx_http_faas_json_scan_string(&p, last, error) != NGX_OK) {
            return NGX_ERROR;
        }

        goto after;

    case 't':
        if (last - p < 3 || p[0] != 'r' || p[1] != 'u' || p[2] != 'e') {
            return NGX_ERROR;
        }

        p += 3;
        goto after;

    case 'n':
        if (last - p < 3 || p[0] != 'u' || p[1] != 'l' || p[2] != 'l') {
            return NGX_ERROR;
        }

        p += 3;
        goto after;

    case 'f':
        if (last - p < 4 || p[0] != 'a' || p[1] != 'l' || p[2] != 's'
            || p[3] != 'e')
        {
            return NGX_ERROR;
        }

        p += 4;
        goto after;

    default:
        p--;

        if (ngx_http_faas_json_scan_number(&p, last) != NGX_OK) {
            return NGX_ERROR;
        }

        goto after;
    }

key:

    ngx_http_faas_json_skip_ws(p, last);

    if (p == last || *p != '"') {
        return NGX_ERROR;
    }

    p++;

    if (ngx_http_faas_json_scan_string(&p, last, error) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_http_faas_json_skip_ws(p, last);

    if (p == last || *p != ':') {
        return NGX_ERROR;
    }

    p++;
    goto value;

after:

    ngx_http_faas_json_skip_ws(p, last);

    if (p == last) {
        return (depth == 0) ? NGX_OK : NGX_ERROR;
    }

    if (depth == 0) {
        *error = "the request body has data after its JSON value";
        return NGX_ERROR;
    }

    c = *p++;

    if (c == ',') {
        if (stack[depth - 1] == '{') {
            goto key;
        }

        goto value;
    }

    if (c == stack[depth - 1] + 2) {       /* '}' after '{', ']' after '[' */
        depth--;
        goto after;
    }

    return NGX_ERROR;
}


/* the rest of a string after its '"', and the closing '"' */

static ngx_int_t
ngx_http_faas_json_scan_string(u_char **pp, u_char *last, const char **error)
{
    u_char      *p;
    size_t       n;
    ngx_uint_t   i;

    p = *pp;

    for ( ;; ) {

        /* the common case: a run of plain ASCII, four bytes at a time */

        while (last - p >= 4
               && (ngx_http_faas_json_class[p[0]]
                   & ngx_http_faas_json_class[p[1]]
                   & ngx_http_faas_json_class[p[2]]
                   & ngx_http_faas_json_class[p[3]]
                   & NGX_HTTP_FAAS_J_PLAIN))
        {
            p += 4;
        }

        while (p < last && ngx_http_faas_json_is(*p, PLAIN)) {
            p++;
        }

        if (p == last) {
            return NGX_ERROR;
        }

        if (*p == '"') {
            *pp = p + 1;
            return NGX_OK;
        }

        if (*p == '\\') {
            if (last - p < 2) {
                return NGX_ERROR;
            }

            switch (p[1]) {

            case '"': case '\\': case '/': case 'b':
            case 'f': case 'n': case 'r': case 't':
                p += 2;
                continue;

            case 'u':
                if (last - p < 6) {
                    return NGX_ERROR;
                }

                for (i = 2; i < 6; i++) {
                    if (!(ngx_http_faas_json_is(p[i], DIGIT)
                          || ((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'f')))
                    {
                        return NGX_ERROR;
                    }
                }

                p += 6;
                continue;

            default:
                return NGX_ERROR;
            }
        }

        if (*p < 0x20) {
            return NGX_ERROR;
        }

        n = ngx_http_faas_utf8_seq(p, last);
        if (n == 0) {
            *error = "the request body is not valid UTF-8";
            return NGX_ERROR;
        }

        p += n;
    }
}


/* -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */

static ngx_int_t
ngx_http_faas_json_scan_number(u_char **pp, u_char *last)
{
    u_char  *p;

    p = *pp;

    if (*p == '-') {
        p++;
    }

    if (p == last || !ngx_http_faas_json_is(*p, DIGIT)) {
        return NGX_ERROR;
    }

    if (*p++ != '0') {
        while (p < last && ngx_http_faas_json_is(*p, DIGIT)) {
            p++;
        }
    }

    if (p < last && *p == '.') {
        p++;

        if (p == last || !ngx_http_faas_json_is(*p, DIGIT)) {
            return NGX_ERROR;
        }

        while (p < last && ngx_http_faas_json_is(*p, DIGIT)) {
            p++;
        }
    }

    if (p < last && (*p | 0x20) == 'e') {
        p++;

        if (p < last && (*p == '+' || *p == '-')) {
            p++;
        }

        if (p == last || !ngx_http_faas_json_is(*p, DIGIT)) {
            return NGX_ERROR;
        }

        while (p < last && ngx_http_faas_json_is(*p, DIGIT)) {
            p++;
        }
    }

    *pp = p;

    return NGX_OK;
}
