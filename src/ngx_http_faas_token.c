
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * The client-credentials token: fetched once for all workers, refreshed
 * ahead of expiry, waited for without blocking.
 */


#include "ngx_http_faas.h"
#include "ngx_http_faas_token.h"
#include "ngx_http_faas_domain.h"
#include "ngx_http_faas_store.h"
#include "ngx_http_faas_client.h"
#include "ngx_http_faas_stats.h"
#include "ngx_http_faas_token_answer.h"
#include "ngx_http_faas_error_table.h"


#define NGX_HTTP_FAAS_POLL_INTERVAL  25


static ngx_int_t ngx_http_faas_token_start(ngx_http_faas_cred_t *cred);
static ngx_int_t ngx_http_faas_token_sentinel(ngx_http_faas_cred_t *cred,
    ngx_http_faas_client_t *client);
static void ngx_http_faas_token_fetched(ngx_http_faas_client_t *client);
static ngx_int_t ngx_http_faas_token_check(ngx_http_faas_cred_t *cred,
    ngx_http_faas_client_t *client, ngx_str_t *error, ngx_uint_t *code,
    ngx_uint_t *reason);
static ngx_int_t ngx_http_faas_token_check_client(
    ngx_http_faas_client_t *client, ngx_str_t *error, ngx_uint_t *code,
    ngx_uint_t *reason);
static ngx_int_t ngx_http_faas_token_check_status(
    ngx_http_faas_client_t *client, ngx_str_t *error, ngx_uint_t *code,
    ngx_uint_t *reason);
static void ngx_http_faas_token_wake(ngx_http_faas_cred_t *cred,
    ngx_int_t rc);
static void ngx_http_faas_token_poll(ngx_event_t *ev);
static void ngx_http_faas_token_refresh(ngx_event_t *ev);
static void ngx_http_faas_token_schedule(ngx_http_faas_cred_t *cred,
    ngx_msec_t delay);
static time_t ngx_http_faas_token_refresh_at(ngx_http_faas_cred_t *cred,
    time_t fetched, time_t expires);


ngx_int_t
ngx_http_faas_token_init_process(ngx_cycle_t *cycle,
    ngx_http_faas_main_conf_t *fmcf)
{
    ngx_uint_t                   i;
    ngx_http_faas_cred_t       **creds, *cred;
    ngx_http_faas_cred_state_t  *st;

    creds = fmcf->creds.elts;

    for (i = 0; i < fmcf->creds.nelts; i++) {
        cred = creds[i];

        /* from the cycle's pool: gone with the worker */
        st = ngx_pcalloc(cycle->pool, sizeof(ngx_http_faas_cred_state_t));
        if (st == NULL) {
            return NGX_ERROR;
        }

        st->cached_token.data = ngx_pnalloc(cycle->pool,
                                            NGX_HTTP_FAAS_TOKEN_MAX);
        if (st->cached_token.data == NULL) {
            return NGX_ERROR;
        }

        cred->state = st;

        ngx_queue_init(&st->waiters);

        st->poll.handler = ngx_http_faas_token_poll;
        st->poll.data = cred;
        st->poll.log = cycle->log;
        st->poll.cancelable = 1;

        st->refresh.handler = ngx_http_faas_token_refresh;
        st->refresh.data = cred;
        st->refresh.log = cycle->log;
        st->refresh.cancelable = 1;
    }

    return NGX_OK;
}


/*
 * The worker exits with no request left: a fetch or lookup under way
 * goes with it, and its claim too, so that another worker need not wait
 * for the claim to run out.
 */

void
ngx_http_faas_token_exit_process(ngx_http_faas_main_conf_t *fmcf)
{
    ngx_uint_t                   i;
    ngx_http_faas_cred_t       **creds, *cred;
    ngx_http_faas_cred_state_t  *st;

    creds = fmcf->creds.elts;

    for (i = 0; i < fmcf->creds.nelts; i++) {
        cred = creds[i];
        st = cred->state;

        if (st == NULL) {
            /* init_process failed before this set */
            continue;
        }

        if (st->fetch != NULL) {
            ngx_http_faas_client_close(st->fetch);
            st->fetch = NULL;
            ngx_http_faas_store_release(cred, NGX_HTTP_FAAS_TOKEN);
        }

        ngx_http_faas_domain_exit_process(cred);
    }
}


/*
 * NGX_OK: a valid token is in "token";
 * NGX_AGAIN: a fetch is under way here or in another worker, wait for it;
 * NGX_ERROR: the fetch just started here failed;
 * NGX_DECLINED: fetches are backing off after failures, fail fast.
 */

ngx_int_t
ngx_http_faas_token_get(ngx_http_faas_cred_t *cred, ngx_str_t *token,
    ngx_uint_t *generation)
{
    time_t                       now, expires, fetched;
    ngx_int_t                    rc;
    ngx_uint_t                   looks, seen;
    ngx_http_faas_cred_state_t  *st;

    st = cred->state;
    looks = 0;

again:

    now = ngx_time();

    if (st->cached_generation != ngx_http_faas_store_generation(cred)
        || now >= st->cached_expires)
    {
        /* a copy of the shared token, kept here until it changes */
        rc = ngx_http_faas_store_get(cred, &st->cached_token, &expires,
                                     &fetched, &seen);

        st->cached_generation = seen;

        if (rc == NGX_OK) {
            st->cached_expires = expires - NGX_HTTP_FAAS_EXPIRY_MARGIN;
            st->cached_refresh = ngx_http_faas_token_refresh_at(cred,
                                                           fetched, expires);

            /* refresh ahead even if no request comes at the right time */
            if (st->cached_refresh > now) {
                ngx_http_faas_token_schedule(cred,
                                   (ngx_msec_t) (st->cached_refresh - now)
                                   * 1000);
            }

        } else {
            st->cached_expires = 0;
        }
    }

    if (now < st->cached_expires) {

        if (now >= st->cached_refresh && st->fetch == NULL
            && !ngx_exiting)
        {
            /* ahead of expiry: one worker refreshes, nobody waits */
            if (ngx_http_faas_store_claim(cred, NGX_HTTP_FAAS_TOKEN,
                                          st->cached_generation)
                == NGX_OK)
            {
                (void) ngx_http_faas_token_start(cred);
            }
        }

        *token = st->cached_token;
        *generation = st->cached_generation;
        return NGX_OK;
    }

    if (st->fetch != NULL) {
        return NGX_AGAIN;
    }

    rc = ngx_http_faas_store_claim(cred, NGX_HTTP_FAAS_TOKEN,
                                   st->cached_generation);

    if (rc == NGX_DONE) {
        /* a fetch of another worker ended since the look above */
        if (looks++ == 0) {
            goto again;
        }

        return NGX_AGAIN;
    }

    if (rc == NGX_BUSY) {
        return NGX_AGAIN;
    }

    if (rc == NGX_DECLINED) {
        return NGX_DECLINED;
    }

    return ngx_http_faas_token_start(cred);
}


static time_t
ngx_http_faas_token_refresh_at(ngx_http_faas_cred_t *cred, time_t fetched,
    time_t expires)
{
    time_t  before, lifetime;

    lifetime = expires - fetched;

    if (cred->refresh_before != NGX_CONF_UNSET) {
        before = cred->refresh_before;

    } else {
        before = ngx_min(60, lifetime / 2);
    }

    return expires - before;
}


/* the fetch is claimed: start it; NGX_AGAIN while it runs */

static ngx_int_t
ngx_http_faas_token_start(ngx_http_faas_cred_t *cred)
{
    ngx_int_t                    rc;
    ngx_str_t                    error;
    ngx_http_faas_client_t      *client;
    ngx_http_faas_cred_state_t  *st;

    st = cred->state;
    client = ngx_http_faas_client_create(ngx_cycle->log, &cred->token);

    if (client == NULL) {
        ngx_str_set(&error, "out of memory");
        ngx_http_faas_store_fail(cred, NGX_HTTP_FAAS_ERR_INTERNAL_ERROR,
                                 &error, 0);
        return NGX_ERROR;
    }

    client->request = cred->token_request;

    if (cred->dynamic[NGX_HTTP_FAAS_SENTINEL]) {
        rc = ngx_http_faas_token_sentinel(cred, client);

        if (rc != NGX_OK) {
            ngx_http_faas_client_close(client);
            return rc;
        }
    }

    client->ssl = cred->ssl;
    client->verify = cred->ssl_verify;
    client->resolver = cred->resolver;
    client->resolver_timeout = cred->resolver_timeout;
    client->timeout = cred->token_timeout;
    client->handler = ngx_http_faas_token_fetched;
    client->data = cred;
    ngx_http_faas_client_describe(client,
                                  "token request of credentials \"%V\"",
                                  &cred->name);

    st->fetch = client;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, ngx_cycle->log, 0,
                   "faas: credentials \"%V\": fetching a token", &cred->name);

    ngx_http_faas_client_start(client);

    if (st->fetch != NULL) {
        return NGX_AGAIN;
    }

    /* it ended at once */

    if (st->cached_generation != ngx_http_faas_store_generation(cred)) {
        return NGX_AGAIN;
    }

    return NGX_ERROR;
}


/*
 * The authorization server's host comes from the Domain API: the token
 * request goes to where it said, resolved at run time.  Until a lookup
 * answers, the claim is let go and the waiters look again.
 */

static ngx_int_t
ngx_http_faas_token_sentinel(ngx_http_faas_cred_t *cred,
    ngx_http_faas_client_t *client)
{
    u_char                    *p;
    ngx_int_t                  rc;
    ngx_str_t                  base, host, error;
    in_port_t                  port;
    ngx_msec_t                 retry_at;
    ngx_http_faas_endpoint_t  *ep;

    rc = ngx_http_faas_domain_get(cred, NGX_HTTP_FAAS_SENTINEL,
                                  client->pool, &base);

    if (rc == NGX_AGAIN) {
        ngx_http_faas_store_release(cred, NGX_HTTP_FAAS_TOKEN);
        return NGX_AGAIN;
    }

    if (rc != NGX_OK) {
        /* the next fetch goes with the next lookup, not after it */
        retry_at = ngx_http_faas_domain_error(cred, NGX_HTTP_FAAS_SENTINEL,
                                              client->pool, &error);
        ngx_http_faas_store_fail(cred, NGX_HTTP_FAAS_ERR_DOMAIN_LOOKUP_FAILED,
                                 &error, retry_at);
        return NGX_ERROR;
    }

    if (ngx_http_faas_baseuri_parse(base.data, base.len, &host, &port)
        != NGX_OK)
    {
        ngx_str_set(&error, "bad base URI");
        ngx_http_faas_store_fail(cred, NGX_HTTP_FAAS_ERR_DOMAIN_LOOKUP_FAILED,
                                 &error, 0);
        return NGX_ERROR;
    }

    ep = ngx_pcalloc(client->pool, sizeof(ngx_http_faas_endpoint_t));
    if (ep == NULL) {
        return NGX_ERROR;
    }

    ep->host = base;
    ep->port = port;
    ep->uri = cred->token.uri;

    ep->sni.len = host.len;
    ep->sni.data = ngx_pnalloc(client->pool, host.len + 1);

    ep->url.data = ngx_pnalloc(client->pool, sizeof("https://") - 1
                                             + base.len + ep->uri.len);

    p = ngx_pnalloc(client->pool, cred->token_head.len
                                  + sizeof("Host: " CRLF) - 1 + base.len
                                  + cred->token_tail.len);

    if (ep->sni.data == NULL || ep->url.data == NULL || p == NULL) {
        return NGX_ERROR;
    }

    ngx_cpystrn(ep->sni.data, host.data, host.len + 1);

    ep->url.len = ngx_sprintf(ep->url.data, "https://%V%V", &base, &ep->uri)
                  - ep->url.data;

    client->request.data = p;
    p = ngx_cpymem(p, cred->token_head.data, cred->token_head.len);
    p = ngx_sprintf(p, "Host: %V" CRLF, &base);
    p = ngx_cpymem(p, cred->token_tail.data, cred->token_tail.len);
    client->request.len = p - client->request.data;

    client->endpoint = ep;

    return NGX_OK;
}


static void
ngx_http_faas_token_fetched(ngx_http_faas_client_t *client)
{
    ngx_uint_t                   code, reason;
    ngx_str_t                    error;
    u_char                       buf[NGX_HTTP_FAAS_ERROR_LEN];
    ngx_http_faas_cred_t        *cred;
    ngx_http_faas_cred_state_t  *st;

    cred = client->data;
    st = cred->state;
    st->fetch = NULL;

    if (client->error == NGX_HTTP_FAAS_CLIENT_CLOSED) {
        /* no failure of the authorization server: no backoff */
        ngx_log_error(NGX_LOG_INFO, client->log, 0,
                      "faas: credentials \"%V\": token request ended: %s",
                      &cred->name, client->error_text);

        ngx_http_faas_store_release(cred, NGX_HTTP_FAAS_TOKEN);
        ngx_http_faas_client_close(client);
        ngx_http_faas_token_wake(cred, NGX_ABORT);
        return;
    }

    error.data = buf;
    error.len = 0;

    if (ngx_http_faas_token_check(cred, client, &error, &code, &reason)
        == NGX_OK)
    {
        ngx_http_faas_client_close(client);
        ngx_http_faas_token_wake(cred, NGX_OK);
        return;
    }

    /* one line for each failed attempt, whatever waited for it */
    if (!client->logged || client->error != NGX_HTTP_FAAS_CLIENT_CONNECT) {
        ngx_log_error(ngx_http_faas_error_level(code), client->log, 0,
                      "faas: credentials \"%V\": token request failed: %V",
                      &cred->name, &error);
    }

    ngx_http_faas_stats_fetch_failed(cred, reason);
    ngx_http_faas_store_fail(cred, code, &error, 0);

    ngx_http_faas_client_close(client);

    /* while the current token lasts, this worker tries again in time */
    if (ngx_time() < st->cached_expires) {
        ngx_http_faas_token_schedule(cred, 0);
    }

    ngx_http_faas_token_wake(cred, NGX_ERROR);
}


static ngx_int_t
ngx_http_faas_token_check(ngx_http_faas_cred_t *cred,
    ngx_http_faas_client_t *client, ngx_str_t *error, ngx_uint_t *code,
    ngx_uint_t *reason)
{
    u_char                        *last;
    time_t                         now;
    ngx_http_faas_token_answer_t   answer;
    u_char                         fp[NGX_HTTP_FAAS_FINGERPRINT_LEN];

    last = error->data + NGX_HTTP_FAAS_ERROR_LEN;
    *reason = NGX_HTTP_FAAS_FAIL_BAD_RESPONSE;

    if (ngx_http_faas_token_check_client(client, error, code, reason)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (ngx_http_faas_token_check_status(client, error, code, reason)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    now = ngx_time();

    if (ngx_http_faas_json_token(client->pool, client->response.body.data,
                                 client->response.body.len, now, &answer)
        != NGX_OK)
    {
        *code = NGX_HTTP_FAAS_ERR_AUTH_BAD_RESPONSE;
        error->len = ngx_slprintf(error->data, last,
                                  "unusable token answer: %s", answer.error)
                     - error->data;
        return NGX_ERROR;
    }

    if (answer.expires <= now) {
        *code = NGX_HTTP_FAAS_ERR_AUTH_BAD_RESPONSE;
        error->len = ngx_slprintf(error->data, last,
                                  "the token expired on arrival")
                     - error->data;
        return NGX_ERROR;
    }

    if (ngx_http_faas_store_save(cred, &answer.token, answer.expires)
        != NGX_OK)
    {
        *code = NGX_HTTP_FAAS_ERR_INTERNAL_ERROR;
        *reason = NGX_HTTP_FAAS_FAIL_OTHER;
        error->len = ngx_slprintf(error->data, last,
                                  "no room for the token in shared memory")
                     - error->data;
        return NGX_ERROR;
    }

    ngx_http_faas_fingerprint(&answer.token, fp);

    ngx_log_error(NGX_LOG_INFO, client->log, 0,
                  "faas: credentials \"%V\": new token %*s, valid for %T s",
                  &cred->name, (size_t) NGX_HTTP_FAAS_FINGERPRINT_LEN, fp,
                  answer.expires - now);

    return NGX_OK;
}


/* the client's own failure: no answer, a broken one, or TLS */

static ngx_int_t
ngx_http_faas_token_check_client(ngx_http_faas_client_t *client,
    ngx_str_t *error, ngx_uint_t *code, ngx_uint_t *reason)
{
    u_char  *last;

    last = error->data + NGX_HTTP_FAAS_ERROR_LEN;

    switch (client->error) {

    case NGX_HTTP_FAAS_CLIENT_OK:
        return NGX_OK;

    case NGX_HTTP_FAAS_CLIENT_TIMEOUT:
        *code = NGX_HTTP_FAAS_ERR_AUTH_TIMEOUT;
        *reason = NGX_HTTP_FAAS_FAIL_TIMEOUT;
        break;

    case NGX_HTTP_FAAS_CLIENT_BAD_RESPONSE:
        *code = NGX_HTTP_FAAS_ERR_AUTH_BAD_RESPONSE;
        break;

    case NGX_HTTP_FAAS_CLIENT_TLS:
        *code = NGX_HTTP_FAAS_ERR_AUTH_TLS;
        *reason = NGX_HTTP_FAAS_FAIL_TLS;
        break;

    default:
        *code = NGX_HTTP_FAAS_ERR_AUTH_UNREACHABLE;
        *reason = (client->error == NGX_HTTP_FAAS_CLIENT_CONNECT)
                  ? NGX_HTTP_FAAS_FAIL_CONNECT : NGX_HTTP_FAAS_FAIL_OTHER;
        break;
    }

    error->len = ngx_slprintf(error->data, last, "%s", client->error_text)
                 - error->data;

    return NGX_ERROR;
}


/* an answer, but not 200 */

static ngx_int_t
ngx_http_faas_token_check_status(ngx_http_faas_client_t *client,
    ngx_str_t *error, ngx_uint_t *code, ngx_uint_t *reason)
{
    u_char  *last;

    if (client->response.status == NGX_HTTP_OK) {
        return NGX_OK;
    }

    last = error->data + NGX_HTTP_FAAS_ERROR_LEN;

    *code = (client->response.status >= 400
             && client->response.status < 500)
            ? NGX_HTTP_FAAS_ERR_AUTH_REJECTED
            : NGX_HTTP_FAAS_ERR_AUTH_ERROR;

    if (client->response.status >= 400 && client->response.status < 500) {
        *reason = NGX_HTTP_FAAS_FAIL_HTTP_4XX;

    } else if (client->response.status >= 500
               && client->response.status < 600)
    {
        *reason = NGX_HTTP_FAAS_FAIL_HTTP_5XX;
    }

    error->len = ngx_slprintf(error->data, last,
                              "the authorization server answered "
                              "status %ui", client->response.status)
                 - error->data;

    return NGX_ERROR;
}


/* the store keeps the waiters; this worker polls while some wait */

void
ngx_http_faas_token_wait(ngx_http_faas_waiter_t *w)
{
    ngx_http_faas_cred_t        *cred;
    ngx_http_faas_cred_state_t  *st;

    cred = w->cred;
    st = cred->state;

    ngx_http_faas_store_wait(w);

    /* another worker fetches: look at the shared entry now and then */
    if (st->fetch == NULL && !st->poll.timer_set) {
        ngx_add_timer(&st->poll, NGX_HTTP_FAAS_POLL_INTERVAL);
    }
}


void
ngx_http_faas_token_unwait(ngx_http_faas_waiter_t *w)
{
    ngx_http_faas_store_unwait(w);
}


static void
ngx_http_faas_token_wake(ngx_http_faas_cred_t *cred, ngx_int_t rc)
{
    ngx_http_faas_cred_state_t  *st;

    st = cred->state;

    ngx_http_faas_store_wake(cred, rc);

    if (st->poll.timer_set && ngx_queue_empty(&st->waiters)) {
        ngx_del_timer(&st->poll);
    }
}


static void
ngx_http_faas_token_poll(ngx_event_t *ev)
{
    ngx_int_t                    rc;
    ngx_atomic_uint_t            hosts;
    ngx_http_faas_cred_t        *cred;
    ngx_http_faas_cred_state_t  *st;

    cred = ev->data;
    st = cred->state;

    if (ngx_queue_empty(&st->waiters) || st->fetch != NULL) {
        return;
    }

    hosts = ngx_http_faas_store_hosts_generation(cred);

    /*
     * a new token, or one a request of this worker has cached already;
     * a new Domain API answer; and once a second anyway, so that waiters
     * take over lookups of a worker that died
     */
    if (ngx_http_faas_store_generation(cred) != st->cached_generation
        || (ngx_time() < st->cached_expires
            && st->polled_generation != st->cached_generation)
        || hosts != st->cached_domain_generation
        || ++st->polls % (1000 / NGX_HTTP_FAAS_POLL_INTERVAL) == 0)
    {
        st->polled_generation = st->cached_generation;
        st->cached_domain_generation = hosts;
        ngx_http_faas_token_wake(cred, NGX_OK);
        return;
    }

    if (ngx_http_faas_store_wake_failed(cred)) {
        return;
    }

    if (ngx_time() < st->cached_expires) {
        /* the token is here: they wait for a Domain API answer */
        ngx_add_timer(ev, NGX_HTTP_FAAS_POLL_INTERVAL);
        return;
    }

    /* the fetching worker may have died: its claim runs out */
    rc = ngx_http_faas_store_claim(cred, NGX_HTTP_FAAS_TOKEN,
                                   st->cached_generation);

    if (rc == NGX_DONE) {
        /* a token came between the look above and the claim */
        ngx_http_faas_token_wake(cred, NGX_OK);
        return;
    }

    if (rc == NGX_OK) {
        (void) ngx_http_faas_token_start(cred);

        /* a fetch wakes the waiters when it ends; else look again */
        if (st->fetch != NULL) {
            return;
        }
    }

    if (rc == NGX_DECLINED) {
        ngx_http_faas_token_wake(cred, NGX_DECLINED);
        return;
    }

    ngx_add_timer(ev, NGX_HTTP_FAAS_POLL_INTERVAL);
}


/* work of no request: renew the token ahead of its expiry */

static void
ngx_http_faas_token_refresh(ngx_event_t *ev)
{
    time_t                       now;
    ngx_int_t                    rc;
    ngx_http_faas_cred_t        *cred;
    ngx_http_faas_cred_state_t  *st;

    cred = ev->data;
    st = cred->state;

    if (ngx_exiting || ngx_quit || st->fetch != NULL) {
        return;
    }

    now = ngx_time();

    if (st->cached_generation != ngx_http_faas_store_generation(cred)
        || now >= st->cached_expires)
    {
        /* another worker renewed it, or it is gone: requests take over */
        return;
    }

    if (now < st->cached_refresh) {
        ngx_http_faas_token_schedule(cred,
                               (ngx_msec_t) (st->cached_refresh - now)
                               * 1000);
        return;
    }

    rc = ngx_http_faas_store_claim(cred, NGX_HTTP_FAAS_TOKEN,
                                   st->cached_generation);

    if (rc == NGX_OK) {
        (void) ngx_http_faas_token_start(cred);
        return;
    }

    if (rc == NGX_DONE) {
        /* another worker renewed it: the next request takes it up */
        return;
    }

    /* backing off after a failure, or another worker fetches */
    ngx_http_faas_token_schedule(cred, 0);
}


static void
ngx_http_faas_token_schedule(ngx_http_faas_cred_t *cred, ngx_msec_t delay)
{
    ngx_msec_t                   next;
    ngx_msec_int_t               wait;
    ngx_http_faas_cred_state_t  *st;

    st = cred->state;

    if (ngx_exiting || ngx_quit) {
        return;
    }

    if (delay == 0) {
        /* when the backoff ends, or in a second */
        next = ngx_http_faas_store_next_attempt(cred, NGX_HTTP_FAAS_TOKEN);
        wait = (ngx_msec_int_t) (next - ngx_current_msec);
        delay = (wait > 0) ? (ngx_msec_t) wait : 1000;
    }

    if (st->refresh.timer_set) {
        ngx_del_timer(&st->refresh);
    }

    ngx_add_timer(&st->refresh, delay);
}

