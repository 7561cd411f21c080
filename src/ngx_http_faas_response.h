
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * response: faas_response http: the function's status, headers
 * (ngx_http_faas_response.c).
 */


#ifndef _NGX_HTTP_FAAS_RESPONSE_H_INCLUDED_
#define _NGX_HTTP_FAAS_RESPONSE_H_INCLUDED_


#include "ngx_http_faas.h"


/* what a function says with faas_response http */
typedef struct {
    ngx_uint_t                      status;
    ngx_array_t                     headers;     /* ngx_keyval_t */
    ngx_str_t                       body;
} ngx_http_faas_http_answer_t;


/* response: faas_response http, the function's answer */
ngx_int_t ngx_http_faas_function_response_parse(ngx_pool_t *pool,
    u_char *data, size_t len, ngx_http_faas_http_answer_t *a,
    const char **error);
ngx_int_t ngx_http_faas_function_response_parse_event(ngx_pool_t *pool,
    u_char *data, size_t len, ngx_http_faas_http_answer_t *a,
    const char **error);
ngx_int_t ngx_http_faas_response_headers(ngx_http_request_t *r,
    ngx_http_faas_http_answer_t *a);
ngx_int_t ngx_http_faas_response_header_in(ngx_http_request_t *r,
    ngx_str_t *key, ngx_str_t *value);


#endif /* _NGX_HTTP_FAAS_RESPONSE_H_INCLUDED_ */
