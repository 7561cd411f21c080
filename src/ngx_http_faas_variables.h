
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * variables: $faas_lambda, $faas_error ... for log_format
 * (ngx_http_faas_variables.c).
 */


#ifndef _NGX_HTTP_FAAS_VARIABLES_H_INCLUDED_
#define _NGX_HTTP_FAAS_VARIABLES_H_INCLUDED_


#include "ngx_http_faas.h"


/* variables: $faas_lambda, $faas_error ... for log_format */
ngx_int_t ngx_http_faas_variables_add(ngx_conf_t *cf);
ngx_http_variable_value_t *ngx_http_faas_request_id(ngx_http_request_t *r,
    ngx_uint_t index);


#endif /* _NGX_HTTP_FAAS_VARIABLES_H_INCLUDED_ */
