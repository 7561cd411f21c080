
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * What a resolver answered, as addresses to connect to: for the gateway's
 * peers and for the module's own client alike.
 */


#include "ngx_http_faas.h"
#include "ngx_http_faas_resolve.h"


/* the addresses a resolver answered, with the port: NULL, no memory */

ngx_addr_t *
ngx_http_faas_resolved_addrs(ngx_pool_t *pool, ngx_resolver_ctx_t *rctx,
    in_port_t port)
{
    ngx_uint_t        i;
    ngx_addr_t       *addrs;
    struct sockaddr  *sa;
    u_char            text[NGX_SOCKADDR_STRLEN];

    addrs = ngx_pcalloc(pool, rctx->naddrs * sizeof(ngx_addr_t));
    if (addrs == NULL) {
        return NULL;
    }

    for (i = 0; i < rctx->naddrs; i++) {
        sa = ngx_palloc(pool, rctx->addrs[i].socklen);
        if (sa == NULL) {
            return NULL;
        }

        ngx_memcpy(sa, rctx->addrs[i].sockaddr, rctx->addrs[i].socklen);
        ngx_inet_set_port(sa, port);

        addrs[i].sockaddr = sa;
        addrs[i].socklen = rctx->addrs[i].socklen;
        addrs[i].name.len = ngx_sock_ntop(sa, addrs[i].socklen, text,
                                          NGX_SOCKADDR_STRLEN, 1);
        addrs[i].name.data = ngx_pnalloc(pool, addrs[i].name.len);

        if (addrs[i].name.data == NULL) {
            return NULL;
        }

        ngx_memcpy(addrs[i].name.data, text, addrs[i].name.len);
    }

    return addrs;
}
