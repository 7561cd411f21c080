
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * gateway_error: the error body of a gateway or of a function (901)
 * (ngx_http_faas_gateway_error.c).
 */


#ifndef _NGX_HTTP_FAAS_GATEWAY_ERROR_H_INCLUDED_
#define _NGX_HTTP_FAAS_GATEWAY_ERROR_H_INCLUDED_


#include "ngx_http_faas.h"


/* gateway_error: the error body of the gateway */
ngx_int_t ngx_http_faas_json_gateway_error(ngx_pool_t *pool, u_char *data,
    size_t len, ngx_str_t *code, ngx_str_t *message);
ngx_int_t ngx_http_faas_json_gateway_error_cut(ngx_pool_t *pool,
    u_char *data, size_t len, ngx_str_t *code, ngx_str_t *message);


#endif /* _NGX_HTTP_FAAS_GATEWAY_ERROR_H_INCLUDED_ */
