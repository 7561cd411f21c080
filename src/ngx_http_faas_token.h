
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * token: the token: when to fetch, refresh, wait for it
 * (ngx_http_faas_token.c).
 */


#ifndef _NGX_HTTP_FAAS_TOKEN_H_INCLUDED_
#define _NGX_HTTP_FAAS_TOKEN_H_INCLUDED_


#include "ngx_http_faas.h"


/* a token is not sent when it has less than this left (seconds) */
#define NGX_HTTP_FAAS_EXPIRY_MARGIN       1


/* token: fetch, refresh and waiting */
ngx_int_t ngx_http_faas_token_init_process(ngx_cycle_t *cycle,
    ngx_http_faas_main_conf_t *fmcf);
void ngx_http_faas_token_exit_process(ngx_http_faas_main_conf_t *fmcf);
ngx_int_t ngx_http_faas_token_get(ngx_http_faas_cred_t *cred,
    ngx_str_t *token, ngx_uint_t *generation);
void ngx_http_faas_token_wait(ngx_http_faas_waiter_t *w);
void ngx_http_faas_token_unwait(ngx_http_faas_waiter_t *w);


#endif /* _NGX_HTTP_FAAS_TOKEN_H_INCLUDED_ */
