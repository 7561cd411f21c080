
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * The counters of the status endpoint: per credentials set next to its
 * token, per function in a fixed table, all in the shared zone, so that
 * they are the whole nginx's and a reload keeps them.  A request adds a
 * few atomic operations; a lock is taken only to enter a new UUID.
 */


#include "ngx_http_faas.h"
#include "ngx_http_faas_stats.h"
#include "ngx_http_faas_error_table.h"


static ngx_int_t ngx_http_faas_stats_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);
static void ngx_http_faas_stats_done(void *data);
static void ngx_http_faas_stats_count(ngx_http_faas_ctx_t *ctx);
static ngx_http_faas_fn_stats_t *ngx_http_faas_stats_function(
    ngx_http_faas_main_conf_t *fmcf, ngx_str_t *lambda);
static ngx_http_faas_fn_stats_t *ngx_http_faas_stats_insert(
    ngx_http_faas_main_conf_t *fmcf, u_char *uuid, uint32_t hash);


static ngx_http_output_body_filter_pt  ngx_http_next_body_filter;


/* the last counter of error codes: any code the table does not have */
static ngx_str_t  ngx_http_faas_stats_other_error = ngx_string("other");


/* upper bounds in ms; Prometheus' default buckets, and 30 s */
static ngx_msec_t  ngx_http_faas_stats_bounds[NGX_HTTP_FAAS_BUCKETS - 1] = {
    5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000
};


static ngx_str_t  ngx_http_faas_stats_buckets[NGX_HTTP_FAAS_BUCKETS] = {
    ngx_string("0.005"),
    ngx_string("0.01"),
    ngx_string("0.025"),
    ngx_string("0.05"),
    ngx_string("0.1"),
    ngx_string("0.25"),
    ngx_string("0.5"),
    ngx_string("1"),
    ngx_string("2.5"),
    ngx_string("5"),
    ngx_string("10"),
    ngx_string("30"),
    ngx_string("+Inf")
};


static ngx_str_t  ngx_http_faas_stats_classes[NGX_HTTP_FAAS_CLASSES] = {
    ngx_string("2xx"),
    ngx_string("3xx"),
    ngx_string("4xx"),
    ngx_string("5xx"),
    ngx_string("function_error")
};


static ngx_str_t  ngx_http_faas_stats_reasons[NGX_HTTP_FAAS_FAIL_REASONS] = {
    ngx_string("connect"),
    ngx_string("timeout"),
    ngx_string("tls"),
    ngx_string("http_4xx"),
    ngx_string("http_5xx"),
    ngx_string("bad_response"),
    ngx_string("other")
};


/* in the order of NGX_HTTP_FAAS_CLOSE_* */
static ngx_str_t  ngx_http_faas_stats_closes[NGX_HTTP_FAAS_CLOSE_REASONS] = {
    ngx_string("idle"),
    ngx_string("requests"),
    ngx_string("cap"),
    ngx_string("error"),
    ngx_string("gateway"),
    ngx_string("other")
};


/* the counter i is of the code i + 1 of the table: 0 is no error */

ngx_str_t *
ngx_http_faas_stats_error_name(ngx_uint_t i)
{
    if (i + 1 < NGX_HTTP_FAAS_ERRORS) {
        return ngx_http_faas_error_code(i + 1);
    }

    return &ngx_http_faas_stats_other_error;
}


ngx_str_t *
ngx_http_faas_stats_bucket_name(ngx_uint_t i)
{
    return &ngx_http_faas_stats_buckets[i];
}


ngx_str_t *
ngx_http_faas_stats_class_name(ngx_uint_t i)
{
    return &ngx_http_faas_stats_classes[i];
}


ngx_str_t *
ngx_http_faas_stats_reason_name(ngx_uint_t i)
{
    return &ngx_http_faas_stats_reasons[i];
}


ngx_str_t *
ngx_http_faas_stats_close_name(ngx_uint_t i)
{
    return &ngx_http_faas_stats_closes[i];
}


/* the bytes the function table takes in the zone */

size_t
ngx_http_faas_stats_size(ngx_uint_t max)
{
    return sizeof(ngx_http_faas_fn_table_t)
           + 2 * max * sizeof(ngx_atomic_t)
           + max * sizeof(ngx_http_faas_fn_stats_t);
}


/*
 * The store makes the table's room in a new zone ("fresh": zeroed) and
 * lends its lock for entering a UUID; a reload finds the table in the
 * zone it reuses.  The zone's size follows faas_status_max_functions,
 * so that a changed bound normally means a new zone; one that still
 * fits the old size keeps the old table.
 */

void
ngx_http_faas_stats_init_zone(ngx_shm_zone_t *shm_zone,
    ngx_http_faas_fn_table_t *t, ngx_uint_t fresh, ngx_shmtx_t *mutex,
    ngx_http_faas_main_conf_t *fmcf)
{
    u_char      *p;
    ngx_uint_t   max;

    fmcf->functions = t;
    fmcf->functions_mutex = mutex;

    if (!fresh) {
        if (t->max != fmcf->max_functions) {
            ngx_log_error(NGX_LOG_NOTICE, shm_zone->shm.log, 0,
                          "faas: the zone keeps its table of %ui functions, "
                          "\"faas_status_max_functions %ui\" takes effect "
                          "on restart", t->max, fmcf->max_functions);
        }

        return;
    }

    max = fmcf->max_functions;
    p = (u_char *) t + sizeof(ngx_http_faas_fn_table_t);

    t->max = max;
    t->cells = 2 * max;
    t->index = (ngx_atomic_t *) p;
    p += 2 * max * sizeof(ngx_atomic_t);
    t->entries = (ngx_http_faas_fn_stats_t *) p;

    ngx_memcpy(t->other.uuid, "other", sizeof("other") - 1);
}


/*
 * A request is counted when the last buffer of its response passes, so
 * before its client sees the end of it; one that sends none (a HEAD, a
 * client gone) when its pool goes.  Below the other filters of the
 * module: it sees what really goes out.
 */

ngx_int_t
ngx_http_faas_stats_filter_init(ngx_conf_t *cf)
{
    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_faas_stats_body_filter;

    return NGX_OK;
}


static ngx_int_t
ngx_http_faas_stats_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    ngx_chain_t          *cl;
    ngx_http_faas_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_faas_module);

    if (ctx == NULL || ctx->counted || ctx->request != r) {
        return ngx_http_next_body_filter(r, in);
    }

    for (cl = in; cl; cl = cl->next) {
        if (cl->buf->last_buf || (r != r->main && cl->buf->last_in_chain)) {
            ngx_http_faas_stats_count(ctx);
            break;
        }
    }

    return ngx_http_next_body_filter(r, in);
}


ngx_int_t
ngx_http_faas_stats_request(ngx_http_request_t *r, ngx_http_faas_ctx_t *ctx)
{
    ngx_pool_cleanup_t  *cln;

    ctx->request = r;

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    cln->handler = ngx_http_faas_stats_done;
    cln->data = ctx;

    return NGX_OK;
}


/*
 * The request's faas context, also after an internal redirect (error_page)
 * has cleared the modules' contexts: it is still the data of the cleanup
 * above, which lives as long as the request.
 */

ngx_http_faas_ctx_t *
ngx_http_faas_stats_ctx(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t   *cln;
    ngx_http_faas_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_faas_module);

    if (ctx != NULL || !(r->internal || r->filter_finalize)) {
        return ctx;
    }

    for (cln = r->pool->cleanup; cln; cln = cln->next) {
        if (cln->handler != ngx_http_faas_stats_done) {
            continue;
        }

        ctx = cln->data;

        if (ctx->request == r) {
            return ctx;
        }
    }

    return NULL;
}


/*
 * Run when the request's pool goes, after the access log: the request is
 * still in memory, its pool no longer usable.
 */

static void
ngx_http_faas_stats_done(void *data)
{
    ngx_http_faas_ctx_t *ctx = data;

    if (!ctx->counted) {
        ngx_http_faas_stats_count(ctx);
    }
}


static void
ngx_http_faas_stats_count(ngx_http_faas_ctx_t *ctx)
{
    ngx_int_t                   ms;
    ngx_uint_t                  status, class, i;
    ngx_time_t                 *tp;
    ngx_http_request_t         *r;
    ngx_http_faas_fn_stats_t   *fn;
    ngx_http_faas_main_conf_t  *fmcf;

    ctx->counted = 1;

    r = ctx->request;
    fmcf = ngx_http_get_module_main_conf(r, ngx_http_faas_module);

    if (fmcf->functions == NULL) {
        return;
    }

    if (ctx->lambda.len == NGX_HTTP_FAAS_UUID_LEN) {
        fn = ngx_http_faas_stats_function(fmcf, &ctx->lambda);

    } else {
        fn = &fmcf->functions->other;
    }

    status = r->err_status ? r->err_status : r->headers_out.status;

    if (ctx->answered_code == NGX_HTTP_FAAS_ERR_FUNCTION_ERROR) {
        class = NGX_HTTP_FAAS_CLASS_FUNCTION;

    } else if (status >= 200 && status < 300) {
        class = NGX_HTTP_FAAS_CLASS_2XX;

    } else if (status >= 300 && status < 400) {
        class = NGX_HTTP_FAAS_CLASS_3XX;

    } else if (status >= 400 && status < 500) {
        class = NGX_HTTP_FAAS_CLASS_4XX;

    } else {
        class = NGX_HTTP_FAAS_CLASS_5XX;
    }

    (void) ngx_atomic_fetch_add(&fn->classes[class], 1);

    if (ctx->answered_code != NGX_HTTP_FAAS_ERR_NONE) {
        i = (ctx->answered_code < NGX_HTTP_FAAS_ERRORS)
            ? ctx->answered_code - 1 : NGX_HTTP_FAAS_ERROR_CODES - 1;
        (void) ngx_atomic_fetch_add(&fn->errors[i], 1);
    }

    tp = ngx_timeofday();

    ms = (ngx_int_t) (tp->sec - r->start_sec) * 1000
         + (ngx_int_t) tp->msec - (ngx_int_t) r->start_msec;

    if (ms < 0) {
        ms = 0;
    }

    for (i = 0; i < NGX_HTTP_FAAS_BUCKETS - 1; i++) {
        if ((ngx_msec_t) ms <= ngx_http_faas_stats_bounds[i]) {
            break;
        }
    }

    (void) ngx_atomic_fetch_add(&fn->buckets[i], 1);
    (void) ngx_atomic_fetch_add(&fn->latency_ms, ms);

#if (NGX_HTTP_CACHE)
    /* nginx's NGX_HTTP_CACHE_* are 1 to 7; 0: no cache asked */
    if (ctx->cache_status > 0
        && ctx->cache_status < NGX_HTTP_FAAS_CACHE_STATES)
    {
        (void) ngx_atomic_fetch_add(&fn->cache[ctx->cache_status], 1);
    }
#endif

    if (ctx->retries) {
        (void) ngx_atomic_fetch_add(&fn->retries, ctx->retries);
    }
}


static ngx_str_t  ngx_http_faas_stats_caches[] = {
    ngx_string("none"),
    ngx_string("miss"),
    ngx_string("bypass"),
    ngx_string("expired"),
    ngx_string("stale"),
    ngx_string("updating"),
    ngx_string("revalidated"),
    ngx_string("hit")
};


ngx_str_t *
ngx_http_faas_stats_cache_name(ngx_uint_t i)
{
    return &ngx_http_faas_stats_caches[i];
}



/* 8-4-4-4-12 hexadecimal digits: a function with counters of its own */

ngx_uint_t
ngx_http_faas_uuid_valid(ngx_str_t *id)
{
    u_char  *p, *last;
    size_t   n;

    if (id->len != NGX_HTTP_FAAS_UUID_LEN) {
        return 0;
    }

    last = id->data + id->len;

    for (p = id->data; p < last; p++) {
        n = p - id->data;

        if (n == 8 || n == 13 || n == 18 || n == 23) {
            if (*p != '-') {
                return 0;
            }

        } else if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')
                     || (*p >= 'A' && *p <= 'F')))
        {
            return 0;
        }
    }

    return 1;
}


/* lock free: an entry is complete before its index cell is set */

static ngx_http_faas_fn_stats_t *
ngx_http_faas_stats_function(ngx_http_faas_main_conf_t *fmcf,
    ngx_str_t *lambda)
{
    uint32_t                   hash;
    ngx_uint_t                 i, n, cell;
    ngx_http_faas_fn_table_t  *t;
    ngx_http_faas_fn_stats_t  *fn;
    u_char                     uuid[NGX_HTTP_FAAS_UUID_LEN];

    t = fmcf->functions;

    if (t->max == 0) {
        return &t->other;
    }

    ngx_strlow(uuid, lambda->data, NGX_HTTP_FAAS_UUID_LEN);
    hash = ngx_crc32_short(uuid, NGX_HTTP_FAAS_UUID_LEN);

    i = hash % t->cells;

    for (n = 0; n < t->cells; n++) {
        cell = t->index[i];

        if (cell == 0) {
            break;
        }

        ngx_memory_barrier();

        fn = &t->entries[cell - 1];

        if (fn->hash == hash
            && ngx_memcmp(fn->uuid, uuid, NGX_HTTP_FAAS_UUID_LEN) == 0)
        {
            return fn;
        }

        i = (i + 1) % t->cells;
    }

    /* full: the rest go to "other", without a lock */
    if (t->used >= t->max) {
        return &t->other;
    }

    return ngx_http_faas_stats_insert(fmcf, uuid, hash);
}


static ngx_http_faas_fn_stats_t *
ngx_http_faas_stats_insert(ngx_http_faas_main_conf_t *fmcf, u_char *uuid,
    uint32_t hash)
{
    ngx_uint_t                 i, n, cell;
    ngx_http_faas_fn_table_t  *t;
    ngx_http_faas_fn_stats_t  *fn;

    t = fmcf->functions;

    ngx_shmtx_lock(fmcf->functions_mutex);

    i = hash % t->cells;

    /* another worker may have entered it meanwhile */
    for (n = 0; n < t->cells; n++) {
        cell = t->index[i];

        if (cell == 0) {
            break;
        }

        fn = &t->entries[cell - 1];

        if (fn->hash == hash
            && ngx_memcmp(fn->uuid, uuid, NGX_HTTP_FAAS_UUID_LEN) == 0)
        {
            ngx_shmtx_unlock(fmcf->functions_mutex);
            return fn;
        }

        i = (i + 1) % t->cells;
    }

    if (t->used >= t->max || n == t->cells) {
        ngx_shmtx_unlock(fmcf->functions_mutex);
        return &t->other;
    }

    fn = &t->entries[t->used];

    fn->hash = hash;
    ngx_memcpy(fn->uuid, uuid, NGX_HTTP_FAAS_UUID_LEN);

    ngx_memory_barrier();

    t->index[i] = t->used + 1;
    t->used++;

    ngx_shmtx_unlock(fmcf->functions_mutex);

    return fn;
}


void
ngx_http_faas_stats_fetch_failed(ngx_http_faas_cred_t *cred,
    ngx_uint_t reason)
{
    (void) ngx_atomic_fetch_add(&cred->stats->failures[reason], 1);
}


/* the request waits for a token: counted once, timed each time */

void
ngx_http_faas_stats_wait(ngx_http_faas_ctx_t *ctx)
{
    if (!ctx->waited) {
        ctx->waited = 1;
        (void) ngx_atomic_fetch_add(&ctx->cred->stats->waits, 1);
    }

    if (!ctx->token_waiting) {
        ctx->token_waiting = 1;
        ctx->wait_start = ngx_current_msec;
    }
}


void
ngx_http_faas_stats_woken(ngx_http_faas_ctx_t *ctx)
{
    if (ctx->token_waiting) {
        ctx->token_waiting = 0;
        ctx->token_wait += ngx_current_msec - ctx->wait_start;
    }
}


void
ngx_http_faas_stats_replay(ngx_http_faas_ctx_t *ctx)
{
    (void) ngx_atomic_fetch_add(&ctx->cred->stats->replays, 1);
}
