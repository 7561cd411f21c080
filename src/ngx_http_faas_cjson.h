
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * What the parsers that use cJSON share, and the library's version
 * (ngx_http_faas_cjson.c).
 */


#ifndef _NGX_HTTP_FAAS_CJSON_H_INCLUDED_
#define _NGX_HTTP_FAAS_CJSON_H_INCLUDED_


#include "ngx_http_faas.h"

#include <cjson/cJSON.h>


ngx_int_t ngx_http_faas_cjson_string(ngx_pool_t *pool, cJSON *item,
    ngx_str_t *value);

/* cjson: the library's version */
const char *ngx_http_faas_json_library(void);


#endif /* _NGX_HTTP_FAAS_CJSON_H_INCLUDED_ */
