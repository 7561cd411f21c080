
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * The request body's JSON check: one JSON value (RFC 8259) and nothing
 * after it but white space, in one pass, without building a tree or
 * allocating: the body can be large and is sent on as it is.  Strings
 * must be valid UTF-8; nesting deeper than NGX_HTTP_FAAS_JSON_DEPTH is
 * refused.
 *
 * Most bytes of a body are inside strings.  Where a string ends is found
 * in a bit mask of the bytes that stop a run of string bytes, made for
 * 64 bytes at a time (SSE2 compares on x86-64, 8-byte words elsewhere):
 * a shift and a count of trailing zeros instead of a loop over the bytes.
 * The rest goes byte by byte through a byte class table: numbers and
 * white space come in short runs, which a loop the CPU predicts well
 * crosses faster than a 16-byte compare (bench/validate-run measures
 * it).  Nothing is read at or past data + len.
 */


#include "ngx_http_faas.h"

#if (defined __SSE2__)
#include <emmintrin.h>
#endif


#define NGX_HTTP_FAAS_J_PLAIN  0x01      /* in a string as it is */
#define NGX_HTTP_FAAS_J_DIGIT  0x02
#define NGX_HTTP_FAAS_J_WS     0x04
#define NGX_HTTP_FAAS_J_HEX    0x08


#if (defined __GNUC__)                   /* gcc and clang */
#define ngx_http_faas_json_ctz64(x)  __builtin_ctzll(x)
#else
static ngx_inline ngx_uint_t ngx_http_faas_json_ctz64(uint64_t x);
#endif


/*
 * Bit i of "special" is set when base[i] stops a run of string bytes:
 * '"', '\\', a control character or a byte >= 0x80.  In a body of short
 * keys and values one mask serves several strings in a row.
 */

typedef struct {
    u_char     *base;
    uint64_t    special;
} ngx_http_faas_json_window_t;


static ngx_inline u_char *ngx_http_faas_json_string(u_char *p, u_char *last,
    ngx_http_faas_json_window_t *w, const char **error);
static u_char *ngx_http_faas_json_string_rest(u_char *p, u_char *last,
    const char **error);
static ngx_inline uint64_t ngx_http_faas_json_special(u_char *p);
#if (defined __SSE2__)
static ngx_inline uint64_t ngx_http_faas_json_special16(u_char *p);
#endif
static ngx_inline size_t ngx_http_faas_json_utf8(u_char *p, u_char *last);
static ngx_inline u_char *ngx_http_faas_json_number(u_char *p,
    u_char *last);
static ngx_inline u_char *ngx_http_faas_json_skip_ws(u_char *p,
    u_char *last);
static u_char *ngx_http_faas_json_skip_ws_run(u_char *p, u_char *last);


#define P  NGX_HTTP_FAAS_J_PLAIN
#define D  (NGX_HTTP_FAAS_J_PLAIN|NGX_HTTP_FAAS_J_DIGIT|NGX_HTTP_FAAS_J_HEX)
#define H  (NGX_HTTP_FAAS_J_PLAIN|NGX_HTTP_FAAS_J_HEX)
#define W  NGX_HTTP_FAAS_J_WS

static const u_char  ngx_http_faas_json_class[256] = {
    /* 0x00 */  0, 0, 0, 0, 0, 0, 0, 0, 0, W, W, 0, 0, W, 0, 0,
    /* 0x10 */  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    /* 0x20 */  P|W, P, 0, P, P, P, P, P, P, P, P, P, P, P, P, P,
    /* 0x30 */  D, D, D, D, D, D, D, D, D, D, P, P, P, P, P, P,
    /* 0x40 */  P, H, H, H, H, H, H, P, P, P, P, P, P, P, P, P,
    /* 0x50 */  P, P, P, P, P, P, P, P, P, P, P, P, 0, P, P, P,
    /* 0x60 */  P, H, H, H, H, H, H, P, P, P, P, P, P, P, P, P,
    /* 0x70 */  P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P
    /* 0x80 - 0xff: 0, UTF-8 is checked sequence by sequence */
};

#undef P
#undef D
#undef H
#undef W

#define ngx_http_faas_json_is(c, what)                                       \
    (ngx_http_faas_json_class[c] & NGX_HTTP_FAAS_J_##what)


ngx_int_t
ngx_http_faas_json_validate(u_char *data, size_t len, const char **error)
{
    u_char                       *p, *last, c;
    ngx_uint_t                    depth;
    ngx_http_faas_json_window_t   window;
    u_char                        stack[NGX_HTTP_FAAS_JSON_DEPTH];

    p = data;
    last = data + len;
    depth = 0;

    window.base = data;
    window.special = 0;          /* nothing known: made at the first string */

    *error = "the request body is not valid JSON";

    /*
     * Where a byte other than white space is expected (a key's '"', ':',
     * ',' or the end of a container), it is tested first, and white space
     * is skipped only when it is not there: in a dense body, never.
     */

value:

    p = ngx_http_faas_json_skip_ws(p, last);

    if (p == last) {
        return NGX_ERROR;
    }

    c = *p++;

    switch (c) {

    case '"':
        p = ngx_http_faas_json_string(p, last, &window, error);
        if (p == NULL) {
            return NGX_ERROR;
        }

        goto after;

    case '{':
    case '[':
        if (depth == NGX_HTTP_FAAS_JSON_DEPTH) {
            *error = "the request body nests too deep";
            return NGX_ERROR;
        }

        stack[depth++] = c;

        p = ngx_http_faas_json_skip_ws(p, last);

        if (p < last && *p == c + 2) {     /* '}' or ']', empty */
            p++;
            depth--;
            goto after;
        }

        if (c == '[') {
            goto value;
        }

        goto key;

    /* the 4 bytes of "true", "null", "alse" compare as one word */

    case 't':
        if (last - p < 3 || ngx_memcmp(p - 1, "true", 4) != 0) {
            return NGX_ERROR;
        }

        p += 3;
        goto after;

    case 'n':
        if (last - p < 3 || ngx_memcmp(p - 1, "null", 4) != 0) {
            return NGX_ERROR;
        }

        p += 3;
        goto after;

    case 'f':
        if (last - p < 4 || ngx_memcmp(p, "alse", 4) != 0) {
            return NGX_ERROR;
        }

        p += 4;
        goto after;

    default:
        p = ngx_http_faas_json_number(p - 1, last);
        if (p == NULL) {
            return NGX_ERROR;
        }

        goto after;
    }

key:

    if (p == last || *p != '"') {
        p = ngx_http_faas_json_skip_ws(p, last);

        if (p == last || *p != '"') {
            return NGX_ERROR;
        }
    }

    p = ngx_http_faas_json_string(p + 1, last, &window, error);
    if (p == NULL) {
        return NGX_ERROR;
    }

    if (p == last || *p != ':') {
        p = ngx_http_faas_json_skip_ws(p, last);

        if (p == last || *p != ':') {
            return NGX_ERROR;
        }
    }

    p++;
    goto value;

after:

    if (p == last) {
        return (depth == 0) ? NGX_OK : NGX_ERROR;
    }

    c = *p++;

    if (depth != 0) {
        if (c == ',') {
            if (stack[depth - 1] == '{') {
                goto key;
            }

            goto value;
        }

        if (c == stack[depth - 1] + 2) {   /* '}' after '{', ']' after '[' */
            depth--;
            goto after;
        }
    }

    if (ngx_http_faas_json_is(c, WS)) {
        p = ngx_http_faas_json_skip_ws(p, last);
        goto after;
    }

    if (depth == 0) {
        *error = "the request body has data after its JSON value";
    }

    return NGX_ERROR;
}


/*
 * The rest of a string after its '"', and the closing '"'; NULL if bad.
 * Inlined: the common case, a string that ends before any other byte in
 * it needs a look.  The window moves to p when nothing in it is left for
 * this string (the string starts past it, or goes on past it).
 */

static ngx_inline u_char *
ngx_http_faas_json_string(u_char *p, u_char *last,
    ngx_http_faas_json_window_t *w, const char **error)
{
    u_char    *end;
    uint64_t   special;

    special = ((size_t) (p - w->base) < 64) ? w->special >> (p - w->base)
                                            : 0;

    if (special == 0 && last - p >= 64) {
        w->base = p;
        w->special = ngx_http_faas_json_special(p);
        special = w->special;
    }

    if (special != 0) {
        end = p + ngx_http_faas_json_ctz64(special);

        if (*end == '"') {
            return end + 1;
        }
    }

    return ngx_http_faas_json_string_rest(p, last, error);
}


/* a long string, an escape or UTF-8 in it, or a string near the end */

static u_char *
ngx_http_faas_json_string_rest(u_char *p, u_char *last, const char **error)
{
    size_t       n;
    u_char      *base, *end;
    uint64_t     special, bits;
    ngx_uint_t   i;

    base = p;
    end = p;                    /* an empty window */
    special = 0;

    for ( ;; ) {

        /* p to the next byte that needs a look */

        if (p < end) {
            bits = special >> (p - base);

            if (bits == 0) {
                p = end;
                continue;
            }

            p += ngx_http_faas_json_ctz64(bits);

        } else if (last - p >= 64) {
            base = p;
            end = p + 64;
            special = ngx_http_faas_json_special(p);
            continue;

        } else {
            while (p < last && ngx_http_faas_json_is(*p, PLAIN)) {
                p++;
            }

            if (p == last) {
                return NULL;
            }
        }

        if (*p == '"') {
            return p + 1;
        }

        if (*p == '\\') {
            if (last - p < 2) {
                return NULL;
            }

            switch (p[1]) {

            case '"': case '\\': case '/': case 'b':
            case 'f': case 'n': case 'r': case 't':
                p += 2;
                continue;

            case 'u':
                if (last - p < 6) {
                    return NULL;
                }

                for (i = 2; i < 6; i++) {
                    if (!ngx_http_faas_json_is(p[i], HEX)) {
                        return NULL;
                    }
                }

                p += 6;
                continue;

            default:
                return NULL;
            }
        }

        if (*p < 0x20) {
            return NULL;
        }

        /* a run of non-ASCII text goes sequence by sequence */

        do {
            n = ngx_http_faas_json_utf8(p, last);
            if (n == 0) {
                *error = "the request body is not valid UTF-8";
                return NULL;
            }

            p += n;

        } while (p < last && *p >= 0x80);
    }
}


/* the mask of the 64 bytes at p (see ngx_http_faas_json_window_t) */

static ngx_inline uint64_t
ngx_http_faas_json_special(u_char *p)
{
#if (defined __SSE2__)

    return ngx_http_faas_json_special16(p)
           | ngx_http_faas_json_special16(p + 16) << 16
           | ngx_http_faas_json_special16(p + 32) << 32
           | ngx_http_faas_json_special16(p + 48) << 48;

#elif (NGX_HAVE_LITTLE_ENDIAN)

    int       i;
    uint64_t  x, t, special;

    special = 0;

    for (i = 0; i < 64; i += 8) {
        ngx_memcpy(&x, p + i, 8);

        /*
         * the high bit of a byte of t is set by a byte '"', '\\', < 0x20
         * or >= 0x80 only: no carry crosses the bytes of x & 0x7f7f...
         */

        t = x & 0x7f7f7f7f7f7f7f7fULL;

        t = (x
             | ~(t + 0x6060606060606060ULL)
             | ~((t ^ 0x2222222222222222ULL) + 0x7f7f7f7f7f7f7f7fULL)
             | ~((t ^ 0x5c5c5c5c5c5c5c5cULL) + 0x7f7f7f7f7f7f7f7fULL))
            & 0x8080808080808080ULL;

        /* the 8 high bits gathered in the top byte, byte 0 lowest */

        special |= (t * 0x0002040810204081ULL >> 56) << i;
    }

    return special;

#else

    int       i;
    uint64_t  special;

    special = 0;

    for (i = 0; i < 64; i++) {
        if (!ngx_http_faas_json_is(p[i], PLAIN)) {
            special |= (uint64_t) 1 << i;
        }
    }

    return special;

#endif
}


#if (defined __SSE2__)

static ngx_inline uint64_t
ngx_http_faas_json_special16(u_char *p)
{
    __m128i  v;

    v = _mm_loadu_si128((__m128i *) p);

    /* a signed compare: bytes >= 0x80 are negative, "< ' '" too */

    v = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                  _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
                     _mm_cmplt_epi8(v, _mm_set1_epi8(' ')));

    return (unsigned) _mm_movemask_epi8(v);
}

#endif


/*
 * The length of the UTF-8 sequence at p (*p >= 0x80), 0 if it is not
 * one: the ranges of RFC 3629, section 4, as ngx_http_faas_utf8_seq()
 * has them (no overlong form, no surrogate, nothing past U+10FFFF),
 * without a call and without decoding.
 */

static ngx_inline size_t
ngx_http_faas_json_utf8(u_char *p, u_char *last)
{
    u_char  c, lo, hi;

    c = p[0];

    if (c < 0xe0) {
        if (c < 0xc2 || last - p < 2 || (p[1] & 0xc0) != 0x80) {
            return 0;
        }

        return 2;
    }

    if (c < 0xf0) {
        lo = (c == 0xe0) ? 0xa0 : 0x80;
        hi = (c == 0xed) ? 0x9f : 0xbf;

        if (last - p < 3 || p[1] < lo || p[1] > hi
            || (p[2] & 0xc0) != 0x80)
        {
            return 0;
        }

        return 3;
    }

    lo = (c == 0xf0) ? 0x90 : 0x80;
    hi = (c == 0xf4) ? 0x8f : 0xbf;

    if (c > 0xf4 || last - p < 4 || p[1] < lo || p[1] > hi
        || (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80)
    {
        return 0;
    }

    return 4;
}


/* -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?; NULL if bad */

static ngx_inline u_char *
ngx_http_faas_json_number(u_char *p, u_char *last)
{
    if (*p == '-') {
        p++;
    }

    if (p == last || !ngx_http_faas_json_is(*p, DIGIT)) {
        return NULL;
    }

    if (*p++ != '0') {
        while (p < last && ngx_http_faas_json_is(*p, DIGIT)) {
            p++;
        }
    }

    if (p < last && *p == '.') {
        p++;

        if (p == last || !ngx_http_faas_json_is(*p, DIGIT)) {
            return NULL;
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
            return NULL;
        }

        while (p < last && ngx_http_faas_json_is(*p, DIGIT)) {
            p++;
        }
    }

    return p;
}


/* inlined: only the test of the first byte, which in a dense body fails */

static ngx_inline u_char *
ngx_http_faas_json_skip_ws(u_char *p, u_char *last)
{
    if (p < last && ngx_http_faas_json_is(*p, WS)) {
        p = ngx_http_faas_json_skip_ws_run(p + 1, last);
    }

    return p;
}


/* the rest of a run: after a line break, an indent of spaces 8 at a time */

static u_char *
ngx_http_faas_json_skip_ws_run(u_char *p, u_char *last)
{
    uint64_t  x;

    while (last - p >= 8) {
        ngx_memcpy(&x, p, 8);

        if (x != 0x2020202020202020ULL) {
            break;
        }

        p += 8;
    }

    while (p < last && ngx_http_faas_json_is(*p, WS)) {
        p++;
    }

    return p;
}


#if !(defined __GNUC__)

static ngx_inline ngx_uint_t
ngx_http_faas_json_ctz64(uint64_t x)
{
    ngx_uint_t  n;

    for (n = 0; (x & 1) == 0; n++) {
        x >>= 1;
    }

    return n;
}

#endif
