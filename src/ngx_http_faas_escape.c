
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * Escaping and UTF-8: bodies of JSON strings for any bytes or for a
 * piece of a body, form encoding, base64 in pieces, and UTF-8 checks, no
 * request or event, so that tests and fuzzers can call them.
 */


#include "ngx_http_faas.h"
#include "ngx_http_faas_escape.h"


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


/* the length of p without a sequence that its end cuts */

size_t
ngx_http_faas_utf8_whole(u_char *p, size_t len)
{
    size_t  i;

    /* a sequence has 4 bytes at most: its start is 3 bytes back at most */
    for (i = len; i > 0 && len - i < 4; i--) {
        if ((p[i - 1] & 0xc0) != 0x80) {
            return ngx_http_faas_utf8_cut(p + i - 1, p + len) ? i - 1 : len;
        }
    }

    return len;
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
