
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * faas_status: a read-only endpoint with the figures of the shared zone,
 * as JSON or in the Prometheus text format (0.0.4).  It shows a token
 * only as its fingerprint, and never a secret.
 *
 * The figures are taken at once into the structs below; the Prometheus
 * families are the rows of ngx_http_faas_status_metrics, which one loop
 * writes, and the JSON lists by name use the same label sets.
 */


#include "ngx_http_faas.h"
#include "ngx_http_faas_status.h"
#include "ngx_http_faas_domain.h"
#include "ngx_http_faas_store.h"
#include "ngx_http_faas_stats.h"
#include "ngx_http_faas_escape.h"


#define NGX_HTTP_FAAS_STATUS_BUF    32768

/* the longest piece one printf of this file makes */
#define NGX_HTTP_FAAS_STATUS_LINE   512


/* whose figures a family shows: one sample set per what */
#define NGX_HTTP_FAAS_STATUS_ZONE         0   /* the whole nginx */
#define NGX_HTTP_FAAS_STATUS_CREDENTIALS  1   /* each set */
#define NGX_HTTP_FAAS_STATUS_TOKEN        2   /* each set with a token */
#define NGX_HTTP_FAAS_STATUS_SERVICE      3   /* each service looked up */
#define NGX_HTTP_FAAS_STATUS_HOST         4   /* ... that has a host */
#define NGX_HTTP_FAAS_STATUS_GATEWAY      5   /* each set with our pool */
#define NGX_HTTP_FAAS_STATUS_FUNCTION     6   /* each function, "other" */

/* what the figure at a metric's offset is, and how it is written */
#define NGX_HTTP_FAAS_STATUS_ONE          0   /* none: the value 1 */
#define NGX_HTTP_FAAS_STATUS_CHOSEN       1   /* ngx_uint_t: 1 for it */
#define NGX_HTTP_FAAS_STATUS_TIME         2   /* time_t */
#define NGX_HTTP_FAAS_STATUS_UINT         3   /* ngx_uint_t */
#define NGX_HTTP_FAAS_STATUS_COUNT        4   /* ngx_atomic_uint_t */
#define NGX_HTTP_FAAS_STATUS_INT          5   /* ngx_atomic_int_t */
#define NGX_HTTP_FAAS_STATUS_MSEC         6   /* ngx_msec_t, in seconds */
#define NGX_HTTP_FAAS_STATUS_SIZE         7   /* size_t */
#define NGX_HTTP_FAAS_STATUS_HISTOGRAM    8   /* status_latency_t */

/* samples of the value 0 are left out (COUNT only) */
#define NGX_HTTP_FAAS_STATUS_NONZERO      1


#define ngx_http_faas_status_offset(type, field)                            \
    offsetof(ngx_http_faas_status_##type##_t, field)


typedef struct {
    ngx_http_request_t             *r;
    ngx_chain_t                    *out;
    ngx_chain_t                   **last;
    ngx_buf_t                      *b;
    off_t                           len;
    ngx_uint_t                      failed;
} ngx_http_faas_status_out_t;


typedef ngx_str_t *(*ngx_http_faas_status_name_pt)(ngx_uint_t i);


/*
 * A label beyond the one that says whose figures they are: either one
 * sample per name (the figure at the metric's offset is then an array
 * of "count"), or one sample labelled with a string of the figures
 */
typedef struct {
    const char                     *key;
    ngx_http_faas_status_name_pt    name;
    ngx_uint_t                      count;
    size_t                          offset;     /* without name: ngx_str_t */
} ngx_http_faas_status_label_t;


/* a Prometheus family */
typedef struct {
    const char                     *name;
    const char                     *type;
    const char                     *help;
    ngx_uint_t                      subject;    /* whose figures */
    ngx_http_faas_status_label_t   *label;      /* or NULL */
    ngx_uint_t                      kind;       /* of the figure */
    size_t                          offset;     /* in the figures */
    ngx_uint_t                      flags;
} ngx_http_faas_status_metric_t;


/* the figures of one family's samples, and the labels that say whose */
typedef struct {
    u_char                         *figures;
    ngx_uint_t                      nlabels;
    ngx_keyval_t                    labels[2];
} ngx_http_faas_status_subject_t;


typedef struct {
    ngx_str_t                       host;
    u_char                          host_buf[256];
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
    ngx_atomic_int_t                open[2];    /* in use, idle */
    ngx_atomic_int_t                queued;
    ngx_atomic_uint_t               waits;
    ngx_atomic_uint_t               timeouts;
    ngx_atomic_uint_t               rejected;
    ngx_atomic_uint_t               keepalive;
    ngx_uint_t                      own;        /* not an upstream{} */
} ngx_http_faas_status_gw_t;


/* the figures of a credentials set, taken at once */
typedef struct {
    ngx_str_t                      *name;
    ngx_uint_t                      state;      /* of states[] */
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
    ngx_str_t                       fingerprint;
    u_char                          fingerprint_buf[
                                        NGX_HTTP_FAAS_FINGERPRINT_LEN];
    ngx_http_faas_status_service_t  services[2];
    ngx_http_faas_status_gw_t       gw;
} ngx_http_faas_status_cred_t;


/* a latency histogram: buckets made cumulative, and the sum */
typedef struct {
    ngx_atomic_uint_t               buckets[NGX_HTTP_FAAS_BUCKETS];
    ngx_atomic_uint_t               sum_ms;
} ngx_http_faas_status_latency_t;


/* the figures of a function */
typedef struct {
    u_char                          uuid[NGX_HTTP_FAAS_UUID_LEN];
    size_t                          uuid_len;
    ngx_atomic_uint_t               classes[NGX_HTTP_FAAS_CLASSES];
    ngx_atomic_uint_t               errors[NGX_HTTP_FAAS_ERROR_CODES];
    ngx_http_faas_status_latency_t  latency;
    ngx_atomic_uint_t               cache[NGX_HTTP_FAAS_CACHE_STATES];
    ngx_atomic_uint_t               retries;
} ngx_http_faas_status_fn_t;


typedef struct {
    time_t                          now;
    size_t                          zone_size;
    size_t                          zone_free;
    ngx_uint_t                      ncreds;
    ngx_http_faas_status_cred_t    *creds;
    ngx_uint_t                      max;
    ngx_uint_t                      used;       /* "other" not included */
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
static void ngx_http_faas_status_json_list(ngx_http_faas_status_out_t *o,
    ngx_http_faas_status_label_t *label, ngx_uint_t kind, void *values,
    ngx_uint_t flags);
static void ngx_http_faas_status_prometheus(ngx_http_faas_status_out_t *o,
    ngx_http_faas_status_t *st);
static void ngx_http_faas_status_prom_family(ngx_http_faas_status_out_t *o,
    ngx_http_faas_status_t *st, ngx_http_faas_status_metric_t *m);
static void ngx_http_faas_status_prom_samples(ngx_http_faas_status_out_t *o,
    ngx_http_faas_status_metric_t *m, ngx_http_faas_status_subject_t *s);
static void ngx_http_faas_status_prom_histogram(
    ngx_http_faas_status_out_t *o, ngx_http_faas_status_metric_t *m,
    ngx_http_faas_status_subject_t *s);
static void ngx_http_faas_status_prom_series(ngx_http_faas_status_out_t *o,
    const char *name, const char *suffix, ngx_http_faas_status_subject_t *s,
    const char *key, ngx_str_t *value);
static u_char *ngx_http_faas_status_figure(ngx_uint_t kind, u_char *base,
    ngx_uint_t i);
static void ngx_http_faas_status_value(ngx_http_faas_status_out_t *o,
    ngx_uint_t kind, u_char *p, ngx_uint_t i);
static ngx_str_t *ngx_http_faas_status_version_name(ngx_uint_t i);
static ngx_str_t *ngx_http_faas_status_state_name(ngx_uint_t i);
static ngx_str_t *ngx_http_faas_status_open_name(ngx_uint_t i);
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

static ngx_str_t  ngx_http_faas_status_version =
    ngx_string(NGX_HTTP_FAAS_VERSION);

#define NGX_HTTP_FAAS_STATUS_VALID        0
#define NGX_HTTP_FAAS_STATUS_REFRESHING   1
#define NGX_HTTP_FAAS_STATUS_EXPIRED      2
#define NGX_HTTP_FAAS_STATUS_NONE         3

static ngx_str_t  ngx_http_faas_status_states[] = {
    ngx_string("valid"),
    ngx_string("refreshing"),
    ngx_string("expired"),
    ngx_string("none")
};

static ngx_str_t  ngx_http_faas_status_opens[] = {
    ngx_string("in_use"),
    ngx_string("idle")
};


/* the labels by name; JSON writes the same lists as objects */

static ngx_http_faas_status_label_t  ngx_http_faas_status_by_version = {
    "version", ngx_http_faas_status_version_name, 1, 0
};

static ngx_http_faas_status_label_t  ngx_http_faas_status_by_state = {
    "state", ngx_http_faas_status_state_name, 4, 0
};

static ngx_http_faas_status_label_t  ngx_http_faas_status_by_fingerprint = {
    "fingerprint", NULL, 1,
    ngx_http_faas_status_offset(cred, fingerprint)
};

static ngx_http_faas_status_label_t  ngx_http_faas_status_by_reason = {
    "reason", ngx_http_faas_stats_reason_name, NGX_HTTP_FAAS_FAIL_REASONS, 0
};

static ngx_http_faas_status_label_t  ngx_http_faas_status_by_host = {
    "host", NULL, 1, ngx_http_faas_status_offset(service, host)
};

static ngx_http_faas_status_label_t  ngx_http_faas_status_by_open = {
    "state", ngx_http_faas_status_open_name, 2, 0
};

static ngx_http_faas_status_label_t  ngx_http_faas_status_by_close = {
    "reason", ngx_http_faas_stats_close_name, NGX_HTTP_FAAS_CLOSE_REASONS, 0
};

static ngx_http_faas_status_label_t  ngx_http_faas_status_by_class = {
    "class", ngx_http_faas_stats_class_name, NGX_HTTP_FAAS_CLASSES, 0
};

static ngx_http_faas_status_label_t  ngx_http_faas_status_by_code = {
    "code", ngx_http_faas_stats_error_name, NGX_HTTP_FAAS_ERROR_CODES, 0
};

static ngx_http_faas_status_label_t  ngx_http_faas_status_by_cache = {
    "status", ngx_http_faas_stats_cache_name, NGX_HTTP_FAAS_CACHE_STATES, 0
};

static ngx_http_faas_status_label_t  ngx_http_faas_status_by_le = {
    "le", ngx_http_faas_stats_bucket_name, NGX_HTTP_FAAS_BUCKETS, 0
};


#define ngx_http_faas_metric_zone(name, help, kind, field)                  \
    { name, "gauge", help, NGX_HTTP_FAAS_STATUS_ZONE, NULL,                 \
      NGX_HTTP_FAAS_STATUS_##kind, offsetof(ngx_http_faas_status_t, field), \
      0 }

#define ngx_http_faas_metric_cred(name, type, help, label, kind, field)     \
    { name, type, help, NGX_HTTP_FAAS_STATUS_CREDENTIALS, label,            \
      NGX_HTTP_FAAS_STATUS_##kind, ngx_http_faas_status_offset(cred, field), \
      0 }

#define ngx_http_faas_metric_service(name, type, help, what, label, kind,   \
                                     field)                                 \
    { name, type, help, NGX_HTTP_FAAS_STATUS_##what, label,                 \
      NGX_HTTP_FAAS_STATUS_##kind,                                          \
      ngx_http_faas_status_offset(service, field), 0 }

#define ngx_http_faas_metric_gw(name, type, help, label, kind, field)       \
    { name, type, help, NGX_HTTP_FAAS_STATUS_GATEWAY, label,                \
      NGX_HTTP_FAAS_STATUS_##kind, ngx_http_faas_status_offset(gw, field),  \
      0 }

#define ngx_http_faas_metric_fn(name, type, help, label, kind, field, flags) \
    { name, type, help, NGX_HTTP_FAAS_STATUS_FUNCTION, label,               \
      NGX_HTTP_FAAS_STATUS_##kind, ngx_http_faas_status_offset(fn, field),  \
      flags }


/* the Prometheus families, in the order they are written */

static ngx_http_faas_status_metric_t  ngx_http_faas_status_metrics[] = {

    { "faas_info", "gauge", "1, labelled with the module's version.",
      NGX_HTTP_FAAS_STATUS_ZONE, &ngx_http_faas_status_by_version,
      NGX_HTTP_FAAS_STATUS_ONE, 0, 0 },

    ngx_http_faas_metric_cred("faas_token_state", "gauge",
        "1 for the current state of the token.",
        &ngx_http_faas_status_by_state, CHOSEN, state),

    ngx_http_faas_metric_cred("faas_token_expires_in_seconds", "gauge",
        "Seconds until the token expires (0 without one).",
        NULL, TIME, expires_in),

    { "faas_token_info", "gauge",
      "Fingerprint of the current token (start of its SHA-256).",
      NGX_HTTP_FAAS_STATUS_TOKEN, &ngx_http_faas_status_by_fingerprint,
      NGX_HTTP_FAAS_STATUS_ONE, 0, 0 },

    ngx_http_faas_metric_cred("faas_token_last_fetch_timestamp_seconds",
        "gauge", "Time of the last token fetched (0: never).",
        NULL, TIME, last_fetch),

    ngx_http_faas_metric_cred("faas_token_last_failure_timestamp_seconds",
        "gauge", "Time of the last failed token request (0: never).",
        NULL, TIME, last_failure),

    ngx_http_faas_metric_cred("faas_token_fetches_total", "counter",
        "Tokens fetched.", NULL, UINT, fetches),

    ngx_http_faas_metric_cred("faas_token_fetch_failures_total", "counter",
        "Failed token requests, by reason.",
        &ngx_http_faas_status_by_reason, COUNT, failures),

    ngx_http_faas_metric_cred("faas_token_backoff_seconds", "gauge",
        "Time until the next token request may start after failures.",
        NULL, MSEC, backoff),

    ngx_http_faas_metric_cred("faas_token_waits_total", "counter",
        "Requests that waited for a token.", NULL, COUNT, waits),

    ngx_http_faas_metric_cred("faas_token_replays_total", "counter",
        "Requests sent again after a 401 of the gateway.",
        NULL, COUNT, replays),

    { "faas_domain_host_info", "gauge",
      "The host the Domain API gave for a service.",
      NGX_HTTP_FAAS_STATUS_HOST, &ngx_http_faas_status_by_host,
      NGX_HTTP_FAAS_STATUS_ONE, 0, 0 },

    ngx_http_faas_metric_service("faas_domain_host_age_seconds", "gauge",
        "Age of the Domain API's answer in use.", HOST, NULL, TIME, age),

    ngx_http_faas_metric_service("faas_domain_lookups_total", "counter",
        "Domain API lookups.", SERVICE, NULL, UINT, lookups),

    ngx_http_faas_metric_service("faas_domain_lookup_failures_total",
        "counter", "Failed Domain API lookups.",
        SERVICE, NULL, UINT, failures),

    /* the gateway's figures as signed numbers, as they always were */

    ngx_http_faas_metric_gw("faas_gateway_connections_opened_total",
        "counter", "Connections to the gateway opened.", NULL, INT, opened),

    ngx_http_faas_metric_gw("faas_gateway_connections", "gauge",
        "Connections to the gateway open now, by state.",
        &ngx_http_faas_status_by_open, INT, open),

    ngx_http_faas_metric_gw("faas_gateway_connections_closed_total",
        "counter", "Connections to the gateway closed, by reason.",
        &ngx_http_faas_status_by_close, COUNT, closed),

    ngx_http_faas_metric_gw("faas_gateway_requests_total", "counter",
        "Requests sent on the pool's connections.", NULL, INT, requests),

    ngx_http_faas_metric_gw("faas_gateway_requests_reused_total", "counter",
        "Requests sent on a connection kept open.", NULL, INT, reused),

    ngx_http_faas_metric_gw("faas_gateway_tls_handshakes_total", "counter",
        "TLS handshakes of new connections.", NULL, INT, handshakes),

    ngx_http_faas_metric_gw("faas_gateway_tls_resumed_total", "counter",
        "TLS handshakes that resumed a session.", NULL, INT, resumed),

    ngx_http_faas_metric_gw("faas_gateway_queue_length", "gauge",
        "Requests waiting for a connection now.", NULL, INT, queued),

    ngx_http_faas_metric_gw("faas_gateway_queue_waits_total", "counter",
        "Requests that waited for a connection.", NULL, INT, waits),

    ngx_http_faas_metric_gw("faas_gateway_queue_timeouts_total", "counter",
        "Requests that waited in vain (503 gateway_busy).",
        NULL, INT, timeouts),

    ngx_http_faas_metric_gw("faas_gateway_queue_rejected_total", "counter",
        "Requests refused with the queue full (503 gateway_busy).",
        NULL, INT, rejected),

    ngx_http_faas_metric_gw("faas_gateway_max_conns", "gauge",
        "Connections a worker opens at most (keepalive).",
        NULL, INT, keepalive),

    ngx_http_faas_metric_fn("faas_function_invocations_total", "counter",
        "Requests to a function, by outcome.",
        &ngx_http_faas_status_by_class, COUNT, classes, 0),

    ngx_http_faas_metric_fn("faas_function_errors_total", "counter",
        "Errors the module answered, by code.",
        &ngx_http_faas_status_by_code, COUNT, errors,
        NGX_HTTP_FAAS_STATUS_NONZERO),

    ngx_http_faas_metric_fn("faas_function_latency_seconds", "histogram",
        "Time from the request's start to its end.",
        &ngx_http_faas_status_by_le, HISTOGRAM, latency, 0),

    ngx_http_faas_metric_fn("faas_function_cache_total", "counter",
        "Requests faas_cache answered or passed, by $upstream_cache_status.",
        &ngx_http_faas_status_by_cache, COUNT, cache,
        NGX_HTTP_FAAS_STATUS_NONZERO),

    ngx_http_faas_metric_fn("faas_function_retries_total", "counter",
        "Requests sent again after a 429 (faas_next_upstream http_429).",
        NULL, COUNT, retries, 0),

    ngx_http_faas_metric_zone("faas_functions",
        "Functions with their own entry.", UINT, used),

    ngx_http_faas_metric_zone("faas_functions_max",
        "Bound of the entries (faas_status_max_functions).", UINT, max),

    ngx_http_faas_metric_zone("faas_zone_size_bytes",
        "Size of the shared zone.", SIZE, zone_size),

    ngx_http_faas_metric_zone("faas_zone_free_bytes",
        "Free pages of the shared zone, in bytes.", SIZE, zone_free),

    { NULL, NULL, NULL, 0, NULL, 0, 0, 0 }
};


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
    ngx_http_faas_cred_t      **creds;
    ngx_http_faas_fn_table_t   *t;
    ngx_http_faas_main_conf_t  *fmcf;

    ngx_memzero(st, sizeof(ngx_http_faas_status_t));

    st->now = ngx_time();

    fmcf = ngx_http_get_module_main_conf(r, ngx_http_faas_module);

    /* no faas_credentials and no faas_invoke: no zone, nothing to show */
    if (fmcf->functions == NULL
        || ngx_http_faas_store_zone(fmcf, &st->zone_size, &st->zone_free)
           != NGX_OK)
    {
        return NGX_OK;
    }

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

    st->used = n;
    st->nfns = n + 1;

    return NGX_OK;
}


static void
ngx_http_faas_status_cred(ngx_http_faas_cred_t *cred,
    ngx_http_faas_status_t *st, ngx_http_faas_status_cred_t *sc)
{
    ngx_uint_t                       i;
    ngx_http_faas_store_host_t      *h;
    ngx_http_faas_cred_stats_t      *cs;
    ngx_http_faas_status_service_t  *ss;
    ngx_http_faas_store_snapshot_t   snap;

    sc->name = &cred->name;
    sc->domain = (cred->domain_api.len != 0);

    ngx_http_faas_store_snapshot(cred, &snap);

    sc->has_token = (snap.has_token && snap.expires > st->now);

    if (snap.fetching) {
        sc->state = NGX_HTTP_FAAS_STATUS_REFRESHING;

    } else if (sc->has_token) {
        sc->state = NGX_HTTP_FAAS_STATUS_VALID;

    } else if (snap.fetched != 0) {
        sc->state = NGX_HTTP_FAAS_STATUS_EXPIRED;

    } else {
        sc->state = NGX_HTTP_FAAS_STATUS_NONE;
    }

    if (sc->has_token) {
        sc->expires_in = snap.expires - st->now;
        ngx_memcpy(sc->fingerprint_buf, snap.fingerprint,
                   NGX_HTTP_FAAS_FINGERPRINT_LEN);
        sc->fingerprint.data = sc->fingerprint_buf;
        sc->fingerprint.len = NGX_HTTP_FAAS_FINGERPRINT_LEN;
    }

    sc->last_fetch = snap.fetched;
    sc->last_failure = snap.last_failure;
    sc->fetches = snap.fetches;
    sc->backoff = snap.backoff;

    for (i = 0; i < 2; i++) {
        if (!sc->domain || !cred->dynamic[i]) {
            continue;
        }

        h = &snap.hosts[i];
        ss = &sc->services[i];

        ss->used = 1;
        ss->host.len = ngx_min(h->host_len, sizeof(ss->host_buf));
        ss->host.data = ss->host_buf;
        ngx_memcpy(ss->host_buf, h->host, ss->host.len);
        ss->age = h->fetched ? st->now - h->fetched : 0;
        ss->lookups = h->lookups;
        ss->failures = h->failed;
    }

    cs = cred->stats;

    for (i = 0; i < NGX_HTTP_FAAS_FAIL_REASONS; i++) {
        sc->failures[i] = cs->failures[i];
    }

    sc->waits = cs->waits;
    sc->replays = cs->replays;

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
    sg->open[0] = ngx_max((ngx_atomic_int_t) gs->in_use, 0);
    sg->open[1] = ngx_max((ngx_atomic_int_t) gs->idle, 0);
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
        sf->latency.buckets[i] = total;
    }

    sf->latency.sum_ms = fn->latency_ms;

    for (i = 0; i < NGX_HTTP_FAAS_CACHE_STATES; i++) {
        sf->cache[i] = fn->cache[i];
    }

    sf->retries = fn->retries;
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
                                st->max, st->used);

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
    ngx_uint_t                       i, n;
    ngx_http_faas_status_service_t  *ss;

    ngx_http_faas_status_json_str(o, sc->name->data, sc->name->len);

    ngx_http_faas_status_printf(o, ":{\"token\":{\"state\":\"%V\","
                                "\"expires_in\":%T,\"fingerprint\":",
                                &ngx_http_faas_status_states[sc->state],
                                sc->expires_in);

    if (sc->has_token) {
        ngx_http_faas_status_printf(o, "\"%V\"", &sc->fingerprint);

    } else {
        ngx_http_faas_status_printf(o, "null");
    }

    ngx_http_faas_status_printf(o, ",\"last_fetch\":%T,\"last_failure\":%T},"
                                "\"fetches\":%ui,\"fetch_failures\":{",
                                sc->last_fetch, sc->last_failure,
                                sc->fetches);

    ngx_http_faas_status_json_list(o, &ngx_http_faas_status_by_reason,
                                   NGX_HTTP_FAAS_STATUS_COUNT, sc->failures,
                                   0);

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

            ngx_http_faas_status_printf(o, "%s\"%V\":{\"host\":",
                                        n++ ? "," : "",
                                        ngx_http_faas_domain_service(i));

            if (ss->host.len) {
                ngx_http_faas_status_json_str(o, ss->host.data, ss->host.len);

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
    ngx_http_faas_status_printf(o, ",\"gateway\":{\"pool\":%s,"
                                "\"max_conns\":%uA,"
                                "\"connections\":{\"opened\":%uA,",
                                sg->own ? "true" : "false",
                                sg->own ? sg->keepalive : 0, sg->opened);

    ngx_http_faas_status_json_list(o, &ngx_http_faas_status_by_open,
                                   NGX_HTTP_FAAS_STATUS_INT, sg->open, 0);

    ngx_http_faas_status_printf(o, ",\"closed\":{");

    ngx_http_faas_status_json_list(o, &ngx_http_faas_status_by_close,
                                   NGX_HTTP_FAAS_STATUS_COUNT, sg->closed, 0);

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
    ngx_http_faas_status_latency_t  *l;

    l = &sf->latency;

    ngx_http_faas_status_printf(o, "\"%*s\":{\"invocations\":{",
                                sf->uuid_len, sf->uuid);

    ngx_http_faas_status_json_list(o, &ngx_http_faas_status_by_class,
                                   NGX_HTTP_FAAS_STATUS_COUNT, sf->classes,
                                   0);

    ngx_http_faas_status_printf(o, "},\"errors\":{");

    ngx_http_faas_status_json_list(o, &ngx_http_faas_status_by_code,
                                   NGX_HTTP_FAAS_STATUS_COUNT, sf->errors,
                                   NGX_HTTP_FAAS_STATUS_NONZERO);

    ngx_http_faas_status_printf(o, "},\"latency\":{\"buckets\":{");

    ngx_http_faas_status_json_list(o, &ngx_http_faas_status_by_le,
                                   NGX_HTTP_FAAS_STATUS_COUNT, l->buckets, 0);

    ngx_http_faas_status_printf(o, "},\"sum\":%uA.%03uA,\"count\":%uA},"
                                "\"cache\":{",
                                l->sum_ms / 1000, l->sum_ms % 1000,
                                l->buckets[NGX_HTTP_FAAS_BUCKETS - 1]);

    ngx_http_faas_status_json_list(o, &ngx_http_faas_status_by_cache,
                                   NGX_HTTP_FAAS_STATUS_COUNT, sf->cache,
                                   NGX_HTTP_FAAS_STATUS_NONZERO);

    ngx_http_faas_status_printf(o, "},\"retries\":%uA}", sf->retries);
}


/* "name":value,... for each name of a label, without the braces */

static void
ngx_http_faas_status_json_list(ngx_http_faas_status_out_t *o,
    ngx_http_faas_status_label_t *label, ngx_uint_t kind, void *values,
    ngx_uint_t flags)
{
    u_char      *p;
    ngx_uint_t   i, n;

    n = 0;

    for (i = 0; i < label->count; i++) {
        p = ngx_http_faas_status_figure(kind, values, i);

        if ((flags & NGX_HTTP_FAAS_STATUS_NONZERO)
            && *(ngx_atomic_uint_t *) p == 0)
        {
            continue;
        }

        ngx_http_faas_status_printf(o, "%s\"%V\":", n++ ? "," : "",
                                    label->name(i));
        ngx_http_faas_status_value(o, kind, p, i);
    }
}


/* Prometheus: each family's HELP and TYPE once, then its samples */

static void
ngx_http_faas_status_prometheus(ngx_http_faas_status_out_t *o,
    ngx_http_faas_status_t *st)
{
    ngx_http_faas_status_metric_t  *m;

    for (m = ngx_http_faas_status_metrics; m->name != NULL; m++) {
        ngx_http_faas_status_prom_family(o, st, m);
    }
}


static void
ngx_http_faas_status_prom_family(ngx_http_faas_status_out_t *o,
    ngx_http_faas_status_t *st, ngx_http_faas_status_metric_t *m)
{
    ngx_uint_t                       i, j;
    ngx_http_faas_status_fn_t       *sf;
    ngx_http_faas_status_cred_t     *sc;
    ngx_http_faas_status_service_t  *ss;
    ngx_http_faas_status_subject_t   s;

    ngx_http_faas_status_printf(o, "# HELP %s %s\n# TYPE %s %s\n",
                                m->name, m->help, m->name, m->type);

    switch (m->subject) {

    case NGX_HTTP_FAAS_STATUS_ZONE:
        s.figures = (u_char *) st;
        s.nlabels = 0;
        ngx_http_faas_status_prom_samples(o, m, &s);
        return;

    case NGX_HTTP_FAAS_STATUS_FUNCTION:
        s.nlabels = 1;
        ngx_str_set(&s.labels[0].key, "lambda");

        for (i = 0; i < st->nfns; i++) {
            sf = &st->fns[i];
            s.figures = (u_char *) sf;
            s.labels[0].value.data = sf->uuid;
            s.labels[0].value.len = sf->uuid_len;
            ngx_http_faas_status_prom_samples(o, m, &s);
        }

        return;
    }

    ngx_str_set(&s.labels[0].key, "credentials");
    ngx_str_set(&s.labels[1].key, "service");

    for (i = 0; i < st->ncreds; i++) {
        sc = &st->creds[i];
        s.nlabels = 1;
        s.labels[0].value = *sc->name;

        switch (m->subject) {

        case NGX_HTTP_FAAS_STATUS_CREDENTIALS:
            s.figures = (u_char *) sc;
            break;

        case NGX_HTTP_FAAS_STATUS_TOKEN:
            if (!sc->has_token) {
                continue;
            }

            s.figures = (u_char *) sc;
            break;

        case NGX_HTTP_FAAS_STATUS_GATEWAY:
            if (!sc->gw.own) {
                continue;
            }

            s.figures = (u_char *) &sc->gw;
            break;

        default: /* SERVICE, HOST */
            s.nlabels = 2;

            for (j = 0; j < 2; j++) {
                ss = &sc->services[j];

                if (!ss->used
                    || (m->subject == NGX_HTTP_FAAS_STATUS_HOST
                        && ss->host.len == 0))
                {
                    continue;
                }

                s.figures = (u_char *) ss;
                s.labels[1].value = *ngx_http_faas_domain_service(j);
                ngx_http_faas_status_prom_samples(o, m, &s);
            }

            continue;
        }

        ngx_http_faas_status_prom_samples(o, m, &s);
    }
}


/* the samples of one subject: one, or one per name of the label */

static void
ngx_http_faas_status_prom_samples(ngx_http_faas_status_out_t *o,
    ngx_http_faas_status_metric_t *m, ngx_http_faas_status_subject_t *s)
{
    u_char                        *p;
    ngx_str_t                     *value;
    ngx_uint_t                     i, n;
    ngx_http_faas_status_label_t  *label;

    if (m->kind == NGX_HTTP_FAAS_STATUS_HISTOGRAM) {
        ngx_http_faas_status_prom_histogram(o, m, s);
        return;
    }

    label = m->label;
    n = (label != NULL) ? label->count : 1;

    for (i = 0; i < n; i++) {
        p = ngx_http_faas_status_figure(m->kind, s->figures + m->offset, i);

        if ((m->flags & NGX_HTTP_FAAS_STATUS_NONZERO)
            && *(ngx_atomic_uint_t *) p == 0)
        {
            continue;
        }

        if (label == NULL) {
            value = NULL;

        } else if (label->name != NULL) {
            value = label->name(i);

        } else {
            value = (ngx_str_t *) (s->figures + label->offset);
        }

        ngx_http_faas_status_prom_series(o, m->name, "", s,
                                         label ? label->key : NULL, value);
        ngx_http_faas_status_printf(o, " ");
        ngx_http_faas_status_value(o, m->kind, p, i);
        ngx_http_faas_status_printf(o, "\n");
    }
}


/* NAME_bucket{...,le="B"} for each bucket, NAME_sum, NAME_count */

static void
ngx_http_faas_status_prom_histogram(ngx_http_faas_status_out_t *o,
    ngx_http_faas_status_metric_t *m, ngx_http_faas_status_subject_t *s)
{
    ngx_uint_t                       i;
    ngx_http_faas_status_latency_t  *l;

    l = (ngx_http_faas_status_latency_t *) (s->figures + m->offset);

    for (i = 0; i < m->label->count; i++) {
        ngx_http_faas_status_prom_series(o, m->name, "_bucket", s,
                                         m->label->key, m->label->name(i));
        ngx_http_faas_status_printf(o, " %uA\n", l->buckets[i]);
    }

    ngx_http_faas_status_prom_series(o, m->name, "_sum", s, NULL, NULL);
    ngx_http_faas_status_printf(o, " %uA.%03uA\n", l->sum_ms / 1000,
                                l->sum_ms % 1000);

    ngx_http_faas_status_prom_series(o, m->name, "_count", s, NULL, NULL);
    ngx_http_faas_status_printf(o, " %uA\n",
                                l->buckets[NGX_HTTP_FAAS_BUCKETS - 1]);
}


/* name{subject's labels,key="value"}: the sample's name and labels */

static void
ngx_http_faas_status_prom_series(ngx_http_faas_status_out_t *o,
    const char *name, const char *suffix, ngx_http_faas_status_subject_t *s,
    const char *key, ngx_str_t *value)
{
    ngx_uint_t  i;

    ngx_http_faas_status_printf(o, "%s%s", name, suffix);

    for (i = 0; i < s->nlabels; i++) {
        ngx_http_faas_status_printf(o, "%s%V=", i ? "," : "{",
                                    &s->labels[i].key);
        ngx_http_faas_status_label(o, s->labels[i].value.data,
                                   s->labels[i].value.len);
    }

    if (key != NULL) {
        ngx_http_faas_status_printf(o, "%s%s=", s->nlabels ? "," : "{", key);
        ngx_http_faas_status_label(o, value->data, value->len);
    }

    if (s->nlabels || key != NULL) {
        ngx_http_faas_status_printf(o, "}");
    }
}


/* the i-th figure of an array of the kind's type at base */

static u_char *
ngx_http_faas_status_figure(ngx_uint_t kind, u_char *base, ngx_uint_t i)
{
    static size_t  sizes[] = {
        0,                              /* ONE: one figure, or none */
        0,                              /* CHOSEN */
        sizeof(time_t),
        sizeof(ngx_uint_t),
        sizeof(ngx_atomic_uint_t),
        sizeof(ngx_atomic_int_t),
        sizeof(ngx_msec_t),
        sizeof(size_t),
        0                               /* HISTOGRAM */
    };

    return base + i * sizes[kind];
}


static void
ngx_http_faas_status_value(ngx_http_faas_status_out_t *o, ngx_uint_t kind,
    u_char *p, ngx_uint_t i)
{
    ngx_msec_t  ms;

    switch (kind) {

    case NGX_HTTP_FAAS_STATUS_CHOSEN:
        ngx_http_faas_status_printf(o, "%d", *(ngx_uint_t *) p == i);
        break;

    case NGX_HTTP_FAAS_STATUS_TIME:
        ngx_http_faas_status_printf(o, "%T", *(time_t *) p);
        break;

    case NGX_HTTP_FAAS_STATUS_UINT:
        ngx_http_faas_status_printf(o, "%ui", *(ngx_uint_t *) p);
        break;

    case NGX_HTTP_FAAS_STATUS_COUNT:
        ngx_http_faas_status_printf(o, "%uA", *(ngx_atomic_uint_t *) p);
        break;

    case NGX_HTTP_FAAS_STATUS_INT:
        ngx_http_faas_status_printf(o, "%A", *(ngx_atomic_int_t *) p);
        break;

    case NGX_HTTP_FAAS_STATUS_MSEC:
        ms = *(ngx_msec_t *) p;
        ngx_http_faas_status_printf(o, "%M.%03M", ms / 1000, ms % 1000);
        break;

    case NGX_HTTP_FAAS_STATUS_SIZE:
        ngx_http_faas_status_printf(o, "%uz", *(size_t *) p);
        break;

    default: /* ONE */
        ngx_http_faas_status_printf(o, "1");
        break;
    }
}


static ngx_str_t *
ngx_http_faas_status_version_name(ngx_uint_t i)
{
    return &ngx_http_faas_status_version;
}


static ngx_str_t *
ngx_http_faas_status_state_name(ngx_uint_t i)
{
    return &ngx_http_faas_status_states[i];
}


static ngx_str_t *
ngx_http_faas_status_open_name(ngx_uint_t i)
{
    return &ngx_http_faas_status_opens[i];
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
