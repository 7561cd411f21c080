
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * stats: counting into the slots of the zone the store made
 * (ngx_http_faas_stats.c).
 */


#ifndef _NGX_HTTP_FAAS_STATS_H_INCLUDED_
#define _NGX_HTTP_FAAS_STATS_H_INCLUDED_


#include "ngx_http_faas.h"


/* stats: the shared counters */
size_t ngx_http_faas_stats_size(ngx_uint_t max);
ngx_int_t ngx_http_faas_stats_init_zone(ngx_shm_zone_t *shm_zone,
    ngx_slab_pool_t *shpool, ngx_http_faas_shctx_t *sh,
    ngx_http_faas_main_conf_t *fmcf);
ngx_http_faas_ctx_t *ngx_http_faas_stats_ctx(ngx_http_request_t *r);
ngx_int_t ngx_http_faas_stats_request(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx);
ngx_int_t ngx_http_faas_stats_filter_init(ngx_conf_t *cf);
ngx_uint_t ngx_http_faas_uuid_valid(ngx_str_t *id);
void ngx_http_faas_stats_fetch_failed(ngx_http_faas_cred_t *cred,
    ngx_uint_t reason);
void ngx_http_faas_stats_wait(ngx_http_faas_ctx_t *ctx);
void ngx_http_faas_stats_woken(ngx_http_faas_ctx_t *ctx);
void ngx_http_faas_stats_replay(ngx_http_faas_ctx_t *ctx);
ngx_str_t *ngx_http_faas_stats_error_name(ngx_uint_t i);
ngx_str_t *ngx_http_faas_stats_bucket_name(ngx_uint_t i);
ngx_str_t *ngx_http_faas_stats_class_name(ngx_uint_t i);
ngx_str_t *ngx_http_faas_stats_reason_name(ngx_uint_t i);
ngx_str_t *ngx_http_faas_stats_cache_name(ngx_uint_t i);
ngx_str_t *ngx_http_faas_stats_close_name(ngx_uint_t i);


#endif /* _NGX_HTTP_FAAS_STATS_H_INCLUDED_ */
