
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * credentials: the faas_credentials block (ngx_http_faas_credentials.c).
 */


#ifndef _NGX_HTTP_FAAS_CREDENTIALS_H_INCLUDED_
#define _NGX_HTTP_FAAS_CREDENTIALS_H_INCLUDED_


#include "ngx_http_faas.h"


#define NGX_HTTP_FAAS_REGION_US           0
#define NGX_HTTP_FAAS_REGION_EMEA         1
#define NGX_HTTP_FAAS_REGION_APAC         2

/* room for "it must be "a", "b" or "c"" in configuration messages */
#define NGX_HTTP_FAAS_ENUM_NAMES_LEN      128

#define NGX_HTTP_FAAS_AUTH_BODY           0
#define NGX_HTTP_FAAS_AUTH_BASIC          1


/* credentials: the faas_credentials block */
char *ngx_http_faas_cred_block(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_faas_cred_init(ngx_conf_t *cf,
    ngx_http_faas_main_conf_t *fmcf);
ngx_http_faas_cred_t *ngx_http_faas_cred_find(ngx_http_faas_main_conf_t *fmcf,
    ngx_str_t *name);
u_char *ngx_http_faas_conf_enum_names(u_char *buf, u_char *last,
    ngx_conf_enum_t *e);


#endif /* _NGX_HTTP_FAAS_CREDENTIALS_H_INCLUDED_ */
