
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * domain: the Domain API: the hosts of sentinel and faasGW
 * (ngx_http_faas_domain.c).
 */


#ifndef _NGX_HTTP_FAAS_DOMAIN_H_INCLUDED_
#define _NGX_HTTP_FAAS_DOMAIN_H_INCLUDED_


#include "ngx_http_faas.h"


/* domain: the Domain API lookups */
ngx_int_t ngx_http_faas_domain_get(ngx_http_faas_cred_t *cred,
    ngx_uint_t svc, ngx_pool_t *pool, ngx_str_t *base);
ngx_msec_t ngx_http_faas_domain_error(ngx_http_faas_cred_t *cred,
    ngx_uint_t svc, ngx_pool_t *pool, ngx_str_t *error);
ngx_str_t *ngx_http_faas_domain_service(ngx_uint_t svc);
void ngx_http_faas_domain_exit_process(ngx_http_faas_cred_t *cred);
ngx_int_t ngx_http_faas_baseuri_parse(u_char *data, size_t len,
    ngx_str_t *host, in_port_t *port);


#endif /* _NGX_HTTP_FAAS_DOMAIN_H_INCLUDED_ */
