
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * json_error: the module's JSON error body (ngx_http_faas_json_error.c).
 */


#ifndef _NGX_HTTP_FAAS_JSON_ERROR_H_INCLUDED_
#define _NGX_HTTP_FAAS_JSON_ERROR_H_INCLUDED_


#include "ngx_http_faas.h"


/* json_error: the module's JSON error body */
u_char *ngx_http_faas_json_error(ngx_pool_t *pool, ngx_str_t *code,
    ngx_str_t *message, ngx_str_t *gw_code, ngx_str_t *gw_message,
    size_t *len);


#endif /* _NGX_HTTP_FAAS_JSON_ERROR_H_INCLUDED_ */
