
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * platform: V1 or V2 gateways, and what each is sent
 * (ngx_http_faas_platform.c).
 */


#ifndef _NGX_HTTP_FAAS_PLATFORM_H_INCLUDED_
#define _NGX_HTTP_FAAS_PLATFORM_H_INCLUDED_


#include "ngx_http_faas.h"


#define NGX_HTTP_FAAS_PLATFORM_AUTO       0
#define NGX_HTTP_FAAS_PLATFORM_V1         1
#define NGX_HTTP_FAAS_PLATFORM_V2         2

/* the longest event id of faas_invoke event= */
#define NGX_HTTP_FAAS_EVENT_MAX           128


/* platform: V1 or V2 gateways, and what each is sent */
ngx_uint_t ngx_http_faas_platform_v2(ngx_uint_t platform, ngx_str_t *host);
ngx_uint_t ngx_http_faas_event_valid(ngx_str_t *id);
ngx_int_t ngx_http_faas_platform_target(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, ngx_str_t *target, ngx_str_t *headers);


#endif /* _NGX_HTTP_FAAS_PLATFORM_H_INCLUDED_ */
