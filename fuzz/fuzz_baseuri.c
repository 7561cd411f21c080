
/*
 * ngx_http_faas_baseuri_parse(): a Domain API "baseURI", "host" or
 * "host:port" and nothing else.
 *
 * Checks: an accepted host is the start of the input, non-empty, only
 * [A-Za-z0-9.-], not starting with "." or "-"; the port is from 1 to
 * 65535, 443 when none is given; what follows the host is ":" and the
 * digits of the port or nothing.
 */


#include "fuzz_common.h"
#include "ngx_http_faas_domain.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char      *p, c;
    size_t       i;
    long         n;
    in_port_t    port;
    ngx_int_t    rc;
    ngx_str_t    host;

    p = fuzz_copy(data, size);

    port = 0;
    rc = ngx_http_faas_baseuri_parse(p, size, &host, &port);

    if (rc != NGX_OK) {
        FUZZ_CHECK(rc == NGX_ERROR, "rc %d", (int) rc);
        free(p);
        return 0;
    }

    FUZZ_CHECK(size > 0 && size <= 255, "accepted %zu bytes", size);
    FUZZ_CHECK(host.data == p && host.len > 0 && host.len <= size,
               "host outside the input");
    FUZZ_CHECK(host.data[0] != '.' && host.data[0] != '-',
               "host starts with %c", host.data[0]);

    for (i = 0; i < host.len; i++) {
        c = host.data[i];
        FUZZ_CHECK((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                   || (c >= '0' && c <= '9') || c == '.' || c == '-',
                   "host has byte %02x", c);
    }

    FUZZ_CHECK(port >= 1, "port 0");

    if (host.len == size) {
        FUZZ_CHECK(port == 443, "port %u without a port", port);

    } else {
        FUZZ_CHECK(p[host.len] == ':' && host.len + 1 < size,
                   "no port after the host");

        n = 0;

        for (i = host.len + 1; i < size; i++) {
            FUZZ_CHECK(p[i] >= '0' && p[i] <= '9', "byte %02x in the port",
                       p[i]);
            n = n * 10 + (p[i] - '0');
            FUZZ_CHECK(n <= 65535, "port over 65535");
        }

        FUZZ_CHECK(n == port, "port %u, given %ld", port, n);
    }

    free(p);

    return 0;
}
