
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * store: sole owner of the shared zone: a slot per token and per host, one
 * claim/deadline/backoff, waiters (ngx_http_faas_store.c).
 */


#ifndef _NGX_HTTP_FAAS_STORE_H_INCLUDED_
#define _NGX_HTTP_FAAS_STORE_H_INCLUDED_


#include "ngx_http_faas.h"


#define NGX_HTTP_FAAS_ZONE_SIZE           (1024 * 1024)

#define NGX_HTTP_FAAS_MAX_FUNCTIONS       1000


/* the shared zone that holds tokens */
ngx_int_t ngx_http_faas_zone_add(ngx_conf_t *cf,
    ngx_http_faas_main_conf_t *fmcf);
void ngx_http_faas_store_init_process(ngx_http_faas_main_conf_t *fmcf);
void ngx_http_faas_store_exit_process(ngx_http_faas_main_conf_t *fmcf);
ngx_int_t ngx_http_faas_store_get(ngx_http_faas_cred_t *cred,
    ngx_str_t *token, time_t *expires, time_t *fetched,
    ngx_uint_t *generation);
ngx_int_t ngx_http_faas_store_claim(ngx_http_faas_cred_t *cred,
    ngx_uint_t slot, ngx_uint_t generation);
void ngx_http_faas_store_release(ngx_http_faas_cred_t *cred,
    ngx_uint_t slot);
ngx_int_t ngx_http_faas_store_drop(ngx_http_faas_cred_t *cred,
    ngx_uint_t generation);
ngx_int_t ngx_http_faas_store_save(ngx_http_faas_cred_t *cred,
    ngx_str_t *token, time_t expires);
void ngx_http_faas_store_fail(ngx_http_faas_cred_t *cred, ngx_uint_t err,
    ngx_str_t *error, ngx_msec_t retry_at);
ngx_uint_t ngx_http_faas_store_error(ngx_http_faas_cred_t *cred,
    ngx_pool_t *pool, ngx_str_t *error, time_t *retry);
ngx_int_t ngx_http_faas_store_host_get(ngx_http_faas_cred_t *cred,
    ngx_uint_t svc, ngx_pool_t *pool, ngx_str_t *base, time_t *expires);
ngx_msec_t ngx_http_faas_store_host_error(ngx_http_faas_cred_t *cred,
    ngx_uint_t svc, ngx_pool_t *pool, ngx_str_t *error);
void ngx_http_faas_store_host_save(ngx_http_faas_cred_t *cred,
    ngx_uint_t svc, ngx_str_t *base, u_char *error);
void ngx_http_faas_store_wait(ngx_http_faas_waiter_t *w);
void ngx_http_faas_store_unwait(ngx_http_faas_waiter_t *w);
void ngx_http_faas_store_wake(ngx_http_faas_cred_t *cred, ngx_int_t rc);
ngx_uint_t ngx_http_faas_store_wake_failed(ngx_http_faas_cred_t *cred);
void ngx_http_faas_fingerprint(ngx_str_t *token, u_char *out);

/*
 * What the others ask of the zone, which only the store reads: a host as
 * the store shows it, and a credentials set's entry taken at once for the
 * status endpoint
 */
typedef struct {
    u_char                          host[NGX_HTTP_FAAS_HOST_MAX + 1];
    size_t                          host_len;
    time_t                          fetched;
    ngx_uint_t                      lookups;
    ngx_uint_t                      failed;
} ngx_http_faas_store_host_t;

typedef struct {
    ngx_uint_t                      has_token;  /* stored, maybe expired */
    ngx_uint_t                      fetching;   /* a claim that runs */
    time_t                          expires;
    time_t                          fetched;
    time_t                          last_failure;
    ngx_uint_t                      fetches;
    ngx_msec_t                      backoff;    /* left of it, 0: none */
    u_char                          fingerprint[
                                        NGX_HTTP_FAAS_FINGERPRINT_LEN];
    ngx_http_faas_store_host_t      hosts[2];
} ngx_http_faas_store_snapshot_t;

ngx_atomic_uint_t ngx_http_faas_store_generation(ngx_http_faas_cred_t *cred);
ngx_atomic_uint_t ngx_http_faas_store_hosts_generation(
    ngx_http_faas_cred_t *cred);
ngx_msec_t ngx_http_faas_store_next_attempt(ngx_http_faas_cred_t *cred,
    ngx_uint_t slot);
ngx_uint_t ngx_http_faas_store_host_known(ngx_http_faas_cred_t *cred,
    ngx_uint_t svc);
void ngx_http_faas_store_snapshot(ngx_http_faas_cred_t *cred,
    ngx_http_faas_store_snapshot_t *snapshot);
ngx_int_t ngx_http_faas_store_zone(ngx_http_faas_main_conf_t *fmcf,
    size_t *size, size_t *free_bytes);


#endif /* _NGX_HTTP_FAAS_STORE_H_INCLUDED_ */
