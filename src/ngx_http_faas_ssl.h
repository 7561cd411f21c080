
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * ssl: TLS client contexts (ngx_http_faas_ssl.c).
 */


#ifndef _NGX_HTTP_FAAS_SSL_H_INCLUDED_
#define _NGX_HTTP_FAAS_SSL_H_INCLUDED_


#include "ngx_http_faas.h"


typedef struct {
    ngx_str_t                       trusted;
    ngx_flag_t                      verify;
    ngx_array_t                    *commands;   /* faas_ssl_conf_command */
    ngx_ssl_t                      *ssl;
} ngx_http_faas_ssl_t;


/* TLS contexts */
ngx_ssl_t *ngx_http_faas_ssl_get(ngx_conf_t *cf, ngx_str_t *trusted,
    ngx_flag_t verify, ngx_array_t *commands);
char *ngx_http_faas_ssl_conf_command_check(ngx_conf_t *cf, void *post,
    void *data);


#endif /* _NGX_HTTP_FAAS_SSL_H_INCLUDED_ */
