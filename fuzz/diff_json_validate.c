
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * The request body's JSON check of today against the reader of RFC 8259
 * in fuzz_json_ref.h (the same verdict, offset and message for every
 * input) and against an earlier version of the check (the same verdict;
 * its messages had no offset).  Built by fuzz/diff-json-validate, which
 * compiles the earlier source as diff_old_validate() and today's four
 * times: with SSE2 (x86-64; AVX2 for UTF-8 where the CPU has it), with
 * SSE2 only, without SSE2 (8-byte words) and without the little-endian
 * word code (byte by byte), as diff_sse2_*(), diff_sse2only_*(),
 * diff_swar_*() and diff_bytes_*().  Each build checks every input in one
 * piece and fed in pieces split at random (1 byte, 1 to 8, 1 to 100,
 * anything), every piece copied right before an unreadable page just
 * before it is fed, over the last one: the check must read neither past
 * a piece nor a piece again.  The cases of fuzz_json_check_cases.h are
 * checked first, split in two at every byte.
 *
 *   diff_json_validate [SEED_FILE ...]
 *
 * DIFF_ROUNDS (200000) random documents, each mutated 8 times in a row;
 * DIFF_SEED seeds the random numbers; DIFF_NO_EXHAUSTIVE=1 leaves out
 * part 2.
 *
 * The inputs, each placed so that it ends right before a page with no
 * access (a read past the end is a crash):
 *
 *   1. each seed file, all of it, and cut: every prefix and suffix up
 *      to 4 KB long, and every one 4 KB shorter than the seed at most
 *      (256 bytes for a seed over 64 KB);
 *   2. every string "XYZ" of 3 bytes, and every "X" "WXYZ" whose X is a
 *      4-byte UTF-8 lead (0xf0-0xf4), each once near the end of the
 *      body and once with 64 bytes and more after it;
 *   3. nesting around NGX_HTTP_FAAS_JSON_DEPTH;
 *   4. random JSON documents (white space, escapes, UTF-8, numbers,
 *      literals, nesting) and mutations of them and of the seeds: bytes
 *      replaced, inserted and removed, with weight on '"', '\\', control
 *      bytes, UTF-8 leads and continuations, and on positions near 16-
 *      and 64-byte boundaries; every prefix of some of them.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_faas.h"
#include "ngx_http_faas_validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "fuzz_json_ref.h"
#include "fuzz_json_check_cases.h"


#define DIFF_BUILD(name)                                                      \
    void diff_##name##_init(ngx_http_faas_json_check_t *jc);                  \
    ngx_int_t diff_##name##_feed(ngx_http_faas_json_check_t *jc,              \
        u_char *data, size_t len);                                            \
    ngx_int_t diff_##name##_end(ngx_http_faas_json_check_t *jc);              \
    ngx_int_t diff_##name##_validate(u_char *data, size_t len,                \
        const char **error);

DIFF_BUILD(sse2)
DIFF_BUILD(sse2only)
DIFF_BUILD(swar)
DIFF_BUILD(bytes)

ngx_int_t diff_old_validate(u_char *data, size_t len, const char **error);


#define DIFF_MAX  (4 * 1024 * 1024)


typedef struct {
    const char   *name;
    void        (*init)(ngx_http_faas_json_check_t *jc);
    ngx_int_t   (*feed)(ngx_http_faas_json_check_t *jc, u_char *data,
                        size_t len);
    ngx_int_t   (*end)(ngx_http_faas_json_check_t *jc);
    ngx_int_t   (*validate)(u_char *data, size_t len, const char **error);
} diff_build_t;


#define DIFF_FUNCTIONS(name)                                                  \
    { #name, diff_##name##_init, diff_##name##_feed, diff_##name##_end,       \
      diff_##name##_validate }

static diff_build_t  diff_builds[] = {
    DIFF_FUNCTIONS(sse2),
    DIFF_FUNCTIONS(sse2only),
    DIFF_FUNCTIONS(swar),
    DIFF_FUNCTIONS(bytes)
};


static u_char      *diff_area;          /* DIFF_MAX bytes, then no access */
static uint64_t     diff_count;
static uint64_t     diff_ok;
static uint64_t     diff_pieces;
static uint64_t     diff_rng = 0x9e3779b97f4a7c15ULL;


static uint64_t diff_random(void);
static size_t diff_below(size_t n);


static void
diff_fail(const u_char *body, size_t len, const char *what, const char *how,
    const char *got, const char *want)
{
    FILE  *f;

    fprintf(stderr, "MISMATCH (%s, %s) after %llu inputs, %zu bytes: %s; "
            "expected %s; input in diff-failure.bin\n", what, how,
            (unsigned long long) diff_count, len, got, want);

    f = fopen("diff-failure.bin", "wb");
    if (f != NULL) {
        fwrite(body, 1, len, f);
        fclose(f);
    }

    exit(1);
}


static void
diff_say(char *buf, size_t size, ngx_int_t rc, off_t offset,
    const char *error)
{
    if (rc == NGX_OK) {
        snprintf(buf, size, "accepted");

    } else {
        snprintf(buf, size, "at byte %lld: %s", (long long) offset,
                 error ? error : "(no message)");
    }
}


/*
 * One build fed the body in pieces: "how" 0 one piece, 1 one byte at a
 * time, 2 1 to 8 bytes, 3 1 to 100, 4 anything.  Each piece goes to the
 * end of the area right before it is fed.
 */

static ngx_int_t
diff_feed(diff_build_t *b, const u_char *data, size_t len, int how,
    ngx_http_faas_json_check_t *jc)
{
    size_t      at, n;
    ngx_int_t   rc;

    b->init(jc);

    rc = NGX_AGAIN;

    for (at = 0; at < len && rc == NGX_AGAIN; at += n) {
        switch (how) {
        case 0:
            n = len;
            break;
        case 1:
            n = 1;
            break;
        case 2:
            n = 1 + diff_below(8);
            break;
        case 3:
            n = 1 + diff_below(100);
            break;
        default:
            n = 1 + diff_below(len - at);
        }

        if (n > len - at) {
            n = len - at;
        }

        memmove(diff_area + DIFF_MAX - n, data + at, n);
        rc = b->feed(jc, diff_area + DIFF_MAX - n, n);
        diff_pieces++;
    }

    if (rc == NGX_AGAIN) {
        rc = b->end(jc);
    }

    return rc;
}


/* one input: the reader, the old version and every build of today's */

static void
diff_check(const u_char *data, size_t len)
{
    int                          how, k;
    char                         got[256], want[256];
    u_char                      *body;
    ngx_int_t                    rc, brc, old;
    ngx_uint_t                   i;
    const char                  *e;
    fuzz_json_ref_t              ref;
    ngx_http_faas_json_check_t   jc;

    static const char  *hows[] = {
        "one piece", "byte by byte", "pieces of 1 to 8",
        "pieces of 1 to 100", "random pieces"
    };

    if (len > DIFF_MAX) {
        len = DIFF_MAX;
    }

    body = diff_area + DIFF_MAX - len;
    memmove(body, data, len);

    rc = (fuzz_json_ref_check(&ref, body, len) == 0) ? NGX_OK : NGX_ERROR;
    diff_say(want, sizeof(want), rc, ref.offset, ref.error);

    e = NULL;
    old = diff_old_validate(body, len, &e);

    if (old != rc) {
        diff_say(got, sizeof(got), old, -1, e);
        diff_fail(data, len, "old", "one piece", got, want);
    }

    for (i = 0; i < sizeof(diff_builds) / sizeof(diff_builds[0]); i++) {

        /* in one piece, then split as the random numbers say */

        for (k = 0; k < 2; k++) {
            how = 0;

            if (k == 1) {
                how = (len <= 256 && diff_below(4) == 0)
                      ? 1 : 2 + (int) diff_below(3);
            }

            brc = diff_feed(&diff_builds[i], data, len, how, &jc);

            if (brc != rc
                || (rc != NGX_OK
                    && (jc.offset != (off_t) ref.offset
                        || strcmp(jc.error, ref.error) != 0)))
            {
                diff_say(got, sizeof(got), brc, jc.offset, jc.error);
                diff_fail(data, len, diff_builds[i].name, hows[how], got,
                          want);
            }
        }

        /* the one-piece wrapper, now and then */

        if (rc != NGX_OK && diff_below(16) == 0) {
            memmove(body, data, len);

            e = NULL;
            (void) diff_builds[i].validate(body, len, &e);

            snprintf(got, sizeof(got),
                     "the request body is not valid JSON at byte %zu: %s",
                     ref.offset, ref.error);

            if (e == NULL || strcmp(e, got) != 0) {
                diff_fail(data, len, diff_builds[i].name, "the wrapper",
                          e ? e : "(none)", got);
            }
        }
    }

    diff_count++;
    diff_ok += (rc == NGX_OK);
}


/* the cases: in one piece, split in two at every byte, byte by byte */

static void
diff_cases(void)
{
    char                         got[256], want[256];
    size_t                       k, len, at;
    ngx_int_t                    rc;
    ngx_uint_t                   i;
    const fuzz_case_t           *c;
    ngx_http_faas_json_check_t   jc;

    for (k = 0; k < sizeof(fuzz_json_check_cases)
                    / sizeof(fuzz_json_check_cases[0]); k++)
    {
        c = &fuzz_json_check_cases[k];
        len = c->len ? c->len : strlen(c->body);

        diff_say(want, sizeof(want), (c->offset < 0) ? NGX_OK : NGX_ERROR,
                 c->offset, c->error);

        for (i = 0; i < sizeof(diff_builds) / sizeof(diff_builds[0]); i++) {
            for (at = 0; at <= len; at++) {
                diff_builds[i].init(&jc);

                memmove(diff_area + DIFF_MAX - at, c->body, at);
                rc = diff_builds[i].feed(&jc, diff_area + DIFF_MAX - at, at);

                if (rc == NGX_AGAIN) {
                    memmove(diff_area + DIFF_MAX - (len - at), c->body + at,
                            len - at);
                    rc = diff_builds[i].feed(&jc,
                                             diff_area + DIFF_MAX - (len - at),
                                             len - at);
                }

                if (rc == NGX_AGAIN) {
                    rc = diff_builds[i].end(&jc);
                }

                diff_say(got, sizeof(got), rc, jc.offset, jc.error);

                if (strcmp(got, want) != 0) {
                    fprintf(stderr, "case %zu split at %zu: ", k, at);
                    diff_fail((const u_char *) c->body, len,
                              diff_builds[i].name, "a case", got, want);
                }
            }
        }

        diff_check((const u_char *) c->body, len);
    }
}


static uint64_t
diff_random(void)
{
    /* xorshift64* */

    diff_rng ^= diff_rng >> 12;
    diff_rng ^= diff_rng << 25;
    diff_rng ^= diff_rng >> 27;

    return diff_rng * 0x2545f4914f6cdd1dULL;
}


static size_t
diff_below(size_t n)
{
    return n ? diff_random() % n : 0;
}


/* -- 1. seeds, their prefixes and suffixes --------------------------- */

static void
diff_ends(const u_char *data, size_t len, size_t span)
{
    size_t  n;

    for (n = 0; n <= len && n <= span; n++) {
        diff_check(data, n);                     /* prefixes */
        diff_check(data + len - n, n);           /* suffixes */
    }

    /* whole bodies cut short: fewer of them when they are large */

    if (len > 16 * span) {
        span /= 16;
    }

    for (n = (len > span) ? len - span : 0; n <= len; n++) {
        diff_check(data, n);
        diff_check(data + len - n, n);
    }
}


/* -- 2. short strings, exhaustively ------------------------------------ */

static void
diff_strings(void)
{
    int      pad;
    size_t   len, head;
    u_char   buf[128];
    uint32_t x;

    for (pad = 0; pad < 2; pad++) {

        /* "XYZ" */

        for (x = 0; x < (1U << 24); x++) {
            len = 0;
            buf[len++] = '"';
            buf[len++] = (u_char) (x >> 16);
            buf[len++] = (u_char) (x >> 8);
            buf[len++] = (u_char) x;
            buf[len++] = '"';

            if (pad) {
                memset(buf + len, ' ', 70);
                len += 70;
            }

            diff_check(buf, len);
        }

        /* "X" then 4 bytes led by 0xf0-0xf4: every 4-byte sequence */

        for (x = 0; x < 5U << 24; x++) {
            head = 0;
            buf[head++] = '[';
            buf[head++] = '"';
            buf[head++] = 'a';
            buf[head++] = (u_char) (0xf0 + (x >> 24));
            buf[head++] = (u_char) (x >> 16);
            buf[head++] = (u_char) (x >> 8);
            buf[head++] = (u_char) x;
            buf[head++] = '"';
            buf[head++] = ']';
            len = head;

            if (pad) {
                memset(buf + len, '\n', 64);
                len += 64;
            }

            diff_check(buf, len);
        }
    }
}


/* -- 3. nesting --------------------------------------------------------- */

static void
diff_nesting(void)
{
    size_t   n, i, len;
    u_char  *buf;

    buf = malloc(8 * NGX_HTTP_FAAS_JSON_DEPTH);
    if (buf == NULL) {
        exit(2);
    }

    for (n = NGX_HTTP_FAAS_JSON_DEPTH - 2; n <= NGX_HTTP_FAAS_JSON_DEPTH + 2;
         n++)
    {
        /* [[[...]]], {"a":{"a":...}}, and both cut short */

        len = 0;

        for (i = 0; i < n; i++) {
            buf[len++] = '[';
        }

        for (i = 0; i < n; i++) {
            buf[len++] = ']';
        }

        diff_check(buf, len);
        diff_check(buf, n);
        diff_check(buf, n + 1);

        len = 0;

        for (i = 0; i < n; i++) {
            memcpy(buf + len, "{\"a\":", 5);
            len += 5;
        }

        buf[len++] = '1';

        for (i = 0; i < n; i++) {
            buf[len++] = '}';
        }

        diff_check(buf, len);
        diff_check(buf, len - 1);
        diff_check(buf, 5 * n);
    }

    free(buf);
}


/* -- 4. random documents and mutations ---------------------------------- */

typedef struct {
    u_char  *p;
    u_char  *end;
} diff_out_t;


static void
diff_put(diff_out_t *o, const char *s, size_t n)
{
    if ((size_t) (o->end - o->p) > n) {
        memcpy(o->p, s, n);
        o->p += n;
    }
}


static void
diff_gen_ws(diff_out_t *o)
{
    const char         *s;
    static const char  *ws[] = { "", "", "", " ", "\n", "\n    ",
                                 "\n          ", "\t", "\r\n", "  " };

    s = ws[diff_below(10)];
    diff_put(o, s, strlen(s));
}


static void
diff_gen_string(diff_out_t *o)
{
    size_t              n, i;
    const char         *s;
    static const char  *parts[] = {
        "a", "id", "sku", "hello world", "\\n", "\\\"", "\\\\", "\\/",
        "\\u00e9", "\\uD83D\\uDE00", "\\u12aF", "\xc3\xa9", "\xe6\x97\xa5",
        "\xf0\x9f\x98\x80", "\xed\x9f\xbf", "\xee\x80\x80", "\xf4\x8f\xbf\xbf",
        "\x7f", "~", "0123456789abcdef", " ",

        /* for the blocks of dense strings: runs of backslashes, to past 64 */
        "\\\\\\\\\\\\\\\\", "\\\\\\\\\\\\\\\\\\\\"
        "\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\"
        "\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\"
        "\\\\\\\\",
        "\\n\\t\\\"\\u00e9\\\\\\/\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80"
    };

    diff_put(o, "\"", 1);

    switch (diff_below(4)) {
    case 0:
        n = 0;
        break;
    case 1:
        n = 1 + diff_below(4);
        break;
    case 2:
        n = 1 + diff_below(40);
        break;
    default:
        n = 1 + diff_below(300);
    }

    for (i = 0; i < n; i++) {
        s = parts[diff_below(sizeof(parts) / sizeof(parts[0]))];
        diff_put(o, s, strlen(s));
    }

    diff_put(o, "\"", 1);
}


static void
diff_gen_value(diff_out_t *o, int depth)
{
    size_t              n, i;
    static const char  *numbers[] = {
        "0", "1", "-1", "12345", "1.37", "-0.5", "1e10", "2E-3", "6.02e+23",
        "100000000000000000000", "0.000001", "-123.456e789"
    };

    switch (diff_below(depth > 6 ? 4 : 6)) {

    case 0:
        diff_gen_string(o);
        break;

    case 1:
        i = diff_below(12);
        diff_put(o, numbers[i], strlen(numbers[i]));
        break;

    case 2:
        switch (diff_below(3)) {
        case 0: diff_put(o, "true", 4); break;
        case 1: diff_put(o, "false", 5); break;
        default: diff_put(o, "null", 4);
        }
        break;

    case 3:
        diff_gen_string(o);
        break;

    case 4:
        diff_put(o, "[", 1);
        n = diff_below(6);

        for (i = 0; i < n; i++) {
            if (i) {
                diff_put(o, ",", 1);
            }

            diff_gen_ws(o);
            diff_gen_value(o, depth + 1);
            diff_gen_ws(o);
        }

        diff_put(o, "]", 1);
        break;

    default:
        diff_put(o, "{", 1);
        n = diff_below(6);

        for (i = 0; i < n; i++) {
            if (i) {
                diff_put(o, ",", 1);
            }

            diff_gen_ws(o);
            diff_gen_string(o);
            diff_gen_ws(o);
            diff_put(o, ":", 1);
            diff_gen_ws(o);
            diff_gen_value(o, depth + 1);
            diff_gen_ws(o);
        }

        diff_put(o, "}", 1);
    }
}


static size_t
diff_gen(u_char *buf, size_t size)
{
    diff_out_t  o;

    o.p = buf;
    o.end = buf + size;

    diff_gen_ws(&o);
    diff_gen_value(&o, 0);
    diff_gen_ws(&o);

    return o.p - buf;
}


static u_char
diff_byte(void)
{
    static const u_char  bytes[] = {
        '"', '\\', 'u', '/', 'n', 't', ',', ':', '[', ']', '{', '}', ' ',
        '\n', '\t', '\r', '0', '9', '-', '.', 'e', 'a', 'F', 'x', 0x00, 0x01,
        0x1f, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2,
        0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff
    };

    if (diff_below(4) == 0) {
        return (u_char) diff_random();
    }

    return bytes[diff_below(sizeof(bytes))];
}


/* a position, often near a 16- or 64-byte boundary from either end */

static size_t
diff_position(size_t len)
{
    size_t  b, k;

    if (len == 0) {
        return 0;
    }

    switch (diff_below(3)) {

    case 0:
        return diff_below(len);

    case 1:
        b = (diff_below(2) ? 16 : 64) * (1 + diff_below(len / 16 + 1));
        k = b + diff_below(5) - 2;
        return (k < len) ? k : diff_below(len);

    default:
        b = (diff_below(2) ? 16 : 64) * (1 + diff_below(4));
        k = b + diff_below(5) - 2;
        return (k < len) ? len - 1 - k : diff_below(len);
    }
}


static size_t
diff_mutate(u_char *buf, size_t len, size_t size)
{
    size_t  n, i, at;

    n = 1 + diff_below(diff_below(4) ? 2 : 8);

    for (i = 0; i < n; i++) {
        at = diff_position(len);

        switch (diff_below(4)) {

        case 0:                                     /* insert */
            if (len < size) {
                memmove(buf + at + 1, buf + at, len - at);
                buf[at] = diff_byte();
                len++;
            }
            break;

        case 1:                                     /* remove */
            if (len > 0) {
                memmove(buf + at, buf + at + 1, len - at - 1);
                len--;
            }
            break;

        default:                                    /* replace */
            if (len > 0) {
                buf[at] = diff_byte();
            }
        }
    }

    return len;
}


static void
diff_random_inputs(u_char **seeds, size_t *seed_lens, int nseeds,
    uint64_t rounds)
{
    size_t     len, size, n, k, at, mutated;
    u_char    *buf;
    uint64_t   r, generated, accepted;

    size = 2 * DIFF_MAX;

    buf = malloc(size);
    if (buf == NULL) {
        exit(2);
    }

    generated = 0;
    accepted = 0;

    for (r = 0; r < rounds; r++) {

        if (nseeds > 0 && diff_below(8) == 0) {
            n = diff_below(nseeds);
            len = seed_lens[n];

            /* a window of a seed, so that mutations stay cheap */

            if (len > 8192 && diff_below(2)) {
                at = diff_below(len - 4096);
                len = 4096;
                memcpy(buf, seeds[n] + at, len);

            } else {
                memcpy(buf, seeds[n], len);
            }

            diff_check(buf, len);

        } else {
            len = diff_gen(buf, 65536);

            n = diff_ok;
            diff_check(buf, len);

            generated++;
            accepted += (diff_ok != n);
        }

        for (n = 0; n < 8; n++) {
            mutated = diff_mutate(buf, len, 65536 + len);

            diff_check(buf, mutated);

            if (r % 64 == 0 && mutated <= 2048) {
                for (k = 0; k < mutated; k++) {
                    diff_check(buf, k);
                }
            }

            len = mutated;
        }
    }

    printf("generated documents: %llu, accepted: %llu\n",
           (unsigned long long) generated, (unsigned long long) accepted);

    free(buf);
}


static u_char *
diff_read(const char *file, size_t *len)
{
    FILE    *f;
    long     n;
    u_char  *buf;

    f = fopen(file, "rb");
    if (f == NULL) {
        perror(file);
        exit(2);
    }

    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);

    buf = malloc(n ? n : 1);
    if (buf == NULL || fread(buf, 1, n, f) != (size_t) n) {
        exit(2);
    }

    fclose(f);

    *len = n;

    return buf;
}


int
main(int argc, char **argv)
{
    int        i, nseeds;
    char      *env;
    size_t    *lens;
    u_char   **seeds;
    uint64_t   rounds, before;

    i = 1;

    env = getenv("DIFF_ROUNDS");
    rounds = env ? strtoull(env, NULL, 10) : 200000;

    env = getenv("DIFF_SEED");
    if (env != NULL) {
        diff_rng = strtoull(env, NULL, 10) | 1;
    }

    diff_area = mmap(NULL, DIFF_MAX + 4096, PROT_READ|PROT_WRITE,
                     MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
    if (diff_area == MAP_FAILED
        || mprotect(diff_area + DIFF_MAX, 4096, PROT_NONE) != 0)
    {
        perror("mmap");
        return 2;
    }

    nseeds = argc - i;
    seeds = malloc((nseeds + 1) * sizeof(u_char *));
    lens = malloc((nseeds + 1) * sizeof(size_t));
    if (seeds == NULL || lens == NULL) {
        return 2;
    }

    before = diff_count;
    diff_cases();
    printf("cases: %llu\n", (unsigned long long) (diff_count - before));
    fflush(stdout);

    before = diff_count;

    for (nseeds = 0; i < argc; i++, nseeds++) {
        seeds[nseeds] = diff_read(argv[i], &lens[nseeds]);
        diff_ends(seeds[nseeds], lens[nseeds], 4096);
        diff_check(seeds[nseeds], lens[nseeds]);
    }

    printf("seeds, prefixes, suffixes: %llu inputs\n",
           (unsigned long long) (diff_count - before));
    fflush(stdout);

    before = diff_count;
    diff_nesting();
    printf("nesting: %llu inputs\n",
           (unsigned long long) (diff_count - before));
    fflush(stdout);

    before = diff_count;
    diff_random_inputs(seeds, lens, nseeds, rounds);
    printf("random documents and mutations: %llu inputs (%llu rounds)\n",
           (unsigned long long) (diff_count - before),
           (unsigned long long) rounds);
    fflush(stdout);

    if (getenv("DIFF_NO_EXHAUSTIVE") == NULL) {
        before = diff_count;
        diff_strings();
        printf("short strings, exhaustive: %llu inputs\n",
               (unsigned long long) (diff_count - before));
    }

    printf("all the same: %llu inputs (%llu accepted), %llu pieces fed: "
           "the RFC 8259 reader, the old check's verdict, 4 builds of "
           "today's in one piece and in pieces\n",
           (unsigned long long) diff_count, (unsigned long long) diff_ok,
           (unsigned long long) diff_pieces);

    while (nseeds--) {
        free(seeds[nseeds]);
    }

    free(seeds);
    free(lens);

    return 0;
}
