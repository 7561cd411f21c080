
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * client: the module's own HTTPS client: moves bytes only
 * (ngx_http_faas_client.c).
 */


#ifndef _NGX_HTTP_FAAS_CLIENT_H_INCLUDED_
#define _NGX_HTTP_FAAS_CLIENT_H_INCLUDED_


#include "ngx_http_faas.h"
#include "ngx_http_faas_client_response.h"


typedef enum {
    NGX_HTTP_FAAS_CLIENT_OK = 0,
    NGX_HTTP_FAAS_CLIENT_CONNECT,
    NGX_HTTP_FAAS_CLIENT_TIMEOUT,
    NGX_HTTP_FAAS_CLIENT_TLS,
    NGX_HTTP_FAAS_CLIENT_BAD_RESPONSE,
    NGX_HTTP_FAAS_CLIENT_INTERNAL,
    NGX_HTTP_FAAS_CLIENT_CLOSED         /* worker_shutdown_timeout */
} ngx_http_faas_client_error_e;


typedef void (*ngx_http_faas_client_pt)(ngx_http_faas_client_t *client);

struct ngx_http_faas_client_s {
    ngx_pool_t                     *pool;
    ngx_log_t                      *log;
    ngx_http_faas_endpoint_t       *endpoint;
    ngx_uint_t                      naddr;
    ngx_ssl_t                      *ssl;
    ngx_flag_t                      verify;
    ngx_resolver_t                 *resolver;
    ngx_msec_t                      resolver_timeout;
    ngx_resolver_ctx_t             *resolving;
    ngx_uint_t                      service;
    ngx_str_t                       request;
    size_t                          sent;
    ngx_buf_t                      *buffer;
    ngx_msec_t                      timeout;
    ngx_msec_t                      deadline;
    ngx_peer_connection_t           peer;
    ngx_str_t                       what;        /* for log lines */
    u_char                          what_buf[128];
    u_char                          error_buf[NGX_HTTP_FAAS_ERROR_LEN];
    unsigned                        logged:1;

    ngx_http_faas_response_t        response;
    ngx_http_faas_client_error_e    error;
    const char                     *error_text;

    ngx_http_faas_client_pt         handler;
    void                           *data;
};


/* the module's own small HTTPS client */
ngx_http_faas_client_t *ngx_http_faas_client_create(ngx_log_t *log,
    ngx_http_faas_endpoint_t *endpoint);
void ngx_http_faas_client_describe(ngx_http_faas_client_t *client,
    const char *fmt, ...);
void ngx_http_faas_client_start(ngx_http_faas_client_t *client);
void ngx_http_faas_client_close(ngx_http_faas_client_t *client);
ngx_int_t ngx_http_faas_endpoint_parse(ngx_conf_t *cf, ngx_str_t *url,
    ngx_http_faas_endpoint_t *ep, const char *directive,
    ngx_str_t *cred_name);


#endif /* _NGX_HTTP_FAAS_CLIENT_H_INCLUDED_ */
