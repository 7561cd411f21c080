
/*
 * Copyright (C) ngx_http_faas_module authors
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
#define NGX_HTTP_FAAS_ZONE_SIZE           (1024 * 1024)
#define NGX_HTTP_FAAS_JSON_DEPTH          1000

/* the longest host: a TLS server name (RFC 6066) has at most 255 bytes */
#define NGX_HTTP_FAAS_HOST_MAX            255

#define NGX_HTTP_FAAS_REGION_US           0
#define NGX_HTTP_FAAS_REGION_EMEA         1
#define NGX_HTTP_FAAS_REGION_APAC         2

/* room for "it must be "a", "b" or "c"" in configuration messages */
#define NGX_HTTP_FAAS_ENUM_NAMES_LEN      128

#define NGX_HTTP_FAAS_PAYLOAD_BODY        0
#define NGX_HTTP_FAAS_PAYLOAD_REQUEST     1

#define NGX_HTTP_FAAS_RESPONSE_BODY       0
#define NGX_HTTP_FAAS_RESPONSE_HTTP       1

#define NGX_HTTP_FAAS_AUTH_BODY           0
#define NGX_HTTP_FAAS_AUTH_BASIC          1

#define NGX_HTTP_FAAS_PLATFORM_AUTO       0
#define NGX_HTTP_FAAS_PLATFORM_V1         1
#define NGX_HTTP_FAAS_PLATFORM_V2         2

#define NGX_HTTP_FAAS_VALIDATE_OFF        0
#define NGX_HTTP_FAAS_VALIDATE_ON         1

/* the longest event id of faas_invoke event= */
#define NGX_HTTP_FAAS_EVENT_MAX           128

/* a token is not sent when it has less than this left (seconds) */
#define NGX_HTTP_FAAS_EXPIRY_MARGIN       1

/* why a token request failed, for the status endpoint */
#define NGX_HTTP_FAAS_FAIL_CONNECT        0
#define NGX_HTTP_FAAS_FAIL_TIMEOUT        1
#define NGX_HTTP_FAAS_FAIL_TLS            2
#define NGX_HTTP_FAAS_FAIL_HTTP_4XX       3
#define NGX_HTTP_FAAS_FAIL_HTTP_5XX       4
#define NGX_HTTP_FAAS_FAIL_BAD_RESPONSE   5
#define NGX_HTTP_FAAS_FAIL_OTHER          6
#define NGX_HTTP_FAAS_FAIL_REASONS        7

/* outcome classes of an invocation */
#define NGX_HTTP_FAAS_CLASS_2XX           0
#define NGX_HTTP_FAAS_CLASS_3XX           1
#define NGX_HTTP_FAAS_CLASS_4XX           2
#define NGX_HTTP_FAAS_CLASS_5XX           3
#define NGX_HTTP_FAAS_CLASS_FUNCTION      4
#define NGX_HTTP_FAAS_CLASSES             5

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

/* how an error's Retry-After is computed */
#define NGX_HTTP_FAAS_RETRY_NONE          0
#define NGX_HTTP_FAAS_RETRY_TOKEN         1  /* the token fetch's backoff */
#define NGX_HTTP_FAAS_RETRY_LOOKUP        2  /* the Domain API's backoff */
#define NGX_HTTP_FAAS_RETRY_QUEUE         3  /* 1 s: the pool's queue */

/* the status of a code for any status of a class without its own code */
#define NGX_HTTP_FAAS_ANY_4XX             4
#define NGX_HTTP_FAAS_ANY_5XX             5

typedef struct {
    ngx_str_t                       code;
    ngx_uint_t                      status;
    ngx_str_t                       message;
    ngx_uint_t                      log_level;  /* the module's line */
    ngx_uint_t                      retry;      /* NGX_HTTP_FAAS_RETRY_* */
    ngx_uint_t                      page;       /* nginx's own page's */
} ngx_http_faas_error_t;

ngx_http_faas_error_t *ngx_http_faas_error_get(ngx_uint_t err);
ngx_str_t *ngx_http_faas_error_code(ngx_uint_t err);
ngx_uint_t ngx_http_faas_error_of_status(ngx_uint_t status);
time_t ngx_http_faas_error_retry_after(ngx_msec_t retry_at);

/* the level of the module's log line about an error code */
ngx_uint_t ngx_http_faas_error_level(ngx_uint_t err);

/*
 * error codes counted per function: one for each code of the table, in
 * its order, the last one for any other
 */
#define NGX_HTTP_FAAS_ERROR_CODES         NGX_HTTP_FAAS_ERRORS

/* why a connection of the gateway's pool was closed, for the status */
#define NGX_HTTP_FAAS_CLOSE_IDLE          0
#define NGX_HTTP_FAAS_CLOSE_REQUESTS      1
#define NGX_HTTP_FAAS_CLOSE_CAP           2
#define NGX_HTTP_FAAS_CLOSE_ERROR         3
#define NGX_HTTP_FAAS_CLOSE_GATEWAY       4
#define NGX_HTTP_FAAS_CLOSE_OTHER         5
#define NGX_HTTP_FAAS_CLOSE_REASONS       6

/*
 * what faas_cache did for a request, by nginx's $upstream_cache_status:
 * none, MISS, BYPASS, EXPIRED, STALE, UPDATING, REVALIDATED, HIT
 */
#define NGX_HTTP_FAAS_CACHE_STATES        8

/* latency histogram buckets, the last one +Inf */
#define NGX_HTTP_FAAS_BUCKETS             13

#define NGX_HTTP_FAAS_UUID_LEN            36
#define NGX_HTTP_FAAS_MAX_FUNCTIONS       1000


typedef struct ngx_http_faas_cred_s    ngx_http_faas_cred_t;
typedef struct ngx_http_faas_client_s  ngx_http_faas_client_t;
typedef struct ngx_http_faas_waiter_s  ngx_http_faas_waiter_t;
typedef struct ngx_http_faas_gateway_s  ngx_http_faas_gateway_t;
typedef struct ngx_http_faas_body_s    ngx_http_faas_body_t;

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
typedef struct {
    ngx_uint_t                      max;
    ngx_uint_t                      cells;
    ngx_atomic_t                    used;
    ngx_atomic_t                   *index;
    ngx_http_faas_fn_stats_t        other;
    ngx_http_faas_fn_stats_t       *entries;
} ngx_http_faas_fn_table_t;


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


/* a connection to the gateway kept open, per worker */
typedef struct {
    ngx_queue_t                     queue;
    ngx_connection_t               *connection;
    ngx_http_faas_gateway_t        *gateway;
    socklen_t                       socklen;
    ngx_sockaddr_t                  sockaddr;
} ngx_http_faas_keepalive_t;


/*
 * A worker's pool of connections to the gateway: at most "keepalive" of
 * them, in use and idle together; the requests beyond wait in line.
 * "active" counts the requests that hold a place: from the moment they
 * get one until their connection is released (peer_free), so that a
 * place given is never taken by a connection opened meanwhile.
 */
typedef struct {
    ngx_queue_t                     cache;       /* idle, newest first */
    ngx_queue_t                     free;        /* items unused */
    ngx_uint_t                      items;       /* made so far */
    ngx_uint_t                      idle;
    ngx_uint_t                      active;
    ngx_queue_t                     waiting;     /* ngx_http_faas_slot_t */
    ngx_uint_t                      nwaiting;
    ngx_event_t                     wake;        /* posted: places free */
} ngx_http_faas_conns_t;


/*
 * A worker's part of the gateway, made in init_process: the addresses
 * resolved last, where the next request starts among them, the pool of
 * connections and the TLS session to resume.
 */
typedef struct {
    ngx_pool_t                     *pool;        /* of the resolved addrs */
    ngx_str_t                       resolved;    /* the host they are of */
    ngx_addr_t                     *current;
    ngx_uint_t                      ncurrent;
    time_t                          valid;
    ngx_uint_t                      next;
    ngx_http_faas_conns_t           conns;
    ngx_ssl_session_t              *session;
} ngx_http_faas_gateway_state_t;


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
    ngx_str_t                       trusted;
    ngx_flag_t                      verify;
    ngx_array_t                    *commands;   /* faas_ssl_conf_command */
    ngx_ssl_t                      *ssl;
} ngx_http_faas_ssl_t;


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


/*
 * Why the gateway's peer gave a request no connection: peer.c returns the
 * status and says why in the slot; its caller sends the error.
 */
#define NGX_HTTP_FAAS_PEER_OK             0
#define NGX_HTTP_FAAS_PEER_NO_RESOLVER    1
#define NGX_HTTP_FAAS_PEER_UNRESOLVED     2
#define NGX_HTTP_FAAS_PEER_QUEUE_FULL     3
#define NGX_HTTP_FAAS_PEER_QUEUE_TIMEOUT  4

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


/* results of parsing what the authorization server said */
typedef struct {
    ngx_str_t                       token;
    time_t                          expires;
    const char                     *error;
} ngx_http_faas_token_answer_t;


/* what a function says with faas_response http */
typedef struct {
    ngx_uint_t                      status;
    ngx_array_t                     headers;     /* ngx_keyval_t */
    ngx_str_t                       body;
} ngx_http_faas_http_answer_t;


/* a response head and body read by the module's own client */
typedef struct {
    ngx_uint_t                      status;
    off_t                           content_length;
    ngx_str_t                       body;
    unsigned                        chunked:1;
} ngx_http_faas_response_t;


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


extern ngx_module_t  ngx_http_faas_module;


/* credentials: the faas_credentials block */
char *ngx_http_faas_cred_block(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_faas_cred_init(ngx_conf_t *cf,
    ngx_http_faas_main_conf_t *fmcf);
ngx_http_faas_cred_t *ngx_http_faas_cred_find(ngx_http_faas_main_conf_t *fmcf,
    ngx_str_t *name);
u_char *ngx_http_faas_conf_enum_names(u_char *buf, u_char *last,
    ngx_conf_enum_t *e);

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
 * store: what the others ask of the zone, which only the store reads.
 * A host as the store shows it, and a credentials set's entry taken at
 * once for the status endpoint
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

/* token: fetch, refresh and waiting */
ngx_int_t ngx_http_faas_token_init_process(ngx_cycle_t *cycle,
    ngx_http_faas_main_conf_t *fmcf);
void ngx_http_faas_token_exit_process(ngx_http_faas_main_conf_t *fmcf);
ngx_int_t ngx_http_faas_token_get(ngx_http_faas_cred_t *cred,
    ngx_str_t *token, ngx_uint_t *generation);
void ngx_http_faas_token_wait(ngx_http_faas_waiter_t *w);
void ngx_http_faas_token_unwait(ngx_http_faas_waiter_t *w);

/* domain: the Domain API lookups */
ngx_int_t ngx_http_faas_domain_get(ngx_http_faas_cred_t *cred,
    ngx_uint_t svc, ngx_pool_t *pool, ngx_str_t *base);
ngx_msec_t ngx_http_faas_domain_error(ngx_http_faas_cred_t *cred,
    ngx_uint_t svc, ngx_pool_t *pool, ngx_str_t *error);
ngx_str_t *ngx_http_faas_domain_service(ngx_uint_t svc);
void ngx_http_faas_domain_exit_process(ngx_http_faas_cred_t *cred);
ngx_int_t ngx_http_faas_baseuri_parse(u_char *data, size_t len,
    ngx_str_t *host, in_port_t *port);

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

/* resolve: a resolver's answer as addresses, for peer and client */
ngx_addr_t *ngx_http_faas_resolved_addrs(ngx_pool_t *pool,
    ngx_resolver_ctx_t *rctx, in_port_t port);

/* peer: the gateway's addresses, kept connections, TLS sessions */
ngx_int_t ngx_http_faas_peer_conf(ngx_conf_t *cf, ngx_http_faas_cred_t *cred);
ngx_int_t ngx_http_faas_peer_init_process(ngx_cycle_t *cycle,
    ngx_http_faas_cred_t *cred);
ngx_int_t ngx_http_faas_peer_acquire(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, ngx_http_faas_resume_pt resume);
ngx_http_upstream_srv_conf_t *ngx_http_faas_upstream_block(
    ngx_http_upstream_main_conf_t *umcf, ngx_str_t *host);
ngx_int_t ngx_http_faas_endpoint_resolve(ngx_conf_t *cf,
    ngx_http_faas_endpoint_t *ep, ngx_resolver_t *resolver,
    const char *directive, ngx_str_t *cred_name);

/* TLS contexts */
ngx_ssl_t *ngx_http_faas_ssl_get(ngx_conf_t *cf, ngx_str_t *trusted,
    ngx_flag_t verify, ngx_array_t *commands);
char *ngx_http_faas_ssl_conf_command_check(ngx_conf_t *cf, void *post,
    void *data);

/*
 * The request body's JSON check, fed the body in pieces of any size, in
 * turn (see ngx_http_faas_validate.c): fixed size, no allocation, no
 * pointer into a piece kept.  offset: the bytes fed so far; on NGX_ERROR,
 * that of the first wrong byte from the start of the body (the body's
 * length if it ended too early), and error, a static string, what was
 * expected there ("expected a value").  The rest is the check's own.
 */

#define NGX_HTTP_FAAS_JSON_STACK  ((NGX_HTTP_FAAS_JSON_DEPTH + 63) / 64)

typedef struct {
    off_t         offset;           /* bytes fed, or where it broke */
    const char   *error;
    ngx_uint_t    state;
    ngx_uint_t    depth;
    uint32_t      sub;              /* in a token cut by a piece's end */
    uint64_t      stack[NGX_HTTP_FAAS_JSON_STACK];   /* bit set: object */
} ngx_http_faas_json_check_t;

/* pure parsing and building, no nginx request involved */

/* client_response: the answer a server gives the module's own client */
ngx_int_t ngx_http_faas_client_response_parse(u_char *data, size_t len,
    ngx_uint_t eof, ngx_http_faas_response_t *res);

/* token_answer: the authorization server's answer, a JWT's "exp" */
ngx_int_t ngx_http_faas_json_token(ngx_pool_t *pool, u_char *data,
    size_t len, time_t now, ngx_http_faas_token_answer_t *answer);
ngx_int_t ngx_http_faas_jwt_exp(u_char *token, size_t len, time_t *exp);

/* validate: the request body's JSON check */
void ngx_http_faas_json_check_init(ngx_http_faas_json_check_t *jc);
ngx_int_t ngx_http_faas_json_check_feed(ngx_http_faas_json_check_t *jc,
    u_char *data, size_t len);
ngx_int_t ngx_http_faas_json_check_end(ngx_http_faas_json_check_t *jc);
ngx_int_t ngx_http_faas_json_validate(u_char *data, size_t len,
    const char **error);

/* gateway_error: the error body of the gateway */
ngx_int_t ngx_http_faas_json_gateway_error(ngx_pool_t *pool, u_char *data,
    size_t len, ngx_str_t *code, ngx_str_t *message);
ngx_int_t ngx_http_faas_json_gateway_error_cut(ngx_pool_t *pool,
    u_char *data, size_t len, ngx_str_t *code, ngx_str_t *message);

/* json_error: the module's JSON error body */
u_char *ngx_http_faas_json_error(ngx_pool_t *pool, ngx_str_t *code,
    ngx_str_t *message, ngx_str_t *gw_code, ngx_str_t *gw_message,
    size_t *len);

/* escape: JSON strings, form encoding, base64 in pieces, UTF-8 */
size_t ngx_http_faas_form_escape(u_char *dst, ngx_str_t *src);
size_t ngx_http_faas_json_escape(u_char *dst, u_char *src, size_t len);
ngx_int_t ngx_http_faas_json_escape_text(u_char **dst, u_char *src,
    size_t len, size_t *used);
u_char *ngx_http_faas_base64_piece(u_char *dst, u_char *src, size_t len,
    ngx_uint_t last, size_t *used);
size_t ngx_http_faas_utf8_seq(u_char *p, u_char *last);
ngx_uint_t ngx_http_faas_utf8_cut(u_char *p, u_char *last);
size_t ngx_http_faas_utf8_whole(u_char *p, size_t len);
ngx_uint_t ngx_http_faas_utf8_valid(u_char *p, size_t len);

/* cjson: the library's version (ngx_http_faas_cjson.h: the rest) */
const char *ngx_http_faas_json_library(void);

/* payload: what a function is told about the request */
ngx_uint_t ngx_http_faas_payload_header_passed(
    ngx_http_faas_loc_conf_t *flcf, ngx_table_elt_t *h);
ngx_int_t ngx_http_faas_payload_headers(ngx_http_request_t *r,
    ngx_http_faas_loc_conf_t *flcf, ngx_str_t *out);
ngx_int_t ngx_http_faas_payload_request_head(ngx_http_request_t *r,
    ngx_http_faas_loc_conf_t *flcf, ngx_str_t *out);
ngx_int_t ngx_http_faas_payload_request_tail(ngx_http_request_t *r,
    ngx_http_faas_loc_conf_t *flcf, ngx_uint_t textual, ngx_str_t *out);
ngx_uint_t ngx_http_faas_payload_textual(ngx_http_request_t *r);

/* body: the client's body, checked, sent or encoded in pieces */
typedef void (*ngx_http_faas_body_pt)(ngx_http_request_t *r, ngx_int_t rc);

ngx_int_t ngx_http_faas_body_filter_init(ngx_conf_t *cf);
ngx_http_faas_body_t *ngx_http_faas_body_create(ngx_http_request_t *r,
    ngx_uint_t check);
ngx_int_t ngx_http_faas_body_verdict(ngx_http_request_t *r,
    ngx_http_faas_body_t *body, ngx_str_t *error);
ngx_int_t ngx_http_faas_body_as_is(ngx_http_request_t *r,
    ngx_http_faas_body_t *body);
ngx_int_t ngx_http_faas_body_encode(ngx_http_request_t *r,
    ngx_http_faas_body_t *body, ngx_http_faas_body_pt done);
off_t ngx_http_faas_body_length(ngx_http_faas_body_t *body);
ngx_int_t ngx_http_faas_body_chain(ngx_http_request_t *r,
    ngx_http_faas_body_t *body, ngx_chain_t ***ll);

/* cache: faas_cache, answers kept in nginx's cache */
#if (NGX_HTTP_CACHE)
ngx_int_t ngx_http_faas_cache_create_key(ngx_http_request_t *r);
ngx_int_t ngx_http_faas_cache_answer(ngx_http_request_t *r, ngx_str_t *body);
#endif
ngx_int_t ngx_http_faas_cache_digest(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, ngx_str_t *out);

/* response: faas_response http, the function's answer */
ngx_int_t ngx_http_faas_function_response_parse(ngx_pool_t *pool,
    u_char *data, size_t len, ngx_http_faas_http_answer_t *a,
    const char **error);
ngx_int_t ngx_http_faas_function_response_parse_event(ngx_pool_t *pool,
    u_char *data, size_t len, ngx_http_faas_http_answer_t *a,
    const char **error);
ngx_int_t ngx_http_faas_response_headers(ngx_http_request_t *r,
    ngx_http_faas_http_answer_t *a);
ngx_int_t ngx_http_faas_response_header_in(ngx_http_request_t *r,
    ngx_str_t *key, ngx_str_t *value);

/* platform: V1 or V2 gateways, and what each is sent */
ngx_uint_t ngx_http_faas_platform_v2(ngx_uint_t platform, ngx_str_t *host);
ngx_uint_t ngx_http_faas_event_valid(ngx_str_t *id);
ngx_int_t ngx_http_faas_platform_target(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, ngx_str_t *target, ngx_str_t *headers);

/* invoke: the faas_invoke content handler and its upstream */
ngx_int_t ngx_http_faas_invoke_handler(ngx_http_request_t *r);
void ngx_http_faas_invoke_resume(ngx_http_request_t *r, ngx_int_t rc);

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

/* status: the faas_status endpoint */
ngx_int_t ngx_http_faas_status_handler(ngx_http_request_t *r);

/* variables: $faas_lambda, $faas_error ... for log_format */
ngx_int_t ngx_http_faas_variables_add(ngx_conf_t *cf);
ngx_http_variable_value_t *ngx_http_faas_request_id(ngx_http_request_t *r,
    ngx_uint_t index);

/* errors: JSON error bodies for everything a faas location answers */
ngx_int_t ngx_http_faas_error(ngx_http_request_t *r, ngx_uint_t err,
    const char *fmt, ...);
void ngx_http_faas_error_retry(ngx_http_request_t *r, time_t retry);
ngx_int_t ngx_http_faas_error_send(ngx_http_request_t *r, ngx_int_t status);
ngx_int_t ngx_http_faas_error_filter_init(ngx_conf_t *cf);
u_char *ngx_http_faas_log_error(ngx_http_request_t *r,
    ngx_http_request_t *sr, u_char *buf, size_t len);
void ngx_http_faas_log_wrap(ngx_http_request_t *r);


#endif /* _NGX_HTTP_FAAS_H_INCLUDED_ */
