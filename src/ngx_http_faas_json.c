
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * JSON and HTTP bytes in, results out: no request, no event, so that tests
 * and fuzzers can call these directly.
 */


#include "ngx_http_faas.h"

#include <cjson/cJSON.h>


static ngx_int_t ngx_http_faas_json_number(cJSON *item, time_t *value);
static ngx_uint_t ngx_http_faas_json_b64token(u_char *p);
static ngx_int_t ngx_http_faas_json_string(ngx_pool_t *pool, cJSON *item,
    ngx_str_t *value);


/*
 * An HTTP/1.x answer: status line, headers, and a body ended by
 * Content-Length or by the close of the connection ("eof").
 */

ngx_int_t
ngx_http_faas_parse_response(u_char *data, size_t len, ngx_uint_t eof,
    ngx_http_faas_response_t *res)
{
    u_char  *p, *last, *line, *end, *colon, *v;
    size_t   n;
    off_t    cl;

    p = data;
    last = data + len;

    res->status = 0;
    res->content_length = -1;
    res->chunked = 0;

    /* the status line */

    end = ngx_strlchr(p, last, LF);
    if (end == NULL) {
        return (len > 8192) ? NGX_ERROR : NGX_AGAIN;
    }

    if (end - p < 12 || ngx_strncmp(p, "HTTP/1.", 7) != 0
        || (p[7] != '0' && p[7] != '1') || p[8] != ' ')
    {
        return NGX_ERROR;
    }

    if (p[9] < '1' || p[9] > '9' || p[10] < '0' || p[10] > '9'
        || p[11] < '0' || p[11] > '9')
    {
        return NGX_ERROR;
    }

    res->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');

    p = end + 1;

    /* the headers */

    for ( ;; ) {
        end = ngx_strlchr(p, last, LF);
        if (end == NULL) {
            return (len > 65536) ? NGX_ERROR : NGX_AGAIN;
        }

        line = p;
        p = end + 1;

        if (end > line && end[-1] == CR) {
            end--;
        }

        if (end == line) {
            break;
        }

        colon = ngx_strlchr(line, end, ':');
        if (colon == NULL || colon == line) {
            return NGX_ERROR;
        }

        v = colon + 1;
        while (v < end && (*v == ' ' || *v == '\t')) {
            v++;
        }

        n = colon - line;

        if (n == sizeof("Content-Length") - 1
            && ngx_strncasecmp(line, (u_char *) "Content-Length", n) == 0)
        {
            while (end > v && (end[-1] == ' ' || end[-1] == '\t')) {
                end--;
            }

            cl = ngx_atoof(v, end - v);
            if (cl == NGX_ERROR || res->content_length != -1) {
                return NGX_ERROR;
            }

            res->content_length = cl;

        } else if (n == sizeof("Transfer-Encoding") - 1
                   && ngx_strncasecmp(line, (u_char *) "Transfer-Encoding",
                                      n)
                      == 0)
        {
            /* an HTTP/1.0 request must not get one */
            res->chunked = 1;
            return NGX_ERROR;
        }
    }

    res->body.data = p;

    if (res->content_length >= 0) {
        if (last - p < res->content_length) {
            return eof ? NGX_ERROR : NGX_AGAIN;
        }

        res->body.len = (size_t) res->content_length;
        return NGX_OK;
    }

    if (!eof) {
        return NGX_AGAIN;
    }

    res->body.len = last - p;

    return NGX_OK;
}


/*
 * {"access_token": "...", "expires_in": 3600 | "3600" | absent}: the token
 * expires at the earlier of "expires_in" and the JWT's "exp".
 */

ngx_int_t
ngx_http_faas_json_token(ngx_pool_t *pool, u_char *data, size_t len,
    time_t now, ngx_http_faas_token_answer_t *answer)
{
    time_t      expires_in, exp;
    cJSON      *root, *item;
    ngx_int_t   rc;

    answer->token.len = 0;
    answer->token.data = NULL;
    answer->expires = 0;
    answer->error = NULL;

    if (len == 0) {
        answer->error = "empty body";
        return NGX_ERROR;
    }

    root = cJSON_ParseWithLength((const char *) data, len);

    if (root == NULL || !cJSON_IsObject(root)) {
        answer->error = "not a JSON object";
        rc = NGX_ERROR;
        goto done;
    }

    rc = NGX_ERROR;

    item = cJSON_GetObjectItemCaseSensitive(root, "access_token");

    if (!cJSON_IsString(item) || item->valuestring[0] == '\0') {
        answer->error = "no \"access_token\"";
        goto done;
    }

    if (ngx_strlen(item->valuestring) > NGX_HTTP_FAAS_TOKEN_MAX) {
        answer->error = "\"access_token\" is too large";
        goto done;
    }

    /* it goes into a header line: RFC 6750 b64token characters only */
    if (!ngx_http_faas_json_b64token((u_char *) item->valuestring)) {
        answer->error = "\"access_token\" holds characters a bearer "
                        "token may not hold";
        goto done;
    }

    if (ngx_http_faas_json_string(pool, item, &answer->token) != NGX_OK) {
        answer->error = "out of memory";
        goto done;
    }

    answer->expires = 0;

    item = cJSON_GetObjectItemCaseSensitive(root, "expires_in");

    if (item != NULL && !cJSON_IsNull(item)) {
        if (ngx_http_faas_json_number(item, &expires_in) != NGX_OK) {
            answer->error = "invalid \"expires_in\"";
            goto done;
        }

        answer->expires = now + expires_in;
    }

    if (ngx_http_faas_jwt_exp(answer->token.data, answer->token.len, &exp)
        == NGX_OK)
    {
        if (answer->expires == 0 || exp < answer->expires) {
            answer->expires = exp;
        }
    }

    if (answer->expires == 0) {
        answer->error = "neither \"expires_in\" nor a JWT \"exp\"";
        goto done;
    }

    rc = NGX_OK;

done:

    if (root) {
        cJSON_Delete(root);
    }

    return rc;
}


/* 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */

static ngx_uint_t
ngx_http_faas_json_b64token(u_char *p)
{
    u_char  *start;

    for (start = p; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
            || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'
            || *p == '_' || *p == '~' || *p == '+' || *p == '/')
        {
            continue;
        }

        break;
    }

    if (p == start) {
        return 0;
    }

    while (*p == '=') {
        p++;
    }

    return (*p == '\0');
}


/* "exp" of a JWT's payload, unverified: only to know when to refresh */

ngx_int_t
ngx_http_faas_jwt_exp(u_char *token, size_t len, time_t *exp)
{
    u_char     *dot1, *dot2, *last;
    cJSON      *root, *item;
    ngx_int_t   rc;
    ngx_str_t   src, dst;
    u_char      buf[NGX_HTTP_FAAS_TOKEN_MAX];

    last = token + len;

    dot1 = ngx_strlchr(token, last, '.');
    if (dot1 == NULL) {
        return NGX_DECLINED;
    }

    dot2 = ngx_strlchr(dot1 + 1, last, '.');
    if (dot2 == NULL) {
        return NGX_DECLINED;
    }

    src.data = dot1 + 1;
    src.len = dot2 - src.data;

    if (ngx_base64_decoded_length(src.len) > sizeof(buf)) {
        return NGX_DECLINED;
    }

    dst.data = buf;

    if (ngx_decode_base64url(&dst, &src) != NGX_OK) {
        return NGX_DECLINED;
    }

    root = cJSON_ParseWithLength((const char *) dst.data, dst.len);
    if (root == NULL) {
        return NGX_DECLINED;
    }

    rc = NGX_DECLINED;

    item = cJSON_GetObjectItemCaseSensitive(root, "exp");

    if (item != NULL && ngx_http_faas_json_number(item, exp) == NGX_OK) {
        rc = NGX_OK;
    }

    cJSON_Delete(root);

    return rc;
}


static ngx_int_t
ngx_http_faas_json_number(cJSON *item, time_t *value)
{
    ngx_int_t  n;

    if (cJSON_IsNumber(item)) {
        if (item->valuedouble < 0 || item->valuedouble > 4102444800.0) {
            return NGX_ERROR;
        }

        *value = (time_t) item->valuedouble;
        return NGX_OK;
    }

    if (cJSON_IsString(item)) {
        n = ngx_atoi((u_char *) item->valuestring,
                     ngx_strlen(item->valuestring));
        if (n == NGX_ERROR || n > 4102444800LL) {
            return NGX_ERROR;
        }

        *value = (time_t) n;
        return NGX_OK;
    }

    return NGX_ERROR;
}


static ngx_int_t
ngx_http_faas_json_string(ngx_pool_t *pool, cJSON *item, ngx_str_t *value)
{
    value->len = ngx_strlen(item->valuestring);
    value->data = ngx_pnalloc(pool, value->len + 1);

    if (value->data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(value->data, item->valuestring, value->len + 1);

    return NGX_OK;
}


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
        (void) ngx_http_faas_json_string(pool, item, code);
    }

    item = cJSON_GetObjectItemCaseSensitive(root, "errorMsg");
    if (!cJSON_IsString(item)) {
        item = cJSON_GetObjectItemCaseSensitive(root, "message");
    }

    if (cJSON_IsString(item)) {
        (void) ngx_http_faas_json_string(pool, item, message);
    }

    cJSON_Delete(root);

    return (code->len || message->len) ? NGX_OK : NGX_DECLINED;
}


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


/* application/x-www-form-urlencoded: all but unreserved characters */

size_t
ngx_http_faas_form_escape(u_char *dst, ngx_str_t *src)
{
    u_char         c, *p, *last, *start;
    static u_char  hex[] = "0123456789ABCDEF";

    start = dst;
    last = src->data + src->len;

    for (p = src->data; p < last; p++) {
        c = *p;

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
            || c == '~')
        {
            *dst++ = c;
            continue;
        }

        *dst++ = '%';
        *dst++ = hex[c >> 4];
        *dst++ = hex[c & 0x0f];
    }

    return dst - start;
}


/* bytes of the valid UTF-8 sequence at p, 0 when there is none */

size_t
ngx_http_faas_utf8_seq(u_char *p, u_char *last)
{
    size_t    n, i;
    uint32_t  u, min;

    u = *p;

    if (u < 0x80) {
        return 1;
    }

    if (u >= 0xc2 && u <= 0xdf) {
        n = 2;
        u &= 0x1f;
        min = 0x80;

    } else if (u >= 0xe0 && u <= 0xef) {
        n = 3;
        u &= 0x0f;
        min = 0x800;

    } else if (u >= 0xf0 && u <= 0xf4) {
        n = 4;
        u &= 0x07;
        min = 0x10000;

    } else {
        return 0;
    }

    if ((size_t) (last - p) < n) {
        return 0;
    }

    for (i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }

        u = (u << 6) | (p[i] & 0x3f);
    }

    if (u < min || u > 0x10ffff || (u >= 0xd800 && u <= 0xdfff)) {
        return 0;
    }

    return n;
}


ngx_uint_t
ngx_http_faas_utf8_valid(u_char *p, size_t len)
{
    size_t   n;
    u_char  *last;

    last = p + len;

    while (p < last) {
        n = ngx_http_faas_utf8_seq(p, last);
        if (n == 0) {
            return 0;
        }

        p += n;
    }

    return 1;
}


/*
 * The body of a JSON string for any bytes: quotes, backslashes and
 * control characters escaped, invalid UTF-8 replaced with U+FFFD.
 * With dst NULL, only the length is counted.
 */

size_t
ngx_http_faas_json_escape(u_char *dst, u_char *src, size_t len)
{
    size_t         n, size;
    u_char         c, *last;
    static u_char  hex[] = "0123456789abcdef";

    size = 0;
    last = src + len;

    while (src < last) {
        c = *src;

        if (c >= 0x80) {
            n = ngx_http_faas_utf8_seq(src, last);

            if (n == 0) {
                if (dst) {
                    dst = ngx_cpymem(dst, "\\ufffd", 6);
                }

                size += 6;
                src++;
                continue;
            }

            if (dst) {
                dst = ngx_cpymem(dst, src, n);
            }

            size += n;
            src += n;
            continue;
        }

        src++;

        if (c == '"' || c == '\\') {
            if (dst) {
                *dst++ = '\\';
                *dst++ = c;
            }

            size += 2;
            continue;
        }

        if (c >= 0x20) {
            if (dst) {
                *dst++ = c;
            }

            size++;
            continue;
        }

        if (dst) {
            switch (c) {
            case '\n':
                dst = ngx_cpymem(dst, "\\n", 2);
                break;
            case '\r':
                dst = ngx_cpymem(dst, "\\r", 2);
                break;
            case '\t':
                dst = ngx_cpymem(dst, "\\t", 2);
                break;
            default:
                dst = ngx_cpymem(dst, "\\u00", 4);
                *dst++ = hex[c >> 4];
                *dst++ = hex[c & 0x0f];
            }
        }

        size += (c == '\n' || c == '\r' || c == '\t') ? 2 : 6;
    }

    return size;
}


/*
 * A piece of a body that must be UTF-8, escaped as the body of a JSON
 * string into *dst (room for six bytes each).  A sequence cut by the
 * piece's end is left, *used tells how much was taken; NGX_DECLINED: the
 * bytes at *used are no UTF-8.
 */

ngx_int_t
ngx_http_faas_json_escape_text(u_char **dst, u_char *src, size_t len,
    size_t *used)
{
    size_t   n;
    u_char  *p, *last, *start;

    p = src;
    last = src + len;

    while (p < last) {

        /* a run of what is sent as it is */
        for (start = p; p < last; p++) {
            if (*p < 0x20 || *p == '"' || *p == '\\' || *p >= 0x80) {
                break;
            }
        }

        *dst = ngx_cpymem(*dst, start, p - start);

        if (p == last) {
            break;
        }

        if (*p < 0x80) {
            *dst += ngx_http_faas_json_escape(*dst, p, 1);
            p++;
            continue;
        }

        n = ngx_http_faas_utf8_seq(p, last);

        if (n == 0) {
            if (ngx_http_faas_utf8_cut(p, last)) {
                /* the rest comes with the next piece */
                break;
            }

            *used = p - src;
            return NGX_DECLINED;
        }

        *dst = ngx_cpymem(*dst, p, n);
        p += n;
    }

    *used = p - src;

    return NGX_OK;
}


/*
 * Whether the bytes from p to last are the start of a valid UTF-8
 * sequence that goes on past last
 */

ngx_uint_t
ngx_http_faas_utf8_cut(u_char *p, u_char *last)
{
    size_t  n, i;
    u_char  c;

    c = *p;

    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;

    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;

    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;

    } else {
        return 0;
    }

    if ((size_t) (last - p) >= n) {
        return 0;
    }

    /* the second byte's range depends on the first (RFC 3629, 4) */
    if (last - p >= 2) {
        c = p[1];

        if ((p[0] == 0xe0 && c < 0xa0) || (p[0] == 0xed && c > 0x9f)
            || (p[0] == 0xf0 && c < 0x90) || (p[0] == 0xf4 && c > 0x8f))
        {
            return 0;
        }
    }

    for (i = 1; i < (size_t) (last - p); i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }
    }

    return 1;
}


/*
 * base64 of a piece: whole groups of three bytes, and with "last" the
 * rest, padded; *used tells how much was taken
 */

u_char *
ngx_http_faas_base64_piece(u_char *dst, u_char *src, size_t len,
    ngx_uint_t last, size_t *used)
{
    ngx_str_t  in, out;

    in.data = src;
    in.len = last ? len : len - len % 3;

    out.data = dst;
    ngx_encode_base64(&out, &in);

    *used = in.len;

    return dst + out.len;
}


/* the version of the cJSON library loaded, for the log */

const char *
ngx_http_faas_json_library(void)
{
    return cJSON_Version();
}
