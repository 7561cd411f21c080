
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * faas_invoke: each request becomes a gateway invoke request, sent with
 * nginx's upstream machinery; the gateway's answer streams back.
 */


#include "ngx_http_faas.h"
#include "ngx_http_faas_invoke.h"
#include "ngx_http_faas_body.h"
#include "ngx_http_faas_response.h"
#include "ngx_http_faas_variables.h"
#include "ngx_http_faas_error.h"
#include "ngx_http_faas_cache.h"
#include "ngx_http_faas_token.h"
#include "ngx_http_faas_domain.h"
#include "ngx_http_faas_store.h"
#include "ngx_http_faas_peer.h"
#include "ngx_http_faas_stats.h"
#include "ngx_http_faas_payload.h"
#include "ngx_http_faas_platform.h"
#include "ngx_http_faas_escape.h"
#include "ngx_http_faas_gateway_error.h"
#include "ngx_http_faas_json_error.h"
#include "ngx_http_faas_error_table.h"


#define NGX_HTTP_FAAS_ERROR_BODY_MAX  16384


static void ngx_http_faas_invoke_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_faas_invoke_payload(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx);
static void ngx_http_faas_invoke_encoded(ngx_http_request_t *r,
    ngx_int_t rc);
static void ngx_http_faas_invoke_token(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx);
static ngx_int_t ngx_http_faas_invoke_gateway(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx);
static ngx_int_t ngx_http_faas_invoke_peer_failed(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, ngx_int_t rc);
static void ngx_http_faas_invoke_token_failed(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, ngx_int_t rc);
static void ngx_http_faas_invoke_woken(ngx_http_faas_waiter_t *w,
    ngx_int_t rc);
static void ngx_http_faas_invoke_parked_read(ngx_http_request_t *r);
static void ngx_http_faas_invoke_parked_write(ngx_http_request_t *r);
static void ngx_http_faas_invoke_parked(ngx_http_request_t *r,
    ngx_event_t *ev);
static void ngx_http_faas_invoke_cleanup(void *data);
static ngx_int_t ngx_http_faas_invoke_replay_start(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx);
static void ngx_http_faas_invoke_replay(ngx_event_t *ev);
static void ngx_http_faas_invoke_replay_sent(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx);
static ssize_t ngx_http_faas_invoke_recv_none(ngx_connection_t *c, u_char *buf,
    size_t size);
static ngx_int_t ngx_http_faas_invoke_create_request(ngx_http_request_t *r);
static ngx_buf_t *ngx_http_faas_invoke_create_request_head(
    ngx_http_request_t *r, ngx_http_faas_ctx_t *ctx, ngx_str_t *target,
    ngx_str_t *extra, ngx_http_variable_value_t *id);
static ngx_int_t ngx_http_faas_invoke_create_request_body(
    ngx_http_request_t *r, ngx_http_faas_ctx_t *ctx, ngx_buf_t *head);
static ngx_int_t ngx_http_faas_invoke_reinit_request(ngx_http_request_t *r);
static ngx_int_t ngx_http_faas_invoke_process_status_line(
    ngx_http_request_t *r);
static ngx_int_t ngx_http_faas_invoke_process_header(ngx_http_request_t *r);
static ngx_int_t ngx_http_faas_invoke_process_header_line(
    ngx_http_request_t *r, ngx_http_faas_ctx_t *ctx, ngx_str_t *retry_after);
static ngx_int_t ngx_http_faas_invoke_header_done(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, ngx_str_t *retry_after);
static ngx_int_t ngx_http_faas_invoke_read_whole(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, ngx_http_faas_loc_conf_t *flcf);
static ngx_int_t ngx_http_faas_invoke_process_answer(ngx_http_request_t *r);
static ngx_int_t ngx_http_faas_invoke_read_answer(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx);
static ngx_int_t ngx_http_faas_invoke_keep(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, u_char *pos, size_t *size);
static ngx_uint_t ngx_http_faas_invoke_kept(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, ngx_http_faas_loc_conf_t *flcf);
static ngx_int_t ngx_http_faas_invoke_decide(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx);
static ngx_int_t ngx_http_faas_invoke_decide_kept(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, ngx_str_t *body);
static ngx_int_t ngx_http_faas_invoke_decide_failed(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, ngx_str_t *body);
static ngx_int_t ngx_http_faas_invoke_decide_http(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, ngx_str_t *body);
static ngx_int_t ngx_http_faas_invoke_answer(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, ngx_str_t *body);
static ngx_int_t ngx_http_faas_invoke_answer_error(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, ngx_uint_t code, ngx_str_t *message,
    ngx_str_t *gw_code, ngx_str_t *gw_message);
static ngx_int_t ngx_http_faas_invoke_parse_chunked(ngx_http_request_t *r,
    ngx_buf_t *b, ngx_http_chunked_t *ctx);
static ngx_int_t ngx_http_faas_invoke_cached(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx);
static ngx_int_t ngx_http_faas_invoke_too_many(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, ngx_str_t *retry_after);
static ngx_int_t ngx_http_faas_invoke_again(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, ngx_msec_t delay);
static ngx_int_t ngx_http_faas_invoke_filter_init(void *data);
static ngx_int_t ngx_http_faas_invoke_copy_filter(void *data, ssize_t bytes);
static ngx_int_t ngx_http_faas_invoke_chunked_filter(void *data,
    ssize_t bytes);
static ngx_int_t ngx_http_faas_invoke_out(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, u_char *pos, u_char *last);
static ngx_int_t ngx_http_faas_invoke_end(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, ngx_uint_t reusable);
static ngx_int_t ngx_http_faas_invoke_setup(ngx_http_request_t *r);
static void ngx_http_faas_invoke_abort_request(ngx_http_request_t *r);
static void ngx_http_faas_invoke_finalize_request(ngx_http_request_t *r,
    ngx_int_t rc);


static u_char  ngx_http_faas_body_end[] = "}";


ngx_int_t
ngx_http_faas_invoke_handler(ngx_http_request_t *r)
{
    ngx_int_t                  rc;
    ngx_uint_t                 level;
    ngx_http_faas_ctx_t       *ctx;
    ngx_http_faas_loc_conf_t  *flcf;

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_faas_module);

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_faas_ctx_t));
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->cred = flcf->cred;
    ctx->event = flcf->by_event;
    ctx->started = ngx_current_msec;

    /* a gateway host from the Domain API decides again per request */
    ctx->v2 = ctx->cred->gateway_v2;

    ngx_http_set_ctx(r, ctx, ngx_http_faas_module);

    if (ngx_http_faas_stats_request(r, ctx) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_faas_log_wrap(r);

    if (ngx_http_complex_value(r, flcf->lambda, &ctx->lambda) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ctx->event && !ngx_http_faas_event_valid(&ctx->lambda)) {
        level = ngx_http_faas_error_level(NGX_HTTP_FAAS_ERR_INVALID_EVENT);
        ngx_log_error(level, r->connection->log, 0,
                      "faas: the event id is not valid");
        ngx_str_null(&ctx->lambda);

        return ngx_http_faas_error(r, NGX_HTTP_FAAS_ERR_INVALID_EVENT,
                                   "the event id is not 1 to %d of "
                                   "A-Z a-z 0-9 _ . : -",
                                   NGX_HTTP_FAAS_EVENT_MAX);
    }

    if (!ctx->event && !ngx_http_faas_uuid_valid(&ctx->lambda)) {
        level = ngx_http_faas_error_level(NGX_HTTP_FAAS_ERR_INVALID_LAMBDA);
        ngx_log_error(level, r->connection->log, 0,
                      "faas: the lambda UUID is not a UUID");
        ngx_str_null(&ctx->lambda);

        return ngx_http_faas_error(r, NGX_HTTP_FAAS_ERR_INVALID_LAMBDA, NULL);
    }

    if (ngx_http_upstream_create(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_faas_invoke_setup(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* a body sent as it is must be JSON: checked while it is read */
    ctx->body = ngx_http_faas_body_create(r,
                                flcf->payload == NGX_HTTP_FAAS_PAYLOAD_BODY
                                && flcf->validate_json
                                   != NGX_HTTP_FAAS_VALIDATE_OFF);
    if (ctx->body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_read_client_request_body(r, ngx_http_faas_invoke_body);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


static void
ngx_http_faas_invoke_body(ngx_http_request_t *r)
{
    ngx_int_t             rc;
    ngx_http_faas_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_faas_module);

    rc = ngx_http_faas_invoke_payload(r, ctx);

    if (rc == NGX_AGAIN) {
        /* the payload is encoded a slice at a time */
        return;
    }

    if (rc == NGX_DECLINED) {
        /* the framing was fine: the client's connection stays open */
        ngx_http_finalize_request(r,
                            ngx_http_faas_error_send(r, NGX_HTTP_BAD_REQUEST));
        return;
    }

    if (rc != NGX_OK) {
        ngx_http_finalize_request(r, rc);
        return;
    }

    ngx_http_faas_invoke_token(r, ctx);
}


static void
ngx_http_faas_invoke_encoded(ngx_http_request_t *r, ngx_int_t rc)
{
    ngx_http_faas_ctx_t  *ctx;

    if (rc != NGX_OK) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_faas_module);

    ngx_http_faas_invoke_token(r, ctx);
}


/*
 * The payload: the body as nginx holds it, checked as it came, or with
 * faas_payload request the whole request, encoded in slices (NGX_AGAIN);
 * NGX_DECLINED: the body is no JSON, the error is recorded
 */

static ngx_int_t
ngx_http_faas_invoke_payload(ngx_http_request_t *r, ngx_http_faas_ctx_t *ctx)
{
    ngx_int_t                  rc;
    ngx_str_t                  error;
    ngx_uint_t                 level;
    ngx_http_faas_loc_conf_t  *flcf;

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_faas_module);

    if (flcf->pass_request_headers) {
        if (ngx_http_faas_payload_headers(r, flcf, &ctx->headers_json)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

    } else {
        ngx_str_set(&ctx->headers_json, "[]");
    }

    if (flcf->payload == NGX_HTTP_FAAS_PAYLOAD_REQUEST) {
        rc = ngx_http_faas_body_encode(r, ctx->body,
                                       ngx_http_faas_invoke_encoded);

        return (rc == NGX_ERROR) ? NGX_HTTP_INTERNAL_SERVER_ERROR : rc;
    }

    if (ngx_http_faas_body_as_is(r, ctx->body) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (flcf->validate_json == NGX_HTTP_FAAS_VALIDATE_OFF) {
        return NGX_OK;
    }

    rc = ngx_http_faas_body_verdict(r, ctx->body, &error);

    if (rc == NGX_DECLINED) {
        level = ngx_http_faas_error_level(NGX_HTTP_FAAS_ERR_INVALID_JSON);
        ngx_log_error(level, r->connection->log, 0,
                      "faas: the request body is not valid JSON %V",
                      &error);

        (void) ngx_http_faas_error(r, NGX_HTTP_FAAS_ERR_INVALID_JSON,
                                   "the request body is not valid JSON %V",
                                   &error);

        return NGX_DECLINED;
    }

    if (rc != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return NGX_OK;
}


static void
ngx_http_faas_invoke_token(ngx_http_request_t *r, ngx_http_faas_ctx_t *ctx)
{
    ngx_int_t                rc;
    ngx_pool_cleanup_t      *cln;
    ngx_http_faas_waiter_t  *w;

    rc = ngx_http_faas_token_get(ctx->cred, &ctx->token,
                                 &ctx->token_generation);

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "faas: token: %i", rc);

    if (rc == NGX_OK && ctx->cred->dynamic[NGX_HTTP_FAAS_FAASGW]) {
        rc = ngx_http_faas_invoke_gateway(r, ctx);

        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "faas: gateway host: %i", rc);

        if (rc != NGX_OK && rc != NGX_AGAIN) {
            ngx_http_finalize_request(r, rc);
            return;
        }
    }

    if (rc == NGX_OK) {
        rc = ngx_http_faas_peer_acquire(r, ctx, ngx_http_faas_invoke_resume);

        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "faas: gateway addresses and connection: %i", rc);

        if (rc == NGX_OK) {
            ngx_http_faas_invoke_replay_sent(r, ctx);
            ngx_http_upstream_init(r);

        } else if (rc != NGX_AGAIN) {
            rc = ngx_http_faas_invoke_peer_failed(r, ctx, rc);
            ngx_http_finalize_request(r, rc);
        }

        return;
    }

    if (rc != NGX_AGAIN) {
        ngx_http_faas_invoke_token_failed(r, ctx, rc);
        return;
    }

    w = &ctx->waiter;

    if (w->cred == NULL) {
        cln = ngx_pool_cleanup_add(r->pool, 0);
        if (cln == NULL) {
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
            return;
        }

        cln->handler = ngx_http_faas_invoke_cleanup;
        cln->data = w;

        w->cred = ctx->cred;
        w->handler = ngx_http_faas_invoke_woken;
        w->data = r;
        w->deadline.log = r->connection->log;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "faas: waiting for a token of \"%V\"", &ctx->cred->name);

    ngx_http_faas_stats_wait(ctx);
    ngx_http_faas_token_wait(w);

    /* a client that goes away meanwhile ends the wait */
    r->read_event_handler = ngx_http_faas_invoke_parked_read;
    r->write_event_handler = ngx_http_faas_invoke_parked_write;

    if (r->connection->read->ready) {
        /* it may have closed already: no event would tell */
        ngx_post_event(r->connection->read, &ngx_posted_events);
    }
}


/* the gateway's addresses were resolved, a connection came free */

void
ngx_http_faas_invoke_resume(ngx_http_request_t *r, ngx_int_t rc)
{
    ngx_connection_t     *c;
    ngx_http_faas_ctx_t  *ctx;

    c = r->connection;
    ctx = ngx_http_get_module_ctx(r, ngx_http_faas_module);

    if (rc == NGX_OK) {
        ngx_http_faas_invoke_replay_sent(r, ctx);
        ngx_http_upstream_init(r);

    } else {
        rc = ngx_http_faas_invoke_peer_failed(r, ctx, rc);
        ngx_http_finalize_request(r, rc);
    }

    ngx_http_run_posted_requests(c);
}


/* the gateway's peer gave no connection: the error says why */

static ngx_int_t
ngx_http_faas_invoke_peer_failed(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, ngx_int_t rc)
{
    const char  *why;

    switch (ctx->slot.failure) {

    case NGX_HTTP_FAAS_PEER_NO_RESOLVER:
        return ngx_http_faas_error(r, NGX_HTTP_FAAS_ERR_GATEWAY_ERROR,
                                   "no resolver for the gateway's host");

    case NGX_HTTP_FAAS_PEER_UNRESOLVED:
        return ngx_http_faas_error(r, NGX_HTTP_FAAS_ERR_GATEWAY_ERROR,
                                   "the gateway's host could not be "
                                   "resolved");

    case NGX_HTTP_FAAS_PEER_QUEUE_FULL:
    case NGX_HTTP_FAAS_PEER_QUEUE_TIMEOUT:
        why = (ctx->slot.failure == NGX_HTTP_FAAS_PEER_QUEUE_FULL)
              ? "the queue is full" : "none came free in time";

        /* a place may come free any moment */
        ngx_http_faas_error_retry(r, 1);

        return ngx_http_faas_error(r, NGX_HTTP_FAAS_ERR_GATEWAY_BUSY,
                                   "all %ui connections to the gateway are "
                                   "in use: %s", ctx->cred->gw.keepalive,
                                   why);

    default:
        return rc;
    }
}


/*
 * The gateway's host from the Domain API: an upstream{} block of that
 * name, or the module's own peers (ngx_http_faas_peer_acquire())
 */

static ngx_int_t
ngx_http_faas_invoke_gateway(ngx_http_request_t *r, ngx_http_faas_ctx_t *ctx)
{
    ngx_int_t                       rc;
    ngx_str_t                       base, host, error;
    in_port_t                       port;
    ngx_msec_t                      retry_at;
    ngx_http_upstream_resolved_t   *resolved;
    ngx_http_upstream_main_conf_t  *umcf;

    rc = ngx_http_faas_domain_get(ctx->cred, NGX_HTTP_FAAS_FAASGW, r->pool,
                                  &base);

    if (rc == NGX_AGAIN) {
        return NGX_AGAIN;
    }

    if (rc == NGX_DECLINED) {
        retry_at = ngx_http_faas_domain_error(ctx->cred, NGX_HTTP_FAAS_FAASGW,
                                              r->pool, &error);

        /* a client may come back when the lookup goes again */
        ngx_http_faas_error_retry(r,
                                  ngx_http_faas_error_retry_after(retry_at));

        return ngx_http_faas_error(r, NGX_HTTP_FAAS_ERR_DOMAIN_LOOKUP_FAILED,
                                   "no host for the service \"faasGW\": %V",
                                   &error);
    }

    if (rc != NGX_OK
        || ngx_http_faas_baseuri_parse(base.data, base.len, &host, &port)
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->gateway_host = base;
    ctx->gateway_name = host;
    ctx->gateway_port = port;

    umcf = ngx_http_get_module_main_conf(r, ngx_http_upstream_module);

    if (ngx_http_faas_upstream_block(umcf, &host) != NULL) {
        /* nginx's upstream finds it by that name */
        resolved = ngx_pcalloc(r->pool, sizeof(ngx_http_upstream_resolved_t));
        if (resolved == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        resolved->host = host;
        resolved->port = port;
        resolved->no_port = 1;

        r->upstream->resolved = resolved;
    }

    ctx->v2 = ngx_http_faas_platform_v2(ctx->cred->platform, &host);

    return NGX_OK;
}


static void
ngx_http_faas_invoke_token_failed(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, ngx_int_t rc)
{
    time_t      retry;
    ngx_int_t   status;
    ngx_str_t   error;
    ngx_uint_t  code;

    code = ngx_http_faas_store_error(ctx->cred, r->pool, &error, &retry);

    if (rc == NGX_ABORT) {
        status = ngx_http_faas_error(r, NGX_HTTP_FAAS_ERR_AUTH_TIMEOUT, NULL);
        ngx_log_error(ngx_http_faas_error_level(NGX_HTTP_FAAS_ERR_AUTH_TIMEOUT),
                      r->connection->log, 0,
                      "faas: gave up waiting for a token");

    } else if (rc == NGX_DECLINED) {
        /* no valid token and fetches back off: fail fast */
        status = ngx_http_faas_error(r, NGX_HTTP_FAAS_ERR_TOKEN_UNAVAILABLE,
                                     "no valid token, the next attempt is "
                                     "in %T s; last error: %V",
                                     retry, &error);

        ngx_http_faas_error_retry(r, retry);

    } else {
        /* the fetch's failure; a lookup's with that lookup's backoff */
        status = ngx_http_faas_error(r, code, "%V", &error);

        if (ngx_http_faas_error_get(code)->retry != NGX_HTTP_FAAS_RETRY_NONE) {
            ngx_http_faas_error_retry(r, retry);
        }
    }

    ngx_http_finalize_request(r, status);
}


static void
ngx_http_faas_invoke_woken(ngx_http_faas_waiter_t *w, ngx_int_t rc)
{
    ngx_connection_t     *c;
    ngx_http_request_t   *r;
    ngx_http_faas_ctx_t  *ctx;

    r = w->data;
    c = r->connection;
    ctx = ngx_http_get_module_ctx(r, ngx_http_faas_module);

    ngx_http_faas_stats_woken(ctx);

    /* what they were before the wait */
    r->read_event_handler = ngx_http_block_reading;
    r->write_event_handler = ngx_http_request_empty_handler;

    if (rc == NGX_OK) {
        ngx_http_faas_invoke_token(r, ctx);

    } else {
        ngx_http_faas_invoke_token_failed(r, ctx, rc);
    }

    ngx_http_run_posted_requests(c);
}


static void
ngx_http_faas_invoke_parked_read(ngx_http_request_t *r)
{
    ngx_http_faas_invoke_parked(r, r->connection->read);
}


static void
ngx_http_faas_invoke_parked_write(ngx_http_request_t *r)
{
    ngx_http_faas_invoke_parked(r, r->connection->write);
}


/*
 * Nothing reads from the client of a request that waits for a token: an
 * event on its connection may say that the client has gone (an HTTP/2
 * stream is told by its connection, with c->error; an HTTP/1 connection
 * by the kernel's RDHUP, or a peek at the socket).  Then the request
 * ends with 499 and leaves the wait; it does not go to the gateway.
 */

static void
ngx_http_faas_invoke_parked(ngx_http_request_t *r, ngx_event_t *ev)
{
    int                   n;
    char                  buf[1];
    ngx_err_t             err;
    ngx_connection_t     *c;
    ngx_http_faas_ctx_t  *ctx;

    c = r->connection;
    err = 0;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, c->log, 0,
                   "faas: parked request, %s event",
                   ev->write ? "write" : "read");

    if (c->error) {
        goto gone;
    }

#if (NGX_HTTP_V2)
    if (r->stream) {
        return;
    }
#endif

#if (NGX_HTTP_V3)
    if (c->quic) {
        if (c->write->error) {
            goto gone;
        }

        return;
    }
#endif

#if (NGX_HAVE_EPOLLRDHUP)
    if ((ngx_event_flags & NGX_USE_EPOLL_EVENT) && ngx_use_epoll_rdhup) {
        if (!c->read->pending_eof) {
            return;
        }

        c->read->eof = 1;
        c->error = 1;
        goto gone;
    }
#endif

    n = recv(c->fd, buf, 1, MSG_PEEK);
    err = ngx_socket_errno;

    if (n > 0 || (n == -1 && err == NGX_EAGAIN)) {
        /* still there; with level events, data to read would spin */
        if (n > 0 && (ngx_event_flags & NGX_USE_LEVEL_EVENT) && ev->active) {
            (void) ngx_del_event(ev, ev->write ? NGX_WRITE_EVENT
                                               : NGX_READ_EVENT, 0);
        }

        return;
    }

    if (n == 0) {
        err = 0;
    }

    c->read->eof = 1;
    c->error = 1;

gone:

    ngx_log_error(NGX_LOG_INFO, c->log, err,
                  "faas: the client closed the connection while the "
                  "request waited for a token");

    ctx = ngx_http_get_module_ctx(r, ngx_http_faas_module);

    ngx_http_faas_token_unwait(&ctx->waiter);
    ngx_http_faas_stats_woken(ctx);

    ngx_http_finalize_request(r, NGX_HTTP_CLIENT_CLOSED_REQUEST);
}


static void
ngx_http_faas_invoke_cleanup(void *data)
{
    ngx_http_faas_waiter_t  *w = data;

    ngx_http_faas_token_unwait(w);
}


/*
 * The gateway refused the token with 401: drop the token, and send the
 * request once more with a new one, the client none the wiser.  The
 * upstream is torn down from a posted event, out of its own handler;
 * until then its connection reads nothing more.
 */

static ngx_int_t
ngx_http_faas_invoke_replay_start(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx)
{
    ngx_int_t  rc;

    rc = ngx_http_faas_store_drop(ctx->cred, ctx->token_generation);

    if (rc == NGX_DECLINED) {
        return NGX_DECLINED;
    }

    /* counted and logged once it is sent again, if it is */
    ctx->replayed = 1;
    ctx->replay_pending = 1;
    ctx->replay_dropped = (rc == NGX_OK);

    return ngx_http_faas_invoke_again(r, ctx, 0);
}


/*
 * The gateway's answer is not the response: the request goes to the
 * gateway again, at once (a 401) or after a delay (a 429).  The upstream
 * is torn down from an event, out of its own handler; until then its
 * connection reads nothing more.  NGX_AGAIN for process_header.
 */

static ngx_int_t
ngx_http_faas_invoke_again(ngx_http_request_t *r, ngx_http_faas_ctx_t *ctx,
    ngx_msec_t delay)
{
    ngx_http_upstream_t  *u;

    u = r->upstream;

    u->peer.connection->recv = ngx_http_faas_invoke_recv_none;
    u->buffer.pos = u->buffer.start;
    u->buffer.last = u->buffer.start;
    u->keepalive = 0;

    ctx->replay.handler = ngx_http_faas_invoke_replay;
    ctx->replay.data = r;
    ctx->replay.log = r->connection->log;

    if (delay == 0) {
        ngx_post_event(&ctx->replay, &ngx_posted_events);

    } else {
        ngx_add_timer(&ctx->replay, delay);
    }

    return NGX_AGAIN;
}


static void
ngx_http_faas_invoke_replay(ngx_event_t *ev)
{
    ngx_connection_t     *c;
    ngx_http_request_t   *r;
    ngx_http_faas_ctx_t  *ctx;

    r = ev->data;
    c = r->connection;
    ctx = ngx_http_get_module_ctx(r, ngx_http_faas_module);

    /* finishes the refused upstream without a response, makes a new one */
    if (ngx_http_upstream_create(r) != NGX_OK) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        ngx_http_run_posted_requests(c);
        return;
    }

    if (ngx_http_faas_invoke_setup(r) != NGX_OK) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        ngx_http_run_posted_requests(c);
        return;
    }

    (void) ngx_http_faas_invoke_reinit_request(r);

    ngx_http_faas_invoke_token(r, ctx);

    ngx_http_run_posted_requests(c);
}


/* a refused request goes to the gateway again: what the counter counts */

static void
ngx_http_faas_invoke_replay_sent(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx)
{
    ngx_uint_t  level;

    if (!ctx->replay_pending) {
        return;
    }

    ctx->replay_pending = 0;

    /* one line for the token, not one for each request that saw it */
    level = ctx->replay_dropped ? NGX_LOG_WARN : NGX_LOG_INFO;

    ngx_log_error(level, r->connection->log, 0,
                  "faas: the gateway refused the token, "
                  "sending the request again with a new one");

    ngx_http_faas_stats_replay(ctx);
}


static ssize_t
ngx_http_faas_invoke_recv_none(ngx_connection_t *c, u_char *buf, size_t size)
{
    return NGX_AGAIN;
}


static ngx_int_t
ngx_http_faas_invoke_create_request(ngx_http_request_t *r)
{
    ngx_buf_t                  *b;
    ngx_str_t                   target, extra;
    ngx_http_upstream_t        *u;
    ngx_http_faas_ctx_t        *ctx;
    ngx_http_variable_value_t  *id;
    ngx_http_faas_main_conf_t  *fmcf;

    u = r->upstream;
    ctx = ngx_http_get_module_ctx(r, ngx_http_faas_module);
    fmcf = ngx_http_get_module_main_conf(r, ngx_http_faas_module);

#if (NGX_HTTP_CACHE)
    /* a miss, an expired answer, a bypass: what faas_status counts */
    ctx->cache_status = u->cache_status;
#endif

    if (ngx_http_faas_platform_target(r, ctx, &target, &extra) != NGX_OK) {
        return NGX_ERROR;
    }

    id = ngx_http_faas_request_id(r, fmcf->request_id_index);
    if (id == NULL || id->not_found) {
        return NGX_ERROR;
    }

    b = ngx_http_faas_invoke_create_request_head(r, ctx, &target, &extra, id);
    if (b == NULL) {
        return NGX_ERROR;
    }

    u->uri = target;

    if (ngx_http_faas_invoke_create_request_body(r, ctx, b) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "faas: invoke \"%V\", payload %O bytes", &u->uri,
                   ngx_http_faas_body_length(ctx->body));

    return NGX_OK;
}


/*
 * The request line, the headers and the body's JSON up to the payload, in
 * one buffer: the Content-Length counts the whole body.
 */

static ngx_buf_t *
ngx_http_faas_invoke_create_request_head(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, ngx_str_t *target, ngx_str_t *extra,
    ngx_http_variable_value_t *id)
{
    u_char                *p;
    size_t                 len, json_len;
    uint64_t               ms;
    ngx_buf_t             *b;
    ngx_time_t            *tp;
    ngx_http_faas_cred_t  *cred;
    u_char                 json[sizeof("{\"timestamp\":,\"headers\":")
                                + NGX_INT64_LEN];

    cred = ctx->cred;

    tp = ngx_timeofday();
    ms = (uint64_t) tp->sec * 1000 + tp->msec;

    json_len = ngx_sprintf(json, "{\"timestamp\":%uL,\"headers\":", ms)
               - json;

    len = sizeof("POST ") - 1 + target->len
          + sizeof(" HTTP/1.1" CRLF) - 1
          + sizeof("Host: " CRLF) - 1 + cred->gateway_host.len
          + ctx->gateway_host.len
          + sizeof("Authorization: Bearer " CRLF) - 1 + ctx->token.len
          + sizeof("Content-Type: application/json" CRLF) - 1
          + sizeof("Accept: application/json" CRLF) - 1
          + sizeof("X-Request-ID: " CRLF) - 1 + id->len
          + sizeof("Content-Length: " CRLF) - 1 + NGX_OFF_T_LEN
          + extra->len + sizeof(CRLF) - 1
          + json_len + ctx->headers_json.len + sizeof(",\"payload\":") - 1;

    b = ngx_create_temp_buf(r->pool, len);
    if (b == NULL) {
        return NULL;
    }

    p = ngx_cpymem(b->last, "POST ", sizeof("POST ") - 1);
    p = ngx_cpymem(p, target->data, target->len);

    p = ngx_sprintf(p, " HTTP/1.1" CRLF
                    "Host: %V" CRLF
                    "Authorization: Bearer %V" CRLF
                    "Content-Type: application/json" CRLF
                    "Accept: application/json" CRLF
                    "X-Request-ID: %*s" CRLF
                    "Content-Length: %O" CRLF "%V" CRLF,
                    ctx->gateway_host.len ? &ctx->gateway_host
                                          : &cred->gateway_host,
                    &ctx->token,
                    (size_t) id->len, id->data,
                    (off_t) (json_len + ctx->headers_json.len
                             + sizeof(",\"payload\":") - 1 + 1)
                    + ngx_http_faas_body_length(ctx->body),
                    extra);

    p = ngx_cpymem(p, json, json_len);
    p = ngx_cpymem(p, ctx->headers_json.data, ctx->headers_json.len);
    p = ngx_cpymem(p, ",\"payload\":", sizeof(",\"payload\":") - 1);

    b->last = p;

    return b;
}


/* what goes out: the head, the payload's buffers, the closing brace */

static ngx_int_t
ngx_http_faas_invoke_create_request_body(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, ngx_buf_t *head)
{
    ngx_buf_t    *end;
    ngx_chain_t  *cl, **ll;

    end = ngx_calloc_buf(r->pool);
    if (end == NULL) {
        return NGX_ERROR;
    }

    end->start = ngx_http_faas_body_end;
    end->pos = end->start;
    end->last = end->start + 1;
    end->end = end->last;
    end->memory = 1;

    /* TLS buffers what it sends until told to flush */
    end->flush = 1;

    cl = ngx_alloc_chain_link(r->pool);
    if (cl == NULL) {
        return NGX_ERROR;
    }

    cl->buf = head;
    cl->next = NULL;
    ll = &cl->next;

    /* the body's buffers, afresh: a replay sends them once more */
    if (ngx_http_faas_body_chain(r, ctx->body, &ll) != NGX_OK) {
        return NGX_ERROR;
    }

    *ll = ngx_alloc_chain_link(r->pool);
    if (*ll == NULL) {
        return NGX_ERROR;
    }

    (*ll)->buf = end;
    (*ll)->next = NULL;

    r->upstream->request_bufs = cl;

    return NGX_OK;
}


static ngx_int_t
ngx_http_faas_invoke_reinit_request(ngx_http_request_t *r)
{
    ngx_http_faas_ctx_t       *ctx;
    ngx_http_faas_loc_conf_t  *flcf;

    ctx = ngx_http_get_module_ctx(r, ngx_http_faas_module);

    if (ctx == NULL) {
        return NGX_OK;
    }

    ngx_memzero(&ctx->status, sizeof(ngx_http_status_t));
    ngx_memzero(&ctx->chunked, sizeof(ngx_http_chunked_t));

    ctx->length = -1;
    ctx->gateway_status = 0;
    ctx->answer = NULL;
    ctx->out = NULL;
    ctx->function_error = 0;
    ctx->whole = 0;
    ctx->answer_too_large = 0;
    ctx->chunked_body = 0;

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_faas_module);

    r->upstream->conf = &flcf->upstream;
    r->upstream->process_header = ngx_http_faas_invoke_process_status_line;
    r->state = 0;

    return NGX_OK;
}


static ngx_int_t
ngx_http_faas_invoke_process_status_line(ngx_http_request_t *r)
{
    ngx_int_t             rc;
    ngx_http_upstream_t  *u;
    ngx_http_faas_ctx_t  *ctx;

    u = r->upstream;
    ctx = ngx_http_get_module_ctx(r, ngx_http_faas_module);

    rc = ngx_http_parse_status_line(r, &u->buffer, &ctx->status);

    if (rc == NGX_AGAIN) {
        return rc;
    }

    if (rc == NGX_ERROR) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "faas: the gateway sent no valid HTTP/1.x status line");
        return NGX_HTTP_UPSTREAM_INVALID_HEADER;
    }

    ctx->gateway_status = ctx->status.code;

    if (u->state && u->state->status == 0) {
        u->state->status = ctx->status.code;
    }

    if (ctx->status.code == NGX_HTTP_UNAUTHORIZED && !ctx->replayed
        && !r->cached && ngx_http_faas_invoke_replay_start(r, ctx) == NGX_AGAIN)
    {
        return NGX_AGAIN;
    }

    if (ctx->status.http_version < NGX_HTTP_VERSION_11) {
        u->headers_in.connection_close = 1;
    }

    ctx->length = -1;

    u->process_header = ngx_http_faas_invoke_process_header;

    return ngx_http_faas_invoke_process_header(r);
}


static ngx_int_t
ngx_http_faas_invoke_process_header(ngx_http_request_t *r)
{
    ngx_int_t             rc;
    ngx_str_t             retry_after;
    ngx_http_upstream_t  *u;
    ngx_http_faas_ctx_t  *ctx;

    u = r->upstream;
    ctx = ngx_http_get_module_ctx(r, ngx_http_faas_module);

    if (r->cached) {
        return ngx_http_faas_invoke_cached(r, ctx);
    }

    ngx_str_null(&retry_after);

    for ( ;; ) {

        rc = ngx_http_parse_header_line(r, &u->buffer, 1);

        if (rc == NGX_OK) {
            rc = ngx_http_faas_invoke_process_header_line(r, ctx,
                                                          &retry_after);
            if (rc != NGX_OK) {
                return rc;
            }

            continue;
        }

        if (rc == NGX_HTTP_PARSE_HEADER_DONE) {
            break;
        }

        if (rc == NGX_AGAIN) {
            return NGX_AGAIN;
        }

        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "faas: the gateway sent an invalid header");

        return NGX_HTTP_UPSTREAM_INVALID_HEADER;
    }

    return ngx_http_faas_invoke_header_done(r, ctx, &retry_after);
}


/* one header line of the gateway's answer: those the module acts on */

static ngx_int_t
ngx_http_faas_invoke_process_header_line(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, ngx_str_t *retry_after)
{
    size_t                len;
    u_char               *name, *value;
    ngx_http_upstream_t  *u;

    u = r->upstream;

    name = r->header_name_start;
    len = r->header_name_end - r->header_name_start;
    value = r->header_start;

    if (len == sizeof("Retry-After") - 1
        && ngx_strncasecmp(name, (u_char *) "Retry-After", len) == 0)
    {
        retry_after->data = value;
        retry_after->len = r->header_end - value;

    } else if (len == sizeof("Content-Length") - 1
               && ngx_strncasecmp(name, (u_char *) "Content-Length", len)
                  == 0)
    {
        ctx->length = ngx_atoof(value, r->header_end - value);

        if (ctx->length == NGX_ERROR) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "faas: the gateway sent an invalid "
                          "\"Content-Length\"");
            return NGX_HTTP_UPSTREAM_INVALID_HEADER;
        }

    } else if (len == sizeof("Transfer-Encoding") - 1
               && ngx_strncasecmp(name,
                                  (u_char *) "Transfer-Encoding", len)
                  == 0)
    {
        if (r->header_end - value != sizeof("chunked") - 1
            || ngx_strncasecmp(value, (u_char *) "chunked",
                               sizeof("chunked") - 1)
               != 0)
        {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "faas: the gateway sent an unknown "
                          "\"Transfer-Encoding\"");
            return NGX_HTTP_UPSTREAM_INVALID_HEADER;
        }

        ctx->chunked_body = 1;

    } else if (len == sizeof("Connection") - 1
               && ngx_strncasecmp(name, (u_char *) "Connection", len)
                  == 0)
    {
        if (ngx_strlcasestrn(value, r->header_end,
                             (u_char *) "close",
                             sizeof("close") - 2)
            != NULL)
        {
            u->headers_in.connection_close = 1;
        }
    }

    return NGX_OK;
}


/* the header is in: a 429 to try again, an answer to stream or read whole */

static ngx_int_t
ngx_http_faas_invoke_header_done(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, ngx_str_t *retry_after)
{
    ngx_int_t                  rc;
    ngx_uint_t                 status;
    ngx_http_upstream_t       *u;
    ngx_http_faas_loc_conf_t  *flcf;

    u = r->upstream;

    if (ctx->chunked_body) {
        ctx->length = -1;
    }

    status = ctx->status.code;

    ngx_str_set(&r->headers_out.content_type, "application/json");
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_faas_module);

    /* 901: the function failed, a client never sees such a status */
    ctx->function_error = (status < 100 || status > 599);

    if (status == NGX_HTTP_TOO_MANY_REQUESTS) {
        rc = ngx_http_faas_invoke_too_many(r, ctx, retry_after);

        if (rc != NGX_DECLINED) {
            return rc;
        }
    }

    if (!ctx->function_error && flcf->response == NGX_HTTP_FAAS_RESPONSE_BODY
        && !ngx_http_faas_invoke_kept(r, ctx, flcf))
    {
        /* the gateway's answer streams to the client */
        u->headers_in.status_n = status;
        u->headers_in.content_length_n = ctx->length;
        return NGX_OK;
    }

    return ngx_http_faas_invoke_read_whole(r, ctx, flcf);
}


/*
 * The function's response (faas_response http) or an error: the answer is
 * read whole before anything goes to the client, so that an error can
 * still be the operator's error_page.
 */

static ngx_int_t
ngx_http_faas_invoke_read_whole(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, ngx_http_faas_loc_conf_t *flcf)
{
    ngx_uint_t            status;
    ngx_http_upstream_t  *u;

    u = r->upstream;
    status = ctx->status.code;

    ctx->whole = 1;
    ctx->answer_reusable = 1;

    if (!ctx->function_error
        && (ctx->cache_body
            || (flcf->response == NGX_HTTP_FAAS_RESPONSE_HTTP
                && status >= 200 && status <= 299)))
    {
        ctx->answer_max = flcf->max_response_size;

    } else {
        ctx->answer_max = NGX_HTTP_FAAS_ERROR_BODY_MAX;
    }

    if (status == NGX_HTTP_NO_CONTENT || status == NGX_HTTP_NOT_MODIFIED) {
        ctx->length = 0;
        ctx->chunked_body = 0;
    }

    if (ctx->length == -1 && !ctx->chunked_body) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "faas: the gateway's answer has neither "
                      "\"Content-Length\" nor chunks");
        return NGX_HTTP_UPSTREAM_INVALID_HEADER;
    }

    if (ctx->length > (off_t) ctx->answer_max
        && !(ctx->function_error || status < 200 || status > 299))
    {
        /* refused before its first byte; an error's start is read */
        ctx->answer_too_large = 1;
        return ngx_http_faas_invoke_decide(r, ctx);
    }

    u->process_header = ngx_http_faas_invoke_process_answer;

    return ngx_http_faas_invoke_process_answer(r);
}


/* the body of an answer read whole, as each read brings it */

static ngx_int_t
ngx_http_faas_invoke_process_answer(ngx_http_request_t *r)
{
    ngx_int_t             rc;
    ngx_http_upstream_t  *u;
    ngx_http_faas_ctx_t  *ctx;

    u = r->upstream;
    ctx = ngx_http_get_module_ctx(r, ngx_http_faas_module);

    rc = ngx_http_faas_invoke_read_answer(r, ctx);

    if (rc == NGX_AGAIN) {
        /* what was read is kept: the buffer takes the next read */
        u->buffer.pos = u->buffer.start;
        u->buffer.last = u->buffer.start;
        return NGX_AGAIN;
    }

    if (rc == NGX_DECLINED) {
        return NGX_HTTP_UPSTREAM_INVALID_HEADER;
    }

    if (rc != NGX_OK) {
        return NGX_ERROR;
    }

    if (!(ctx->cache_body && ctx->answer_too_large)) {
        u->buffer.pos = u->buffer.last;
    }

    return ngx_http_faas_invoke_decide(r, ctx);
}


/*
 * NGX_OK: the whole answer, or as much as may be kept; NGX_AGAIN: more to
 * come; NGX_DECLINED: bad chunks; NGX_ERROR: no memory
 */

static ngx_int_t
ngx_http_faas_invoke_read_answer(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx)
{
    size_t      n;
    ngx_int_t   rc;
    ngx_buf_t  *b;

    b = &r->upstream->buffer;

    while (ctx->chunked_body) {

        rc = ngx_http_faas_invoke_parse_chunked(r, b, &ctx->chunked);

        if (rc == NGX_OK) {
            n = (size_t) ngx_min((off_t) (b->last - b->pos),
                                 ctx->chunked.size);

            if (ngx_http_faas_invoke_keep(r, ctx, b->pos, &n) != NGX_OK) {
                return NGX_ERROR;
            }

            b->pos += n;
            ctx->chunked.size -= n;

            if (ctx->answer_too_large) {
                return NGX_OK;
            }

            continue;
        }

        if (rc == NGX_DONE) {
            ctx->answer_reusable = (b->pos == b->last);
            return NGX_OK;
        }

        if (rc == NGX_AGAIN) {
            return NGX_AGAIN;
        }

        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "faas: the gateway sent an invalid chunked answer");

        return NGX_DECLINED;
    }

    n = (size_t) ngx_min((off_t) (b->last - b->pos), ctx->length);

    if (ngx_http_faas_invoke_keep(r, ctx, b->pos, &n) != NGX_OK) {
        return NGX_ERROR;
    }

    b->pos += n;
    ctx->length -= n;

    if (ctx->answer_too_large) {
        /* the start of an error too long to read whole */
        return NGX_OK;
    }

    if (ctx->length > 0) {
        return NGX_AGAIN;
    }

    if (b->pos != b->last) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "faas: the gateway sent more data than "
                      "\"Content-Length\" said");

        /* what follows is not the start of an answer */
        ctx->answer_reusable = 0;
    }

    return NGX_OK;
}


/* up to answer_max bytes kept; beyond, the answer is too large */

static ngx_int_t
ngx_http_faas_invoke_keep(ngx_http_request_t *r, ngx_http_faas_ctx_t *ctx,
    u_char *pos, size_t *kept)
{
    u_char     *p;
    size_t      len, room, size;
    ngx_buf_t  *b;

    size = *kept;

    if (size == 0) {
        return NGX_OK;
    }

    if (ctx->answer == NULL) {
        ctx->answer = ngx_create_temp_buf(r->pool,
                                          ngx_min(ctx->answer_max, 16384));
        if (ctx->answer == NULL) {
            return NGX_ERROR;
        }
    }

    b = ctx->answer;
    len = b->last - b->pos;

    if (size > ctx->answer_max - len) {
        /* an error answer is parsed as far as it was kept */
        ctx->answer_too_large = 1;
        size = ctx->answer_max - len;
        *kept = size;
    }

    if ((size_t) (b->end - b->last) < size) {
        room = ngx_min(ctx->answer_max, 2 * (len + size));

        p = ngx_pnalloc(r->pool, room);
        if (p == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(p, b->pos, len);

        b->start = p;
        b->pos = p;
        b->last = p + len;
        b->end = p + room;
    }

    b->last = ngx_cpymem(b->last, pos, size);

    return NGX_OK;
}


/* the whole answer is in: the response, or an error */

static ngx_int_t
ngx_http_faas_invoke_decide(ngx_http_request_t *r, ngx_http_faas_ctx_t *ctx)
{
    ngx_str_t             body;
    ngx_uint_t            status;
    ngx_http_upstream_t  *u;

    u = r->upstream;
    status = ctx->status.code;

    body.data = ctx->answer ? ctx->answer->pos : (u_char *) "";
    body.len = ctx->answer ? (size_t) (ctx->answer->last - body.data) : 0;

    if (ctx->cache_body && !ctx->function_error) {
        return ngx_http_faas_invoke_decide_kept(r, ctx, &body);
    }

    u->keepalive = ctx->answer_reusable && !ctx->answer_too_large
                   && !u->headers_in.connection_close;

    if (ctx->function_error || status < 200 || status > 299) {
        return ngx_http_faas_invoke_decide_failed(r, ctx, &body);
    }

    return ngx_http_faas_invoke_decide_http(r, ctx, &body);
}


/* the body as the gateway sent it, kept for the cache */

static ngx_int_t
ngx_http_faas_invoke_decide_kept(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, ngx_str_t *body)
{
    ngx_http_upstream_t  *u;

    u = r->upstream;

    u->headers_in.status_n = ctx->status.code;

    if (ctx->answer_too_large) {
        /* too large to keep: what was read goes first, the rest streams */
        ctx->whole = 0;
        u->cacheable = 0;
        u->buffering = 0;
        u->headers_in.content_length_n = -1;

        return ngx_http_faas_invoke_answer(r, ctx, body);
    }

    u->keepalive = ctx->answer_reusable
                   && !u->headers_in.connection_close;

    return ngx_http_faas_invoke_answer(r, ctx, body);
}


/* the function failed (901), or faas_response http met a non-2xx status */

static ngx_int_t
ngx_http_faas_invoke_decide_failed(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, ngx_str_t *body)
{
    ngx_str_t   raw, message, gw_code, gw_message;
    ngx_uint_t  status, code;
    u_char      buf[NGX_HTTP_FAAS_ERROR_LEN];

    status = ctx->status.code;

    if (!ctx->answer_too_large) {
        (void) ngx_http_faas_json_gateway_error(r->pool, body->data,
                                                body->len, &gw_code,
                                                &gw_message);

    } else if (ngx_http_faas_json_gateway_error_cut(r->pool, body->data,
                                                    body->len, &gw_code,
                                                    &gw_message)
               != NGX_OK)
    {
        ngx_str_set(&gw_message, "no errorCode or errorMsg in the first "
                    "16384 bytes of a longer error");
    }

    if (ctx->function_error) {
        code = NGX_HTTP_FAAS_ERR_FUNCTION_ERROR;

        ngx_log_error(ngx_http_faas_error_level(code), r->connection->log, 0,
                      "faas: the function failed, gateway status %ui: "
                      "\"%V\" \"%V\"", status, &gw_code, &gw_message);

        message = ngx_http_faas_error_get(code)->message;

    } else {
        /* faas_response http: the raw error goes to the log only */
        raw.data = body->data;
        raw.len = ngx_min(body->len, 512);
        code = NGX_HTTP_FAAS_ERR_GATEWAY_ERROR;

        ngx_log_error(ngx_http_faas_error_level(code), r->connection->log, 0,
                      "faas: the gateway answered status %ui: \"%V\"",
                      status, &raw);

        message.data = buf;
        message.len = ngx_snprintf(buf, sizeof(buf),
                                   "the gateway answered status %ui",
                                   status)
                      - buf;
    }

    return ngx_http_faas_invoke_answer_error(r, ctx, code, &message,
                                             &gw_code, &gw_message);
}


/* faas_response http: the function's status, headers and body */

static ngx_int_t
ngx_http_faas_invoke_decide_http(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, ngx_str_t *body)
{
    ngx_int_t                     rc;
    ngx_str_t                     message;
    ngx_uint_t                    code;
    const char                   *error;
    ngx_http_faas_http_answer_t   a;

    if (ctx->answer_too_large) {
        error = "the answer is larger than faas_max_response_size";
        rc = NGX_ERROR;

    } else if (ctx->event) {
        rc = ngx_http_faas_function_response_parse_event(r->pool, body->data,
                                                         body->len, &a,
                                                         &error);

    } else {
        rc = ngx_http_faas_function_response_parse(r->pool, body->data,
                                                   body->len, &a, &error);
    }

    if (rc != NGX_OK) {
        code = NGX_HTTP_FAAS_ERR_BAD_FUNCTION_RESPONSE;

        ngx_log_error(ngx_http_faas_error_level(code), r->connection->log, 0,
                      "faas: the function's answer is not an HTTP response: "
                      "%s", error);

        message.data = (u_char *) error;
        message.len = ngx_strlen(error);

        return ngx_http_faas_invoke_answer_error(r, ctx, code, &message,
                                                 NULL, NULL);
    }

    /* the function's status, headers and body, as a backend's */

    r->headers_out.content_type.len = 0;
    r->headers_out.content_type_len = 0;

    if (ngx_http_faas_response_headers(r, &a) != NGX_OK) {
        return NGX_ERROR;
    }

    r->upstream->headers_in.status_n = a.status;

    return ngx_http_faas_invoke_answer(r, ctx, &a.body);
}


/* what goes out in place of the gateway's body */

static ngx_int_t
ngx_http_faas_invoke_answer(ngx_http_request_t *r, ngx_http_faas_ctx_t *ctx,
    ngx_str_t *body)
{
    ngx_buf_t            *b;
    ngx_http_upstream_t  *u;

    u = r->upstream;

    if (ctx->whole) {
        u->headers_in.content_length_n = body->len;
    }

#if (NGX_HTTP_CACHE)

    if (u->buffering) {
        if (r->cache && u->cacheable) {
            /* the event pipe sends it and writes it into the cache */
            return ngx_http_faas_cache_answer(r, body);
        }

        u->buffering = 0;
    }

#endif

    if (body->len == 0) {
        ctx->out = NULL;
        return NGX_OK;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    ctx->out = ngx_alloc_chain_link(r->pool);
    if (ctx->out == NULL) {
        return NGX_ERROR;
    }

    b->pos = body->data;
    b->last = body->data + body->len;
    b->memory = 1;
    b->flush = 1;
    b->tag = u->output.tag;

    ctx->out->buf = b;
    ctx->out->next = NULL;

    return NGX_OK;
}


/*
 * A 502 of the module's: the operator's error_page for it takes over,
 * as for nginx's own errors; without one, the JSON error goes out.
 */

static ngx_int_t
ngx_http_faas_invoke_answer_error(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, ngx_uint_t code, ngx_str_t *message,
    ngx_str_t *gw_code, ngx_str_t *gw_message)
{
    ngx_str_t                  body;
    ngx_int_t                  status;
    ngx_http_upstream_t       *u;
    ngx_http_faas_loc_conf_t  *flcf;

    u = r->upstream;
    flcf = ngx_http_get_module_loc_conf(r, ngx_http_faas_module);

    status = ngx_http_faas_error(r, code, "%V", message);

    if (gw_code != NULL) {
        /* a sane length for a client, cut between characters */
        gw_code->len = ngx_http_faas_utf8_whole(gw_code->data,
                                                ngx_min(gw_code->len, 128));
        gw_message->len = ngx_http_faas_utf8_whole(gw_message->data,
                                                   ngx_min(gw_message->len,
                                                           256));
    }

    body.data = ngx_http_faas_json_error(r->pool,
                                         ngx_http_faas_error_code(code),
                                         message, gw_code, gw_message,
                                         &body.len);
    if (body.data == NULL) {
        return NGX_ERROR;
    }

    u->headers_in.status_n = status;
    u->conf = &flcf->upstream_errors;

    return ngx_http_faas_invoke_answer(r, ctx, &body);
}


static ngx_int_t
ngx_http_faas_invoke_filter_init(void *data)
{
    ngx_http_request_t  *r = data;

    ngx_chain_t          **ll;
    ngx_http_upstream_t   *u;
    ngx_http_faas_ctx_t   *ctx;

    u = r->upstream;
    ctx = ngx_http_get_module_ctx(r, ngx_http_faas_module);

    if (ctx->whole && u->buffering) {
        /* the body is in the buffer, after the head the cache keeps */
        u->pipe->length = u->headers_in.content_length_n;
        return NGX_OK;
    }

    if (ctx->whole) {
        /* decided already: the response's body is in memory */
        u->length = 0;

        for (ll = &u->out_bufs; *ll; ll = &(*ll)->next) { /* void */ }

        *ll = ctx->out;

        return NGX_OK;
    }

    if (ctx->out) {
        /* what was read of an answer too large for the cache goes first */
        u->out_bufs = ctx->out;
        ctx->out = NULL;
    }

    if (ctx->status.code == NGX_HTTP_NO_CONTENT
        || ctx->status.code == NGX_HTTP_NOT_MODIFIED)
    {
        u->length = 0;

    } else if (ctx->chunked_body) {
        u->input_filter = ngx_http_faas_invoke_chunked_filter;
        u->length = 1;

    } else {
        u->input_filter = ngx_http_faas_invoke_copy_filter;
        u->length = ctx->length;
    }

    if (u->length == 0) {
        return ngx_http_faas_invoke_end(r, ctx, 1);
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_faas_invoke_copy_filter(void *data, ssize_t bytes)
{
    ngx_http_request_t  *r = data;

    u_char               *pos;
    ngx_buf_t            *b;
    ngx_uint_t            reusable;
    ngx_http_upstream_t  *u;
    ngx_http_faas_ctx_t  *ctx;

    u = r->upstream;
    b = &u->buffer;
    ctx = ngx_http_get_module_ctx(r, ngx_http_faas_module);

    pos = b->last;
    b->last += bytes;
    reusable = 1;

    if (u->length != -1) {
        if (bytes > u->length) {
            ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                          "faas: the gateway sent more data than "
                          "\"Content-Length\" said");
            b->last = pos + u->length;

            /* what follows is not the start of an answer */
            reusable = 0;
        }

        u->length -= b->last - pos;
    }

    if (ngx_http_faas_invoke_out(r, ctx, pos, b->last) != NGX_OK) {
        return NGX_ERROR;
    }

    if (u->length == 0) {
        return ngx_http_faas_invoke_end(r, ctx, reusable);
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_faas_invoke_chunked_filter(void *data, ssize_t bytes)
{
    ngx_http_request_t  *r = data;

    u_char               *pos;
    ngx_int_t             rc;
    ngx_buf_t            *buf;
    ngx_http_upstream_t  *u;
    ngx_http_faas_ctx_t  *ctx;

    u = r->upstream;
    buf = &u->buffer;
    ctx = ngx_http_get_module_ctx(r, ngx_http_faas_module);

    buf->pos = buf->last;
    buf->last += bytes;

    for ( ;; ) {

        rc = ngx_http_faas_invoke_parse_chunked(r, buf, &ctx->chunked);

        if (rc == NGX_OK) {
            pos = buf->pos;

            if (buf->last - buf->pos >= ctx->chunked.size) {
                buf->pos += (size_t) ctx->chunked.size;
                ctx->chunked.size = 0;

            } else {
                ctx->chunked.size -= buf->last - buf->pos;
                buf->pos = buf->last;
            }

            if (ngx_http_faas_invoke_out(r, ctx, pos, buf->pos) != NGX_OK) {
                return NGX_ERROR;
            }

            continue;
        }

        if (rc == NGX_DONE) {
            u->length = 0;

            if (buf->pos != buf->last) {
                ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                              "faas: the gateway sent data after the "
                              "final chunk");
            }

            return ngx_http_faas_invoke_end(r, ctx, buf->pos == buf->last);
        }

        if (rc == NGX_AGAIN) {
            return NGX_OK;
        }

        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "faas: the gateway sent an invalid chunked answer");

        return NGX_ERROR;
    }
}


/* a piece of the gateway's body, to the client as it comes */

static ngx_int_t
ngx_http_faas_invoke_out(ngx_http_request_t *r, ngx_http_faas_ctx_t *ctx,
    u_char *pos, u_char *last)
{
    ngx_chain_t          *cl, **ll;
    ngx_http_upstream_t  *u;

    if (pos == last) {
        return NGX_OK;
    }

    u = r->upstream;

    for (cl = u->out_bufs, ll = &u->out_bufs; cl; cl = cl->next) {
        ll = &cl->next;
    }

    cl = ngx_chain_get_free_buf(r->pool, &u->free_bufs);
    if (cl == NULL) {
        return NGX_ERROR;
    }

    *ll = cl;

    cl->buf->flush = 1;
    cl->buf->memory = 1;
    cl->buf->pos = pos;
    cl->buf->last = last;
    cl->buf->tag = u->output.tag;

    return NGX_OK;
}


/* the gateway's body is complete */

static ngx_int_t
ngx_http_faas_invoke_end(ngx_http_request_t *r, ngx_http_faas_ctx_t *ctx,
    ngx_uint_t reusable)
{
    ngx_http_upstream_t  *u;

    u = r->upstream;

    u->keepalive = reusable && !u->headers_in.connection_close;

    return NGX_OK;
}


static void
ngx_http_faas_invoke_abort_request(ngx_http_request_t *r)
{
    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "faas: abort invoke");
}


static void
ngx_http_faas_invoke_finalize_request(ngx_http_request_t *r, ngx_int_t rc)
{
    ngx_http_faas_ctx_t  *ctx;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "faas: finalize invoke %i", rc);

    ctx = ngx_http_get_module_ctx(r, ngx_http_faas_module);

    /* the request ends before its replay could start */
    if (ctx != NULL && ctx->replay.posted) {
        ngx_delete_posted_event(&ctx->replay);
    }

    if (ctx != NULL && ctx->replay.timer_set) {
        ngx_del_timer(&ctx->replay);
    }
}


static ngx_int_t
ngx_http_faas_invoke_setup(ngx_http_request_t *r)
{
    ngx_http_upstream_t       *u;
    ngx_http_faas_loc_conf_t  *flcf;

    u = r->upstream;
    flcf = ngx_http_get_module_loc_conf(r, ngx_http_faas_module);

    ngx_str_set(&u->schema, "https://");
    u->output.tag = (ngx_buf_tag_t) &ngx_http_faas_module;
    u->conf = &flcf->upstream;
    u->ssl = 1;

#if (NGX_HTTP_CACHE)
    {
    ngx_http_faas_main_conf_t  *fmcf;

    fmcf = ngx_http_get_module_main_conf(r, ngx_http_faas_module);

    u->create_key = ngx_http_faas_cache_create_key;
    u->caches = &fmcf->caches;
    }
#endif

    u->buffering = flcf->upstream.buffering;

    if (u->buffering) {
        /* faas_cache: answers pass nginx's event pipe to be stored */
        u->pipe = ngx_pcalloc(r->pool, sizeof(ngx_event_pipe_t));
        if (u->pipe == NULL) {
            return NGX_ERROR;
        }

        u->pipe->input_filter = ngx_event_pipe_copy_input_filter;
        u->pipe->input_ctx = r;
    }

    u->create_request = ngx_http_faas_invoke_create_request;
    u->reinit_request = ngx_http_faas_invoke_reinit_request;
    u->process_header = ngx_http_faas_invoke_process_status_line;
    u->abort_request = ngx_http_faas_invoke_abort_request;
    u->finalize_request = ngx_http_faas_invoke_finalize_request;
    u->input_filter_init = ngx_http_faas_invoke_filter_init;
    u->input_filter = ngx_http_faas_invoke_copy_filter;
    u->input_filter_ctx = r;

    return NGX_OK;
}


/* nginx 1.27.2 can keep a chunked answer's trailers: none are kept here */

static ngx_int_t
ngx_http_faas_invoke_parse_chunked(ngx_http_request_t *r, ngx_buf_t *b,
    ngx_http_chunked_t *ctx)
{
#if (nginx_version >= 1027002)
    return ngx_http_parse_chunked(r, b, ctx, 0);
#else
    return ngx_http_parse_chunked(r, b, ctx);
#endif
}


/*
 * faas_response body with faas_cache: a cacheable answer is read whole
 * (at most faas_max_response_size) to be kept; any other answer streams,
 * as without a cache
 */

static ngx_uint_t
ngx_http_faas_invoke_kept(ngx_http_request_t *r, ngx_http_faas_ctx_t *ctx,
    ngx_http_faas_loc_conf_t *flcf)
{
    ngx_http_upstream_t  *u;

    u = r->upstream;

    if (!u->buffering) {
        return 0;
    }

#if (NGX_HTTP_CACHE)

    if (r->cache && u->cacheable
        && ctx->length <= (off_t) flcf->max_response_size
        && (ctx->length != -1 || ctx->chunked_body))
    {
        ctx->cache_body = 1;
        return 1;
    }

    u->cacheable = 0;

#endif

    u->buffering = 0;

    return 0;
}


/* an answer of the cache: its head as it was kept */

static ngx_int_t
ngx_http_faas_invoke_cached(ngx_http_request_t *r, ngx_http_faas_ctx_t *ctx)
{
    ngx_int_t             rc;
    ngx_str_t             name, value;
    ngx_http_upstream_t  *u;

    u = r->upstream;

    for ( ;; ) {

        rc = ngx_http_parse_header_line(r, &u->buffer, 1);

        if (rc == NGX_OK) {
            name.data = r->header_name_start;
            name.len = r->header_name_end - r->header_name_start;
            value.data = r->header_start;
            value.len = r->header_end - r->header_start;

            if (ngx_http_faas_response_header_in(r, &name, &value)
                != NGX_OK)
            {
                return NGX_ERROR;
            }

            continue;
        }

        if (rc == NGX_HTTP_PARSE_HEADER_DONE) {
            break;
        }

        return NGX_HTTP_UPSTREAM_INVALID_HEADER;
    }

    r->headers_out.content_type.len = 0;
    r->headers_out.content_type_len = 0;

    u->headers_in.status_n = ctx->status.code;

#if (NGX_HTTP_CACHE)
    ctx->cache_status = u->cache_status;
#endif

    return NGX_OK;
}


/*
 * A 429 (no instance of the function is free): with faas_cache_use_stale
 * http_429 a stale answer at once; with faas_next_upstream http_429 the
 * request again after the gateway's Retry-After (1 s at least, as
 * LivePerson advises, faas_retry_max_delay at most), on a timer, as long
 * as tries are left.  NGX_DECLINED: the 429 is the answer.
 */

static ngx_int_t
ngx_http_faas_invoke_too_many(ngx_http_request_t *r, ngx_http_faas_ctx_t *ctx,
    ngx_str_t *retry_after)
{
    time_t                     t;
    ngx_int_t                  n;
    ngx_uint_t                 tries;
    ngx_msec_t                 delay, spent;
    ngx_http_upstream_t       *u;
    ngx_http_faas_loc_conf_t  *flcf;

    u = r->upstream;
    flcf = ngx_http_get_module_loc_conf(r, ngx_http_faas_module);

#if (NGX_HTTP_CACHE)

    if (r->cache && u->cache_status == NGX_HTTP_CACHE_EXPIRED
        && (u->conf->cache_use_stale & NGX_HTTP_UPSTREAM_FT_HTTP_429))
    {
        /* nginx's upstream serves the stale answer for the status */
        u->headers_in.status_n = NGX_HTTP_TOO_MANY_REQUESTS;
        u->keepalive = 0;
        return NGX_OK;
    }

#endif

    if (!(flcf->next_upstream & NGX_HTTP_UPSTREAM_FT_HTTP_429)) {
        return NGX_DECLINED;
    }

    if ((r->method & (NGX_HTTP_POST|NGX_HTTP_LOCK|NGX_HTTP_PATCH))
        && !(flcf->next_upstream & NGX_HTTP_UPSTREAM_FT_NON_IDEMPOTENT))
    {
        return NGX_DECLINED;
    }

    /* faas_next_upstream_tries bounds them; without it, one retry */
    tries = flcf->upstream.next_upstream_tries;

    if (tries == 0) {
        tries = 2;
    }

    if (ctx->retries + 1 >= tries) {
        return NGX_DECLINED;
    }

    delay = 1000;

    if (retry_after->len) {
        n = ngx_atoi(retry_after->data, retry_after->len);

        if (n == NGX_ERROR) {
            t = ngx_parse_http_time(retry_after->data, retry_after->len);
            n = (t == NGX_ERROR) ? 0 : t - ngx_time();
        }

        if (n > 1) {
            delay = (n > 3600) ? 3600000 : (ngx_msec_t) n * 1000;
        }
    }

    delay = ngx_min(delay, flcf->retry_max_delay);

    spent = ngx_current_msec - ctx->started;

    if (flcf->upstream.next_upstream_timeout
        && spent + delay >= flcf->upstream.next_upstream_timeout)
    {
        return NGX_DECLINED;
    }

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "faas: the gateway answered 429, trying again in %M ms",
                  delay);

    ctx->retries++;

    return ngx_http_faas_invoke_again(r, ctx, delay);
}
