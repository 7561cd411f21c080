
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * The request body's JSON check: one JSON value (RFC 8259) and nothing
 * after it but white space, without building a tree or allocating: the
 * body can be large and is sent on as it is.  Strings must be valid
 * UTF-8; nesting deeper than NGX_HTTP_FAAS_JSON_DEPTH is refused.
 *
 * The check is fed the body in pieces, as nginx reads it, and reads each
 * byte once.  A piece may end anywhere: between tokens the state is where
 * the grammar is (a value next, a key, ':', after a value) and the depth,
 * with one bit per level for "object or array"; inside a token, what of
 * it is still to come (the rest of an escape, a \uXXXX or a UTF-8
 * sequence, of a number, of true, false or null).  On an error, the
 * offset of the first byte that no JSON text can have there (the body's
 * length if it ended too early), and what was expected: the same for a
 * body in one piece or in many.
 *
 * Most bytes of a body are inside strings.  Where a string ends is found
 * in a bit mask of the bytes that stop a run of string bytes, made for
 * 64 bytes at a time (SSE2 compares on x86-64, 8-byte words elsewhere):
 * a shift and a count of trailing zeros instead of a loop over the bytes.
 * A string dense with escapes and UTF-8, where each would be a branch
 * the CPU mispredicts, goes block by block instead (SSE2; its UTF-8 with
 * AVX2 where the CPU has it).  The rest goes byte by byte through a byte
 * class table: numbers and white space come in short runs, which a loop
 * the CPU predicts well crosses faster than any compare whose result the
 * next byte's address waits for (bench/validate-compare measures it).
 *
 * What the fast paths are not sure of (an error, a token cut by the end
 * of the piece) they leave to a byte-by-byte reading of the token, from
 * a point where it was sure: that reading says what is wrong and where,
 * and keeps what is left of the token for the next piece.  Nothing is
 * read at or past data + len.
 */


#include "ngx_http_faas.h"
#include "ngx_http_faas_validate.h"

#if (defined __SSE2__)
#include <emmintrin.h>
#endif

/*
 * On x86-64 with gcc or clang, UTF-8 is checked 32 bytes at a time when
 * the CPU has AVX2 (asked once); NGX_HTTP_FAAS_JSON_NO_AVX2 keeps SSE2.
 */

#if (defined __SSE2__ && defined __x86_64__ && defined __GNUC__              \
     && !defined NGX_HTTP_FAAS_JSON_NO_AVX2)
#define NGX_HTTP_FAAS_JSON_AVX2  1
#include <immintrin.h>
#endif


#define NGX_HTTP_FAAS_J_PLAIN    0x01    /* in a string as it is */
#define NGX_HTTP_FAAS_J_DIGIT    0x02
#define NGX_HTTP_FAAS_J_WS       0x04
#define NGX_HTTP_FAAS_J_HEX      0x08
#define NGX_HTTP_FAAS_J_ESCAPE   0x10    /* may follow '\' */
#define NGX_HTTP_FAAS_J_UESCAPE  0x20    /* 'u', four hex digits follow */


/* jc->state: what comes next */

#define NGX_HTTP_FAAS_JSON_VALUE        0
#define NGX_HTTP_FAAS_JSON_FIRST_VALUE  1    /* after '[': a value or ']' */
#define NGX_HTTP_FAAS_JSON_KEY          2    /* after ',' in an object */
#define NGX_HTTP_FAAS_JSON_FIRST_KEY    3    /* after '{': a key or '}' */
#define NGX_HTTP_FAAS_JSON_COLON        4
#define NGX_HTTP_FAAS_JSON_AFTER        5    /* after a value */
#define NGX_HTTP_FAAS_JSON_STRING       6    /* in a string value */
#define NGX_HTTP_FAAS_JSON_KEY_STRING   7    /* in a key */
#define NGX_HTTP_FAAS_JSON_NUMBER       8
#define NGX_HTTP_FAAS_JSON_LITERAL      9
#define NGX_HTTP_FAAS_JSON_FAILED       10

/* jc->sub in a string */

#define NGX_HTTP_FAAS_JSON_S_PLAIN      0
#define NGX_HTTP_FAAS_JSON_S_ESCAPE     0x01    /* after '\' */
#define NGX_HTTP_FAAS_JSON_S_HEX        0x10    /* | hex digits to come */
#define NGX_HTTP_FAAS_JSON_S_UTF8       0x20    /* | bytes to come, ... */
#define NGX_HTTP_FAAS_JSON_S_BAD        0x40    /* a fast path's doubt */

/* ... and the range of the next one */
#define ngx_http_faas_json_s_utf8(left, lo, hi)                               \
    (NGX_HTTP_FAAS_JSON_S_UTF8 | (left) | (lo) << 8 | (uint32_t) (hi) << 16)

/* jc->sub in a number: what it ended with so far */

#define NGX_HTTP_FAAS_JSON_N_MINUS      1
#define NGX_HTTP_FAAS_JSON_N_ZERO       2       /* a number so far */
#define NGX_HTTP_FAAS_JSON_N_INT        3       /* a number so far */
#define NGX_HTTP_FAAS_JSON_N_DOT        4
#define NGX_HTTP_FAAS_JSON_N_FRAC       5       /* a number so far */
#define NGX_HTTP_FAAS_JSON_N_E          6
#define NGX_HTTP_FAAS_JSON_N_SIGN       7
#define NGX_HTTP_FAAS_JSON_N_EXP        8       /* a number so far */

/* jc->sub in a literal: which one << 8 | bytes of it seen */

#define NGX_HTTP_FAAS_JSON_L_TRUE       0
#define NGX_HTTP_FAAS_JSON_L_FALSE      1
#define NGX_HTTP_FAAS_JSON_L_NULL       2

/* events in a window of a string before it goes block by block */
#define NGX_HTTP_FAAS_JSON_EVENTS       6

/* the longest message of ngx_http_faas_json_validate() */
#define NGX_HTTP_FAAS_JSON_MESSAGE_LEN                                        \
    (sizeof("the request body is not valid JSON at byte : ")                  \
     + NGX_OFF_T_LEN + sizeof("the body ended inside an object"))


#if (defined __GNUC__)                   /* gcc and clang */
#define ngx_http_faas_json_ctz64(x)  __builtin_ctzll(x)
#define ngx_http_faas_json_clz64(x)  __builtin_clzll(x)
#else
static ngx_inline ngx_uint_t ngx_http_faas_json_ctz64(uint64_t x);
static ngx_inline ngx_uint_t ngx_http_faas_json_clz64(uint64_t x);
#endif

#if (NGX_THREADS && defined __GNUC__)
#define ngx_http_faas_json_thread_local  __thread
#else
#define ngx_http_faas_json_thread_local
#endif


/*
 * Bit i of "special" is set when base[i] stops a run of string bytes:
 * '"', '\\', a control character or a byte >= 0x80.  In a body of short
 * keys and values one mask serves several strings in a row.
 */

typedef struct {
    u_char     *base;
    uint64_t    special;
    ngx_uint_t  dense;          /* the last string went block by block */
} ngx_http_faas_json_window_t;


static ngx_inline u_char *ngx_http_faas_json_string(
    ngx_http_faas_json_check_t *jc, u_char *p, u_char *last,
    ngx_http_faas_json_window_t *w);
static u_char *ngx_http_faas_json_string_rest(ngx_http_faas_json_check_t *jc,
    u_char *p, u_char *last, ngx_uint_t *dense);
static ngx_int_t ngx_http_faas_json_string_byte(
    ngx_http_faas_json_check_t *jc, u_char c);
static ngx_int_t ngx_http_faas_json_number_byte(
    ngx_http_faas_json_check_t *jc, u_char c);
static ngx_int_t ngx_http_faas_json_literal_byte(
    ngx_http_faas_json_check_t *jc, u_char c);
static ngx_inline uint64_t ngx_http_faas_json_special(u_char *p);
#if (defined __SSE2__)
static ngx_inline uint64_t ngx_http_faas_json_special16(u_char *p);
static ngx_int_t ngx_http_faas_json_string_blocks(u_char **pp,
    u_char *last);
static uint64_t ngx_http_faas_json_utf8_errors(u_char *p, ngx_uint_t *cut);
#if (NGX_HTTP_FAAS_JSON_AVX2)
static uint64_t ngx_http_faas_json_utf8_errors_avx2(u_char *p,
    ngx_uint_t *cut) __attribute__((target("avx2")));
#endif
static ngx_inline uint64_t ngx_http_faas_json_hex(u_char *p);
#endif
static ngx_inline size_t ngx_http_faas_json_utf8(u_char *p, u_char *last);
static ngx_inline u_char *ngx_http_faas_json_number(u_char *p,
    u_char *last);
static ngx_inline u_char *ngx_http_faas_json_skip_ws(u_char *p,
    u_char *last);
static u_char *ngx_http_faas_json_skip_ws_run(u_char *p, u_char *last);
static ngx_inline u_char ngx_http_faas_json_close(
    ngx_http_faas_json_check_t *jc, ngx_uint_t depth);
static u_char *ngx_http_faas_json_decimal(u_char *p, u_char *last, off_t n);


#define P  NGX_HTTP_FAAS_J_PLAIN
#define D  (NGX_HTTP_FAAS_J_PLAIN|NGX_HTTP_FAAS_J_DIGIT|NGX_HTTP_FAAS_J_HEX)
#define H  (NGX_HTTP_FAAS_J_PLAIN|NGX_HTTP_FAAS_J_HEX)
#define W  NGX_HTTP_FAAS_J_WS
#define E  NGX_HTTP_FAAS_J_ESCAPE
#define U  (NGX_HTTP_FAAS_J_ESCAPE|NGX_HTTP_FAAS_J_UESCAPE)

static const u_char  ngx_http_faas_json_class[256] = {
    /* 0x00 */  0, 0, 0, 0, 0, 0, 0, 0, 0, W, W, 0, 0, W, 0, 0,
    /* 0x10 */  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    /* 0x20 */  P|W, P, E, P, P, P, P, P, P, P, P, P, P, P, P, P|E,
    /* 0x30 */  D, D, D, D, D, D, D, D, D, D, P, P, P, P, P, P,
    /* 0x40 */  P, H, H, H, H, H, H, P, P, P, P, P, P, P, P, P,
    /* 0x50 */  P, P, P, P, P, P, P, P, P, P, P, P, E, P, P, P,
    /* 0x60 */  P, H, H|E, H, H, H, H|E, P, P, P, P, P, P, P, P|E, P,
    /* 0x70 */  P, P, P|E, P, P|E, P|U, P, P, P, P, P, P, P, P, P, P
    /* 0x80 - 0xff: 0, UTF-8 is checked sequence by sequence */
};

#undef P
#undef D
#undef H
#undef W
#undef E
#undef U

#define ngx_http_faas_json_is(c, what)                                       \
    (ngx_http_faas_json_class[c] & NGX_HTTP_FAAS_J_##what)


static const char  *ngx_http_faas_json_literals[] = {
    "true", "false", "null"
};

static const char  *ngx_http_faas_json_literal_errors[] = {
    "expected 'true'", "expected 'false'", "expected 'null'"
};


void
ngx_http_faas_json_check_init(ngx_http_faas_json_check_t *jc)
{
    jc->offset = 0;
    jc->error = NULL;
    jc->state = NGX_HTTP_FAAS_JSON_VALUE;
    jc->depth = 0;
    jc->sub = 0;
}


/*
 * NGX_AGAIN: data[0 .. len - 1] is fine so far, more may follow;
 * NGX_ERROR: it is not (jc->offset, jc->error), also for every piece fed
 * after that.  The check keeps no pointer into the piece.
 */

ngx_int_t
ngx_http_faas_json_check_feed(ngx_http_faas_json_check_t *jc, u_char *data,
    size_t len)
{
    u_char                       *p, *q, *last, c, close;
    ngx_int_t                     rc;
    ngx_uint_t                    depth, key;
    ngx_http_faas_json_window_t   window;

    if (jc->state == NGX_HTTP_FAAS_JSON_FAILED) {
        return NGX_ERROR;               /* offset and error stay */
    }

    p = data;
    last = data + len;
    depth = jc->depth;

    /* counted now: "data" and "len" need no register (see "failed") */

    jc->offset += (off_t) len;
    key = 0;

    close = ngx_http_faas_json_close(jc, depth);

    window.base = data;
    window.special = 0;          /* nothing known: made at the first string */
    window.dense = 0;

    switch (jc->state) {

    case NGX_HTTP_FAAS_JSON_VALUE:
        goto value;

    case NGX_HTTP_FAAS_JSON_FIRST_VALUE:
        goto first_value;

    case NGX_HTTP_FAAS_JSON_KEY:
        goto key;

    case NGX_HTTP_FAAS_JSON_FIRST_KEY:
        goto first_key;

    case NGX_HTTP_FAAS_JSON_COLON:
        goto colon;

    case NGX_HTTP_FAAS_JSON_AFTER:
        goto after;

    case NGX_HTTP_FAAS_JSON_STRING:
        goto string_resume;

    case NGX_HTTP_FAAS_JSON_KEY_STRING:
        key = 1;
        goto string_resume;

    case NGX_HTTP_FAAS_JSON_NUMBER:
        goto number_bytes;

    default: /* NGX_HTTP_FAAS_JSON_LITERAL */
        goto literal_bytes;
    }

    /*
     * Where a byte other than white space is expected (a key's '"', ':',
     * ',' or the end of a container), it is tested first, and white space
     * is skipped only when it is not there: in a dense body, never.
     */

value:

    p = ngx_http_faas_json_skip_ws(p, last);

    if (p == last) {
        jc->state = NGX_HTTP_FAAS_JSON_VALUE;
        goto again;
    }

value_byte:

    c = *p++;

    switch (c) {

    case '"':
        q = ngx_http_faas_json_string(jc, p, last, &window);
        if (q == NULL) {
            key = 0;
            goto string_stopped;
        }

        p = q;
        goto after;

    case '{':
    case '[':
        if (depth == NGX_HTTP_FAAS_JSON_DEPTH) {
            p--;
            jc->error = "nested deeper than "
                        ngx_value(NGX_HTTP_FAAS_JSON_DEPTH);
            goto failed;
        }

        /* bit depth of jc->stack: an object */

        if (c == '{') {
            jc->stack[depth >> 6] |= (uint64_t) 1 << (depth & 63);

        } else {
            jc->stack[depth >> 6] &= ~((uint64_t) 1 << (depth & 63));
        }

        depth++;
        close = c + 2;                   /* '}' after '{', ']' after '[' */

        if (c == '[') {
            goto first_value;
        }

        goto first_key;

    /* the 4 bytes of "true", "null", "alse" compare as one word */

    case 't':
        if (last - p >= 3 && ngx_memcmp(p - 1, "true", 4) == 0) {
            p += 3;
            goto after;
        }

        jc->sub = NGX_HTTP_FAAS_JSON_L_TRUE << 8 | 1;
        goto literal_bytes;

    case 'n':
        if (last - p >= 3 && ngx_memcmp(p - 1, "null", 4) == 0) {
            p += 3;
            goto after;
        }

        jc->sub = NGX_HTTP_FAAS_JSON_L_NULL << 8 | 1;
        goto literal_bytes;

    case 'f':
        if (last - p >= 4 && ngx_memcmp(p, "alse", 4) == 0) {
            p += 4;
            goto after;
        }

        jc->sub = NGX_HTTP_FAAS_JSON_L_FALSE << 8 | 1;
        goto literal_bytes;

    default:
        q = p - 1;
        p = ngx_http_faas_json_number(q, last);
        if (p != NULL && p != last) {
            goto after;
        }

        /* not a number, or one that may go on in the next piece */

        p = q;
        goto number_start;
    }

first_value:

    p = ngx_http_faas_json_skip_ws(p, last);

    if (p == last) {
        jc->state = NGX_HTTP_FAAS_JSON_FIRST_VALUE;
        goto again;
    }

    if (*p != ']') {
        goto value_byte;
    }

    p++;
    goto pop;

first_key:

    p = ngx_http_faas_json_skip_ws(p, last);

    if (p == last) {
        jc->state = NGX_HTTP_FAAS_JSON_FIRST_KEY;
        goto again;
    }

    if (*p != '}') {
        goto key_byte;
    }

    p++;
    goto pop;

key:

    if (p == last || *p != '"') {
        p = ngx_http_faas_json_skip_ws(p, last);

        if (p == last) {
            jc->state = NGX_HTTP_FAAS_JSON_KEY;
            goto again;
        }
    }

key_byte:

    if (*p != '"') {
        jc->error = "expected a key";
        goto failed;
    }

    p++;

    q = ngx_http_faas_json_string(jc, p, last, &window);
    if (q == NULL) {
        key = 1;
        goto string_stopped;
    }

    p = q;

colon:

    if (p == last || *p != ':') {
        p = ngx_http_faas_json_skip_ws(p, last);

        if (p == last) {
            jc->state = NGX_HTTP_FAAS_JSON_COLON;
            goto again;
        }

        if (*p != ':') {
            jc->error = "expected ':'";
            goto failed;
        }
    }

    p++;
    goto value;

pop:

    depth--;
    close = ngx_http_faas_json_close(jc, depth);

after:

    if (p == last) {
        jc->state = NGX_HTTP_FAAS_JSON_AFTER;
        goto again;
    }

    c = *p++;

    if (depth != 0) {
        if (c == ',') {
            if (close == '}') {
                goto key;
            }

            goto value;
        }

        if (c == close) {
            goto pop;
        }
    }

    if (ngx_http_faas_json_is(c, WS)) {
        p = ngx_http_faas_json_skip_ws(p, last);
        goto after;
    }

    p--;

    if (depth == 0) {
        jc->error = "data after the JSON value";

    } else if (close == '}') {
        jc->error = "expected ',' or '}'";

    } else {
        jc->error = "expected ',' or ']'";
    }

    goto failed;

    /* the slow paths: tokens byte by byte */

number_start:

    c = *p;

    if (c == '-') {
        jc->sub = NGX_HTTP_FAAS_JSON_N_MINUS;

    } else if (c == '0') {
        jc->sub = NGX_HTTP_FAAS_JSON_N_ZERO;

    } else if (ngx_http_faas_json_is(c, DIGIT)) {
        jc->sub = NGX_HTTP_FAAS_JSON_N_INT;

    } else {
        jc->error = "expected a value";
        goto failed;
    }

    p++;

number_bytes:

    while (p < last) {
        rc = ngx_http_faas_json_number_byte(jc, *p);

        if (rc == NGX_DONE) {
            goto after;
        }

        if (rc == NGX_ERROR) {
            goto failed;
        }

        p++;
    }

    jc->state = NGX_HTTP_FAAS_JSON_NUMBER;
    goto again;

literal_bytes:

    while (p < last) {
        rc = ngx_http_faas_json_literal_byte(jc, *p);

        if (rc == NGX_ERROR) {
            goto failed;
        }

        p++;

        if (rc == NGX_OK) {
            goto after;
        }
    }

    jc->state = NGX_HTTP_FAAS_JSON_LITERAL;
    goto again;

string_resume:

    /* the rest of an escape or a UTF-8 sequence cut by the last piece */

    while (jc->sub != NGX_HTTP_FAAS_JSON_S_PLAIN) {
        if (p == last) {
            goto again;
        }

        if (ngx_http_faas_json_string_byte(jc, *p) == NGX_ERROR) {
            goto failed;
        }

        p++;
    }

    q = ngx_http_faas_json_string_rest(jc, p, last, &window.dense);
    if (q != NULL) {
        p = q;
        goto string_done;
    }

string_stopped:

    /* p: where the fast path started in this string, a byte in it as is */

    if (jc->sub != NGX_HTTP_FAAS_JSON_S_BAD) {
        jc->state = key ? NGX_HTTP_FAAS_JSON_KEY_STRING
                        : NGX_HTTP_FAAS_JSON_STRING;
        goto again;
    }

    jc->sub = NGX_HTTP_FAAS_JSON_S_PLAIN;

    while (p < last) {
        rc = ngx_http_faas_json_string_byte(jc, *p);

        if (rc == NGX_ERROR) {
            goto failed;
        }

        p++;

        if (rc == NGX_OK) {
            goto string_done;
        }
    }

    /* the fast path doubted in vain: the string goes on */

    jc->state = key ? NGX_HTTP_FAAS_JSON_KEY_STRING
                    : NGX_HTTP_FAAS_JSON_STRING;
    goto again;

string_done:

    if (key) {
        goto colon;
    }

    goto after;

again:

    jc->depth = depth;

    return NGX_AGAIN;

failed:

    jc->offset -= last - p;
    jc->state = NGX_HTTP_FAAS_JSON_FAILED;

    return NGX_ERROR;
}


/* NGX_OK: the pieces fed were one JSON value; NGX_ERROR: they were not */

ngx_int_t
ngx_http_faas_json_check_end(ngx_http_faas_json_check_t *jc)
{
    switch (jc->state) {

    case NGX_HTTP_FAAS_JSON_FAILED:
        return NGX_ERROR;

    case NGX_HTTP_FAAS_JSON_STRING:
    case NGX_HTTP_FAAS_JSON_KEY_STRING:
        jc->error = "the body ended inside a string";
        goto failed;

    case NGX_HTTP_FAAS_JSON_LITERAL:
        jc->error = "the body ended inside a literal";
        goto failed;

    case NGX_HTTP_FAAS_JSON_NUMBER:
        if (jc->sub != NGX_HTTP_FAAS_JSON_N_ZERO
            && jc->sub != NGX_HTTP_FAAS_JSON_N_INT
            && jc->sub != NGX_HTTP_FAAS_JSON_N_FRAC
            && jc->sub != NGX_HTTP_FAAS_JSON_N_EXP)
        {
            jc->error = "the body ended inside a number";
            goto failed;
        }

        break;

    case NGX_HTTP_FAAS_JSON_AFTER:
        break;

    default:
        if (jc->depth == 0) {
            jc->error = "the body has no JSON value";
            goto failed;
        }
    }

    if (jc->depth == 0) {
        return NGX_OK;
    }

    if (ngx_http_faas_json_close(jc, jc->depth) == '}') {
        jc->error = "the body ended inside an object";

    } else {
        jc->error = "the body ended inside an array";
    }

failed:

    jc->state = NGX_HTTP_FAAS_JSON_FAILED;

    return NGX_ERROR;
}


/*
 * The body in one piece.  On NGX_ERROR, *error is "the request body is
 * not valid JSON at byte N: ...", in memory of this thread that the next
 * call in the same thread reuses.
 */

ngx_int_t
ngx_http_faas_json_validate(u_char *data, size_t len, const char **error)
{
    u_char                      *p, *last;
    const char                  *s;
    ngx_http_faas_json_check_t   jc;

    static ngx_http_faas_json_thread_local
        u_char  message[NGX_HTTP_FAAS_JSON_MESSAGE_LEN];

    ngx_http_faas_json_check_init(&jc);

    if (ngx_http_faas_json_check_feed(&jc, data, len) == NGX_AGAIN
        && ngx_http_faas_json_check_end(&jc) == NGX_OK)
    {
        return NGX_OK;
    }

    p = message;
    last = message + sizeof(message) - 1;

    for (s = "the request body is not valid JSON at byte ";
         *s != '\0' && p < last;
         s++)
    {
        *p++ = *s;
    }

    p = ngx_http_faas_json_decimal(p, last, jc.offset);

    for (s = ": "; *s != '\0' && p < last; s++) {
        *p++ = *s;
    }

    for (s = jc.error; *s != '\0' && p < last; s++) {
        *p++ = *s;
    }

    *p = '\0';

    *error = (const char *) message;

    return NGX_ERROR;
}


/*
 * The rest of a string after its '"', and the closing '"'; NULL if it is
 * not sure (then jc->sub is NGX_HTTP_FAAS_JSON_S_BAD) or the piece ends
 * first (then jc->sub says where).  Inlined: the common case, a string
 * that ends before any other byte in it needs a look.  The window moves
 * to p when nothing in it is left for this string (the string starts
 * past it, or goes on past it).
 */

static ngx_inline u_char *
ngx_http_faas_json_string(ngx_http_faas_json_check_t *jc, u_char *p,
    u_char *last, ngx_http_faas_json_window_t *w)
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

    return ngx_http_faas_json_string_rest(jc, p, last, &w->dense);
}


/*
 * A long string, an escape or UTF-8 in it, or a string near the end of
 * the piece.  p is a byte of the string as it is (jc->sub is plain).
 * Windows of 64 bytes, as in ngx_http_faas_json_string(); what is not
 * plain sailing goes to the tail, byte by byte: the end of the piece, or
 * something wrong, found there again.
 */

static u_char *
ngx_http_faas_json_string_rest(ngx_http_faas_json_check_t *jc, u_char *p,
    u_char *last, ngx_uint_t *dense)
{
    size_t       n;
    u_char      *base, *end, c;
    uint64_t     special, bits;
    ngx_int_t    rc;
    ngx_uint_t   i;
#if (defined __SSE2__)
    ngx_uint_t   events;

    events = 0;
#endif

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
#if (defined __SSE2__)
            events = 0;
#endif
            continue;

        } else {
            goto tail;
        }

        c = *p;

        if (c == '"') {
            return p + 1;
        }

#if (defined __SSE2__)

        /*
         * Escapes and UTF-8 close together, each a branch the CPU
         * mispredicts: the rest of the string goes block by block.
         */

        if (++events > NGX_HTTP_FAAS_JSON_EVENTS || *dense) {
            *dense = 1;

            switch (ngx_http_faas_json_string_blocks(&p, last)) {

            case NGX_OK:
                return p;

            case NGX_AGAIN:
                *dense = 0;     /* sparse again: a new window at p */
                end = p;
                events = 0;
                continue;

            default: /* NGX_DECLINED */
                goto tail;
            }
        }

#endif

        if (c == '\\') {
            if (last - p < 6) {
                goto tail;
            }

            switch (p[1]) {

            case '"': case '\\': case '/': case 'b':
            case 'f': case 'n': case 'r': case 't':
                p += 2;
                continue;

            case 'u':
                for (i = 2; i < 6; i++) {
                    if (!ngx_http_faas_json_is(p[i], HEX)) {
                        goto tail;
                    }
                }

                p += 6;
                continue;

            default:
                goto tail;
            }
        }

        if (c < 0x80) {
            goto tail;          /* a control character */
        }

        /* a run of non-ASCII text goes sequence by sequence */

        do {
            if (last - p < 4) {
                goto tail;
            }

            n = ngx_http_faas_json_utf8(p, last);
            if (n == 0) {
                goto tail;
            }

            p += n;

        } while (p < last && *p >= 0x80);
    }

tail:

    /* near the piece's end, plain text 16 bytes at a time (SSE2) */

    jc->sub = NGX_HTTP_FAAS_JSON_S_PLAIN;

    while (p < last) {

#if (defined __SSE2__)
        if (jc->sub == NGX_HTTP_FAAS_JSON_S_PLAIN && last - p >= 16) {
            bits = ngx_http_faas_json_special16(p);

            if (bits == 0) {
                p += 16;
                continue;
            }

            p += ngx_http_faas_json_ctz64(bits);
        }
#endif

        c = *p;

        if (jc->sub == NGX_HTTP_FAAS_JSON_S_PLAIN
            && ngx_http_faas_json_is(c, PLAIN))
        {
            p++;
            continue;
        }

        rc = ngx_http_faas_json_string_byte(jc, c);

        if (rc == NGX_OK) {
            return p + 1;
        }

        if (rc == NGX_ERROR) {
            jc->sub = NGX_HTTP_FAAS_JSON_S_BAD;
            return NULL;
        }

        p++;
    }

    return NULL;
}


/*
 * One byte of a string, read as jc->sub says: NGX_AGAIN, more of the
 * string; NGX_OK, it was its closing '"'; NGX_ERROR, it cannot be there.
 */

static ngx_int_t
ngx_http_faas_json_string_byte(ngx_http_faas_json_check_t *jc, u_char c)
{
    uint32_t  sub, left;

    sub = jc->sub;

    if (sub == NGX_HTTP_FAAS_JSON_S_PLAIN) {

        if (c == '"') {
            return NGX_OK;
        }

        if (c == '\\') {
            jc->sub = NGX_HTTP_FAAS_JSON_S_ESCAPE;
            return NGX_AGAIN;
        }

        if (c < 0x20) {
            jc->error = "control character in a string";
            return NGX_ERROR;
        }

        if (c < 0x80) {
            return NGX_AGAIN;
        }

        /* a UTF-8 lead: the ranges of RFC 3629, section 4 */

        if (c < 0xc2 || c > 0xf4) {
            jc->error = "invalid UTF-8";
            return NGX_ERROR;
        }

        if (c < 0xe0) {
            jc->sub = ngx_http_faas_json_s_utf8(1, 0x80, 0xbf);

        } else if (c < 0xf0) {
            jc->sub = ngx_http_faas_json_s_utf8(2, (c == 0xe0) ? 0xa0 : 0x80,
                                                (c == 0xed) ? 0x9f : 0xbf);
        } else {
            jc->sub = ngx_http_faas_json_s_utf8(3, (c == 0xf0) ? 0x90 : 0x80,
                                                (c == 0xf4) ? 0x8f : 0xbf);
        }

        return NGX_AGAIN;
    }

    if (sub == NGX_HTTP_FAAS_JSON_S_ESCAPE) {
        if (!ngx_http_faas_json_is(c, ESCAPE)) {
            jc->error = "invalid escape";
            return NGX_ERROR;
        }

        jc->sub = (c == 'u') ? NGX_HTTP_FAAS_JSON_S_HEX | 4
                             : NGX_HTTP_FAAS_JSON_S_PLAIN;
        return NGX_AGAIN;
    }

    if (sub & NGX_HTTP_FAAS_JSON_S_HEX) {
        if (!ngx_http_faas_json_is(c, HEX)) {
            jc->error = "expected a hex digit";
            return NGX_ERROR;
        }

        left = (sub & 0x07) - 1;
        jc->sub = left ? NGX_HTTP_FAAS_JSON_S_HEX | left
                       : NGX_HTTP_FAAS_JSON_S_PLAIN;
        return NGX_AGAIN;
    }

    /* NGX_HTTP_FAAS_JSON_S_UTF8 */

    if (c < ((sub >> 8) & 0xff) || c > ((sub >> 16) & 0xff)) {
        jc->error = "invalid UTF-8";
        return NGX_ERROR;
    }

    left = (sub & 0x03) - 1;
    jc->sub = left ? ngx_http_faas_json_s_utf8(left, 0x80, 0xbf)
                   : NGX_HTTP_FAAS_JSON_S_PLAIN;

    return NGX_AGAIN;
}


/*
 * One byte after the start of a number: NGX_AGAIN, it is part of it;
 * NGX_DONE, the number ended before it (the grammar reads it);
 * NGX_ERROR, it cannot be there.
 * -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
 */

static ngx_int_t
ngx_http_faas_json_number_byte(ngx_http_faas_json_check_t *jc, u_char c)
{
    ngx_uint_t  digit;

    digit = ngx_http_faas_json_is(c, DIGIT);

    switch (jc->sub) {

    case NGX_HTTP_FAAS_JSON_N_MINUS:
        if (!digit) {
            break;
        }

        jc->sub = (c == '0') ? NGX_HTTP_FAAS_JSON_N_ZERO
                             : NGX_HTTP_FAAS_JSON_N_INT;
        return NGX_AGAIN;

    case NGX_HTTP_FAAS_JSON_N_INT:
        if (digit) {
            return NGX_AGAIN;
        }

        /* fall through */

    case NGX_HTTP_FAAS_JSON_N_ZERO:
        if (c == '.') {
            jc->sub = NGX_HTTP_FAAS_JSON_N_DOT;
            return NGX_AGAIN;
        }

        if ((c | 0x20) == 'e') {
            jc->sub = NGX_HTTP_FAAS_JSON_N_E;
            return NGX_AGAIN;
        }

        return NGX_DONE;

    case NGX_HTTP_FAAS_JSON_N_DOT:
    case NGX_HTTP_FAAS_JSON_N_SIGN:
        if (!digit) {
            break;
        }

        jc->sub = (jc->sub == NGX_HTTP_FAAS_JSON_N_DOT)
                  ? NGX_HTTP_FAAS_JSON_N_FRAC : NGX_HTTP_FAAS_JSON_N_EXP;
        return NGX_AGAIN;

    case NGX_HTTP_FAAS_JSON_N_FRAC:
        if (digit) {
            return NGX_AGAIN;
        }

        if ((c | 0x20) == 'e') {
            jc->sub = NGX_HTTP_FAAS_JSON_N_E;
            return NGX_AGAIN;
        }

        return NGX_DONE;

    case NGX_HTTP_FAAS_JSON_N_E:
        if (c == '+' || c == '-') {
            jc->sub = NGX_HTTP_FAAS_JSON_N_SIGN;
            return NGX_AGAIN;
        }

        if (!digit) {
            break;
        }

        jc->sub = NGX_HTTP_FAAS_JSON_N_EXP;
        return NGX_AGAIN;

    default: /* NGX_HTTP_FAAS_JSON_N_EXP */
        return digit ? NGX_AGAIN : NGX_DONE;
    }

    jc->error = "expected a digit";

    return NGX_ERROR;
}


/* the next byte of true, false or null: NGX_OK when it was the last */

static ngx_int_t
ngx_http_faas_json_literal_byte(ngx_http_faas_json_check_t *jc, u_char c)
{
    ngx_uint_t   n, which;
    const char  *literal;

    which = jc->sub >> 8;
    n = jc->sub & 0xff;
    literal = ngx_http_faas_json_literals[which];

    if (c != (u_char) literal[n]) {
        jc->error = ngx_http_faas_json_literal_errors[which];
        return NGX_ERROR;
    }

    n++;

    if (literal[n] == '\0') {
        return NGX_OK;
    }

    jc->sub = which << 8 | n;

    return NGX_AGAIN;
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


/*
 * The rest of a string 64 bytes at a time, all the events of a block at
 * once: the masks of '"', '\\', control bytes and bytes >= 0x80.  The
 * bytes escaped are those after a run of backslashes of odd length: the
 * start of a run added to the run carries into the byte after it, and
 * the parities of the two say the run's.  An escaped byte must be one of
 * "/bfnrtu (the escaped backslashes are in the runs), four hex digits
 * follow a 'u'; the first '"' not escaped ends the string; UTF-8 is
 * ngx_http_faas_json_utf8_errors()'s.  What goes on past the block (a
 * run of backslashes, a \uXXXX, a UTF-8 sequence) starts the next one.
 * *pp is a byte of the string as it is.  NGX_OK: *pp is after the
 * closing '"'; NGX_AGAIN: *pp starts a block with few events, for the
 * caller's loop; NGX_DECLINED: *pp starts a block that is short or has
 * something wrong in it (the caller reads it byte by byte).
 */

#define NGX_HTTP_FAAS_JSON_EVEN  0x5555555555555555ULL

static ngx_int_t
ngx_http_faas_json_string_blocks(u_char **pp, u_char *last)
{
    int         i;
    u_char     *p, c;
    __m128i     v;
    uint64_t    quote, backslash, low, high, starts, escaped, u, wrong;
    uint64_t    bits;
    ngx_uint_t  cut, len, n;
#if (NGX_HTTP_FAAS_JSON_AVX2)
    static ngx_uint_t  avx2 = (ngx_uint_t) -1;     /* not asked yet */
#endif

    p = *pp;

    while (last - p >= 64) {

        quote = 0;
        backslash = 0;
        low = 0;
        high = 0;

        for (i = 0; i < 64; i += 16) {
            v = _mm_loadu_si128((__m128i *) (p + i));

            quote |= (uint64_t) (unsigned) _mm_movemask_epi8(
                         _mm_cmpeq_epi8(v, _mm_set1_epi8('"'))) << i;
            backslash |= (uint64_t) (unsigned) _mm_movemask_epi8(
                             _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))) << i;

            /* a signed compare: < ' ' and >= 0x80 */
            low |= (uint64_t) (unsigned) _mm_movemask_epi8(
                       _mm_cmplt_epi8(v, _mm_set1_epi8(' '))) << i;
            high |= (uint64_t) (unsigned) _mm_movemask_epi8(v) << i;
        }

        if ((quote | backslash | low) == 0) {
            p += 64;
            continue;
        }

        /* fewer than 4 escapes and UTF-8 bytes: the caller's loop */

        bits = backslash | high;
        bits &= bits - 1;
        bits &= bits - 1;

        if ((bits & (bits - 1)) == 0) {
            *pp = p;
            return NGX_AGAIN;
        }

        wrong = low & ~high;                 /* control characters */
        len = 64;

        if (high != 0) {
#if (NGX_HTTP_FAAS_JSON_AVX2)
            if (avx2 == (ngx_uint_t) -1) {
                __builtin_cpu_init();
                avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
            }

            wrong |= avx2 ? ngx_http_faas_json_utf8_errors_avx2(p, &cut)
                          : ngx_http_faas_json_utf8_errors(p, &cut);
#else
            wrong |= ngx_http_faas_json_utf8_errors(p, &cut);
#endif
            len -= cut;
        }

        escaped = 0;

        if (backslash != 0) {
            starts = backslash & ~(backslash << 1);

            escaped = ((backslash + (starts & NGX_HTTP_FAAS_JSON_EVEN))
                       & ~backslash & ~NGX_HTTP_FAAS_JSON_EVEN)
                      | ((backslash + (starts & ~NGX_HTTP_FAAS_JSON_EVEN))
                         & ~backslash & NGX_HTTP_FAAS_JSON_EVEN);

            /* a run of backslashes at the end may go on: it waits */

            if (backslash >> 63) {
                n = (~backslash == 0)
                    ? 0 : 64 - ngx_http_faas_json_clz64(~backslash);

                if (n < len) {
                    len = n;
                }
            }

            u = 0;

            for (bits = escaped; bits != 0; bits &= bits - 1) {
                n = ngx_http_faas_json_ctz64(bits);
                c = p[n];

                wrong |= (uint64_t) !ngx_http_faas_json_is(c, ESCAPE) << n;
                u |= (uint64_t) (c == 'u') << n;
            }

            if (u != 0) {

                /* a \uXXXX that goes on past the block waits */

                if (u >> 60) {
                    n = ngx_http_faas_json_ctz64(u >> 60) + 60 - 1;

                    if (n < len) {
                        len = n;
                    }

                    u &= ((uint64_t) 1 << 60) - 1;
                }

                wrong |= (u << 1 | u << 2 | u << 3 | u << 4)
                         & ~ngx_http_faas_json_hex(p);
            }
        }

        if (len == 0) {
            *pp = p;
            return NGX_DECLINED;
        }

        if (len < 64) {
            quote &= ((uint64_t) 1 << len) - 1;
        }

        quote &= ~escaped;

        if (quote != 0) {
            n = ngx_http_faas_json_ctz64(quote);

            /* what is wrong before the '"' or at it */

            if (wrong & (((uint64_t) 2 << n) - 1)) {
                *pp = p;
                return NGX_DECLINED;
            }

            *pp = p + n + 1;
            return NGX_OK;
        }

        /*
         * Anything wrong, past len too: an escaped byte there is none
         * of the next block's (a backslash before a cut UTF-8 sequence)
         */

        if (wrong != 0) {
            *pp = p;
            return NGX_DECLINED;
        }

        p += len;
    }

    *pp = p;

    return NGX_DECLINED;
}


/* the hex digits of the 64 at p */

static ngx_inline uint64_t
ngx_http_faas_json_hex(u_char *p)
{
    int       i;
    __m128i   v, d, a;
    uint64_t  hex;

    hex = 0;

    for (i = 0; i < 64; i += 16) {
        v = _mm_loadu_si128((__m128i *) (p + i));

        /* unsigned: v - '0' <= 9, (v | 0x20) - 'a' <= 5 */

        d = _mm_sub_epi8(v, _mm_set1_epi8('0'));
        d = _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d);

        a = _mm_sub_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)),
                         _mm_set1_epi8('a'));
        a = _mm_cmpeq_epi8(_mm_min_epu8(a, _mm_set1_epi8(5)), a);

        hex |= (uint64_t) (unsigned) _mm_movemask_epi8(_mm_or_si128(d, a))
               << i;
    }

    return hex;
}


/*
 * The bytes of the 64 at p that cannot be where they are in UTF-8, with
 * p the start of a sequence (or ASCII): the ranges of RFC 3629, section
 * 4.  A continuation byte is due where a lead byte 1, 2 or 3 bytes
 * before says so, and nowhere else; C0, C1 and F5-FF are never there;
 * the byte after E0, ED, F0 and F4 has a narrower range.  A sequence
 * that goes on past p + 64 is no error here: *cut is how many of its
 * bytes are in the window (0 to 3), the next window starts with it.
 * Bytes are compared as signed: the high ones are negative, and x ^ 0x80
 * turns unsigned order into signed.
 */

#define ngx_http_faas_json_before(v, prev, n)                                \
    _mm_or_si128(_mm_slli_si128(v, n), _mm_srli_si128(prev, 16 - (n)))

#define ngx_http_faas_json_byte(c)  _mm_set1_epi8((char) (c))

static uint64_t
ngx_http_faas_json_utf8_errors(u_char *p, ngx_uint_t *cut)
{
    int        i;
    __m128i    v, u, prev, c0, e0, f0, pc0, pe0, pf0, need, cont, err, p1;
    __m128i    lt_a0, lt_90;
    uint64_t   errors;
    unsigned   last_c0, last_e0, last_f0;

    prev = _mm_setzero_si128();
    pc0 = prev;
    pe0 = prev;
    pf0 = prev;
    c0 = prev;
    e0 = prev;
    f0 = prev;
    errors = 0;

    for (i = 0; i < 64; i += 16) {
        v = _mm_loadu_si128((__m128i *) (p + i));
        u = _mm_xor_si128(v, ngx_http_faas_json_byte(0x80));

        c0 = _mm_cmpgt_epi8(u, ngx_http_faas_json_byte(0xbf ^ 0x80));
        e0 = _mm_cmpgt_epi8(u, ngx_http_faas_json_byte(0xdf ^ 0x80));
        f0 = _mm_cmpgt_epi8(u, ngx_http_faas_json_byte(0xef ^ 0x80));

        need = _mm_or_si128(_mm_or_si128(
                                ngx_http_faas_json_before(c0, pc0, 1),
                                ngx_http_faas_json_before(e0, pe0, 2)),
                            ngx_http_faas_json_before(f0, pf0, 3));

        cont = _mm_andnot_si128(c0, _mm_cmplt_epi8(v, _mm_setzero_si128()));

        err = _mm_xor_si128(need, cont);

        /* C0, C1; F5-FF */

        err = _mm_or_si128(err, _mm_andnot_si128(
                  _mm_cmpgt_epi8(u, ngx_http_faas_json_byte(0xc1 ^ 0x80)),
                  c0));
        err = _mm_or_si128(err,
                  _mm_cmpgt_epi8(u, ngx_http_faas_json_byte(0xf4 ^ 0x80)));

        /* after E0: A0-BF, ED: 80-9F, F0: 90-BF, F4: 80-8F */

        p1 = ngx_http_faas_json_before(v, prev, 1);
        lt_a0 = _mm_cmplt_epi8(v, ngx_http_faas_json_byte(0xa0));
        lt_90 = _mm_cmplt_epi8(v, ngx_http_faas_json_byte(0x90));

        err = _mm_or_si128(err, _mm_and_si128(lt_a0,
                  _mm_cmpeq_epi8(p1, ngx_http_faas_json_byte(0xe0))));
        err = _mm_or_si128(err, _mm_andnot_si128(lt_a0,
                  _mm_cmpeq_epi8(p1, ngx_http_faas_json_byte(0xed))));
        err = _mm_or_si128(err, _mm_and_si128(lt_90,
                  _mm_cmpeq_epi8(p1, ngx_http_faas_json_byte(0xf0))));
        err = _mm_or_si128(err, _mm_andnot_si128(lt_90,
                  _mm_cmpeq_epi8(p1, ngx_http_faas_json_byte(0xf4))));

        errors |= (uint64_t) (unsigned) _mm_movemask_epi8(err) << i;

        prev = v;
        pc0 = c0;
        pe0 = e0;
        pf0 = f0;
    }

    last_c0 = _mm_movemask_epi8(c0);
    last_e0 = _mm_movemask_epi8(e0);
    last_f0 = _mm_movemask_epi8(f0);

    if (last_c0 & 0x8000) {
        *cut = 1;

    } else if (last_e0 & 0x4000) {
        *cut = 2;

    } else if (last_f0 & 0x2000) {
        *cut = 3;

    } else {
        *cut = 0;
    }

    return errors;
}

#undef ngx_http_faas_json_before


#if (NGX_HTTP_FAAS_JSON_AVX2)

/*
 * ngx_http_faas_json_utf8_errors() 32 bytes at a time: the byte 1 to 3
 * before each comes across the halves of a 32-byte register with alignr
 * over the two 16-byte lanes
 */

#define ngx_http_faas_json_before32(v, prev, n)                              \
    _mm256_alignr_epi8(v, _mm256_permute2x128_si256(prev, v, 0x21), 16 - (n))

#define ngx_http_faas_json_byte32(c)  _mm256_set1_epi8((char) (c))

static uint64_t
ngx_http_faas_json_utf8_errors_avx2(u_char *p, ngx_uint_t *cut)
{
    int        i;
    __m256i    v, u, prev, c0, e0, f0, pc0, pe0, pf0, need, cont, err, p1;
    __m256i    lt_a0, lt_90;
    uint64_t   errors, last_c0, last_e0, last_f0;

    prev = _mm256_setzero_si256();
    pc0 = prev;
    pe0 = prev;
    pf0 = prev;
    c0 = prev;
    e0 = prev;
    f0 = prev;
    errors = 0;

    for (i = 0; i < 64; i += 32) {
        v = _mm256_loadu_si256((__m256i *) (p + i));
        u = _mm256_xor_si256(v, ngx_http_faas_json_byte32(0x80));

        c0 = _mm256_cmpgt_epi8(u, ngx_http_faas_json_byte32(0xbf ^ 0x80));
        e0 = _mm256_cmpgt_epi8(u, ngx_http_faas_json_byte32(0xdf ^ 0x80));
        f0 = _mm256_cmpgt_epi8(u, ngx_http_faas_json_byte32(0xef ^ 0x80));

        need = _mm256_or_si256(_mm256_or_si256(
                                   ngx_http_faas_json_before32(c0, pc0, 1),
                                   ngx_http_faas_json_before32(e0, pe0, 2)),
                               ngx_http_faas_json_before32(f0, pf0, 3));

        cont = _mm256_andnot_si256(c0, _mm256_cmpgt_epi8(
                                           _mm256_setzero_si256(), v));

        err = _mm256_xor_si256(need, cont);

        err = _mm256_or_si256(err, _mm256_andnot_si256(
                  _mm256_cmpgt_epi8(u, ngx_http_faas_json_byte32(0xc1 ^ 0x80)),
                  c0));
        err = _mm256_or_si256(err,
                  _mm256_cmpgt_epi8(u, ngx_http_faas_json_byte32(0xf4 ^ 0x80)));

        p1 = ngx_http_faas_json_before32(v, prev, 1);
        lt_a0 = _mm256_cmpgt_epi8(ngx_http_faas_json_byte32(0xa0), v);
        lt_90 = _mm256_cmpgt_epi8(ngx_http_faas_json_byte32(0x90), v);

        err = _mm256_or_si256(err, _mm256_and_si256(lt_a0,
                  _mm256_cmpeq_epi8(p1, ngx_http_faas_json_byte32(0xe0))));
        err = _mm256_or_si256(err, _mm256_andnot_si256(lt_a0,
                  _mm256_cmpeq_epi8(p1, ngx_http_faas_json_byte32(0xed))));
        err = _mm256_or_si256(err, _mm256_and_si256(lt_90,
                  _mm256_cmpeq_epi8(p1, ngx_http_faas_json_byte32(0xf0))));
        err = _mm256_or_si256(err, _mm256_andnot_si256(lt_90,
                  _mm256_cmpeq_epi8(p1, ngx_http_faas_json_byte32(0xf4))));

        errors |= (uint64_t) (uint32_t) _mm256_movemask_epi8(err) << i;

        prev = v;
        pc0 = c0;
        pe0 = e0;
        pf0 = f0;
    }

    last_c0 = (uint32_t) _mm256_movemask_epi8(c0);
    last_e0 = (uint32_t) _mm256_movemask_epi8(e0);
    last_f0 = (uint32_t) _mm256_movemask_epi8(f0);

    if (last_c0 & 0x80000000) {
        *cut = 1;

    } else if (last_e0 & 0x40000000) {
        *cut = 2;

    } else if (last_f0 & 0x20000000) {
        *cut = 3;

    } else {
        *cut = 0;
    }

    return errors;
}

#undef ngx_http_faas_json_before32
#undef ngx_http_faas_json_byte32

#endif

#undef ngx_http_faas_json_byte

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


/*
 * -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?; NULL if bad.
 * A number that reaches last may go on in the next piece: the caller
 * reads it again byte by byte.
 */

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


/*
 * The rest of a run: one space (" : ") costs a test; after a line break,
 * an indent of spaces 8 at a time
 */

static u_char *
ngx_http_faas_json_skip_ws_run(u_char *p, u_char *last)
{
    uint64_t  x;

    if (p < last && !ngx_http_faas_json_is(*p, WS)) {
        return p;
    }

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


/* what closes the container of that depth, 0 at the top */

static ngx_inline u_char
ngx_http_faas_json_close(ngx_http_faas_json_check_t *jc, ngx_uint_t depth)
{
    if (depth == 0) {
        return 0;
    }

    depth--;

    /* ']' is 0x5d, '}' 0x7d */

    return (u_char) (']' | ((jc->stack[depth >> 6] >> (depth & 63)) & 1) << 5);
}


/* n >= 0 in decimal, as much as fits before last */

static u_char *
ngx_http_faas_json_decimal(u_char *p, u_char *last, off_t n)
{
    u_char  *d, digits[NGX_OFF_T_LEN];

    d = digits + NGX_OFF_T_LEN;

    do {
        *--d = (u_char) ('0' + n % 10);
        n /= 10;
    } while (n != 0 && d > digits);

    while (d < digits + NGX_OFF_T_LEN && p < last) {
        *p++ = *d++;
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


static ngx_inline ngx_uint_t
ngx_http_faas_json_clz64(uint64_t x)
{
    ngx_uint_t  n;

    for (n = 0; (x >> 63) == 0; n++) {
        x <<= 1;
    }

    return n;
}

#endif
