
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * What several parts share: the version, the constants, the error codes,
 * the configuration (credentials, gateway, main and location), the
 * counters in the shared zone, the waiter, the slot and the request's
 * context.  What one part gives its callers is in its own header,
 * ngx_http_faas_<part>.h.
 */


#ifndef _NGX_HTTP_FAAS_H_INCLUDED_
#define _NGX_HTTP_FAAS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


#if !(NGX_HTTP_SSL)
#error ngx_http_faas_module needs nginx built with --with-http_ssl_module
#endif


/* the module's version (semantic versioning): CHANGES, debian/changelog */
#define NGX_HTTP_FAAS_VERSION             "0.10.0"


#define NGX_HTTP_FAAS_KEY_LEN             32
#define NGX_HTTP_FAAS_FINGERPRINT_LEN     8
#define NGX_HTTP_FAAS_TOKEN_MAX           8192
#define NGX_HTTP_FAAS_ERROR_LEN           160

/* the longest host: a TLS server name (RFC 6066) has at most 255 bytes */
#define NGX_HTTP_FAAS_HOST_MAX            255

/* why a token request failed, for the status endpoint */
#define NGX_HTTP_FAAS_FAIL_CONNECT        0
#define NGX_HTTP_FAAS_FAIL_TIMEOUT        1
#define NGX_HTTP_FAAS_FAIL_TLS            2
#define NGX_HTTP_FAAS_FAIL_HTTP_4XX       3
#define NGX_HTTP_FAAS_FAIL_HTTP_5XX       4
#define NGX_HTTP_FAAS_FAIL_BAD_RESPONSE   5
#define NGX_HTTP_FAAS_FAIL_OTHER          6
#define NGX_HTTP_FAAS_FAIL_REASONS        7

/*
 * The module's error codes: indexes of the table of errors
 * (ngx_http_faas_error_table.c), in its order
 */
typedef enum {
    NGX_HTTP_FAAS_ERR_NONE = 0,
    NGX_HTTP_FAAS_ERR_INVALID_JSON,
    NGX_HTTP_FAAS_ERR_INVALID_LAMBDA,
    NGX_HTTP_FAAS_ERR_INVALID_EVENT,
    NGX_HTTP_FAAS_ERR_BODY_TOO_LARGE,
    NGX_HTTP_FAAS_ERR_AUTH_UNREACHABLE,
    NGX_HTTP_FAAS_ERR_AUTH_TLS,
    NGX_HTTP_FAAS_ERR_AUTH_REJECTED,
    NGX_HTTP_FAAS_ERR_AUTH_ERROR,
    NGX_HTTP_FAAS_ERR_AUTH_BAD_RESPONSE,
    NGX_HTTP_FAAS_ERR_AUTH_TIMEOUT,
    NGX_HTTP_FAAS_ERR_DOMAIN_LOOKUP_FAILED,
    NGX_HTTP_FAAS_ERR_TOKEN_UNAVAILABLE,
    NGX_HTTP_FAAS_ERR_FUNCTION_ERROR,
    NGX_HTTP_FAAS_ERR_BAD_FUNCTION_RESPONSE,
    NGX_HTTP_FAAS_ERR_GATEWAY_ERROR,
    NGX_HTTP_FAAS_ERR_GATEWAY_TIMEOUT,
    NGX_HTTP_FAAS_ERR_GATEWAY_BUSY,
    NGX_HTTP_FAAS_ERR_INTERNAL_ERROR,
    NGX_HTTP_FAAS_ERR_BAD_REQUEST,
    NGX_HTTP_FAAS_ERR_NOT_FOUND,
    NGX_HTTP_FAAS_ERR_METHOD_NOT_ALLOWED,
    NGX_HTTP_FAAS_ERR_REQUEST_TIMEOUT,
    NGX_HTTP_FAAS_ERR_UNAVAILABLE,
    NGX_HTTP_FAAS_ERR_SERVER_ERROR,
    NGX_HTTP_FAAS_ERR_CLIENT_ERROR,
    NGX_HTTP_FAAS_ERRORS
} ngx_http_faas_err_e;

/* why a connection of the gateway's pool was closed, for the status */
#define NGX_HTTP_FAAS_CLOSE_IDLE          0
#define NGX_HTTP_FAAS_CLOSE_REQUESTS      1
#define NGX_HTTP_FAAS_CLOSE_CAP           2
#define NGX_HTTP_FAAS_CLOSE_ERROR         3
#define NGX_HTTP_FAAS_CLOSE_GATEWAY       4
#define NGX_HTTP_FAAS_CLOSE_OTHER         5
#define NGX_HTTP_FAAS_CLOSE_REASONS       6


typedef struct ngx_http_faas_cred_s    ngx_http_faas_cred_t;
typedef struct ngx_http_faas_client_s  ngx_http_faas_client_t;
typedef struct ngx_http_faas_waiter_s  ngx_http_faas_waiter_t;
typedef struct ngx_http_faas_gateway_s  ngx_http_faas_gateway_t;
typedef struct ngx_http_faas_body_s    ngx_http_faas_body_t;
typedef struct ngx_http_faas_fn_table_s  ngx_http_faas_fn_table_t;
typedef struct ngx_http_faas_gateway_state_s  ngx_http_faas_gateway_state_t;

/* a credentials set's entry in the shared zone: the store's own */
typedef struct ngx_http_faas_token_node_s  ngx_http_faas_token_node_t;


/* the slots of a credentials set's entry in the shared zone (store.c) */
#define NGX_HTTP_FAAS_SENTINEL            0
#define NGX_HTTP_FAAS_FAASGW              1
#define NGX_HTTP_FAAS_TOKEN               2


/* counters of a credentials set, updated with atomic operations */
typedef struct {
    ngx_atomic_t                    failures[NGX_HTTP_FAAS_FAIL_REASONS];
    ngx_atomic_t                    waits;
    ngx_atomic_t                    replays;
} ngx_http_faas_cred_stats_t;


/*
 * Counters of a gateway's pool of connections, in the credentials set's
 * entry of the shared zone beside its other counters (a reload keeps
 * them while what defines the set's token stays): the whole nginx's.
 * The gauges (in_use, idle, queued) are added to and taken from by each
 * worker, as nginx's stub_status counts connections.
 */
typedef struct {
    ngx_atomic_t                    opened;
    ngx_atomic_t                    closed[NGX_HTTP_FAAS_CLOSE_REASONS];
    ngx_atomic_t                    requests;
    ngx_atomic_t                    reused;
    ngx_atomic_t                    handshakes;
    ngx_atomic_t                    resumed;
    ngx_atomic_t                    in_use;
    ngx_atomic_t                    idle;
    ngx_atomic_t                    queued;
    ngx_atomic_t                    waits;
    ngx_atomic_t                    timeouts;
    ngx_atomic_t                    rejected;
} ngx_http_faas_gw_stats_t;


/* a host the module's own client talks to: token URL, later domain API */
typedef struct {
    ngx_str_t                       url;
    ngx_str_t                       host;        /* Host header */
    ngx_str_t                       sni;         /* host, null-terminated */
    in_port_t                       port;
    ngx_str_t                       uri;         /* path and query */
    ngx_addr_t                     *addrs;
    ngx_uint_t                      naddrs;
} ngx_http_faas_endpoint_t;


/*
 * The gateway when no upstream{} block of its name exists: the module's
 * own peers, resolved at run time when a resolver is configured, with
 * connections kept open and TLS sessions reused.  Read-only once the
 * configuration is loaded; what changes while serving is in "state".
 */
struct ngx_http_faas_gateway_s {
    ngx_http_upstream_srv_conf_t    upstream;    /* peer.init is ours */
    ngx_str_t                       name;        /* host, DNS and TLS */
    in_port_t                       port;
    ngx_uint_t                      no_port;
    ngx_addr_t                     *addrs;       /* resolved at startup */
    ngx_uint_t                      naddrs;
    ngx_resolver_t                 *resolver;    /* or resolved at run time */
    ngx_msec_t                      resolver_timeout;
    ngx_uint_t                      keepalive;   /* connections at most */
    ngx_msec_t                      keepalive_timeout;
    ngx_uint_t                      keepalive_requests;
    ngx_uint_t                      queue;       /* requests waiting */
    ngx_msec_t                      queue_timeout;
    ngx_http_faas_gw_stats_t       *stats;       /* in the shared zone */
    ngx_http_faas_gateway_state_t  *state;       /* this worker's */
};


/*
 * A credentials set's state in one worker process, made by init_process
 * (ngx_http_faas_token_init_process()): the fetch and lookups under way,
 * the requests that wait, the timers, and the copy of the shared token.
 */
typedef struct {
    ngx_queue_t                     waiters;
    ngx_event_t                     poll;
    ngx_event_t                     refresh;
    ngx_http_faas_client_t         *fetch;
    ngx_http_faas_client_t         *domain_fetch[2];
    ngx_atomic_uint_t               cached_domain_generation;
    ngx_atomic_uint_t               polled_generation;
    ngx_uint_t                      polls;
    ngx_atomic_uint_t               cached_generation;
    time_t                          cached_expires;
    time_t                          cached_refresh;
    ngx_str_t                       cached_token;
} ngx_http_faas_cred_state_t;


/*
 * One faas_credentials block, read-only once the configuration is made;
 * what changes while serving is in "state" (per worker) and in the
 * shared zone ("node")
 */
struct ngx_http_faas_cred_s {
    ngx_str_t                       name;
    ngx_str_t                       account;
    ngx_str_t                       client_id;
    ngx_str_t                       client_secret;
    ngx_str_t                       scope;
    ngx_uint_t                      region;
    ngx_str_t                       token_url;
    ngx_str_t                       gateway;
    ngx_str_t                       domain_api;
    time_t                          domain_ttl;
    ngx_msec_t                      token_timeout;
    time_t                          refresh_before;
    ngx_uint_t                      client_auth;
    ngx_uint_t                      platform;

    /* hosts the region implies, not written by the operator */
    unsigned                        region_default:1;
    unsigned                        region_token:1;
    unsigned                        region_gateway:1;

    u_char                         *conf_file;
    ngx_uint_t                      conf_line;

    ngx_http_faas_endpoint_t        token;
    ngx_str_t                       token_request;  /* whole HTTP request */
    ngx_str_t                       token_head;     /* its first line */
    ngx_str_t                       token_tail;     /* after Host: */
    ngx_http_faas_endpoint_t        domain;
    ngx_str_t                       domain_request[2];
    ngx_uint_t                      dynamic[2];     /* hosts from lookups */
    ngx_resolver_t                 *resolver;
    ngx_msec_t                      resolver_timeout;
    ngx_str_t                       gateway_host;   /* Host header */
    ngx_str_t                       invoke_prefix;  /* /api/account/N/ */
    ngx_http_upstream_srv_conf_t   *upstream;      /* a block, or gw's */
    ngx_http_faas_gateway_t         gw;
    ngx_uint_t                      gateway_v2;     /* of a static host */
    ngx_ssl_t                      *ssl;
    ngx_flag_t                      ssl_verify;
    u_char                          key[NGX_HTTP_FAAS_KEY_LEN];

    /* the entry in the shared zone: the store's, with the counters */
    ngx_http_faas_token_node_t     *node;
    ngx_slab_pool_t                *shpool;
    ngx_http_faas_cred_stats_t     *stats;

    ngx_http_faas_cred_state_t     *state;        /* made per worker */
};


typedef struct {
    ngx_array_t                     creds;      /* ngx_http_faas_cred_t * */
    ngx_array_t                     invokes;    /* loc confs to resolve */
    ngx_array_t                     ssl;        /* ngx_http_faas_ssl_t */
    ngx_array_t                    *blocks;     /* upstream{}s wrapped */
    ngx_shm_zone_t                 *shm_zone;
    size_t                          zone_size;  /* faas_zone_size */
    ngx_uint_t                      generation; /* in the zone */
    ngx_slab_pool_t                *shpool;
    ngx_http_faas_fn_table_t       *functions;
    ngx_shmtx_t                    *functions_mutex;  /* the store's */
    ngx_uint_t                      max_functions;
    ngx_ssl_t                      *token_ssl;
    ngx_flag_t                      token_ssl_verify;
    ngx_int_t                       request_id_index;
#if (NGX_HTTP_CACHE)
    ngx_array_t                     caches;     /* ngx_http_file_cache_t * */
#endif
} ngx_http_faas_main_conf_t;


typedef struct {
    ngx_http_upstream_conf_t        upstream;
    ngx_http_upstream_conf_t        upstream_errors;  /* the module's */

    ngx_http_complex_value_t       *lambda;
    ngx_http_complex_value_t       *user_id;
    ngx_http_complex_value_t       *event_source;
    ngx_http_complex_value_t       *skill_id;
    ngx_flag_t                      by_event;
    ngx_str_t                       cred_name;
    ngx_http_faas_cred_t           *cred;
    u_char                         *conf_file;
    ngx_uint_t                      conf_line;

    ngx_str_t                       ssl_trusted_certificate;
    ngx_flag_t                      ssl_verify;
    ngx_array_t                    *ssl_conf_commands;

    ngx_uint_t                      payload;
    ngx_uint_t                      response;
    ngx_flag_t                      pass_request_headers;
    ngx_uint_t                      validate_json;
    ngx_array_t                    *pass_request_header;
    size_t                          max_response_size;

    /* faas_next_upstream: unset keeps nginx's connect-only default */
    ngx_uint_t                      next_upstream;
    ngx_msec_t                      retry_max_delay;
#if (NGX_HTTP_CACHE)
    ngx_http_complex_value_t        cache_key;
#endif
} ngx_http_faas_loc_conf_t;


typedef void (*ngx_http_faas_waiter_pt)(ngx_http_faas_waiter_t *w,
    ngx_int_t rc);

typedef void (*ngx_http_faas_resume_pt)(ngx_http_request_t *r,
    ngx_int_t rc);


/* a request's place among the gateway's connections (peer.c) */
typedef struct {
    ngx_queue_t                     queue;
    ngx_event_t                     timeout;
    ngx_http_request_t             *request;
    ngx_http_faas_gateway_t        *gw;
    ngx_http_faas_resume_pt         resume;
    ngx_uint_t                      failure;     /* NGX_HTTP_FAAS_PEER_* */
    unsigned                        held:1;      /* counted in "active" */
    unsigned                        queued:1;
    unsigned                        cleanup:1;
} ngx_http_faas_slot_t;

struct ngx_http_faas_waiter_s {
    ngx_queue_t                     queue;
    ngx_http_faas_cred_t           *cred;
    ngx_event_t                     deadline;
    ngx_http_faas_waiter_pt         handler;
    void                           *data;
    ngx_uint_t                      fail_generation;
    unsigned                        waiting:1;
};


typedef struct {
    /* what is invoked, with which credentials */
    ngx_http_faas_cred_t           *cred;
    ngx_str_t                       lambda;
    unsigned                        event:1;
    unsigned                        v2:1;

    /* the token, and the wait for it */
    ngx_str_t                       token;
    ngx_uint_t                      token_generation;
    ngx_http_faas_waiter_t          waiter;
    ngx_msec_t                      wait_start;
    ngx_msec_t                      token_wait;
    unsigned                        token_waiting:1;
    unsigned                        waited:1;

    /* the body to send */
    ngx_http_faas_body_t           *body;
    ngx_str_t                       headers_json;

    /* the gateway, its address and a connection slot */
    ngx_str_t                       gateway_host;   /* from lookups */
    ngx_str_t                       gateway_name;
    in_port_t                       gateway_port;
    ngx_resolver_ctx_t             *resolving;
    ngx_int_t                       resolve_rc;
    ngx_http_faas_slot_t            slot;
    unsigned                        resolve_sync:1;
    unsigned                        resolve_cleanup:1;

    /* retries after a 429, the replay after a 401 */
    ngx_event_t                     replay;
    ngx_uint_t                      retries;        /* after a 429 */
    ngx_msec_t                      started;
    unsigned                        replayed:1;
    unsigned                        replay_dropped:1;
    unsigned                        replay_pending:1;

    /* faas_cache */
    ngx_uint_t                      cache_status;   /* u->cache_status */
    ngx_str_t                       body_digest;
    unsigned                        cache_body:1;

    /* reading the gateway's answer */
    ngx_http_status_t               status;
    ngx_http_chunked_t              chunked;
    off_t                           length;
    ngx_uint_t                      gateway_status;
    ngx_buf_t                      *answer;         /* read whole */
    size_t                          answer_max;
    ngx_chain_t                    *out;            /* what goes out then */
    unsigned                        function_error:1;
    unsigned                        whole:1;
    unsigned                        answer_too_large:1;
    unsigned                        answer_reusable:1;
    unsigned                        chunked_body:1;

    /* the error, and what the client got: $faas_error and the counters */
    ngx_buf_t                      *error_body;     /* our JSON error */
    ngx_uint_t                      error_code;     /* ngx_http_faas_err_e */
    ngx_str_t                       error_message;
    ngx_uint_t                      answered_code;  /* ngx_http_faas_err_e */
    ngx_http_request_t             *request;
    unsigned                        json_error:1;
    unsigned                        counted:1;
} ngx_http_faas_ctx_t;


extern ngx_module_t  ngx_http_faas_module;


#endif /* _NGX_HTTP_FAAS_H_INCLUDED_ */
