
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * invoke: faas_invoke: the request to the gateway, its answer
 * (ngx_http_faas_invoke.c).
 */


#ifndef _NGX_HTTP_FAAS_INVOKE_H_INCLUDED_
#define _NGX_HTTP_FAAS_INVOKE_H_INCLUDED_


#include "ngx_http_faas.h"


#define NGX_HTTP_FAAS_PAYLOAD_BODY        0
#define NGX_HTTP_FAAS_PAYLOAD_REQUEST     1

#define NGX_HTTP_FAAS_RESPONSE_BODY       0
#define NGX_HTTP_FAAS_RESPONSE_HTTP       1

#define NGX_HTTP_FAAS_VALIDATE_OFF        0
#define NGX_HTTP_FAAS_VALIDATE_ON         1


/* invoke: the faas_invoke content handler and its upstream */
ngx_int_t ngx_http_faas_invoke_handler(ngx_http_request_t *r);
void ngx_http_faas_invoke_resume(ngx_http_request_t *r, ngx_int_t rc);


#endif /* _NGX_HTTP_FAAS_INVOKE_H_INCLUDED_ */
