
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * cache: faas_cache: answers kept in nginx's cache (ngx_http_faas_cache.c).
 */


#ifndef _NGX_HTTP_FAAS_CACHE_H_INCLUDED_
#define _NGX_HTTP_FAAS_CACHE_H_INCLUDED_


#include "ngx_http_faas.h"


/* cache: faas_cache, answers kept in nginx's cache */
#if (NGX_HTTP_CACHE)
ngx_int_t ngx_http_faas_cache_create_key(ngx_http_request_t *r);
ngx_int_t ngx_http_faas_cache_answer(ngx_http_request_t *r, ngx_str_t *body);
#endif
ngx_int_t ngx_http_faas_cache_digest(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, ngx_str_t *out);


#endif /* _NGX_HTTP_FAAS_CACHE_H_INCLUDED_ */
