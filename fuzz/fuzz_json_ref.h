
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * An independent reader of RFC 8259 for the fuzzers of the module's JSON
 * check: recursive descent, written from the RFC's grammar and Unicode's
 * table 3-7, nothing shared with src/ngx_http_faas_validate.c.  It says
 * whether a body is one JSON value (white space around it, strings of
 * valid UTF-8, nested at most NGX_HTTP_FAAS_JSON_DEPTH deep) and, if not,
 * where it broke and why, by the rule the module promises: the offset of
 * the first byte that no JSON text can have there, or the body's length
 * when it ended too early, with the module's message for it.
 */


#ifndef _FUZZ_JSON_REF_H_INCLUDED_
#define _FUZZ_JSON_REF_H_INCLUDED_


#include <stddef.h>
#include <string.h>


typedef struct {
    const unsigned char  *start;
    const unsigned char  *p;
    const unsigned char  *end;
    size_t                depth;
    int                   surrogate;   /* a \uD800-\uDFFF escape was seen */
    size_t                offset;
    const char           *error;
} fuzz_json_ref_t;


static int fuzz_json_ref_value(fuzz_json_ref_t *r, const char *ended);


/* what the module says when the body ends inside the innermost container */

#define FUZZ_REF_IN_ARRAY   "the body ended inside an array"
#define FUZZ_REF_IN_OBJECT  "the body ended inside an object"


static int
fuzz_json_ref_fail(fuzz_json_ref_t *r, const unsigned char *at,
    const char *error)
{
    r->offset = at - r->start;
    r->error = error;

    return -1;
}


static void
fuzz_json_ref_ws(fuzz_json_ref_t *r)
{
    while (r->p < r->end
           && (*r->p == ' ' || *r->p == '\t' || *r->p == '\r'
               || *r->p == '\n'))
    {
        r->p++;
    }
}


static int
fuzz_json_ref_is_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
           || (c >= 'A' && c <= 'F');
}


/*
 * Unicode 15, table 3-7: how many bytes a sequence led by c has (0: c
 * leads none) and the range of its second byte; the others are 80..BF
 */

static size_t
fuzz_json_ref_lead(unsigned char c, unsigned char *lo, unsigned char *hi)
{
    *lo = 0x80;
    *hi = 0xbf;

    if (c >= 0xc2 && c <= 0xdf) {
        return 2;
    }

    if (c == 0xe0) {
        *lo = 0xa0;
        return 3;
    }

    if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef) {
        return 3;
    }

    if (c == 0xed) {
        *hi = 0x9f;
        return 3;
    }

    if (c == 0xf0) {
        *lo = 0x90;
        return 4;
    }

    if (c >= 0xf1 && c <= 0xf3) {
        return 4;
    }

    if (c == 0xf4) {
        *hi = 0x8f;
        return 4;
    }

    return 0;
}


static int
fuzz_json_ref_string(fuzz_json_ref_t *r)
{
    size_t          n, k;
    unsigned char   c, lo, hi;
    const char     *ended;

    ended = "the body ended inside a string";

    r->p++;     /* '"' */

    for ( ;; ) {
        if (r->p == r->end) {
            return fuzz_json_ref_fail(r, r->end, ended);
        }

        c = *r->p;

        if (c == '"') {
            r->p++;
            return 0;
        }

        if (c == '\\') {
            if (r->end - r->p < 2) {
                return fuzz_json_ref_fail(r, r->end, ended);
            }

            c = r->p[1];

            if (c == 'u') {
                for (k = 2; k < 6; k++) {
                    if (r->p + k == r->end) {
                        return fuzz_json_ref_fail(r, r->end, ended);
                    }

                    if (!fuzz_json_ref_is_hex(r->p[k])) {
                        return fuzz_json_ref_fail(r, r->p + k,
                                                  "expected a hex digit");
                    }
                }

                if ((r->p[2] == 'd' || r->p[2] == 'D')
                    && strchr("89abcdefABCDEF", r->p[3]) != NULL)
                {
                    r->surrogate = 1;
                }

                r->p += 6;
                continue;
            }

            if (c != '"' && c != '\\' && c != '/' && c != 'b' && c != 'f'
                && c != 'n' && c != 'r' && c != 't')
            {
                return fuzz_json_ref_fail(r, r->p + 1, "invalid escape");
            }

            r->p += 2;
            continue;
        }

        if (c < 0x20) {
            return fuzz_json_ref_fail(r, r->p,
                                      "control character in a string");
        }

        if (c < 0x80) {
            r->p++;
            continue;
        }

        n = fuzz_json_ref_lead(c, &lo, &hi);

        if (n == 0) {
            return fuzz_json_ref_fail(r, r->p, "invalid UTF-8");
        }

        for (k = 1; k < n; k++) {
            if (r->p + k == r->end) {
                return fuzz_json_ref_fail(r, r->end, ended);
            }

            c = r->p[k];

            if (c < lo || c > hi) {
                return fuzz_json_ref_fail(r, r->p + k, "invalid UTF-8");
            }

            lo = 0x80;
            hi = 0xbf;
        }

        r->p += n;
    }
}


/* one or more digits */

static int
fuzz_json_ref_digits(fuzz_json_ref_t *r)
{
    if (r->p == r->end) {
        return fuzz_json_ref_fail(r, r->end,
                                  "the body ended inside a number");
    }

    if (*r->p < '0' || *r->p > '9') {
        return fuzz_json_ref_fail(r, r->p, "expected a digit");
    }

    while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
        r->p++;
    }

    return 0;
}


static int
fuzz_json_ref_number(fuzz_json_ref_t *r)
{
    if (*r->p == '-') {
        r->p++;
    }

    if (r->p < r->end && *r->p == '0') {
        r->p++;

    } else if (fuzz_json_ref_digits(r) != 0) {
        return -1;
    }

    if (r->p < r->end && *r->p == '.') {
        r->p++;

        if (fuzz_json_ref_digits(r) != 0) {
            return -1;
        }
    }

    if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
        r->p++;

        if (r->p < r->end && (*r->p == '+' || *r->p == '-')) {
            r->p++;
        }

        if (fuzz_json_ref_digits(r) != 0) {
            return -1;
        }
    }

    return 0;
}


static int
fuzz_json_ref_literal(fuzz_json_ref_t *r, const char *word,
    const char *error)
{
    size_t  k;

    for (k = 1; word[k] != '\0'; k++) {
        if (r->p + k == r->end) {
            return fuzz_json_ref_fail(r, r->end,
                                      "the body ended inside a literal");
        }

        if (r->p[k] != (unsigned char) word[k]) {
            return fuzz_json_ref_fail(r, r->p + k, error);
        }
    }

    r->p += k;

    return 0;
}


static int
fuzz_json_ref_array(fuzz_json_ref_t *r)
{
    r->p++;                             /* '[' */

    fuzz_json_ref_ws(r);

    if (r->p < r->end && *r->p == ']') {
        r->p++;
        return 0;
    }

    for ( ;; ) {
        if (fuzz_json_ref_value(r, FUZZ_REF_IN_ARRAY) != 0) {
            return -1;
        }

        fuzz_json_ref_ws(r);

        if (r->p == r->end) {
            return fuzz_json_ref_fail(r, r->end, FUZZ_REF_IN_ARRAY);
        }

        if (*r->p == ']') {
            r->p++;
            return 0;
        }

        if (*r->p != ',') {
            return fuzz_json_ref_fail(r, r->p, "expected ',' or ']'");
        }

        r->p++;
    }
}


static int
fuzz_json_ref_object(fuzz_json_ref_t *r)
{
    r->p++;                             /* '{' */

    fuzz_json_ref_ws(r);

    if (r->p < r->end && *r->p == '}') {
        r->p++;
        return 0;
    }

    for ( ;; ) {
        fuzz_json_ref_ws(r);

        if (r->p == r->end) {
            return fuzz_json_ref_fail(r, r->end, FUZZ_REF_IN_OBJECT);
        }

        if (*r->p != '"') {
            return fuzz_json_ref_fail(r, r->p, "expected a key");
        }

        if (fuzz_json_ref_string(r) != 0) {
            return -1;
        }

        fuzz_json_ref_ws(r);

        if (r->p == r->end) {
            return fuzz_json_ref_fail(r, r->end, FUZZ_REF_IN_OBJECT);
        }

        if (*r->p != ':') {
            return fuzz_json_ref_fail(r, r->p, "expected ':'");
        }

        r->p++;

        if (fuzz_json_ref_value(r, FUZZ_REF_IN_OBJECT) != 0) {
            return -1;
        }

        fuzz_json_ref_ws(r);

        if (r->p == r->end) {
            return fuzz_json_ref_fail(r, r->end, FUZZ_REF_IN_OBJECT);
        }

        if (*r->p == '}') {
            r->p++;
            return 0;
        }

        if (*r->p != ',') {
            return fuzz_json_ref_fail(r, r->p, "expected ',' or '}'");
        }

        r->p++;
    }
}


/* "ended": what the module says if the body ends where this value is due */

static int
fuzz_json_ref_value(fuzz_json_ref_t *r, const char *ended)
{
    int  rc;

    fuzz_json_ref_ws(r);

    if (r->p == r->end) {
        return fuzz_json_ref_fail(r, r->end, ended);
    }

    switch (*r->p) {

    case '{':
    case '[':
        if (r->depth == NGX_HTTP_FAAS_JSON_DEPTH) {
            return fuzz_json_ref_fail(r, r->p, "nested deeper than 1000");
        }

        r->depth++;
        rc = (*r->p == '{') ? fuzz_json_ref_object(r)
                            : fuzz_json_ref_array(r);
        r->depth--;
        return rc;

    case '"':
        return fuzz_json_ref_string(r);

    case 't':
        return fuzz_json_ref_literal(r, "true", "expected 'true'");

    case 'f':
        return fuzz_json_ref_literal(r, "false", "expected 'false'");

    case 'n':
        return fuzz_json_ref_literal(r, "null", "expected 'null'");

    default:
        if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9')) {
            return fuzz_json_ref_number(r);
        }

        return fuzz_json_ref_fail(r, r->p, "expected a value");
    }
}


/* 0: one JSON value; -1: not (r->offset, r->error) */

static int
fuzz_json_ref_check(fuzz_json_ref_t *r, const unsigned char *p, size_t len)
{
    r->start = p;
    r->p = p;
    r->end = p + len;
    r->depth = 0;
    r->surrogate = 0;
    r->offset = 0;
    r->error = NULL;

    if (fuzz_json_ref_value(r, "the body has no JSON value") != 0) {
        return -1;
    }

    fuzz_json_ref_ws(r);

    if (r->p != r->end) {
        return fuzz_json_ref_fail(r, r->p, "data after the JSON value");
    }

    return 0;
}


#endif /* _FUZZ_JSON_REF_H_INCLUDED_ */
