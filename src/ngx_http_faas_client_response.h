
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * client_response: the answer the module's client reads
 * (ngx_http_faas_client_response.c).
 */


#ifndef _NGX_HTTP_FAAS_CLIENT_RESPONSE_H_INCLUDED_
#define _NGX_HTTP_FAAS_CLIENT_RESPONSE_H_INCLUDED_


#include "ngx_http_faas.h"


/* a response head and body read by the module's own client */
typedef struct {
    ngx_uint_t                      status;
    off_t                           content_length;
    ngx_str_t                       body;
    unsigned                        chunked:1;
} ngx_http_faas_response_t;


/* client_response: the answer a server gives the module's own client */
ngx_int_t ngx_http_faas_client_response_parse(u_char *data, size_t len,
    ngx_uint_t eof, ngx_http_faas_response_t *res);


#endif /* _NGX_HTTP_FAAS_CLIENT_RESPONSE_H_INCLUDED_ */
