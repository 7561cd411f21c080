
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * body: the client's body: checked, sent, encoded in pieces
 * (ngx_http_faas_body.c).
 */


#ifndef _NGX_HTTP_FAAS_BODY_H_INCLUDED_
#define _NGX_HTTP_FAAS_BODY_H_INCLUDED_


#include "ngx_http_faas.h"


/* body: the client's body, checked, sent or encoded in pieces */
typedef void (*ngx_http_faas_body_pt)(ngx_http_request_t *r, ngx_int_t rc);

ngx_int_t ngx_http_faas_body_filter_init(ngx_conf_t *cf);
ngx_http_faas_body_t *ngx_http_faas_body_create(ngx_http_request_t *r,
    ngx_uint_t check);
ngx_int_t ngx_http_faas_body_verdict(ngx_http_request_t *r,
    ngx_http_faas_body_t *body, ngx_str_t *error);
ngx_int_t ngx_http_faas_body_as_is(ngx_http_request_t *r,
    ngx_http_faas_body_t *body);
ngx_int_t ngx_http_faas_body_encode(ngx_http_request_t *r,
    ngx_http_faas_body_t *body, ngx_http_faas_body_pt done);
off_t ngx_http_faas_body_length(ngx_http_faas_body_t *body);
ngx_int_t ngx_http_faas_body_chain(ngx_http_request_t *r,
    ngx_http_faas_body_t *body, ngx_chain_t ***ll);


#endif /* _NGX_HTTP_FAAS_BODY_H_INCLUDED_ */
