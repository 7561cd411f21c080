
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * What the harnesses share.  A failed check prints what was wrong and
 * aborts, which libFuzzer reports as a crash with the input saved.
 */


#ifndef _FUZZ_COMMON_H_INCLUDED_
#define _FUZZ_COMMON_H_INCLUDED_


#include "ngx_http_faas.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>


#define FUZZ_CHECK(cond, ...)                                                 \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, \
                    #cond);                                                   \
            fprintf(stderr, __VA_ARGS__);                                     \
            fprintf(stderr, "\n");                                            \
            abort();                                                          \
        }                                                                     \
    } while (0)


static ngx_log_t  fuzz_log;


/*
 * FUZZ_STRICT=1 in the environment adds checks of what the module does
 * not promise today but what goes on the wire (see the harnesses)
 */

static inline int
fuzz_strict(void)
{
    static int  strict = -1;
    const char *v;

    if (strict == -1) {
        v = getenv("FUZZ_STRICT");
        strict = (v != NULL && v[0] != '\0' && v[0] != '0');
    }

    return strict;
}


static inline ngx_pool_t *
fuzz_pool(void)
{
    ngx_pool_t  *pool;

    pool = ngx_create_pool(NGX_DEFAULT_POOL_SIZE, &fuzz_log);
    if (pool == NULL) {
        abort();
    }

    return pool;
}


/* a copy in its own allocation: reads past it are caught by ASan */

static inline u_char *
fuzz_copy(const uint8_t *data, size_t len)
{
    u_char  *p;

    p = malloc(len ? len : 1);
    if (p == NULL) {
        abort();
    }

    if (len) {
        memcpy(p, data, len);
    }

    return p;
}


/*
 * The length of the well-formed UTF-8 sequence at p (Unicode 15, table
 * 3-7, byte ranges rather than decoded values, so written apart from the
 * module's own check), 0 when there is none.
 */

static inline size_t
fuzz_utf8_seq(const u_char *p, const u_char *end)
{
    size_t  n, k;
    u_char  c, lo, hi;

    c = *p;

    if (c <= 0x7f) {
        return 1;
    }

    lo = 0x80;
    hi = 0xbf;

    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;

    } else if (c == 0xe0) {
        n = 3; lo = 0xa0;

    } else if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef) {
        n = 3;

    } else if (c == 0xed) {
        n = 3; hi = 0x9f;

    } else if (c == 0xf0) {
        n = 4; lo = 0x90;

    } else if (c >= 0xf1 && c <= 0xf3) {
        n = 4;

    } else if (c == 0xf4) {
        n = 4; hi = 0x8f;

    } else {
        return 0;
    }

    if ((size_t) (end - p) < n || p[1] < lo || p[1] > hi) {
        return 0;
    }

    for (k = 2; k < n; k++) {
        if (p[k] < 0x80 || p[k] > 0xbf) {
            return 0;
        }
    }

    return n;
}


static inline int
fuzz_utf8_valid(const u_char *p, size_t len)
{
    size_t         n;
    const u_char  *end;

    for (end = p + len; p < end; p += n) {
        n = fuzz_utf8_seq(p, end);
        if (n == 0) {
            return 0;
        }
    }

    return 1;
}


/* the next piece of a multi-string input: a length byte, then the bytes */

static inline void
fuzz_take(const uint8_t **data, size_t *size, ngx_str_t *s)
{
    size_t  n;

    if (*size == 0) {
        s->data = (u_char *) "";
        s->len = 0;
        return;
    }

    n = **data;
    (*data)++;
    (*size)--;

    if (n > *size) {
        n = *size;
    }

    s->data = (u_char *) *data;
    s->len = n;

    *data += n;
    *size -= n;
}


#endif /* _FUZZ_COMMON_H_INCLUDED_ */
