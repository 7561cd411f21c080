
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * status: faas_status: JSON and Prometheus (ngx_http_faas_status.c).
 */


#ifndef _NGX_HTTP_FAAS_STATUS_H_INCLUDED_
#define _NGX_HTTP_FAAS_STATUS_H_INCLUDED_


#include "ngx_http_faas.h"


/* status: the faas_status endpoint */
ngx_int_t ngx_http_faas_status_handler(ngx_http_request_t *r);


#endif /* _NGX_HTTP_FAAS_STATUS_H_INCLUDED_ */
