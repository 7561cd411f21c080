
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * The gateway's peers when no upstream{} block of its name exists: its
 * addresses (resolved when the configuration loads, or at run time with
 * nginx's resolver, its valid= honoured), connections kept open between
 * requests, and TLS sessions reused for new ones.
 *
 * The pool follows the load: a connection released goes back to the
 * pool, however many others are idle, and is closed only when it has
 * been idle for keepalive_timeout, has served keepalive_requests, or
 * fails.  "keepalive" caps the connections of a worker, in use and idle
 * together; a request beyond the cap waits in line (queue, at most
 * queue_timeout) for a place before nginx's upstream starts, and does
 * not open another connection.
 */


#include "ngx_http_faas.h"
#include "ngx_http_faas_peer.h"
#include "ngx_http_faas_resolve.h"
#include "ngx_http_faas_stats.h"
#include "ngx_http_faas_error_table.h"


typedef struct {
    ngx_http_faas_gateway_t        *gw;
    ngx_http_request_t             *request;
    ngx_http_faas_slot_t           *slot;
    ngx_uint_t                      start;
    ngx_uint_t                      tried;
    unsigned                        reused:1;
    unsigned                        in_use:1;    /* counted in the gauge */
    unsigned                        fresh:1;     /* a new connection */
} ngx_http_faas_peer_data_t;


/*
 * An upstream{} block the gateway names keeps nginx's balancer and
 * keepalive; on top, a faas request takes at most one kept connection,
 * so that a gateway that drops kept connections costs one try more, not
 * one per connection kept.
 */
typedef struct {
    ngx_http_upstream_srv_conf_t   *upstream;
    ngx_http_upstream_init_peer_pt  init;
} ngx_http_faas_peer_block_t;


typedef struct {
    ngx_event_get_peer_pt           get;
    ngx_event_free_peer_pt          free;
    ngx_event_notify_peer_pt        notify;
    ngx_event_set_peer_session_pt   set_session;
    ngx_event_save_peer_session_pt  save_session;
    void                           *data;
    ngx_http_request_t             *request;
    unsigned                        reused:1;
} ngx_http_faas_peer_block_data_t;


static void ngx_http_faas_peer_conf_defaults(ngx_http_faas_gateway_t *gw);
static ngx_int_t ngx_http_faas_peer_conf_blocks(ngx_conf_t *cf);
static ngx_int_t ngx_http_faas_peer_conf_host(ngx_conf_t *cf,
    ngx_http_faas_cred_t *cred);
static ngx_int_t ngx_http_faas_peer_prepare(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx);
static ngx_int_t ngx_http_faas_peer_place(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx);
static void ngx_http_faas_peer_wake(ngx_event_t *ev);
static void ngx_http_faas_peer_wait_timeout(ngx_event_t *ev);
static void ngx_http_faas_peer_unqueue(ngx_http_faas_slot_t *slot);
static void ngx_http_faas_peer_release(ngx_http_faas_slot_t *slot);
static void ngx_http_faas_peer_slot_cleanup(void *data);
static ngx_int_t ngx_http_faas_peer_init(ngx_http_request_t *r,
    ngx_http_upstream_srv_conf_t *uscf);
static ngx_int_t ngx_http_faas_peer_get(ngx_peer_connection_t *pc,
    void *data);
static void ngx_http_faas_peer_free(ngx_peer_connection_t *pc, void *data,
    ngx_uint_t state);
static ngx_int_t ngx_http_faas_peer_get_address(ngx_peer_connection_t *pc,
    ngx_http_faas_peer_data_t *pd);
static ngx_int_t ngx_http_faas_peer_get_kept(ngx_peer_connection_t *pc,
    ngx_http_faas_peer_data_t *pd);
static ngx_int_t ngx_http_faas_peer_keep_idle(ngx_peer_connection_t *pc,
    ngx_http_faas_peer_data_t *pd);
static ngx_int_t ngx_http_faas_peer_set_session(ngx_peer_connection_t *pc,
    void *data);
static void ngx_http_faas_peer_save_session(ngx_peer_connection_t *pc,
    void *data);
static void ngx_http_faas_peer_idle_read(ngx_event_t *ev);
static void ngx_http_faas_peer_idle_write(ngx_event_t *ev);
static ngx_uint_t ngx_http_faas_peer_keep(ngx_peer_connection_t *pc,
    ngx_http_faas_peer_data_t *pd, ngx_uint_t state);
static void ngx_http_faas_peer_drop(ngx_http_faas_keepalive_t *item,
    ngx_uint_t reason);
static void ngx_http_faas_peer_close(ngx_connection_t *c);
static void ngx_http_faas_peer_resolved(ngx_resolver_ctx_t *rctx);
static ngx_int_t ngx_http_faas_peer_store(ngx_http_faas_gateway_t *gw,
    ngx_resolver_ctx_t *rctx, ngx_str_t *host, in_port_t port,
    ngx_log_t *log);
static void ngx_http_faas_peer_cleanup(void *data);
static void ngx_http_faas_peer_exit(void *data);
static ngx_int_t ngx_http_faas_peer_block_wrap(ngx_conf_t *cf,
    ngx_http_upstream_srv_conf_t *uscf);
static ngx_int_t ngx_http_faas_peer_block_init(ngx_http_request_t *r,
    ngx_http_upstream_srv_conf_t *uscf);
static ngx_int_t ngx_http_faas_peer_block_get(ngx_peer_connection_t *pc,
    void *data);
static void ngx_http_faas_peer_block_free(ngx_peer_connection_t *pc,
    void *data, ngx_uint_t state);
static void ngx_http_faas_peer_failed(ngx_peer_connection_t *pc,
    ngx_http_request_t *r, ngx_uint_t state);
static void ngx_http_faas_peer_block_notify(ngx_peer_connection_t *pc,
    void *data, ngx_uint_t type);
static ngx_int_t ngx_http_faas_peer_block_set_session(
    ngx_peer_connection_t *pc, void *data);
static void ngx_http_faas_peer_block_save_session(ngx_peer_connection_t *pc,
    void *data);


/*
 * At the end of the configuration, when the resolver is known: an
 * upstream{} block of the gateway's name is used as is; else the module's
 * own peers, resolved now (no resolver, or an address) or at run time.
 */

ngx_int_t
ngx_http_faas_peer_conf(ngx_conf_t *cf, ngx_http_faas_cred_t *cred)
{
    ngx_http_faas_gateway_t  *gw;

    gw = &cred->gw;

    gw->resolver = cred->resolver;
    gw->resolver_timeout = cred->resolver_timeout;

    ngx_http_faas_peer_conf_defaults(gw);

    /* any upstream{} block may be a gateway host the Domain API names */
    if (cred->dynamic[NGX_HTTP_FAAS_FAASGW]
        && ngx_http_faas_peer_conf_blocks(cf) != NGX_OK)
    {
        return NGX_ERROR;
    }

    gw->upstream.peer.init = ngx_http_faas_peer_init;
    gw->upstream.peer.data = gw;
    gw->upstream.host = gw->name;
    gw->upstream.port = gw->port;
    gw->upstream.file_name = cred->conf_file;
    gw->upstream.line = cred->conf_line;

    cred->upstream = &gw->upstream;

    if (gw->name.len == 0) {
        /* the host comes from the Domain API */
        return NGX_OK;
    }

    return ngx_http_faas_peer_conf_host(cf, cred);
}


static void
ngx_http_faas_peer_conf_defaults(ngx_http_faas_gateway_t *gw)
{
    /*
     * a cap, not a number of idle connections: at least the client
     * connections a worker takes with nginx's default worker_connections
     * (512), so that by default every request in flight has its own
     * connection, as Envoy's max_connections (1024) does
     */
    if (gw->keepalive == NGX_CONF_UNSET_UINT) {
        gw->keepalive = 1024;
    }

    if (gw->queue == NGX_CONF_UNSET_UINT) {
        gw->queue = 1024;
    }

    if (gw->keepalive_timeout == NGX_CONF_UNSET_MSEC) {
        gw->keepalive_timeout = 60000;
    }

    /*
     * nginx's 1000 would open a connection per 1,000 requests by itself
     * under steady load, whatever the pool keeps
     */
    if (gw->keepalive_requests == NGX_CONF_UNSET_UINT) {
        gw->keepalive_requests = 10000;
    }
}


/* every upstream{} block of the configuration, wrapped */

static ngx_int_t
ngx_http_faas_peer_conf_blocks(ngx_conf_t *cf)
{
    ngx_uint_t                      i;
    ngx_http_upstream_srv_conf_t  **uscfp;
    ngx_http_upstream_main_conf_t  *umcf;

    umcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_upstream_module);
    uscfp = umcf->upstreams.elts;

    for (i = 0; i < umcf->upstreams.nelts; i++) {
        if ((uscfp[i]->flags & NGX_HTTP_UPSTREAM_CREATE)
            && ngx_http_faas_peer_block_wrap(cf, uscfp[i]) != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/* the gateway's host from "gateway": an upstream{} block, or addresses */

static ngx_int_t
ngx_http_faas_peer_conf_host(ngx_conf_t *cf, ngx_http_faas_cred_t *cred)
{
    ngx_url_t                       u;
    ngx_http_faas_gateway_t        *gw;
    ngx_http_upstream_srv_conf_t   *uscf;
    ngx_http_upstream_main_conf_t  *umcf;

    gw = &cred->gw;

    umcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_upstream_module);
    uscf = ngx_http_faas_upstream_block(umcf, &gw->name);

    if (uscf != NULL) {
        if (!gw->no_port) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "\"gateway\" of \"faas_credentials\" \"%V\": "
                          "upstream \"%V\" may not have a port (%s:%ui)",
                          &cred->name, &gw->name, cred->conf_file,
                          cred->conf_line);
            return NGX_ERROR;
        }

        cred->upstream = uscf;

        return ngx_http_faas_peer_block_wrap(cf, uscf);
    }

    if (gw->naddrs) {
        /* an address */
        gw->resolver = NULL;
        return NGX_OK;
    }

    if (gw->resolver != NULL) {
        return NGX_OK;
    }

    ngx_memzero(&u, sizeof(ngx_url_t));

    u.host = gw->name;
    u.port = gw->port;

    if (ngx_inet_resolve_host(cf->pool, &u) != NGX_OK) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "\"gateway\" of \"faas_credentials\" \"%V\": %s "
                      "in \"%V\" (%s:%ui)", &cred->name,
                      u.err ? u.err : "cannot resolve", &gw->name,
                      cred->conf_file, cred->conf_line);
        return NGX_ERROR;
    }

    gw->addrs = u.addrs;
    gw->naddrs = u.naddrs;

    return NGX_OK;
}


/* an upstream{} block of that name, as nginx's upstream would find it */

ngx_http_upstream_srv_conf_t *
ngx_http_faas_upstream_block(ngx_http_upstream_main_conf_t *umcf,
    ngx_str_t *host)
{
    ngx_uint_t                      i;
    ngx_http_upstream_srv_conf_t  **uscfp;

    uscfp = umcf->upstreams.elts;

    for (i = 0; i < umcf->upstreams.nelts; i++) {

        if ((uscfp[i]->flags & NGX_HTTP_UPSTREAM_CREATE)
            && uscfp[i]->host.len == host->len
            && ngx_strncasecmp(uscfp[i]->host.data, host->data, host->len)
               == 0)
        {
            return uscfp[i];
        }
    }

    return NULL;
}


/* the token URL and the Domain API: a name without a resolver, now */

ngx_int_t
ngx_http_faas_endpoint_resolve(ngx_conf_t *cf, ngx_http_faas_endpoint_t *ep,
    ngx_resolver_t *resolver, const char *directive, ngx_str_t *cred_name)
{
    ngx_url_t  u;

    if (ep->naddrs || resolver != NULL) {
        return NGX_OK;
    }

    ngx_memzero(&u, sizeof(ngx_url_t));

    u.host = ep->sni;
    u.port = ep->port;

    if (ngx_inet_resolve_host(cf->pool, &u) != NGX_OK) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "\"%s\" of \"faas_credentials\" \"%V\": %s in \"%V\"",
                      directive, cred_name,
                      u.err ? u.err : "cannot resolve", &ep->url);
        return NGX_ERROR;
    }

    ep->addrs = u.addrs;
    ep->naddrs = u.naddrs;

    return NGX_OK;
}


ngx_int_t
ngx_http_faas_peer_init_process(ngx_cycle_t *cycle,
    ngx_http_faas_cred_t *cred)
{
    ngx_pool_cleanup_t             *cln;
    ngx_http_faas_conns_t          *conns;
    ngx_http_faas_gateway_t        *gw;
    ngx_http_faas_gateway_state_t  *state;

    gw = &cred->gw;

    /* zeroed: no pool, no resolved host, no session, nothing valid yet */
    state = ngx_pcalloc(cycle->pool, sizeof(ngx_http_faas_gateway_state_t));
    if (state == NULL) {
        return NGX_ERROR;
    }

    state->current = gw->addrs;
    state->ncurrent = gw->naddrs;

    /* each worker starts at a different address */
    state->next = ngx_pid;

    conns = &state->conns;

    ngx_queue_init(&conns->cache);
    ngx_queue_init(&conns->free);
    ngx_queue_init(&conns->waiting);

    conns->wake.handler = ngx_http_faas_peer_wake;
    conns->wake.data = gw;
    conns->wake.log = cycle->log;

    gw->state = state;

    if (cred->upstream != &gw->upstream) {
        return NGX_OK;
    }

    cln = ngx_pool_cleanup_add(cycle->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    cln->handler = ngx_http_faas_peer_exit;
    cln->data = gw;

    return NGX_OK;
}


static void
ngx_http_faas_peer_exit(void *data)
{
    ngx_http_faas_gateway_t  *gw = data;

    ngx_http_faas_gateway_state_t  *state;

    state = gw->state;

    if (state->session) {
        ngx_ssl_free_session(state->session);
        state->session = NULL;
    }

    if (state->pool) {
        ngx_destroy_pool(state->pool);
        state->pool = NULL;
    }
}


/*
 * Before the upstream starts: the addresses of the gateway's host, then
 * a place among its connections.  NGX_OK: go on; NGX_AGAIN: "resume" is
 * called when both are had (or with an HTTP status when they cannot
 * be); else an HTTP status, the error page already prepared.
 */

ngx_int_t
ngx_http_faas_peer_acquire(ngx_http_request_t *r, ngx_http_faas_ctx_t *ctx,
    ngx_http_faas_resume_pt resume)
{
    ngx_int_t  rc;

    ctx->slot.resume = resume;
    ctx->slot.failure = NGX_HTTP_FAAS_PEER_OK;

    rc = ngx_http_faas_peer_prepare(r, ctx);

    if (rc != NGX_OK) {
        return rc;
    }

    return ngx_http_faas_peer_place(r, ctx);
}


/* the addresses of the gateway's host */

static ngx_int_t
ngx_http_faas_peer_prepare(ngx_http_request_t *r, ngx_http_faas_ctx_t *ctx)
{
    ngx_str_t                      *host;
    in_port_t                       port;
    ngx_pool_cleanup_t             *cln;
    ngx_resolver_ctx_t             *rctx, temp;
    ngx_http_faas_gateway_t        *gw;
    ngx_http_faas_gateway_state_t  *state;

    gw = &ctx->cred->gw;
    state = gw->state;

    if (ctx->cred->upstream != &gw->upstream || r->upstream->resolved) {
        return NGX_OK;
    }

    if (ctx->gateway_name.len) {
        host = &ctx->gateway_name;
        port = ctx->gateway_port;

    } else {
        host = &gw->name;
        port = gw->port;
    }

    if (gw->resolver == NULL) {
        return NGX_OK;
    }

    if (state->ncurrent
        && ngx_time() < state->valid
        && state->resolved.len == host->len
        && ngx_strncasecmp(state->resolved.data, host->data, host->len) == 0
        && ngx_inet_get_port(state->current[0].sockaddr) == port)
    {
        return NGX_OK;
    }

    if (!ctx->resolve_cleanup) {
        cln = ngx_pool_cleanup_add(r->pool, 0);
        if (cln == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        cln->handler = ngx_http_faas_peer_cleanup;
        cln->data = ctx;

        ctx->resolve_cleanup = 1;
    }

    ngx_memzero(&temp, sizeof(ngx_resolver_ctx_t));
    temp.name = *host;

    rctx = ngx_resolve_start(gw->resolver, &temp);

    if (rctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rctx == NGX_NO_RESOLVER) {
        ctx->slot.failure = NGX_HTTP_FAAS_PEER_NO_RESOLVER;
        return NGX_HTTP_BAD_GATEWAY;
    }

    rctx->name = *host;
    rctx->handler = ngx_http_faas_peer_resolved;
    rctx->data = r;
    rctx->timeout = gw->resolver_timeout;

    ctx->gateway_port = port;
    ctx->resolving = rctx;
    ctx->resolve_sync = 1;

    if (ngx_resolve_name(rctx) != NGX_OK) {
        ctx->resolving = NULL;
        ctx->resolve_sync = 0;
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->resolve_sync = 0;

    if (ctx->resolving != NULL) {
        return NGX_AGAIN;
    }

    /* answered from the resolver's cache, at once */

    return ctx->resolve_rc;
}


static void
ngx_http_faas_peer_resolved(ngx_resolver_ctx_t *rctx)
{
    ngx_int_t                 rc;
    ngx_str_t                 host;
    in_port_t                 port;
    ngx_http_request_t       *r;
    ngx_http_faas_ctx_t      *ctx;
    ngx_http_faas_gateway_t  *gw;

    r = rctx->data;
    ctx = ngx_http_get_module_ctx(r, ngx_http_faas_module);
    gw = &ctx->cred->gw;

    host = rctx->name;
    port = ctx->gateway_port;

    ctx->resolving = NULL;

    if (rctx->state) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "faas: the gateway's host \"%V\" could not be "
                      "resolved (%i: %s)", &host, rctx->state,
                      ngx_resolver_strerror(rctx->state));

        ctx->slot.failure = NGX_HTTP_FAAS_PEER_UNRESOLVED;
        rc = NGX_HTTP_BAD_GATEWAY;
        ngx_resolve_name_done(rctx);

    } else {
        rc = ngx_http_faas_peer_store(gw, rctx, &host, port,
                                      r->connection->log);
        ngx_resolve_name_done(rctx);

        if (rc != NGX_OK) {
            rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    if (ctx->resolve_sync) {
        /* within ngx_resolve_name(): the caller goes on */
        ctx->resolve_rc = rc;
        return;
    }

    if (rc == NGX_OK) {
        rc = ngx_http_faas_peer_place(r, ctx);

        if (rc == NGX_AGAIN) {
            return;
        }
    }

    ctx->slot.resume(r, rc);
}


/*
 * A place among the gateway's connections: at once while fewer than
 * "keepalive" requests hold one and nobody waits, else in line.
 */

static ngx_int_t
ngx_http_faas_peer_place(ngx_http_request_t *r, ngx_http_faas_ctx_t *ctx)
{
    ngx_pool_cleanup_t       *cln;
    ngx_http_faas_slot_t     *slot;
    ngx_http_faas_conns_t    *conns;
    ngx_http_faas_gateway_t  *gw;

    gw = &ctx->cred->gw;
    slot = &ctx->slot;

    if (ctx->cred->upstream != &gw->upstream
        || r->upstream->resolved
        || gw->keepalive == 0
        || slot->held)
    {
        /* an upstream{} block keeps nginx's rules; 0: no pool, no cap */
        return NGX_OK;
    }

    conns = &gw->state->conns;

    if (!slot->cleanup) {
        cln = ngx_pool_cleanup_add(r->pool, 0);
        if (cln == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        cln->handler = ngx_http_faas_peer_slot_cleanup;
        cln->data = slot;

        slot->cleanup = 1;
        slot->request = r;
        slot->gw = gw;
    }

    if (conns->active < gw->keepalive && ngx_queue_empty(&conns->waiting)) {
        conns->active++;
        slot->held = 1;
        return NGX_OK;
    }

    if (conns->nwaiting >= gw->queue) {
        (void) ngx_atomic_fetch_add(&gw->stats->rejected, 1);

        /* the line of the gateway_busy the request gets */
        ngx_log_error(ngx_http_faas_error_level(
                          NGX_HTTP_FAAS_ERR_GATEWAY_BUSY),
                      r->connection->log, 0,
                      "faas: all %ui connections to the gateway are in use "
                      "and %ui requests wait", gw->keepalive,
                      conns->nwaiting);

        slot->failure = NGX_HTTP_FAAS_PEER_QUEUE_FULL;
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    ngx_queue_insert_tail(&conns->waiting, &slot->queue);
    conns->nwaiting++;
    slot->queued = 1;

    (void) ngx_atomic_fetch_add(&gw->stats->waits, 1);
    (void) ngx_atomic_fetch_add(&gw->stats->queued, 1);

    slot->timeout.handler = ngx_http_faas_peer_wait_timeout;
    slot->timeout.data = slot;
    slot->timeout.log = r->connection->log;

    /* as HAProxy's "timeout queue": faas_connect_timeout unless set */
    ngx_add_timer(&slot->timeout,
                  gw->queue_timeout != NGX_CONF_UNSET_MSEC
                  ? gw->queue_timeout : r->upstream->conf->connect_timeout);

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "faas: %ui gateway connections in use, waiting (%ui)",
                   conns->active, conns->nwaiting);

    return NGX_AGAIN;
}


/* places came free: the first in line get them, in order */

static void
ngx_http_faas_peer_wake(ngx_event_t *ev)
{
    ngx_queue_t              *q;
    ngx_http_faas_slot_t     *slot;
    ngx_http_faas_conns_t    *conns;
    ngx_http_faas_gateway_t  *gw;

    gw = ev->data;
    conns = &gw->state->conns;

    while (conns->active < gw->keepalive
           && !ngx_queue_empty(&conns->waiting))
    {
        q = ngx_queue_head(&conns->waiting);
        slot = ngx_queue_data(q, ngx_http_faas_slot_t, queue);

        ngx_http_faas_peer_unqueue(slot);

        conns->active++;
        slot->held = 1;

        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, slot->request->connection->log,
                       0, "faas: a gateway connection came free");

        slot->resume(slot->request, NGX_OK);
    }
}


static void
ngx_http_faas_peer_wait_timeout(ngx_event_t *ev)
{
    ngx_http_request_t    *r;
    ngx_http_faas_slot_t  *slot;

    slot = ev->data;
    r = slot->request;

    ngx_http_faas_peer_unqueue(slot);

    (void) ngx_atomic_fetch_add(&slot->gw->stats->timeouts, 1);

    ngx_log_error(ngx_http_faas_error_level(NGX_HTTP_FAAS_ERR_GATEWAY_BUSY),
                  r->connection->log, 0,
                  "faas: no gateway connection came free in time "
                  "(%ui in use)", slot->gw->state->conns.active);

    slot->failure = NGX_HTTP_FAAS_PEER_QUEUE_TIMEOUT;

    slot->resume(r, NGX_HTTP_SERVICE_UNAVAILABLE);
}


static void
ngx_http_faas_peer_unqueue(ngx_http_faas_slot_t *slot)
{
    ngx_http_faas_conns_t  *conns;

    if (!slot->queued) {
        return;
    }

    conns = &slot->gw->state->conns;

    ngx_queue_remove(&slot->queue);
    conns->nwaiting--;
    slot->queued = 0;

    (void) ngx_atomic_fetch_add(&slot->gw->stats->queued, -1);

    if (slot->timeout.timer_set) {
        ngx_del_timer(&slot->timeout);
    }
}


/* the place is given back: the next in line gets it, from a posted event */

static void
ngx_http_faas_peer_release(ngx_http_faas_slot_t *slot)
{
    ngx_http_faas_conns_t  *conns;

    if (!slot->held) {
        return;
    }

    conns = &slot->gw->state->conns;

    slot->held = 0;
    conns->active--;

    if (!ngx_queue_empty(&conns->waiting)) {
        ngx_post_event(&conns->wake, &ngx_posted_events);
    }
}


/* the request ends: waiting, or holding a place it never used */

static void
ngx_http_faas_peer_slot_cleanup(void *data)
{
    ngx_http_faas_slot_t *slot = data;

    ngx_http_faas_peer_unqueue(slot);
    ngx_http_faas_peer_release(slot);
}


/* the addresses, in a pool of their own, until the next answer */

static ngx_int_t
ngx_http_faas_peer_store(ngx_http_faas_gateway_t *gw,
    ngx_resolver_ctx_t *rctx, ngx_str_t *host, in_port_t port,
    ngx_log_t *log)
{
    u_char                         *name;
    ngx_pool_t                     *pool;
    ngx_addr_t                     *addrs;
    ngx_http_faas_gateway_state_t  *state;

    if (rctx->naddrs == 0) {
        return NGX_ERROR;
    }

    pool = ngx_create_pool(1024, ngx_cycle->log);
    if (pool == NULL) {
        return NGX_ERROR;
    }

    addrs = ngx_http_faas_resolved_addrs(pool, rctx, port);
    name = ngx_pnalloc(pool, host->len);

    if (addrs == NULL || name == NULL) {
        /* the addresses had before stay */
        ngx_destroy_pool(pool);
        return NGX_ERROR;
    }

    ngx_memcpy(name, host->data, host->len);

    state = gw->state;

    if (state->pool) {
        ngx_destroy_pool(state->pool);
    }

    state->pool = pool;
    state->resolved.data = name;
    state->resolved.len = host->len;
    state->current = addrs;
    state->ncurrent = rctx->naddrs;

    /* an address needs no resolving: it is valid as long as it is given */
    state->valid = rctx->quick ? NGX_MAX_TIME_T_VALUE : rctx->valid;

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, log, 0,
                   "faas: gateway \"%V\": %ui addresses, valid %T s",
                   host, state->ncurrent, state->valid - ngx_time());

    return NGX_OK;
}


static void
ngx_http_faas_peer_cleanup(void *data)
{
    ngx_http_faas_ctx_t  *ctx = data;

    if (ctx->resolving) {
        ngx_resolve_name_done(ctx->resolving);
        ctx->resolving = NULL;
    }
}


static ngx_int_t
ngx_http_faas_peer_init(ngx_http_request_t *r,
    ngx_http_upstream_srv_conf_t *uscf)
{
    ngx_http_upstream_t            *u;
    ngx_http_faas_ctx_t            *ctx;
    ngx_http_faas_gateway_t        *gw;
    ngx_http_faas_peer_data_t      *pd;
    ngx_http_faas_gateway_state_t  *state;

    gw = uscf->peer.data;
    state = gw->state;
    u = r->upstream;
    ctx = ngx_http_get_module_ctx(r, ngx_http_faas_module);

    if (state->ncurrent == 0) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "faas: no address for the gateway");
        return NGX_ERROR;
    }

    pd = ngx_palloc(r->pool, sizeof(ngx_http_faas_peer_data_t));
    if (pd == NULL) {
        return NGX_ERROR;
    }

    pd->gw = gw;
    pd->request = r;
    pd->slot = (ctx != NULL && ctx->slot.cleanup) ? &ctx->slot : NULL;
    pd->start = state->next++;
    pd->tried = 0;
    pd->reused = 0;
    pd->in_use = 0;
    pd->fresh = 0;

    u->peer.data = pd;
    u->peer.get = ngx_http_faas_peer_get;
    u->peer.free = ngx_http_faas_peer_free;
    u->peer.tries = state->ncurrent;
    u->peer.set_session = ngx_http_faas_peer_set_session;
    u->peer.save_session = ngx_http_faas_peer_save_session;

    if (ctx != NULL && ctx->gateway_name.len) {
        u->ssl_name = ctx->gateway_name;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_faas_peer_get(ngx_peer_connection_t *pc, void *data)
{
    ngx_http_faas_peer_data_t *pd = data;

    ngx_queue_t                    *q;
    ngx_http_faas_conns_t          *conns;
    ngx_http_faas_gateway_t        *gw;
    ngx_http_faas_keepalive_t      *item;
    ngx_http_faas_gateway_state_t  *state;

    gw = pd->gw;
    state = gw->state;
    conns = &state->conns;

    /*
     * nginx's upstream gives a failure on a kept connection a try of its
     * own: that try goes to the same address, on a new connection
     */
    if (pc->cached && pd->tried) {
        pd->tried--;
    }

    pc->cached = 0;
    pc->connection = NULL;

    if (state->ncurrent == 0) {
        return NGX_BUSY;
    }

    if (ngx_http_faas_peer_get_address(pc, pd) != NGX_OK) {
        return NGX_ERROR;
    }

    /* a try after a failure: the request takes its place back at once */
    if (pd->slot != NULL && !pd->slot->held && gw->keepalive) {
        conns->active++;
        pd->slot->held = 1;
    }

    pd->in_use = 1;
    (void) ngx_atomic_fetch_add(&gw->stats->in_use, 1);
    (void) ngx_atomic_fetch_add(&gw->stats->requests, 1);

    /* a kept connection to that address, once per request at most */

    if (!pd->reused && ngx_http_faas_peer_get_kept(pc, pd) == NGX_DONE) {
        return NGX_DONE;
    }

    /* a new connection: an idle one to another address makes room */

    while (conns->active + conns->idle > gw->keepalive
           && !ngx_queue_empty(&conns->cache))
    {
        q = ngx_queue_last(&conns->cache);
        item = ngx_queue_data(q, ngx_http_faas_keepalive_t, queue);
        ngx_http_faas_peer_drop(item, NGX_HTTP_FAAS_CLOSE_CAP);
    }

    pd->fresh = 1;
    (void) ngx_atomic_fetch_add(&gw->stats->opened, 1);

    return NGX_OK;
}


/* the next address to try, copied: it may change before the request ends */

static ngx_int_t
ngx_http_faas_peer_get_address(ngx_peer_connection_t *pc,
    ngx_http_faas_peer_data_t *pd)
{
    u_char                         *p;
    ngx_addr_t                     *addr;
    ngx_http_faas_gateway_state_t  *state;

    state = pd->gw->state;

    addr = &state->current[(pd->start + pd->tried) % state->ncurrent];
    pd->tried++;

    p = ngx_pnalloc(pd->request->pool, addr->socklen + addr->name.len
                                       + sizeof(ngx_str_t));
    if (p == NULL) {
        return NGX_ERROR;
    }

    pc->name = (ngx_str_t *) p;
    p += sizeof(ngx_str_t);

    pc->sockaddr = (struct sockaddr *) p;
    pc->socklen = addr->socklen;
    p = ngx_cpymem(p, addr->sockaddr, addr->socklen);

    pc->name->data = p;
    pc->name->len = addr->name.len;
    ngx_memcpy(p, addr->name.data, addr->name.len);

    return NGX_OK;
}


/* a connection kept open to pc's address: NGX_DONE, or NGX_DECLINED */

static ngx_int_t
ngx_http_faas_peer_get_kept(ngx_peer_connection_t *pc,
    ngx_http_faas_peer_data_t *pd)
{
    ngx_ssl_t                  *ssl;
    ngx_queue_t                *q;
    ngx_connection_t           *c;
    ngx_http_faas_conns_t      *conns;
    ngx_http_faas_gateway_t    *gw;
    ngx_http_faas_keepalive_t  *item;

    gw = pd->gw;
    conns = &gw->state->conns;
    ssl = pd->request->upstream->conf->ssl;

    for (q = ngx_queue_head(&conns->cache);
         q != ngx_queue_sentinel(&conns->cache);
         q = ngx_queue_next(q))
    {
        item = ngx_queue_data(q, ngx_http_faas_keepalive_t, queue);

        if (ngx_cmp_sockaddr((struct sockaddr *) &item->sockaddr,
                             item->socklen, pc->sockaddr, pc->socklen, 1)
            != NGX_OK)
        {
            continue;
        }

        /*
         * made with the TLS settings of this request's location (its
         * faas_ssl_verify, trusted certificates, conf commands)
         */
        c = item->connection;

        if (c->ssl != NULL && ssl != NULL
            && SSL_get_SSL_CTX(c->ssl->connection) != ssl->ctx)
        {
            continue;
        }

        ngx_queue_remove(q);
        ngx_queue_insert_head(&conns->free, q);
        conns->idle--;

        item->connection = NULL;

        c->idle = 0;
        c->sent = 0;
        c->data = NULL;
        c->log = pc->log;
        c->read->log = pc->log;
        c->write->log = pc->log;
        c->pool->log = pc->log;

        if (c->read->timer_set) {
            ngx_del_timer(c->read);
        }

        pc->connection = c;
        pc->cached = 1;
        pd->reused = 1;
        pd->fresh = 0;

        (void) ngx_atomic_fetch_add(&gw->stats->idle, -1);
        (void) ngx_atomic_fetch_add(&gw->stats->reused, 1);

        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, pc->log, 0,
                       "faas: gateway connection %p kept open is used", c);

        return NGX_DONE;
    }

    return NGX_DECLINED;
}


static void
ngx_http_faas_peer_free(ngx_peer_connection_t *pc, void *data,
    ngx_uint_t state)
{
    ngx_http_faas_peer_data_t *pd = data;

    ngx_uint_t                reason;
    ngx_connection_t         *c;
    ngx_http_faas_gateway_t  *gw;

    gw = pd->gw;
    c = pc->connection;

    if (pc->tries) {
        pc->tries--;
    }

    ngx_http_faas_peer_failed(pc, pd->request, state);

    if (pd->in_use) {
        pd->in_use = 0;
        (void) ngx_atomic_fetch_add(&gw->stats->in_use, -1);
    }

    if (pd->fresh && c != NULL && c->ssl != NULL && c->ssl->handshaked) {
        (void) ngx_atomic_fetch_add(&gw->stats->handshakes, 1);

        if (SSL_session_reused(c->ssl->connection)) {
            (void) ngx_atomic_fetch_add(&gw->stats->resumed, 1);
        }
    }

    pd->fresh = 0;

    reason = ngx_http_faas_peer_keep(pc, pd, state);

    if (reason == NGX_HTTP_FAAS_CLOSE_REASONS) {

        if (ngx_http_faas_peer_keep_idle(pc, pd) == NGX_OK) {
            return;
        }

        reason = NGX_HTTP_FAAS_CLOSE_OTHER;
    }

    /* nginx's upstream closes the connection */
    (void) ngx_atomic_fetch_add(&gw->stats->closed[reason], 1);

    if (pd->slot != NULL) {
        ngx_http_faas_peer_release(pd->slot);
    }
}


/* the connection goes to the pool, idle; NGX_ERROR: no item for it */

static ngx_int_t
ngx_http_faas_peer_keep_idle(ngx_peer_connection_t *pc,
    ngx_http_faas_peer_data_t *pd)
{
    ngx_queue_t                *q;
    ngx_connection_t           *c;
    ngx_http_faas_conns_t      *conns;
    ngx_http_faas_gateway_t    *gw;
    ngx_http_faas_keepalive_t  *item;

    gw = pd->gw;
    conns = &gw->state->conns;
    c = pc->connection;

    if (ngx_queue_empty(&conns->free)) {
        /* items are made as the pool grows, at most "keepalive" */
        item = ngx_pcalloc(ngx_cycle->pool,
                           sizeof(ngx_http_faas_keepalive_t));
        if (item == NULL) {
            return NGX_ERROR;
        }

        item->gateway = gw;
        conns->items++;
        q = &item->queue;

    } else {
        q = ngx_queue_head(&conns->free);
        ngx_queue_remove(q);
        item = ngx_queue_data(q, ngx_http_faas_keepalive_t, queue);
    }

    ngx_queue_insert_head(&conns->cache, q);
    conns->idle++;

    item->connection = c;
    item->socklen = pc->socklen;
    ngx_memcpy(&item->sockaddr, pc->sockaddr, pc->socklen);

    pc->connection = NULL;

    c->read->delayed = 0;
    ngx_add_timer(c->read, gw->keepalive_timeout);

    if (c->write->timer_set) {
        ngx_del_timer(c->write);
    }

    c->read->handler = ngx_http_faas_peer_idle_read;
    c->write->handler = ngx_http_faas_peer_idle_write;
    c->data = item;
    c->idle = 1;
    c->log = ngx_cycle->log;
    c->read->log = ngx_cycle->log;
    c->write->log = ngx_cycle->log;
    c->pool->log = ngx_cycle->log;

    (void) ngx_atomic_fetch_add(&gw->stats->idle, 1);

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, ngx_cycle->log, 0,
                   "faas: gateway connection %p kept open", c);

    if (pd->slot != NULL) {
        ngx_http_faas_peer_release(pd->slot);
    }

    if (c->read->ready) {
        ngx_http_faas_peer_idle_read(c->read);
    }

    return NGX_OK;
}


/*
 * Whether the connection goes back to the pool: NGX_HTTP_FAAS_CLOSE_REASONS
 * when it does, else why not.  Never because others are idle.
 */

static ngx_uint_t
ngx_http_faas_peer_keep(ngx_peer_connection_t *pc,
    ngx_http_faas_peer_data_t *pd, ngx_uint_t state)
{
    ngx_connection_t         *c;
    ngx_http_upstream_t      *u;
    ngx_http_faas_gateway_t  *gw;

    gw = pd->gw;
    u = pd->request->upstream;
    c = pc->connection;

    if ((state & NGX_PEER_FAILED)
        || c == NULL
        || c->read->error
        || c->read->timedout
        || c->write->error
        || c->write->timedout)
    {
        return NGX_HTTP_FAAS_CLOSE_ERROR;
    }

    if (c->read->eof || u->headers_in.connection_close) {
        return NGX_HTTP_FAAS_CLOSE_GATEWAY;
    }

    if (gw->keepalive == 0
        || !u->keepalive
        || !u->request_body_sent
        || ngx_terminate
        || ngx_exiting)
    {
        return NGX_HTTP_FAAS_CLOSE_OTHER;
    }

    if (c->requests >= gw->keepalive_requests) {
        return NGX_HTTP_FAAS_CLOSE_REQUESTS;
    }

    if (ngx_handle_read_event(c->read, 0) != NGX_OK) {
        return NGX_HTTP_FAAS_CLOSE_ERROR;
    }

    return NGX_HTTP_FAAS_CLOSE_REASONS;
}


/* an idle connection that the gateway closes, or that times out */

static void
ngx_http_faas_peer_idle_read(ngx_event_t *ev)
{
    char               buf[1];
    ssize_t            n;
    ngx_err_t          err;
    ngx_connection_t  *c;

    c = ev->data;

    if (c->close) {
        /* nginx shuts down */
        ngx_http_faas_peer_drop(c->data, NGX_HTTP_FAAS_CLOSE_OTHER);
        return;
    }

    if (ev->timedout) {
        ngx_http_faas_peer_drop(c->data, NGX_HTTP_FAAS_CLOSE_IDLE);
        return;
    }

    n = recv(c->fd, buf, 1, MSG_PEEK);
    err = ngx_socket_errno;

    if (n == -1 && err == NGX_EAGAIN) {
        ev->ready = 0;

        if (ngx_handle_read_event(ev, 0) == NGX_OK) {
            return;
        }
    }

    /* closed, or it said something unasked */
    ngx_http_faas_peer_drop(c->data, n == -1 ? NGX_HTTP_FAAS_CLOSE_ERROR
                                             : NGX_HTTP_FAAS_CLOSE_GATEWAY);
}


static void
ngx_http_faas_peer_idle_write(ngx_event_t *ev)
{
    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, ev->log, 0,
                   "faas: idle gateway connection write");
}


static void
ngx_http_faas_peer_drop(ngx_http_faas_keepalive_t *item, ngx_uint_t reason)
{
    ngx_connection_t         *c;
    ngx_http_faas_gateway_t  *gw;

    gw = item->gateway;
    c = item->connection;
    item->connection = NULL;

    ngx_queue_remove(&item->queue);
    ngx_queue_insert_head(&gw->state->conns.free, &item->queue);
    gw->state->conns.idle--;

    (void) ngx_atomic_fetch_add(&gw->stats->idle, -1);
    (void) ngx_atomic_fetch_add(&gw->stats->closed[reason], 1);

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, ngx_cycle->log, 0,
                   "faas: idle gateway connection %p closed (%V)", c,
                   ngx_http_faas_stats_close_name(reason));

    ngx_http_faas_peer_close(c);
}


static void
ngx_http_faas_peer_close(ngx_connection_t *c)
{
    if (c->ssl) {
        c->ssl->no_wait_shutdown = 1;
        c->ssl->no_send_shutdown = 1;

        if (ngx_ssl_shutdown(c) == NGX_AGAIN) {
            c->ssl->handler = ngx_http_faas_peer_close;
            return;
        }
    }

    ngx_destroy_pool(c->pool);
    ngx_close_connection(c);
}


static ngx_int_t
ngx_http_faas_peer_set_session(ngx_peer_connection_t *pc, void *data)
{
    ngx_http_faas_peer_data_t *pd = data;

    if (pd->gw->state->session == NULL) {
        return NGX_OK;
    }

    return ngx_ssl_set_session(pc->connection, pd->gw->state->session);
}


static void
ngx_http_faas_peer_save_session(ngx_peer_connection_t *pc, void *data)
{
    ngx_http_faas_peer_data_t *pd = data;

    ngx_ssl_session_t  *session, *old;

    session = ngx_ssl_get_session(pc->connection);
    if (session == NULL) {
        return;
    }

    old = pd->gw->state->session;
    pd->gw->state->session = session;

    if (old) {
        ngx_ssl_free_session(old);
    }
}


/* the block's own peer.init is called first, then faas requests wrapped */

static ngx_int_t
ngx_http_faas_peer_block_wrap(ngx_conf_t *cf,
    ngx_http_upstream_srv_conf_t *uscf)
{
    ngx_uint_t                   i;
    ngx_http_faas_peer_block_t  *block;
    ngx_http_faas_main_conf_t   *fmcf;

    fmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_faas_module);

    if (fmcf->blocks == NULL) {
        fmcf->blocks = ngx_array_create(cf->pool, 4,
                                        sizeof(ngx_http_faas_peer_block_t));
        if (fmcf->blocks == NULL) {
            return NGX_ERROR;
        }
    }

    block = fmcf->blocks->elts;

    for (i = 0; i < fmcf->blocks->nelts; i++) {
        if (block[i].upstream == uscf) {
            return NGX_OK;
        }
    }

    block = ngx_array_push(fmcf->blocks);
    if (block == NULL) {
        return NGX_ERROR;
    }

    block->upstream = uscf;
    block->init = uscf->peer.init;

    uscf->peer.init = ngx_http_faas_peer_block_init;

    return NGX_OK;
}


static ngx_int_t
ngx_http_faas_peer_block_init(ngx_http_request_t *r,
    ngx_http_upstream_srv_conf_t *uscf)
{
    ngx_uint_t                        i;
    ngx_http_upstream_t              *u;
    ngx_http_faas_main_conf_t        *fmcf;
    ngx_http_faas_peer_block_t       *block;
    ngx_http_faas_peer_block_data_t  *bd;

    fmcf = ngx_http_get_module_main_conf(r, ngx_http_faas_module);
    block = fmcf->blocks->elts;

    for (i = 0; block[i].upstream != uscf; i++) {
        /* void */
    }

    if (block[i].init(r, uscf) != NGX_OK) {
        return NGX_ERROR;
    }

    u = r->upstream;

    if (u->output.tag != (ngx_buf_tag_t) &ngx_http_faas_module) {
        /* proxy_pass and others to the same block */
        return NGX_OK;
    }

    bd = ngx_pcalloc(r->pool, sizeof(ngx_http_faas_peer_block_data_t));
    if (bd == NULL) {
        return NGX_ERROR;
    }

    bd->get = u->peer.get;
    bd->free = u->peer.free;
    bd->notify = u->peer.notify;
    bd->set_session = u->peer.set_session;
    bd->save_session = u->peer.save_session;
    bd->data = u->peer.data;
    bd->request = r;

    u->peer.data = bd;
    u->peer.get = ngx_http_faas_peer_block_get;
    u->peer.free = ngx_http_faas_peer_block_free;
    u->peer.notify = bd->notify ? ngx_http_faas_peer_block_notify : NULL;
    u->peer.set_session = ngx_http_faas_peer_block_set_session;
    u->peer.save_session = ngx_http_faas_peer_block_save_session;

    return NGX_OK;
}


static ngx_int_t
ngx_http_faas_peer_block_get(ngx_peer_connection_t *pc, void *data)
{
    ngx_http_faas_peer_block_data_t *bd = data;

    ngx_int_t  rc;

    rc = bd->get(pc, bd->data);

    if (rc != NGX_DONE) {
        return rc;
    }

    if (!bd->reused) {
        bd->reused = 1;
        return NGX_DONE;
    }

    /* a second kept connection: a new connection instead */

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, pc->log, 0,
                   "faas: kept gateway connection %p not used again",
                   pc->connection);

    ngx_http_faas_peer_close(pc->connection);

    pc->connection = NULL;
    pc->cached = 0;

    return NGX_OK;
}


static void
ngx_http_faas_peer_block_free(ngx_peer_connection_t *pc, void *data,
    ngx_uint_t state)
{
    ngx_http_faas_peer_block_data_t *bd = data;

    bd->free(pc, bd->data, state);

    ngx_http_faas_peer_failed(pc, bd->request, state);
}


/*
 * faas_next_upstream unset: once the invoke went out, a failed try is
 * not tried again elsewhere (the function may have run); nginx's
 * upstream still gives a kept connection's failure one try more
 */

static void
ngx_http_faas_peer_failed(ngx_peer_connection_t *pc, ngx_http_request_t *r,
    ngx_uint_t state)
{
    ngx_http_faas_loc_conf_t  *flcf;

    if (!(state & NGX_PEER_FAILED) || !r->upstream->request_sent) {
        return;
    }

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_faas_module);

    if (flcf->next_upstream == 0) {
        pc->tries = 0;
    }
}


static void
ngx_http_faas_peer_block_notify(ngx_peer_connection_t *pc, void *data,
    ngx_uint_t type)
{
    ngx_http_faas_peer_block_data_t *bd = data;

    bd->notify(pc, bd->data, type);
}


static ngx_int_t
ngx_http_faas_peer_block_set_session(ngx_peer_connection_t *pc, void *data)
{
    ngx_http_faas_peer_block_data_t *bd = data;

    if (bd->set_session == NULL) {
        return NGX_OK;
    }

    return bd->set_session(pc, bd->data);
}


static void
ngx_http_faas_peer_block_save_session(ngx_peer_connection_t *pc, void *data)
{
    ngx_http_faas_peer_block_data_t *bd = data;

    if (bd->save_session != NULL) {
        bd->save_session(pc, bd->data);
    }
}
