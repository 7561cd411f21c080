
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * payload: what a function is told of the request (ngx_http_faas_payload.c).
 */


#ifndef _NGX_HTTP_FAAS_PAYLOAD_H_INCLUDED_
#define _NGX_HTTP_FAAS_PAYLOAD_H_INCLUDED_


#include "ngx_http_faas.h"


/* payload: what a function is told about the request */
ngx_uint_t ngx_http_faas_payload_header_passed(
    ngx_http_faas_loc_conf_t *flcf, ngx_table_elt_t *h);
ngx_int_t ngx_http_faas_payload_headers(ngx_http_request_t *r,
    ngx_http_faas_loc_conf_t *flcf, ngx_str_t *out);
ngx_int_t ngx_http_faas_payload_request_head(ngx_http_request_t *r,
    ngx_http_faas_loc_conf_t *flcf, ngx_str_t *out);
ngx_int_t ngx_http_faas_payload_request_tail(ngx_http_request_t *r,
    ngx_http_faas_loc_conf_t *flcf, ngx_uint_t textual, ngx_str_t *out);
ngx_uint_t ngx_http_faas_payload_textual(ngx_http_request_t *r);


#endif /* _NGX_HTTP_FAAS_PAYLOAD_H_INCLUDED_ */
