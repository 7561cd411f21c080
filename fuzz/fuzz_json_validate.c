
/*
 * ngx_http_faas_json_validate(): a request body must be one JSON value
 * (RFC 8259) and white space, its strings valid UTF-8, nested at most
 * NGX_HTTP_FAAS_JSON_DEPTH deep.
 *
 * Checked against a recursive-descent reader written here from the RFC's
 * grammar: both accept the same inputs and, as both read left to right,
 * refuse them for the same reason (the message).  What is accepted and
 * has no \uD800-\uDFFF escape (cJSON refuses lone surrogates, the grammar
 * does not) cJSON parses too, and its printed form is accepted again.
 */


#include "fuzz_common.h"


enum {
    REF_OK = 0,
    REF_SYNTAX,
    REF_UTF8,
    REF_DEPTH,
    REF_TRAILING
};


typedef struct {
    const u_char  *p;
    const u_char  *end;
    ngx_uint_t     depth;
    int            surrogate;
} fuzz_ref_t;


static int fuzz_ref_value(fuzz_ref_t *r);


static void
fuzz_ref_ws(fuzz_ref_t *r)
{
    while (r->p < r->end
           && (*r->p == ' ' || *r->p == '\t' || *r->p == '\r'
               || *r->p == '\n'))
    {
        r->p++;
    }
}


static int
fuzz_ref_hex(u_char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
           || (c >= 'A' && c <= 'F');
}


static int
fuzz_ref_string(fuzz_ref_t *r)
{
    size_t  n, k;

    r->p++;     /* '"' */

    for ( ;; ) {
        if (r->p == r->end) {
            return REF_SYNTAX;
        }

        if (*r->p == '"') {
            r->p++;
            return REF_OK;
        }

        if (*r->p == '\\') {
            if (r->end - r->p < 2) {
                return REF_SYNTAX;
            }

            switch (r->p[1]) {
            case '"': case '\\': case '/': case 'b': case 'f': case 'n':
            case 'r': case 't':
                r->p += 2;
                continue;

            case 'u':
                if (r->end - r->p < 6) {
                    return REF_SYNTAX;
                }

                for (k = 2; k < 6; k++) {
                    if (!fuzz_ref_hex(r->p[k])) {
                        return REF_SYNTAX;
                    }
                }

                if ((r->p[2] == 'd' || r->p[2] == 'D')
                    && strchr("89abcdefABCDEF", r->p[3]) != NULL)
                {
                    r->surrogate = 1;
                }

                r->p += 6;
                continue;

            default:
                return REF_SYNTAX;
            }
        }

        if (*r->p < 0x20) {
            return REF_SYNTAX;
        }

        n = fuzz_utf8_seq(r->p, r->end);
        if (n == 0) {
            return REF_UTF8;
        }

        r->p += n;
    }
}


static int
fuzz_ref_digits(fuzz_ref_t *r)
{
    if (r->p == r->end || *r->p < '0' || *r->p > '9') {
        return 0;
    }

    while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
        r->p++;
    }

    return 1;
}


static int
fuzz_ref_number(fuzz_ref_t *r)
{
    if (*r->p == '-') {
        r->p++;
    }

    if (r->p < r->end && *r->p == '0') {
        r->p++;

    } else if (!fuzz_ref_digits(r)) {
        return REF_SYNTAX;
    }

    if (r->p < r->end && *r->p == '.') {
        r->p++;

        if (!fuzz_ref_digits(r)) {
            return REF_SYNTAX;
        }
    }

    if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
        r->p++;

        if (r->p < r->end && (*r->p == '+' || *r->p == '-')) {
            r->p++;
        }

        if (!fuzz_ref_digits(r)) {
            return REF_SYNTAX;
        }
    }

    return REF_OK;
}


static int
fuzz_ref_container(fuzz_ref_t *r)
{
    int     rc;
    u_char  close;

    if (r->depth >= NGX_HTTP_FAAS_JSON_DEPTH) {
        return REF_DEPTH;
    }

    close = (*r->p == '{') ? '}' : ']';

    r->depth++;
    r->p++;

    fuzz_ref_ws(r);

    if (r->p < r->end && *r->p == close) {
        r->p++;
        r->depth--;
        return REF_OK;
    }

    for ( ;; ) {
        fuzz_ref_ws(r);

        if (close == '}') {
            if (r->p == r->end || *r->p != '"') {
                return REF_SYNTAX;
            }

            rc = fuzz_ref_string(r);
            if (rc != REF_OK) {
                return rc;
            }

            fuzz_ref_ws(r);

            if (r->p == r->end || *r->p != ':') {
                return REF_SYNTAX;
            }

            r->p++;
            fuzz_ref_ws(r);
        }

        rc = fuzz_ref_value(r);
        if (rc != REF_OK) {
            return rc;
        }

        fuzz_ref_ws(r);

        if (r->p == r->end) {
            return REF_SYNTAX;
        }

        if (*r->p == ',') {
            r->p++;
            continue;
        }

        if (*r->p == close) {
            r->p++;
            r->depth--;
            return REF_OK;
        }

        return REF_SYNTAX;
    }
}


static int
fuzz_ref_value(fuzz_ref_t *r)
{
    size_t  left;

    if (r->p == r->end) {
        return REF_SYNTAX;
    }

    left = r->end - r->p;

    switch (*r->p) {

    case '{':
    case '[':
        return fuzz_ref_container(r);

    case '"':
        return fuzz_ref_string(r);

    case 't':
    case 'n':
        if (left < 4 || memcmp(r->p, *r->p == 't' ? "true" : "null", 4)) {
            return REF_SYNTAX;
        }

        r->p += 4;
        return REF_OK;

    case 'f':
        if (left < 5 || memcmp(r->p, "false", 5)) {
            return REF_SYNTAX;
        }

        r->p += 5;
        return REF_OK;

    default:
        if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9')) {
            return fuzz_ref_number(r);
        }

        return REF_SYNTAX;
    }
}


static int
fuzz_ref_document(const u_char *p, size_t len, int *surrogate)
{
    int         rc;
    fuzz_ref_t  r;

    r.p = p;
    r.end = p + len;
    r.depth = 0;
    r.surrogate = 0;

    fuzz_ref_ws(&r);

    rc = fuzz_ref_value(&r);

    if (rc == REF_OK) {
        fuzz_ref_ws(&r);

        if (r.p != r.end) {
            rc = REF_TRAILING;
        }
    }

    *surrogate = r.surrogate;

    return rc;
}


static const char  *fuzz_reasons[] = {
    "accepted", "not valid JSON", "not valid UTF-8", "nests too deep",
    "data after its JSON value"
};


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int          ref, surrogate;
    char        *printed;
    cJSON       *root;
    u_char      *p;
    ngx_int_t    rc;
    const char  *error, *error2;

    p = fuzz_copy(data, size);

    error = NULL;
    rc = ngx_http_faas_json_validate(p, size, &error);

    ref = fuzz_ref_document(p, size, &surrogate);

    FUZZ_CHECK(rc == NGX_OK || rc == NGX_ERROR, "rc %d", (int) rc);

    FUZZ_CHECK((rc == NGX_OK) == (ref == REF_OK),
               "the module says \"%s\", the RFC's grammar \"%s\"",
               rc == NGX_OK ? "accepted" : error, fuzz_reasons[ref]);

    if (rc != NGX_OK) {
        FUZZ_CHECK(error != NULL, "refused without an error");
        FUZZ_CHECK(strstr(error, fuzz_reasons[ref]) != NULL,
                   "the module says \"%s\", the RFC's grammar \"%s\"",
                   error, fuzz_reasons[ref]);
        free(p);
        return 0;
    }

    root = cJSON_ParseWithLength((const char *) p, size);

    FUZZ_CHECK(root != NULL || surrogate,
               "accepted, but cJSON does not parse it");

    if (root == NULL) {
        free(p);
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
    free(p);

    return 0;
}
