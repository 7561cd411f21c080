
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * resolve: a resolver's answer as addresses (ngx_http_faas_resolve.c).
 */


#ifndef _NGX_HTTP_FAAS_RESOLVE_H_INCLUDED_
#define _NGX_HTTP_FAAS_RESOLVE_H_INCLUDED_


#include "ngx_http_faas.h"


/* resolve: a resolver's answer as addresses, for peer and client */
ngx_addr_t *ngx_http_faas_resolved_addrs(ngx_pool_t *pool,
    ngx_resolver_ctx_t *rctx, in_port_t port);


#endif /* _NGX_HTTP_FAAS_RESOLVE_H_INCLUDED_ */
