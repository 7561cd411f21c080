
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * error_table: the table of errors: code, status, message, Retry-After
 * (ngx_http_faas_error_table.c).
 */


#ifndef _NGX_HTTP_FAAS_ERROR_TABLE_H_INCLUDED_
#define _NGX_HTTP_FAAS_ERROR_TABLE_H_INCLUDED_


#include "ngx_http_faas.h"


/* how an error's Retry-After is computed */
#define NGX_HTTP_FAAS_RETRY_NONE          0
#define NGX_HTTP_FAAS_RETRY_TOKEN         1  /* the token fetch's backoff */
#define NGX_HTTP_FAAS_RETRY_LOOKUP        2  /* the Domain API's backoff */
#define NGX_HTTP_FAAS_RETRY_QUEUE         3  /* 1 s: the pool's queue */

/* the status of a code for any status of a class without its own code */
#define NGX_HTTP_FAAS_ANY_4XX             4
#define NGX_HTTP_FAAS_ANY_5XX             5


typedef struct {
    ngx_str_t                       code;
    ngx_uint_t                      status;
    ngx_str_t                       message;
    ngx_uint_t                      log_level;  /* the module's line */
    ngx_uint_t                      retry;      /* NGX_HTTP_FAAS_RETRY_* */
    ngx_uint_t                      page;       /* nginx's own page's */
} ngx_http_faas_error_t;


ngx_http_faas_error_t *ngx_http_faas_error_get(ngx_uint_t err);
ngx_str_t *ngx_http_faas_error_code(ngx_uint_t err);
ngx_uint_t ngx_http_faas_error_of_status(ngx_uint_t status);
time_t ngx_http_faas_error_retry_after(ngx_msec_t retry_at);

/* the level of the module's log line about an error code */
ngx_uint_t ngx_http_faas_error_level(ngx_uint_t err);


#endif /* _NGX_HTTP_FAAS_ERROR_TABLE_H_INCLUDED_ */
