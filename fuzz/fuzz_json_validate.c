
/*
 * The request body's JSON check (src/ngx_http_faas_validate.c): a body
 * must be one JSON value (RFC 8259) and white space, its strings valid
 * UTF-8, nested at most NGX_HTTP_FAAS_JSON_DEPTH deep.
 *
 * Checked against the recursive-descent reader of fuzz_json_ref.h,
 * written apart from the module: the same verdict, and for a body that
 * is not JSON the same offset and the same message.  The body is then
 * fed to the check in pieces, split where a hash of the input says (1
 * byte at a time, pieces of 1 to 8, 1 to 80 and 1 to all bytes, empty
 * pieces among them): every split gives the verdict, offset and message
 * of the body in one piece, the piece that fails holds the offset, and
 * nothing is read past a piece or after it was fed (each is an
 * allocation of its own, freed once fed).  What is accepted and has no
 * \uD800-\uDFFF escape (cJSON refuses lone surrogates, the grammar does
 * not) cJSON parses too, and its printed form is accepted again.  The
 * cases of fuzz_json_check_cases.h are checked once, at start.
 */


#include "fuzz_common.h"
#include "ngx_http_faas_validate.h"
#include "fuzz_json_ref.h"
#include "fuzz_json_check_cases.h"


typedef struct {
    ngx_int_t    rc;
    off_t        offset;
    const char  *error;
} fuzz_verdict_t;


static uint64_t  fuzz_rng;


static uint64_t
fuzz_random(void)
{
    /* xorshift64* */

    fuzz_rng ^= fuzz_rng >> 12;
    fuzz_rng ^= fuzz_rng << 25;
    fuzz_rng ^= fuzz_rng >> 27;

    return fuzz_rng * 0x2545f4914f6cdd1dULL;
}


static void
fuzz_one_piece(const u_char *data, size_t size, fuzz_verdict_t *v)
{
    u_char                      *p;
    ngx_http_faas_json_check_t   jc;

    p = fuzz_copy(data, size);

    ngx_http_faas_json_check_init(&jc);

    v->rc = ngx_http_faas_json_check_feed(&jc, p, size);

    FUZZ_CHECK(v->rc == NGX_AGAIN || v->rc == NGX_ERROR, "feed: %d",
               (int) v->rc);

    if (v->rc == NGX_AGAIN) {
        v->rc = ngx_http_faas_json_check_end(&jc);

        FUZZ_CHECK(v->rc == NGX_OK || jc.offset == (off_t) size,
                   "the body ended early, but not at its end: %lld",
                   (long long) jc.offset);
    }

    FUZZ_CHECK(v->rc == NGX_OK || v->rc == NGX_ERROR, "end: %d",
               (int) v->rc);

    v->offset = jc.offset;
    v->error = jc.error;

    free(p);
}


/*
 * The body fed in pieces, "piece" says how long the next one is: the
 * verdict must be "whole", the one of the body in one piece
 */

static void
fuzz_pieces(const u_char *data, size_t size, size_t (*piece)(size_t left),
    fuzz_verdict_t *whole, const char *how)
{
    off_t                        offset;
    size_t                       at, n;
    u_char                      *p;
    ngx_int_t                    rc;
    const char                  *error;
    ngx_http_faas_json_check_t   jc;

    ngx_http_faas_json_check_init(&jc);

    rc = NGX_AGAIN;
    at = 0;

    while (at < size) {
        n = piece(size - at);

        p = fuzz_copy(data + at, n);
        rc = ngx_http_faas_json_check_feed(&jc, p, n);
        free(p);

        if (rc == NGX_ERROR) {
            FUZZ_CHECK((off_t) at <= jc.offset
                       && jc.offset < (off_t) (at + (n ? n : 1)),
                       "%s: the piece at %zu (%zu bytes) failed at %lld",
                       how, at, n, (long long) jc.offset);

            /* and stays failed, where it failed */

            offset = jc.offset;
            error = jc.error;

            FUZZ_CHECK(ngx_http_faas_json_check_feed(&jc, (u_char *) "1", 1)
                       == NGX_ERROR
                       && ngx_http_faas_json_check_end(&jc) == NGX_ERROR
                       && jc.offset == offset && jc.error == error,
                       "%s: fed after an error", how);
            break;
        }

        FUZZ_CHECK(rc == NGX_AGAIN, "%s: feed: %d", how, (int) rc);
        FUZZ_CHECK(jc.offset == (off_t) (at + n), "%s: offset %lld at %zu",
                   how, (long long) jc.offset, at + n);

        at += n;
    }

    if (rc == NGX_AGAIN) {
        rc = ngx_http_faas_json_check_end(&jc);
    }

    FUZZ_CHECK(rc == whole->rc, "%s: %d, in one piece %d (%s at %lld)",
               how, (int) rc, (int) whole->rc,
               whole->rc == NGX_OK ? "" : whole->error,
               (long long) whole->offset);

    if (rc != NGX_OK) {
        FUZZ_CHECK(jc.offset == whole->offset
                   && strcmp(jc.error, whole->error) == 0,
                   "%s: at byte %lld: %s; in one piece at byte %lld: %s",
                   how, (long long) jc.offset, jc.error,
                   (long long) whole->offset, whole->error);
    }
}


static size_t
fuzz_piece_1(size_t left)
{
    return 1;
}


static size_t
fuzz_piece_8(size_t left)
{
    size_t  n;

    n = fuzz_random() % 9;                    /* 0 to 8: empty ones too */

    return (n < left) ? n : left;
}


static size_t
fuzz_piece_80(size_t left)
{
    size_t  n;

    n = 1 + fuzz_random() % 80;

    return (n < left) ? n : left;
}


static size_t
fuzz_piece_any(size_t left)
{
    return 1 + fuzz_random() % left;
}


/* the cases of fuzz_json_check_cases.h, in one piece and split anywhere */

static void
fuzz_cases(void)
{
    char                         want[256];
    size_t                       i, len, at;
    u_char                      *p;
    ngx_int_t                    rc;
    const char                  *error;
    fuzz_verdict_t               v;
    const fuzz_case_t           *c;
    ngx_http_faas_json_check_t   jc;

    for (i = 0; i < sizeof(fuzz_json_check_cases)
                    / sizeof(fuzz_json_check_cases[0]); i++)
    {
        c = &fuzz_json_check_cases[i];
        len = c->len ? c->len : strlen(c->body);

        fuzz_one_piece((const u_char *) c->body, len, &v);

        if (c->offset < 0) {
            FUZZ_CHECK(v.rc == NGX_OK, "case %zu: at byte %lld: %s", i,
                       (long long) v.offset, v.error);

        } else {
            FUZZ_CHECK(v.rc == NGX_ERROR && v.offset == c->offset
                       && strcmp(v.error, c->error) == 0,
                       "case %zu: %s at byte %lld: %s, expected %lld: %s",
                       i, v.rc == NGX_OK ? "accepted" : "refused",
                       (long long) v.offset,
                       v.rc == NGX_OK ? "" : v.error,
                       (long long) c->offset, c->error);
        }

        /* two pieces, split at every byte */

        for (at = 0; at <= len; at++) {
            ngx_http_faas_json_check_init(&jc);

            p = fuzz_copy((const u_char *) c->body, at);
            rc = ngx_http_faas_json_check_feed(&jc, p, at);
            free(p);

            if (rc != NGX_ERROR) {
                p = fuzz_copy((const u_char *) c->body + at, len - at);
                rc = ngx_http_faas_json_check_feed(&jc, p, len - at);
                free(p);
            }

            if (rc != NGX_ERROR) {
                rc = ngx_http_faas_json_check_end(&jc);
            }

            FUZZ_CHECK(rc == v.rc && (rc == NGX_OK
                                      || (jc.offset == v.offset
                                          && strcmp(jc.error, v.error)
                                             == 0)),
                       "case %zu split at %zu: %d at %lld", i, at,
                       (int) rc, (long long) jc.offset);
        }

        fuzz_pieces((const u_char *) c->body, len, fuzz_piece_1, &v,
                    "a case byte by byte");

        /* the one-piece wrapper's message */

        if (v.rc == NGX_ERROR) {
            snprintf(want, sizeof(want),
                     "the request body is not valid JSON at byte %lld: %s",
                     (long long) v.offset, v.error);

            p = fuzz_copy((const u_char *) c->body, len);
            error = NULL;
            rc = ngx_http_faas_json_validate(p, len, &error);
            free(p);

            FUZZ_CHECK(rc == NGX_ERROR && strcmp(error, want) == 0,
                       "case %zu: the wrapper says \"%s\", not \"%s\"", i,
                       rc == NGX_OK ? "" : error, want);
        }
    }
}


/* 1000 levels are fine, the 1001st is refused at its bracket */

static void
fuzz_nesting(void)
{
    size_t          n, i, len;
    u_char         *buf;
    fuzz_verdict_t  v;

    buf = malloc(8 * NGX_HTTP_FAAS_JSON_DEPTH + 8);
    if (buf == NULL) {
        abort();
    }

    for (n = NGX_HTTP_FAAS_JSON_DEPTH - 1; n <= NGX_HTTP_FAAS_JSON_DEPTH + 1;
         n++)
    {
        len = 0;

        for (i = 0; i < n; i++) {
            ngx_memcpy(buf + len, (i % 2) ? "[" : "{\"a\":", (i % 2) ? 1 : 5);
            len += (i % 2) ? 1 : 5;
        }

        buf[len++] = '0';

        for (i = n; i-- > 0; /* void */) {
            buf[len++] = (i % 2) ? ']' : '}';
        }

        fuzz_one_piece(buf, len, &v);

        if (n <= NGX_HTTP_FAAS_JSON_DEPTH) {
            FUZZ_CHECK(v.rc == NGX_OK, "%zu levels: at byte %lld: %s", n,
                       (long long) v.offset, v.error);

        } else {
            FUZZ_CHECK(v.rc == NGX_ERROR
                       && v.offset == 3 * NGX_HTTP_FAAS_JSON_DEPTH
                       && strcmp(v.error, "nested deeper than 1000") == 0,
                       "%zu levels: %d at byte %lld", n, (int) v.rc,
                       (long long) v.offset);
        }

        fuzz_pieces(buf, len, fuzz_piece_1, &v, "nesting byte by byte");
        fuzz_pieces(buf, len, fuzz_piece_80, &v, "nesting in pieces");
    }

    free(buf);
}


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_rng = 1;

    fuzz_cases();
    fuzz_nesting();

    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                   surrogate, k;
    char                 *printed, want[256];
    cJSON                *root;
    size_t                i;
    u_char               *p;
    uint64_t              hash;
    ngx_int_t             rc;
    const char           *error, *error2;
    fuzz_verdict_t        whole;
    fuzz_json_ref_t       ref;

    fuzz_one_piece(data, size, &whole);

    FUZZ_CHECK((fuzz_json_ref_check(&ref, data, size) == 0)
               == (whole.rc == NGX_OK),
               "the module says \"%s\" (at byte %lld), the RFC's grammar "
               "\"%s\" (at byte %zu)",
               whole.rc == NGX_OK ? "accepted" : whole.error,
               (long long) whole.offset,
               ref.error ? ref.error : "accepted", ref.offset);

    surrogate = ref.surrogate;

    if (whole.rc != NGX_OK) {
        FUZZ_CHECK(whole.error != NULL, "refused without an error");
        FUZZ_CHECK(whole.offset == (off_t) ref.offset
                   && strcmp(whole.error, ref.error) == 0,
                   "the module says at byte %lld: %s, the RFC's grammar at "
                   "byte %zu: %s", (long long) whole.offset, whole.error,
                   ref.offset, ref.error);

        /* the one-piece wrapper says the same, with the offset */

        p = fuzz_copy(data, size);
        error = NULL;
        rc = ngx_http_faas_json_validate(p, size, &error);
        free(p);

        snprintf(want, sizeof(want),
                 "the request body is not valid JSON at byte %lld: %s",
                 (long long) whole.offset, whole.error);

        FUZZ_CHECK(rc == NGX_ERROR && error != NULL
                   && strcmp(error, want) == 0,
                   "the wrapper says \"%s\", not \"%s\"",
                   error ? error : "", want);
    }

    /* split points from the input itself: a failure reproduces */

    hash = 0xcbf29ce484222325ULL;

    for (i = 0; i < size; i++) {
        hash = (hash ^ data[i]) * 0x100000001b3ULL;
    }

    fuzz_rng = hash | 1;

    if (size <= 4096) {
        fuzz_pieces(data, size, fuzz_piece_1, &whole, "byte by byte");
    }

    for (k = 0; k < 2; k++) {
        fuzz_pieces(data, size, fuzz_piece_8, &whole, "pieces of 0 to 8");
        fuzz_pieces(data, size, fuzz_piece_80, &whole, "pieces of 1 to 80");
    }

    if (size > 0) {
        fuzz_pieces(data, size, fuzz_piece_any, &whole, "random pieces");
    }

    if (whole.rc != NGX_OK) {
        return 0;
    }

    root = cJSON_ParseWithLength((const char *) data, size);

    FUZZ_CHECK(root != NULL || surrogate,
               "accepted, but cJSON does not parse it");

    if (root == NULL) {
        return 0;
    }

    printed = cJSON_PrintUnformatted(root);

    if (printed) {
        error2 = NULL;
        rc = ngx_http_faas_json_validate((u_char *) printed, strlen(printed),
                                         &error2);
        FUZZ_CHECK(rc == NGX_OK, "cJSON's own output refused: %s: %s",
                   error2, printed);
        cJSON_free(printed);
    }

    cJSON_Delete(root);

    return 0;
}
