
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * faas_status: a read-only endpoint with the figures of the shared zone,
 * as JSON or in the Prometheus text format (0.0.4).  It shows a token
 * only as its fingerprint, and never a secret.
 */


#include "ngx_http_faas.h"


#define NGX_HTTP_FAAS_STATUS_BUF    32768

/* the longest piece one printf of this file makes */
#define NGX_HTTP_FAAS_STATUS_LINE   512


typedef struct {
    ngx_http_request_t             *r;
    ngx_chain_t                    *out;
    ngx_chain_t                   **last;
    ngx_buf_t                      *b;
    off_t                           len;
    ngx_uint_t                      failed;
} ngx_http_faas_status_out_t;


typedef struct {
    u_char                          host[256];
    size_t                          host_len;
    time_t                          age;
    ngx_uint_t                      lookups;
    ngx_uint_t                      failures;
    ngx_uint_t                      used;
} ngx_http_faas_status_service_t;


/* the figures of a credentials set's gateway connections */
typedef struct {
    ngx_atomic_uint_t               opened;
    ngx_atomic_uint_t               closed[NGX_HTTP_FAAS_CLOSE_REASONS];
    ngx_atomic_uint_t               requests;
    ngx_atomic_uint_t               reused;
    ngx_atomic_uint_t               handshakes;
    ngx_atomic_uint_t               resumed;
    ngx_atomic_int_t                in_use;
    ngx_atomic_int_t                idle;
    ngx_atomic_int_t                queued;
    ngx_atomic_uint_t               waits;
    ngx_atomic_uint_t               timeouts;
    ngx_atomic_uint_t               rejected;
    ngx_uint_t                      keepalive;
    ngx_uint_t                      own;        /* not an upstream{} */
} ngx_http_faas_status_gw_t;


/* the figures of a credentials set, taken at once */
typedef struct {
    ngx_str_t                      *name;
    const char                     *state;
    time_t                          expires_in;
    time_t                          last_fetch;
    time_t                          last_failure;
    ngx_uint_t                      fetches;
    ngx_msec_t                      backoff;
    ngx_atomic_uint_t               failures[NGX_HTTP_FAAS_FAIL_REASONS];
    ngx_atomic_uint_t               waits;
    ngx_atomic_uint_t               replays;
    ngx_uint_t                      has_token;
    ngx_uint_t                      domain;
    u_char                          fingerprint[NGX_HTTP_FAAS_FINGERPRINT_LEN];
    ngx_http_faas_status_service_t  services[2];
    ngx_http_faas_status_gw_t       gw;
} ngx_http_faas_status_cred_t;


/* the figures of a function; buckets made cumulative */
typedef struct {
    u_char                          uuid[NGX_HTTP_FAAS_UUID_LEN];
    size_t                          uuid_len;
    ngx_atomic_uint_t               classes[NGX_HTTP_FAAS_CLASSES];
    ngx_atomic_uint_t               errors[NGX_HTTP_FAAS_ERROR_CODES];
    ngx_atomic_uint_t               buckets[NGX_HTTP_FAAS_BUCKETS];
    ngx_atomic_uint_t               latency_ms;
} ngx_http_faas_status_fn_t;


typedef struct {
    time_t                          now;
    size_t                          zone_size;
    size_t                          zone_free;
    ngx_uint_t                      ncreds;
    ngx_http_faas_status_cred_t    *creds;
    ngx_uint_t                      max;
    ngx_uint_t                      nfns;       /* "other" included */
    ngx_http_faas_status_fn_t      *fns;
} ngx_http_faas_status_t;


static ngx_int_t ngx_http_faas_status_format(ngx_http_request_t *r,
    ngx_uint_t *prometheus);
static ngx_int_t ngx_http_faas_status_collect(ngx_http_request_t *r,
    ngx_http_faas_status_t *st);
static void ngx_http_faas_status_cred(ngx_http_faas_cred_t *cred,
    ngx_http_faas_status_t *st, ngx_http_faas_status_cred_t *sc);
static void ngx_http_faas_status_gateway(ngx_http_faas_cred_t *cred,
    ngx_http_faas_status_gw_t *sg);
static void ngx_http_faas_status_function(ngx_http_faas_fn_stats_t *fn,
    ngx_http_faas_status_fn_t *sf);
static void ngx_http_faas_status_json(ngx_http_faas_status_out_t *o,
    ngx_http_faas_status_t *st);
static void ngx_http_faas_status_json_cred(ngx_http_faas_status_out_t *o,
    ngx_http_faas_status_cred_t *sc);
static void ngx_http_faas_status_json_gateway(ngx_http_faas_status_out_t *o,
    ngx_http_faas_status_gw_t *sg);
static void ngx_http_faas_status_json_function(ngx_http_faas_status_out_t *o,
    ngx_http_faas_status_fn_t *sf);
static void ngx_http_faas_status_prometheus(ngx_http_faas_status_out_t *o,
    ngx_http_faas_status_t *st);
static void ngx_http_faas_status_prom_creds(ngx_http_faas_status_out_t *o,
    ngx_http_faas_status_t *st);
static void ngx_http_faas_status_prom_domain(ngx_http_faas_status_out_t *o,
    ngx_http_faas_status_t *st);
static void ngx_http_faas_status_prom_gateways(ngx_http_faas_status_out_t *o,
    ngx_http_faas_status_t *st);
static void ngx_http_faas_status_prom_functions(
    ngx_http_faas_status_out_t *o, ngx_http_faas_status_t *st);
static void ngx_http_faas_status_family(ngx_http_faas_status_out_t *o,
    const char *name, const char *type, const char *help);
static void ngx_http_faas_status_cred_label(ngx_http_faas_status_out_t *o,
    const char *metric, ngx_http_faas_status_cred_t *sc);
static void ngx_http_faas_status_fn_label(ngx_http_faas_status_out_t *o,
    const char *metric, ngx_http_faas_status_fn_t *sf);
static u_char *ngx_http_faas_status_reserve(ngx_http_faas_status_out_t *o,
    size_t size);
static void ngx_http_faas_status_printf(ngx_http_faas_status_out_t *o,
    const char *fmt, ...);
static void ngx_http_faas_status_json_str(ngx_http_faas_status_out_t *o,
    u_char *data, size_t len);
static void ngx_http_faas_status_label(ngx_http_faas_status_out_t *o,
    u_char *data, size_t len);


static ngx_str_t  ngx_http_faas_status_json_type =
    ngx_string("application/json");
static ngx_str_t  ngx_http_faas_status_prom_type =
    ngx_string("text/plain; version=0.0.4");


ngx_int_t
ngx_http_faas_status_handler(ngx_http_request_t *r)
{
    ngx_int_t                    rc;
    ngx_uint_t                   prometheus;
    ngx_table_elt_t             *h;
    ngx_http_faas_status_t       st;
    ngx_http_faas_status_out_t   o;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    if (ngx_http_faas_status_format(r, &prometheus) != NGX_OK) {
        return NGX_HTTP_BAD_REQUEST;
    }

    if (ngx_http_faas_status_collect(r, &st) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memzero(&o, sizeof(ngx_http_faas_status_out_t));
    o.r = r;
    o.last = &o.out;

    if (prometheus) {
        ngx_http_faas_status_prometheus(&o, &st);
        r->headers_out.content_type = ngx_http_faas_status_prom_type;

    } else {
        ngx_http_faas_status_json(&o, &st);
        r->headers_out.content_type = ngx_http_faas_status_json_type;
    }

    if (o.failed || o.b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;
    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = o.len;

    /* figures of this moment */
    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "Cache-Control");
    ngx_str_set(&h->value, "no-store");

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    o.b->last_buf = (r == r->main) ? 1 : 0;
    o.b->last_in_chain = 1;

    return ngx_http_output_filter(r, o.out);
}


/* ?format=prometheus|json, else Accept: text/plain asks for Prometheus */

static ngx_int_t
ngx_http_faas_status_format(ngx_http_request_t *r, ngx_uint_t *prometheus)
{
    ngx_str_t         value;
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    *prometheus = 0;

    if (ngx_http_arg(r, (u_char *) "format", 6, &value) == NGX_OK) {

        if (value.len == 10
            && ngx_strncmp(value.data, "prometheus", 10) == 0)
        {
            *prometheus = 1;
            return NGX_OK;
        }

        if (value.len == 4 && ngx_strncmp(value.data, "json", 4) == 0) {
            return NGX_OK;
        }

        return NGX_ERROR;
    }

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len == sizeof("Accept") - 1
            && ngx_strncasecmp(h[i].key.data, (u_char *) "Accept",
                               sizeof("Accept") - 1)
               == 0
            && ngx_strlcasestrn(h[i].value.data,
                                h[i].value.data + h[i].value.len,
                                (u_char *) "text/plain",
                                sizeof("text/plain") - 2)
               != NULL)
        {
            *prometheus = 1;
            break;
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_faas_status_collect(ngx_http_request_t *r,
    ngx_http_faas_status_t *st)
{
    ngx_uint_t                  i, n;
    ngx_slab_pool_t            *shpool;
    ngx_http_faas_cred_t      **creds;
    ngx_http_faas_fn_table_t   *t;
    ngx_http_faas_main_conf_t  *fmcf;

    ngx_memzero(st, sizeof(ngx_http_faas_status_t));

    st->now = ngx_time();

    fmcf = ngx_http_get_module_main_conf(r, ngx_http_faas_module);

    /* no faas_credentials and no faas_invoke: no zone, nothing to show */
    if (fmcf->functions == NULL || fmcf->shpool == NULL) {
        return NGX_OK;
    }

    shpool = fmcf->shpool;

    st->zone_size = fmcf->shm_zone->shm.size;

    ngx_shmtx_lock(&shpool->mutex);
    st->zone_free = shpool->pfree * ngx_pagesize;
    ngx_shmtx_unlock(&shpool->mutex);

    creds = fmcf->creds.elts;
    st->ncreds = fmcf->creds.nelts;

    st->creds = ngx_pcalloc(r->pool, (st->ncreds + 1)
                                     * sizeof(ngx_http_faas_status_cred_t));
    if (st->creds == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < st->ncreds; i++) {
        ngx_http_faas_status_cred(creds[i], st, &st->creds[i]);
    }

    t = fmcf->functions;
    st->max = t->max;

    n = t->used;
    if (n > t->max) {
        n = t->max;
    }

    st->fns = ngx_palloc(r->pool,
                         (n + 1) * sizeof(ngx_http_faas_status_fn_t));
    if (st->fns == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < n; i++) {
        ngx_http_faas_status_function(&t->entries[i], &st->fns[i]);
    }

    ngx_http_faas_status_function(&t->other, &st->fns[n]);
    st->fns[n].uuid_len = sizeof("other") - 1;

    st->nfns = n + 1;

    return NGX_OK;
}


static void
ngx_http_faas_status_cred(ngx_http_faas_cred_t *cred,
    ngx_http_faas_status_t *st, ngx_http_faas_status_cred_t *sc)
{
    ngx_uint_t                       i, fetching;
    ngx_msec_t                       now;
    ngx_http_faas_token_node_t      *node;
    ngx_http_faas_domain_entry_t    *e;
    ngx_http_faas_status_service_t  *ss;

    node = cred->node;
    now = ngx_current_msec;

    sc->name = &cred->name;
    sc->domain = (cred->domain_api.len != 0);

    ngx_shmtx_lock(&cred->shpool->mutex);

    sc->has_token = (node->token_len != 0 && node->expires > st->now);
    fetching = (node->fetcher != 0
                && (ngx_msec_int_t) (node->claim_expires - now) > 0);

    if (fetching) {
        sc->state = "refreshing";

    } else if (sc->has_token) {
        sc->state = "valid";

    } else if (node->fetched != 0) {
        sc->state = "expired";

    } else {
        sc->state = "none";
    }

    if (sc->has_token) {
        sc->expires_in = node->expires - st->now;
        ngx_memcpy(sc->fingerprint, node->fingerprint,
                   NGX_HTTP_FAAS_FINGERPRINT_LEN);
    }

    sc->last_fetch = node->fetched;
    sc->last_failure = node->last_failure;
    sc->fetches = node->fetches;

    if (node->next_attempt
        && (ngx_msec_int_t) (node->next_attempt - now) > 0)
    {
        sc->backoff = node->next_attempt - now;
    }

    for (i = 0; i < 2; i++) {
        if (!sc->domain || !cred->dynamic[i]) {
            continue;
        }

        e = &node->services[i];
        ss = &sc->services[i];

        ss->used = 1;
        ss->host_len = ngx_min(e->host_len, sizeof(ss->host));
        ngx_memcpy(ss->host, e->host, ss->host_len);
        ss->age = e->fetched ? st->now - e->fetched : 0;
        ss->lookups = e->lookups;
        ss->failures = e->failed;
    }

    ngx_shmtx_unlock(&cred->shpool->mutex);

    for (i = 0; i < NGX_HTTP_FAAS_FAIL_REASONS; i++) {
        sc->failures[i] = node->stats.failures[i];
    }

    sc->waits = node->stats.waits;
    sc->replays = node->stats.replays;

    ngx_http_faas_status_gateway(cred, &sc->gw);
}


static void
ngx_http_faas_status_gateway(ngx_http_faas_cred_t *cred,
    ngx_http_faas_status_gw_t *sg)
{
    ngx_uint_t                 i;
    ngx_http_faas_gw_stats_t  *gs;

    gs = cred->gw.stats;

    sg->own = (cred->upstream == &cred->gw.upstream);
    sg->keepalive = cred->gw.keepalive;

    if (gs == NULL) {
        return;
    }

    sg->opened = gs->opened;

    for (i = 0; i < NGX_HTTP_FAAS_CLOSE_REASONS; i++) {
        sg->closed[i] = gs->closed[i];
    }

    sg->requests = gs->requests;
    sg->reused = gs->reused;
    sg->handshakes = gs->handshakes;
    sg->resumed = gs->resumed;

    /* gauges: a worker's additions may be seen before its subtractions */
    sg->in_use = ngx_max((ngx_atomic_int_t) gs->in_use, 0);
    sg->idle = ngx_max((ngx_atomic_int_t) gs->idle, 0);
    sg->queued = ngx_max((ngx_atomic_int_t) gs->queued, 0);

    sg->waits = gs->waits;
    sg->timeouts = gs->timeouts;
    sg->rejected = gs->rejected;
}


/*
 * The buckets are read once and made cumulative here, and the count is
 * their total, so that +Inf equals the count in every answer.
 */

static void
ngx_http_faas_status_function(ngx_http_faas_fn_stats_t *fn,
    ngx_http_faas_status_fn_t *sf)
{
    ngx_uint_t         i;
    ngx_atomic_uint_t  total;

    ngx_memcpy(sf->uuid, fn->uuid, NGX_HTTP_FAAS_UUID_LEN);
    sf->uuid_len = NGX_HTTP_FAAS_UUID_LEN;

    for (i = 0; i < NGX_HTTP_FAAS_CLASSES; i++) {
        sf->classes[i] = fn->classes[i];
    }

    for (i = 0; i < NGX_HTTP_FAAS_ERROR_CODES; i++) {
        sf->errors[i] = fn->errors[i];
    }

    total = 0;

    for (i = 0; i < NGX_HTTP_FAAS_BUCKETS; i++) {
        total += fn->buckets[i];
        sf->buckets[i] = total;
    }

    sf->latency_ms = fn->latency_ms;
}


/* JSON */

static void
ngx_http_faas_status_json(ngx_http_faas_status_out_t *o,
    ngx_http_faas_status_t *st)
{
    ngx_uint_t  i;

    ngx_http_faas_status_printf(o, "{\"version\":\"%s\",\"time\":%T,"
                                "\"zone\":{\"size\":%uz,\"free\":%uz},"
                                "\"credentials\":{",
                                NGX_HTTP_FAAS_VERSION, st->now,
                                st->zone_size, st->zone_free);

    for (i = 0; i < st->ncreds; i++) {
        ngx_http_faas_status_printf(o, i ? "," : "");
        ngx_http_faas_status_json_cred(o, &st->creds[i]);
    }

    ngx_http_faas_status_printf(o, "},\"functions_max\":%ui,"
                                "\"functions_used\":%ui,\"functions\":{",
                                st->max, st->nfns ? st->nfns - 1 : 0);

    for (i = 0; i < st->nfns; i++) {
        ngx_http_faas_status_printf(o, i ? "," : "");
        ngx_http_faas_status_json_function(o, &st->fns[i]);
    }

    ngx_http_faas_status_printf(o, "}}\n");
}


static void
ngx_http_faas_status_json_cred(ngx_http_faas_status_out_t *o,
    ngx_http_faas_status_cred_t *sc)
{
    ngx_str_t                       *name;
    ngx_uint_t                       i, n;
    ngx_http_faas_status_service_t  *ss;

    ngx_http_faas_status_json_str(o, sc->name->data, sc->name->len);

    ngx_http_faas_status_printf(o, ":{\"token\":{\"state\":\"%s\","
                                "\"expires_in\":%T,\"fingerprint\":",
                                sc->state, sc->expires_in);

    if (sc->has_token) {
        ngx_http_faas_status_printf(o, "\"%*s\"",
                                    (size_t) NGX_HTTP_FAAS_FINGERPRINT_LEN,
                                    sc->fingerprint);

    } else {
        ngx_http_faas_status_printf(o, "null");
    }

    ngx_http_faas_status_printf(o, ",\"last_fetch\":%T,\"last_failure\":%T},"
                                "\"fetches\":%ui,\"fetch_failures\":{",
                                sc->last_fetch, sc->last_failure,
                                sc->fetches);

    for (i = 0; i < NGX_HTTP_FAAS_FAIL_REASONS; i++) {
        name = ngx_http_faas_stats_reason_name(i);
        ngx_http_faas_status_printf(o, "%s\"%V\":%uA", i ? "," : "", name,
                                    sc->failures[i]);
    }

    ngx_http_faas_status_printf(o, "},\"backoff\":%M.%03M,\"waits\":%uA,"
                                "\"replays\":%uA",
                                sc->backoff / 1000, sc->backoff % 1000,
                                sc->waits, sc->replays);

    ngx_http_faas_status_json_gateway(o, &sc->gw);

    if (sc->domain) {
        ngx_http_faas_status_printf(o, ",\"services\":{");

        n = 0;

        for (i = 0; i < 2; i++) {
            ss = &sc->services[i];

            if (!ss->used) {
                continue;
            }

            name = ngx_http_faas_domain_service(i);

            ngx_http_faas_status_printf(o, "%s\"%V\":{\"host\":",
                                        n++ ? "," : "", name);

            if (ss->host_len) {
                ngx_http_faas_status_json_str(o, ss->host, ss->host_len);

            } else {
                ngx_http_faas_status_printf(o, "null");
            }

            ngx_http_faas_status_printf(o, ",\"age\":%T,\"lookups\":%ui,"
                                        "\"failures\":%ui}",
                                        ss->age, ss->lookups, ss->failures);
        }

        ngx_http_faas_status_printf(o, "}");
    }

    ngx_http_faas_status_printf(o, "}");
}


static void
ngx_http_faas_status_json_gateway(ngx_http_faas_status_out_t *o,
    ngx_http_faas_status_gw_t *sg)
{
    ngx_uint_t  i;

    ngx_http_faas_status_printf(o, ",\"gateway\":{\"pool\":%s,"
                                "\"max_conns\":%ui,"
                                "\"connections\":{\"opened\":%uA,"
                                "\"in_use\":%A,\"idle\":%A,\"closed\":{",
                                sg->own ? "true" : "false",
                                sg->own ? sg->keepalive : 0,
                                sg->opened, sg->in_use, sg->idle);

    for (i = 0; i < NGX_HTTP_FAAS_CLOSE_REASONS; i++) {
        ngx_http_faas_status_printf(o, "%s\"%V\":%uA", i ? "," : "",
                                    ngx_http_faas_stats_close_name(i),
                                    sg->closed[i]);
    }

    ngx_http_faas_status_printf(o, "}},\"requests\":%uA,\"reused\":%uA,"
                                "\"tls\":{\"handshakes\":%uA,"
                                "\"resumed\":%uA},"
                                "\"queue\":{\"length\":%A,\"waits\":%uA,"
                                "\"timeouts\":%uA,\"rejected\":%uA}}",
                                sg->requests, sg->reused, sg->handshakes,
                                sg->resumed, sg->queued, sg->waits,
                                sg->timeouts, sg->rejected);
}


static void
ngx_http_faas_status_json_function(ngx_http_faas_status_out_t *o,
    ngx_http_faas_status_fn_t *sf)
{
    ngx_str_t   *name;
    ngx_uint_t   i, n;

    ngx_http_faas_status_printf(o, "\"%*s\":{\"invocations\":{",
                                sf->uuid_len, sf->uuid);

    for (i = 0; i < NGX_HTTP_FAAS_CLASSES; i++) {
        name = ngx_http_faas_stats_class_name(i);
        ngx_http_faas_status_printf(o, "%s\"%V\":%uA", i ? "," : "", name,
                                    sf->classes[i]);
    }

    ngx_http_faas_status_printf(o, "},\"errors\":{");

    n = 0;

    for (i = 0; i < NGX_HTTP_FAAS_ERROR_CODES; i++) {
        if (sf->errors[i] == 0) {
            continue;
        }

        name = ngx_http_faas_stats_error_name(i);
        ngx_http_faas_status_printf(o, "%s\"%V\":%uA", n++ ? "," : "",
                                    name, sf->errors[i]);
    }

    ngx_http_faas_status_printf(o, "},\"latency\":{\"buckets\":{");

    for (i = 0; i < NGX_HTTP_FAAS_BUCKETS; i++) {
        name = ngx_http_faas_stats_bucket_name(i);
        ngx_http_faas_status_printf(o, "%s\"%V\":%uA", i ? "," : "", name,
                                    sf->buckets[i]);
    }

    ngx_http_faas_status_printf(o, "},\"sum\":%uA.%03uA,\"count\":%uA}}",
                                sf->latency_ms / 1000, sf->latency_ms % 1000,
                                sf->buckets[NGX_HTTP_FAAS_BUCKETS - 1]);
}


/* Prometheus: each family's HELP and TYPE once, then its samples */

static void
ngx_http_faas_status_prometheus(ngx_http_faas_status_out_t *o,
    ngx_http_faas_status_t *st)
{
    ngx_http_faas_status_family(o, "faas_info", "gauge",
                                "1, labelled with the module's version.");
    ngx_http_faas_status_printf(o, "faas_info{version=\"%s\"} 1\n",
                                NGX_HTTP_FAAS_VERSION);

    ngx_http_faas_status_prom_creds(o, st);
    ngx_http_faas_status_prom_domain(o, st);
    ngx_http_faas_status_prom_gateways(o, st);
    ngx_http_faas_status_prom_functions(o, st);

    ngx_http_faas_status_family(o, "faas_functions", "gauge",
                                "Functions with their own entry.");
    ngx_http_faas_status_printf(o, "faas_functions %ui\n",
                                st->nfns ? st->nfns - 1 : 0);

    ngx_http_faas_status_family(o, "faas_functions_max", "gauge",
                                "Bound of the entries "
                                "(faas_status_max_functions).");
    ngx_http_faas_status_printf(o, "faas_functions_max %ui\n", st->max);

    ngx_http_faas_status_family(o, "faas_zone_size_bytes", "gauge",
                                "Size of the shared zone.");
    ngx_http_faas_status_printf(o, "faas_zone_size_bytes %uz\n",
                                st->zone_size);

    ngx_http_faas_status_family(o, "faas_zone_free_bytes", "gauge",
                                "Free pages of the shared zone, in bytes.");
    ngx_http_faas_status_printf(o, "faas_zone_free_bytes %uz\n",
                                st->zone_free);
}


static void
ngx_http_faas_status_prom_creds(ngx_http_faas_status_out_t *o,
    ngx_http_faas_status_t *st)
{
    ngx_uint_t                    i, j;
    ngx_http_faas_status_cred_t  *sc;
    static const char            *states[] = {
        "valid", "refreshing", "expired", "none"
    };

    ngx_http_faas_status_family(o, "faas_token_state", "gauge",
                                "1 for the current state of the token.");

    for (i = 0; i < st->ncreds; i++) {
        sc = &st->creds[i];

        for (j = 0; j < 4; j++) {
            ngx_http_faas_status_printf(o, "faas_token_state{credentials=");
            ngx_http_faas_status_label(o, sc->name->data, sc->name->len);
            ngx_http_faas_status_printf(o, ",state=\"%s\"} %d\n",
                                        states[j],
                                        ngx_strcmp(states[j], sc->state)
                                        == 0);
        }
    }

    ngx_http_faas_status_family(o, "faas_token_expires_in_seconds", "gauge",
                                "Seconds until the token expires "
                                "(0 without one).");

    for (i = 0; i < st->ncreds; i++) {
        sc = &st->creds[i];
        ngx_http_faas_status_cred_label(o, "faas_token_expires_in_seconds",
                                        sc);
        ngx_http_faas_status_printf(o, "} %T\n", sc->expires_in);
    }

    ngx_http_faas_status_family(o, "faas_token_info", "gauge",
                                "Fingerprint of the current token "
                                "(start of its SHA-256).");

    for (i = 0; i < st->ncreds; i++) {
        sc = &st->creds[i];

        if (!sc->has_token) {
            continue;
        }

        ngx_http_faas_status_printf(o, "faas_token_info{credentials=");
        ngx_http_faas_status_label(o, sc->name->data, sc->name->len);
        ngx_http_faas_status_printf(o, ",fingerprint=\"%*s\"} 1\n",
                                    (size_t) NGX_HTTP_FAAS_FINGERPRINT_LEN,
                                    sc->fingerprint);
    }

    ngx_http_faas_status_family(o, "faas_token_last_fetch_timestamp_seconds",
                                "gauge",
                                "Time of the last token fetched (0: never).");

    for (i = 0; i < st->ncreds; i++) {
        sc = &st->creds[i];
        ngx_http_faas_status_cred_label(o,
                                "faas_token_last_fetch_timestamp_seconds",
                                sc);
        ngx_http_faas_status_printf(o, "} %T\n", sc->last_fetch);
    }

    ngx_http_faas_status_family(o,
                                "faas_token_last_failure_timestamp_seconds",
                                "gauge",
                                "Time of the last failed token request "
                                "(0: never).");

    for (i = 0; i < st->ncreds; i++) {
        sc = &st->creds[i];
        ngx_http_faas_status_cred_label(o,
                                "faas_token_last_failure_timestamp_seconds",
                                sc);
        ngx_http_faas_status_printf(o, "} %T\n", sc->last_failure);
    }

    ngx_http_faas_status_family(o, "faas_token_fetches_total", "counter",
                                "Tokens fetched.");

    for (i = 0; i < st->ncreds; i++) {
        sc = &st->creds[i];
        ngx_http_faas_status_cred_label(o, "faas_token_fetches_total", sc);
        ngx_http_faas_status_printf(o, "} %ui\n", sc->fetches);
    }

    ngx_http_faas_status_family(o, "faas_token_fetch_failures_total",
                                "counter",
                                "Failed token requests, by reason.");

    for (i = 0; i < st->ncreds; i++) {
        sc = &st->creds[i];

        for (j = 0; j < NGX_HTTP_FAAS_FAIL_REASONS; j++) {
            ngx_http_faas_status_printf(o, "faas_token_fetch_failures_total"
                                        "{credentials=");
            ngx_http_faas_status_label(o, sc->name->data, sc->name->len);
            ngx_http_faas_status_printf(o, ",reason=\"%V\"} %uA\n",
                                        ngx_http_faas_stats_reason_name(j),
                                        sc->failures[j]);
        }
    }

    ngx_http_faas_status_family(o, "faas_token_backoff_seconds", "gauge",
                                "Time until the next token request may "
                                "start after failures.");

    for (i = 0; i < st->ncreds; i++) {
        sc = &st->creds[i];
        ngx_http_faas_status_cred_label(o, "faas_token_backoff_seconds", sc);
        ngx_http_faas_status_printf(o, "} %M.%03M\n", sc->backoff / 1000,
                                    sc->backoff % 1000);
    }

    ngx_http_faas_status_family(o, "faas_token_waits_total", "counter",
                                "Requests that waited for a token.");

    for (i = 0; i < st->ncreds; i++) {
        sc = &st->creds[i];
        ngx_http_faas_status_cred_label(o, "faas_token_waits_total", sc);
        ngx_http_faas_status_printf(o, "} %uA\n", sc->waits);
    }

    ngx_http_faas_status_family(o, "faas_token_replays_total", "counter",
                                "Requests sent again after a 401 of the "
                                "gateway.");

    for (i = 0; i < st->ncreds; i++) {
        sc = &st->creds[i];
        ngx_http_faas_status_cred_label(o, "faas_token_replays_total", sc);
        ngx_http_faas_status_printf(o, "} %uA\n", sc->replays);
    }
}


static void
ngx_http_faas_status_prom_domain(ngx_http_faas_status_out_t *o,
    ngx_http_faas_status_t *st)
{
    ngx_uint_t                       i, j, k;
    ngx_http_faas_status_cred_t     *sc;
    ngx_http_faas_status_service_t  *ss;
    static const char               *metrics[] = {
        "faas_domain_host_info", "gauge",
        "The host the Domain API gave for a service.",
        "faas_domain_host_age_seconds", "gauge",
        "Age of the Domain API's answer in use.",
        "faas_domain_lookups_total", "counter",
        "Domain API lookups.",
        "faas_domain_lookup_failures_total", "counter",
        "Failed Domain API lookups."
    };

    for (k = 0; k < 4; k++) {
        ngx_http_faas_status_family(o, metrics[3 * k], metrics[3 * k + 1],
                                    metrics[3 * k + 2]);

        for (i = 0; i < st->ncreds; i++) {
            sc = &st->creds[i];

            for (j = 0; j < 2; j++) {
                ss = &sc->services[j];

                if (!ss->used || (k < 2 && ss->host_len == 0)) {
                    continue;
                }

                ngx_http_faas_status_cred_label(o, metrics[3 * k], sc);

                ngx_http_faas_status_printf(o, ",service=\"%V\"",
                                           ngx_http_faas_domain_service(j));

                switch (k) {

                case 0:
                    ngx_http_faas_status_printf(o, ",host=");
                    ngx_http_faas_status_label(o, ss->host, ss->host_len);
                    ngx_http_faas_status_printf(o, "} 1\n");
                    break;

                case 1:
                    ngx_http_faas_status_printf(o, "} %T\n", ss->age);
                    break;

                case 2:
                    ngx_http_faas_status_printf(o, "} %ui\n", ss->lookups);
                    break;

                default:
                    ngx_http_faas_status_printf(o, "} %ui\n", ss->failures);
                    break;
                }
            }
        }
    }
}


/* one family per counter of the gateway connections, the same order */

static void
ngx_http_faas_status_prom_gateways(ngx_http_faas_status_out_t *o,
    ngx_http_faas_status_t *st)
{
    ngx_uint_t                    i, j, k;
    ngx_atomic_int_t              v;
    ngx_http_faas_status_gw_t    *sg;
    ngx_http_faas_status_cred_t  *sc;
    static const char            *metrics[] = {
        "faas_gateway_connections_opened_total", "counter",
        "Connections to the gateway opened.",
        "faas_gateway_connections", "gauge",
        "Connections to the gateway open now, by state.",
        "faas_gateway_connections_closed_total", "counter",
        "Connections to the gateway closed, by reason.",
        "faas_gateway_requests_total", "counter",
        "Requests sent on the pool's connections.",
        "faas_gateway_requests_reused_total", "counter",
        "Requests sent on a connection kept open.",
        "faas_gateway_tls_handshakes_total", "counter",
        "TLS handshakes of new connections.",
        "faas_gateway_tls_resumed_total", "counter",
        "TLS handshakes that resumed a session.",
        "faas_gateway_queue_length", "gauge",
        "Requests waiting for a connection now.",
        "faas_gateway_queue_waits_total", "counter",
        "Requests that waited for a connection.",
        "faas_gateway_queue_timeouts_total", "counter",
        "Requests that waited in vain (503 gateway_busy).",
        "faas_gateway_queue_rejected_total", "counter",
        "Requests refused with the queue full (503 gateway_busy).",
        "faas_gateway_max_conns", "gauge",
        "Connections a worker opens at most (keepalive)."
    };

    for (k = 0; k < 12; k++) {
        ngx_http_faas_status_family(o, metrics[3 * k], metrics[3 * k + 1],
                                    metrics[3 * k + 2]);

        for (i = 0; i < st->ncreds; i++) {
            sc = &st->creds[i];
            sg = &sc->gw;

            if (!sg->own) {
                continue;
            }

            switch (k) {

            case 1:
                for (j = 0; j < 2; j++) {
                    ngx_http_faas_status_cred_label(o, metrics[3 * k], sc);
                    ngx_http_faas_status_printf(o, ",state=\"%s\"} %A\n",
                                                j ? "idle" : "in_use",
                                                j ? sg->idle : sg->in_use);
                }

                continue;

            case 2:
                for (j = 0; j < NGX_HTTP_FAAS_CLOSE_REASONS; j++) {
                    ngx_http_faas_status_cred_label(o, metrics[3 * k], sc);
                    ngx_http_faas_status_printf(o, ",reason=\"%V\"} %uA\n",
                                        ngx_http_faas_stats_close_name(j),
                                        sg->closed[j]);
                }

                continue;

            case 0:
                v = sg->opened;
                break;

            case 3:
                v = sg->requests;
                break;

            case 4:
                v = sg->reused;
                break;

            case 5:
                v = sg->handshakes;
                break;

            case 6:
                v = sg->resumed;
                break;

            case 7:
                v = sg->queued;
                break;

            case 8:
                v = sg->waits;
                break;

            case 9:
                v = sg->timeouts;
                break;

            case 10:
                v = sg->rejected;
                break;

            default:
                v = sg->keepalive;
                break;
            }

            ngx_http_faas_status_cred_label(o, metrics[3 * k], sc);
            ngx_http_faas_status_printf(o, "} %A\n", v);
        }
    }
}


static void
ngx_http_faas_status_prom_functions(ngx_http_faas_status_out_t *o,
    ngx_http_faas_status_t *st)
{
    ngx_uint_t                  i, j;
    ngx_http_faas_status_fn_t  *sf;

    ngx_http_faas_status_family(o, "faas_function_invocations_total",
                                "counter",
                                "Requests to a function, by outcome.");

    for (i = 0; i < st->nfns; i++) {
        sf = &st->fns[i];

        for (j = 0; j < NGX_HTTP_FAAS_CLASSES; j++) {
            ngx_http_faas_status_fn_label(o,
                                          "faas_function_invocations_total",
                                          sf);
            ngx_http_faas_status_printf(o, ",class=\"%V\"} %uA\n",
                                        ngx_http_faas_stats_class_name(j),
                                        sf->classes[j]);
        }
    }

    ngx_http_faas_status_family(o, "faas_function_errors_total", "counter",
                                "Errors the module answered, by code.");

    for (i = 0; i < st->nfns; i++) {
        sf = &st->fns[i];

        for (j = 0; j < NGX_HTTP_FAAS_ERROR_CODES; j++) {
            if (sf->errors[j] == 0) {
                continue;
            }

            ngx_http_faas_status_fn_label(o, "faas_function_errors_total",
                                          sf);
            ngx_http_faas_status_printf(o, ",code=\"%V\"} %uA\n",
                                        ngx_http_faas_stats_error_name(j),
                                        sf->errors[j]);
        }
    }

    ngx_http_faas_status_family(o, "faas_function_latency_seconds",
                                "histogram",
                                "Time from the request's start to its end.");

    for (i = 0; i < st->nfns; i++) {
        sf = &st->fns[i];

        for (j = 0; j < NGX_HTTP_FAAS_BUCKETS; j++) {
            ngx_http_faas_status_fn_label(o,
                                          "faas_function_latency_seconds"
                                          "_bucket", sf);
            ngx_http_faas_status_printf(o, ",le=\"%V\"} %uA\n",
                                        ngx_http_faas_stats_bucket_name(j),
                                        sf->buckets[j]);
        }

        ngx_http_faas_status_fn_label(o, "faas_function_latency_seconds_sum",
                                      sf);
        ngx_http_faas_status_printf(o, "} %uA.%03uA\n",
                                    sf->latency_ms / 1000,
                                    sf->latency_ms % 1000);

        ngx_http_faas_status_fn_label(o,
                                      "faas_function_latency_seconds_count",
                                      sf);
        ngx_http_faas_status_printf(o, "} %uA\n",
                                    sf->buckets[NGX_HTTP_FAAS_BUCKETS - 1]);
    }
}


static void
ngx_http_faas_status_family(ngx_http_faas_status_out_t *o, const char *name,
    const char *type, const char *help)
{
    ngx_http_faas_status_printf(o, "# HELP %s %s\n# TYPE %s %s\n",
                                name, help, name, type);
}


/* metric{credentials="NAME" and the caller's labels */

static void
ngx_http_faas_status_cred_label(ngx_http_faas_status_out_t *o,
    const char *metric, ngx_http_faas_status_cred_t *sc)
{
    ngx_http_faas_status_printf(o, "%s{credentials=", metric);
    ngx_http_faas_status_label(o, sc->name->data, sc->name->len);
}


/* metric{lambda="UUID" and the caller's labels */

static void
ngx_http_faas_status_fn_label(ngx_http_faas_status_out_t *o,
    const char *metric, ngx_http_faas_status_fn_t *sf)
{
    ngx_http_faas_status_printf(o, "%s{lambda=\"%*s\"", metric,
                                sf->uuid_len, sf->uuid);
}


/* room for "size" bytes at o->b->last, in a new buffer if need be */

static u_char *
ngx_http_faas_status_reserve(ngx_http_faas_status_out_t *o, size_t size)
{
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    if (o->failed) {
        return NULL;
    }

    if (o->b != NULL && (size_t) (o->b->end - o->b->last) >= size) {
        return o->b->last;
    }

    b = ngx_create_temp_buf(o->r->pool,
                            ngx_max(size, NGX_HTTP_FAAS_STATUS_BUF));
    cl = ngx_alloc_chain_link(o->r->pool);

    if (b == NULL || cl == NULL) {
        o->failed = 1;
        return NULL;
    }

    cl->buf = b;
    cl->next = NULL;

    *o->last = cl;
    o->last = &cl->next;
    o->b = b;

    return b->last;
}


static void
ngx_http_faas_status_printf(ngx_http_faas_status_out_t *o,
    const char *fmt, ...)
{
    u_char   *p, *last;
    va_list   args;

    p = ngx_http_faas_status_reserve(o, NGX_HTTP_FAAS_STATUS_LINE);
    if (p == NULL) {
        return;
    }

    va_start(args, fmt);
    last = ngx_vslprintf(p, p + NGX_HTTP_FAAS_STATUS_LINE, fmt, args);
    va_end(args);

    o->len += last - p;
    o->b->last = last;
}


/* a JSON string, quotes included */

static void
ngx_http_faas_status_json_str(ngx_http_faas_status_out_t *o, u_char *data,
    size_t len)
{
    u_char  *p, *start;
    size_t   size;

    size = ngx_http_faas_json_escape(NULL, data, len) + 2;

    p = ngx_http_faas_status_reserve(o, size);
    if (p == NULL) {
        return;
    }

    start = p;

    *p++ = '"';
    p += ngx_http_faas_json_escape(p, data, len);
    *p++ = '"';

    o->len += p - start;
    o->b->last = p;
}


/* a Prometheus label value, quotes included: \, " and LF escaped */

static void
ngx_http_faas_status_label(ngx_http_faas_status_out_t *o, u_char *data,
    size_t len)
{
    u_char  *p, *start, *last;

    p = ngx_http_faas_status_reserve(o, 2 * len + 2);
    if (p == NULL) {
        return;
    }

    start = p;
    last = data + len;

    *p++ = '"';

    while (data < last) {
        switch (*data) {

        case '\\':
        case '"':
            *p++ = '\\';
            *p++ = *data;
            break;

        case '\n':
            *p++ = '\\';
            *p++ = 'n';
            break;

        default:
            *p++ = *data;
        }

        data++;
    }

    *p++ = '"';

    o->len += p - start;
    o->b->last = p;
}
