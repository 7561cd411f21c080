
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * error: the JSON error body of everything a location answers
 * (ngx_http_faas_error.c).
 */


#ifndef _NGX_HTTP_FAAS_ERROR_H_INCLUDED_
#define _NGX_HTTP_FAAS_ERROR_H_INCLUDED_


#include "ngx_http_faas.h"


/* errors: JSON error bodies for everything a faas location answers */
ngx_int_t ngx_http_faas_error(ngx_http_request_t *r, ngx_uint_t err,
    const char *fmt, ...);
void ngx_http_faas_error_retry(ngx_http_request_t *r, time_t retry);
ngx_int_t ngx_http_faas_error_send(ngx_http_request_t *r, ngx_int_t status);
ngx_int_t ngx_http_faas_error_filter_init(ngx_conf_t *cf);
u_char *ngx_http_faas_log_error(ngx_http_request_t *r,
    ngx_http_request_t *sr, u_char *buf, size_t len);
void ngx_http_faas_log_wrap(ngx_http_request_t *r);


#endif /* _NGX_HTTP_FAAS_ERROR_H_INCLUDED_ */
