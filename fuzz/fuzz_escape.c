
/*
 * ngx_http_faas_json_escape(), ngx_http_faas_utf8_valid() and
 * ngx_http_faas_form_escape() on any bytes.
 *
 * Checks: the size json_escape counts with dst NULL is the size it writes
 * (into an allocation of exactly that size); "..." around the output is
 * one JSON string for cJSON, valid UTF-8, and the input itself when that
 * is valid UTF-8 without NUL; utf8_valid agrees with a strict decoder
 * written apart; form_escape writes only unreserved characters and %XX,
 * which decode to the input.
 */


#include "fuzz_common.h"
#include "ngx_http_faas_escape.h"


static int
fuzz_hex(u_char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }

    return -1;
}


static void
fuzz_json_escape(u_char *src, size_t len)
{
    cJSON   *root;
    u_char  *dst, *q;
    size_t   n, written;
    int      valid;

    valid = fuzz_utf8_valid(src, len);

    FUZZ_CHECK(ngx_http_faas_utf8_valid(src, len) == (ngx_uint_t) valid,
               "utf8_valid says %d, a strict decoder %d",
               (int) ngx_http_faas_utf8_valid(src, len), valid);

    n = ngx_http_faas_json_escape(NULL, src, len);

    /* exactly the size counted: a write past it is caught by ASan */
    dst = malloc(n ? n : 1);
    if (dst == NULL) {
        abort();
    }

    written = ngx_http_faas_json_escape(dst, src, len);

    FUZZ_CHECK(written == n, "counted %zu, wrote %zu", n, written);

    q = malloc(n + 2);
    if (q == NULL) {
        abort();
    }

    q[0] = '"';
    memcpy(q + 1, dst, n);
    q[n + 1] = '"';

    root = cJSON_ParseWithLength((const char *) q, n + 2);

    FUZZ_CHECK(cJSON_IsString(root), "not a JSON string: %.*s",
               (int) (n + 2), q);

    if (memchr(src, '\0', len) == NULL) {
        FUZZ_CHECK(fuzz_utf8_valid((u_char *) root->valuestring,
                                   strlen(root->valuestring)),
                   "the string is not valid UTF-8");

        if (valid) {
            FUZZ_CHECK(strlen(root->valuestring) == len
                       && memcmp(root->valuestring, src, len) == 0,
                       "valid UTF-8 changed");
        }
    }

    cJSON_Delete(root);
    free(q);
    free(dst);
}


static void
fuzz_form_escape(u_char *src, size_t len)
{
    u_char     *dst, c;
    size_t      n, i, k;
    ngx_str_t   s;
    int         hi, lo;

    s.data = src;
    s.len = len;

    dst = malloc(3 * len + 1);
    if (dst == NULL) {
        abort();
    }

    n = ngx_http_faas_form_escape(dst, &s);

    FUZZ_CHECK(n <= 3 * len, "wrote %zu for %zu", n, len);

    for (i = 0, k = 0; i < n; k++) {
        FUZZ_CHECK(k < len, "more output than input");

        c = dst[i];

        if (c == '%') {
            FUZZ_CHECK(i + 2 < n, "a cut %%XX");
            hi = fuzz_hex(dst[i + 1]);
            lo = fuzz_hex(dst[i + 2]);
            FUZZ_CHECK(hi >= 0 && lo >= 0, "not %%XX");
            c = (u_char) (hi * 16 + lo);
            i += 3;

        } else {
            FUZZ_CHECK((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                       || (c >= '0' && c <= '9') || c == '-' || c == '.'
                       || c == '_' || c == '~', "byte %02x unescaped", c);
            i++;
        }

        FUZZ_CHECK(c == src[k], "byte %zu decodes to %02x, was %02x", k, c,
                   src[k]);
    }

    FUZZ_CHECK(k == len, "output decodes to %zu bytes of %zu", k, len);

    free(dst);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char  *p;

    p = fuzz_copy(data, size);

    fuzz_json_escape(p, size);
    fuzz_form_escape(p, size);

    free(p);

    return 0;
}
