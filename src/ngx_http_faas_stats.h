
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * stats: counting into the slots of the zone the store made
 * (ngx_http_faas_stats.c).
 */


#ifndef _NGX_HTTP_FAAS_STATS_H_INCLUDED_
#define _NGX_HTTP_FAAS_STATS_H_INCLUDED_


#include "ngx_http_faas.h"


/* outcome classes of an invocation */
#define NGX_HTTP_FAAS_CLASS_2XX           0
#define NGX_HTTP_FAAS_CLASS_3XX           1
#define NGX_HTTP_FAAS_CLASS_4XX           2
#define NGX_HTTP_FAAS_CLASS_5XX           3
#define NGX_HTTP_FAAS_CLASS_FUNCTION      4
#define NGX_HTTP_FAAS_CLASSES             5

/*
 * error codes counted per function: one for each code of the table, in
 * its order, the last one for any other
 */
#define NGX_HTTP_FAAS_ERROR_CODES         NGX_HTTP_FAAS_ERRORS

/*
 * what faas_cache did for a request, by nginx's $upstream_cache_status:
 * none, MISS, BYPASS, EXPIRED, STALE, UPDATING, REVALIDATED, HIT
 */
#define NGX_HTTP_FAAS_CACHE_STATES        8

/* latency histogram buckets, the last one +Inf */
#define NGX_HTTP_FAAS_BUCKETS             13

#define NGX_HTTP_FAAS_UUID_LEN            36


/* counters of one function (lambda UUID), in the shared zone */
typedef struct {
    uint32_t                        hash;
    u_char                          uuid[NGX_HTTP_FAAS_UUID_LEN];
    ngx_atomic_t                    classes[NGX_HTTP_FAAS_CLASSES];
    ngx_atomic_t                    errors[NGX_HTTP_FAAS_ERROR_CODES];
    ngx_atomic_t                    buckets[NGX_HTTP_FAAS_BUCKETS];
    ngx_atomic_t                    latency_ms;     /* the sum */
    ngx_atomic_t                    cache[NGX_HTTP_FAAS_CACHE_STATES];
    ngx_atomic_t                    retries;        /* after a 429 */
} ngx_http_faas_fn_stats_t;


/*
 * A fixed table: "max" entries, allocated once, and an open-addressing
 * index of twice as many cells (entry number + 1, 0: empty), so that a
 * lookup takes no lock and the zone never grows with new UUIDs.
 */
struct ngx_http_faas_fn_table_s {
    ngx_uint_t                      max;
    ngx_uint_t                      cells;
    ngx_atomic_t                    used;
    ngx_atomic_t                   *index;
    ngx_http_faas_fn_stats_t        other;
    ngx_http_faas_fn_stats_t       *entries;
};


/* stats: the shared counters */
size_t ngx_http_faas_stats_size(ngx_uint_t max);
void ngx_http_faas_stats_init_zone(ngx_shm_zone_t *shm_zone,
    ngx_http_faas_fn_table_t *t, ngx_uint_t fresh, ngx_shmtx_t *mutex,
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
