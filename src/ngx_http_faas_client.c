
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * The module's own small HTTPS client, for requests that belong to no
 * client request (the token, later the domain lookups): resolve once at
 * configuration, then connect, TLS, write, read and parse on the event loop.
 */


#include "ngx_http_faas.h"
#include "ngx_http_faas_client.h"
#include "ngx_http_faas_resolve.h"
#include "ngx_http_faas_client_response.h"


#define NGX_HTTP_FAAS_CLIENT_BUFFER  65536


static void ngx_http_faas_client_resolved(ngx_resolver_ctx_t *ctx);
static void ngx_http_faas_client_resolve(ngx_http_faas_client_t *client);
static void ngx_http_faas_client_connect(ngx_http_faas_client_t *client);
static void ngx_http_faas_client_connect_handler(ngx_event_t *ev);
static void ngx_http_faas_client_ssl(ngx_http_faas_client_t *client);
static void ngx_http_faas_client_ssl_handler(ngx_event_t *ev);
static void ngx_http_faas_client_ssl_handshaked(ngx_connection_t *c);
static void ngx_http_faas_client_write_handler(ngx_event_t *wev);
static void ngx_http_faas_client_read_handler(ngx_event_t *rev);
static void ngx_http_faas_client_dummy_handler(ngx_event_t *ev);
static ngx_int_t ngx_http_faas_client_closing(ngx_http_faas_client_t *client,
    ngx_connection_t *c);
static void ngx_http_faas_client_finish(ngx_http_faas_client_t *client,
    ngx_http_faas_client_error_e error, const char *fmt, ...);
static void ngx_http_faas_client_close_connection(
    ngx_http_faas_client_t *client);
static ngx_msec_t ngx_http_faas_client_left(ngx_http_faas_client_t *client);
static u_char *ngx_http_faas_client_log_error(ngx_log_t *log, u_char *buf,
    size_t len);


ngx_int_t
ngx_http_faas_endpoint_parse(ngx_conf_t *cf, ngx_str_t *url,
    ngx_http_faas_endpoint_t *ep, const char *directive,
    ngx_str_t *cred_name)
{
    u_char     *p;
    ngx_url_t   u;

    if (url->len <= 8
        || ngx_strncasecmp(url->data, (u_char *) "https://", 8) != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%s\" of \"faas_credentials\" \"%V\": "
                           "invalid URL \"%V\", expected "
                           "https://HOST[:PORT]/PATH", directive, cred_name,
                           url);
        return NGX_ERROR;
    }

    ngx_memzero(&u, sizeof(ngx_url_t));

    u.url.len = url->len - 8;
    u.url.data = url->data + 8;
    u.default_port = 443;
    u.uri_part = 1;

    /* a name: resolved when the resolver is known */
    u.no_resolve = 1;

    if (ngx_parse_url(cf->pool, &u) != NGX_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%s\" of \"faas_credentials\" \"%V\": %s "
                           "in \"%V\"", directive, cred_name,
                           u.err ? u.err : "invalid URL", url);
        return NGX_ERROR;
    }

    if (u.host.len > NGX_HTTP_FAAS_HOST_MAX) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%s\" of \"faas_credentials\" \"%V\": the "
                           "host of \"%V\" has %uz characters, more than a "
                           "TLS server name can hold (%d)", directive,
                           cred_name, url, u.host.len,
                           NGX_HTTP_FAAS_HOST_MAX);
        return NGX_ERROR;
    }

    ep->url = *url;
    ep->addrs = u.addrs;
    ep->naddrs = u.naddrs;
    ep->port = u.port;

    if (u.uri.len) {
        ep->uri = u.uri;

    } else {
        ngx_str_set(&ep->uri, "/");
    }

    p = ngx_pnalloc(cf->pool, u.host.len + sizeof(":65535"));
    if (p == NULL) {
        return NGX_ERROR;
    }

    ep->host.data = p;

    if (u.no_port || u.port == 443) {
        ep->host.len = ngx_sprintf(p, "%V", &u.host) - p;

    } else {
        ep->host.len = ngx_sprintf(p, "%V:%d", &u.host, u.port) - p;
    }

    ep->sni.data = ngx_pnalloc(cf->pool, u.host.len + 1);
    if (ep->sni.data == NULL) {
        return NGX_ERROR;
    }

    ep->sni.len = u.host.len;
    ngx_cpystrn(ep->sni.data, u.host.data, u.host.len + 1);

    return NGX_OK;
}


ngx_http_faas_client_t *
ngx_http_faas_client_create(ngx_log_t *log, ngx_http_faas_endpoint_t *ep)
{
    ngx_pool_t              *pool;
    ngx_http_faas_client_t  *client;

    pool = ngx_create_pool(4096, log);
    if (pool == NULL) {
        return NULL;
    }

    client = ngx_pcalloc(pool, sizeof(ngx_http_faas_client_t));
    if (client == NULL) {
        ngx_destroy_pool(pool);
        return NULL;
    }

    client->log = ngx_palloc(pool, sizeof(ngx_log_t));
    if (client->log == NULL) {
        ngx_destroy_pool(pool);
        return NULL;
    }

    *client->log = *log;
    client->log->handler = ngx_http_faas_client_log_error;
    client->log->data = client;
    client->log->action = NULL;

    pool->log = client->log;

    client->pool = pool;

    /* a copy: names resolved at run time are resolved for each fetch */
    client->endpoint = ngx_palloc(pool, sizeof(ngx_http_faas_endpoint_t));
    if (client->endpoint == NULL) {
        ngx_destroy_pool(pool);
        return NULL;
    }

    *client->endpoint = *ep;
    client->what.data = client->what_buf;
    client->error_text = "";

    return client;
}


/*
 * What the client's log lines say it does, bounded by its buffer: a cut
 * description ends with "..."
 */

void
ngx_http_faas_client_describe(ngx_http_faas_client_t *client,
    const char *fmt, ...)
{
    u_char   *p, *last;
    va_list   args;

    last = client->what_buf + sizeof(client->what_buf);

    va_start(args, fmt);
    p = ngx_vslprintf(client->what_buf, last, fmt, args);
    va_end(args);

    if (p == last) {
        ngx_memcpy(last - 3, "...", 3);
    }

    client->what.len = p - client->what_buf;
}


void
ngx_http_faas_client_start(ngx_http_faas_client_t *client)
{
    client->buffer = ngx_create_temp_buf(client->pool,
                                         NGX_HTTP_FAAS_CLIENT_BUFFER);
    if (client->buffer == NULL) {
        ngx_http_faas_client_finish(client, NGX_HTTP_FAAS_CLIENT_INTERNAL,
                                    "out of memory");
        return;
    }

    client->deadline = ngx_current_msec + client->timeout;
    client->naddr = 0;

    if (client->endpoint->naddrs == 0) {
        ngx_http_faas_client_resolve(client);
        return;
    }

    ngx_http_faas_client_connect(client);
}


/* a host known only at run time: nginx's resolver, its valid= honoured */

static void
ngx_http_faas_client_resolve(ngx_http_faas_client_t *client)
{
    ngx_resolver_ctx_t  *ctx, temp;

    ngx_memzero(&temp, sizeof(ngx_resolver_ctx_t));
    temp.name.len = client->endpoint->sni.len;
    temp.name.data = client->endpoint->sni.data;

    ctx = ngx_resolve_start(client->resolver, &temp);

    if (ctx == NULL) {
        ngx_http_faas_client_finish(client, NGX_HTTP_FAAS_CLIENT_INTERNAL,
                                    "cannot start resolving %V",
                                    &client->endpoint->sni);
        return;
    }

    if (ctx == NGX_NO_RESOLVER) {
        ngx_http_faas_client_finish(client, NGX_HTTP_FAAS_CLIENT_CONNECT,
                                    "no resolver for %V",
                                    &client->endpoint->sni);
        return;
    }

    ctx->name.len = client->endpoint->sni.len;
    ctx->name.data = client->endpoint->sni.data;
    ctx->handler = ngx_http_faas_client_resolved;
    ctx->data = client;
    ctx->timeout = client->resolver_timeout;
    ctx->cancelable = 1;

    client->resolving = ctx;
    client->log->action = "resolving";

    if (ngx_resolve_name(ctx) != NGX_OK) {
        client->resolving = NULL;
        ngx_http_faas_client_finish(client, NGX_HTTP_FAAS_CLIENT_INTERNAL,
                                    "cannot resolve %V",
                                    &client->endpoint->sni);
    }
}


static void
ngx_http_faas_client_resolved(ngx_resolver_ctx_t *ctx)
{
    ngx_addr_t                *addrs;
    ngx_http_faas_client_t    *client;
    ngx_http_faas_endpoint_t  *ep;

    client = ctx->data;
    ep = client->endpoint;

    client->resolving = NULL;

    if (ctx->state) {
        ngx_http_faas_client_finish(client, NGX_HTTP_FAAS_CLIENT_CONNECT,
                                    "%V could not be resolved (%i: %s)",
                                    &ctx->name, ctx->state,
                                    ngx_resolver_strerror(ctx->state));
        ngx_resolve_name_done(ctx);
        return;
    }

    addrs = ngx_http_faas_resolved_addrs(client->pool, ctx, ep->port);
    if (addrs == NULL) {
        ngx_resolve_name_done(ctx);
        ngx_http_faas_client_finish(client, NGX_HTTP_FAAS_CLIENT_INTERNAL,
                                    "out of memory");
        return;
    }

    ep->addrs = addrs;
    ep->naddrs = ctx->naddrs;

    ngx_resolve_name_done(ctx);

    ngx_http_faas_client_connect(client);
}


static void
ngx_http_faas_client_connect(ngx_http_faas_client_t *client)
{
    ngx_int_t                  rc;
    ngx_addr_t                *addr;
    ngx_connection_t          *c;
    ngx_http_faas_endpoint_t  *ep;

    ep = client->endpoint;

    for ( ;; ) {

        if (client->naddr >= ep->naddrs) {
            ngx_http_faas_client_finish(client, NGX_HTTP_FAAS_CLIENT_CONNECT,
                                        "cannot connect to %V",
                                        &ep->host);
            return;
        }

        addr = &ep->addrs[client->naddr];

        ngx_memzero(&client->peer, sizeof(ngx_peer_connection_t));

        client->peer.sockaddr = addr->sockaddr;
        client->peer.socklen = addr->socklen;
        client->peer.name = &addr->name;
        client->peer.get = ngx_event_get_peer;
        client->peer.log = client->log;
        client->peer.log_error = NGX_ERROR_ERR;

        client->log->action = "connecting";

        rc = ngx_event_connect_peer(&client->peer);

        if (rc == NGX_ERROR) {
            ngx_http_faas_client_finish(client, NGX_HTTP_FAAS_CLIENT_INTERNAL,
                                        "cannot create a socket");
            return;
        }

        if (rc == NGX_BUSY || rc == NGX_DECLINED) {
            /* connect() said why, in the log: try the next address */
            client->logged = 1;
            client->naddr++;
            continue;
        }

        break;
    }

    c = client->peer.connection;

    c->data = client;
    c->pool = client->pool;
    c->log = client->log;
    c->read->log = client->log;
    c->write->log = client->log;

    /*
     * a worker that shuts down does not wait for the fetch: the requests
     * that wait for it hold the worker with timers of their own
     */
    c->read->cancelable = 1;
    c->write->cancelable = 1;

    c->read->handler = ngx_http_faas_client_connect_handler;
    c->write->handler = ngx_http_faas_client_connect_handler;

    if (rc == NGX_AGAIN) {
        ngx_add_timer(c->write, ngx_http_faas_client_left(client));
        return;
    }

    ngx_http_faas_client_ssl(client);
}


static void
ngx_http_faas_client_connect_handler(ngx_event_t *ev)
{
    int                      err;
    socklen_t                len;
    ngx_connection_t        *c;
    ngx_http_faas_client_t  *client;

    c = ev->data;
    client = c->data;

    if (ngx_http_faas_client_closing(client, c) == NGX_OK) {
        return;
    }

    if (ev->timedout) {
        ngx_http_faas_client_finish(client, NGX_HTTP_FAAS_CLIENT_TIMEOUT,
                                    "timed out connecting to %V",
                                    client->peer.name);
        return;
    }

    err = 0;
    len = sizeof(int);

    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, (void *) &err, &len) == -1) {
        err = ngx_socket_errno;
    }

    if (err) {
        ngx_log_error(NGX_LOG_ERR, client->log, err,
                      "connect() to %V failed", client->peer.name);

        client->logged = 1;
        ngx_http_faas_client_close_connection(client);
        client->naddr++;
        ngx_http_faas_client_connect(client);
        return;
    }

    ngx_http_faas_client_ssl(client);
}


static void
ngx_http_faas_client_ssl(ngx_http_faas_client_t *client)
{
    ngx_int_t          rc;
    ngx_connection_t  *c;

    c = client->peer.connection;

    if (c->write->timer_set) {
        ngx_del_timer(c->write);
    }

    if (ngx_ssl_create_connection(client->ssl, c,
                                  NGX_SSL_BUFFER|NGX_SSL_CLIENT)
        != NGX_OK)
    {
        ngx_http_faas_client_finish(client, NGX_HTTP_FAAS_CLIENT_INTERNAL,
                                    "cannot create a TLS connection");
        return;
    }

    /* literal addresses get no SNI (RFC 6066) */
    if (ngx_inet_addr(client->endpoint->sni.data, client->endpoint->sni.len)
        == INADDR_NONE
        && client->endpoint->sni.data[0] != '['
        && SSL_set_tlsext_host_name(c->ssl->connection,
                                    (char *) client->endpoint->sni.data)
           == 0)
    {
        ngx_http_faas_client_finish(client, NGX_HTTP_FAAS_CLIENT_INTERNAL,
                                    "cannot set the TLS server name");
        return;
    }

    client->log->action = "TLS handshaking";

    rc = ngx_ssl_handshake(c);

    if (rc == NGX_AGAIN) {
        if (!c->write->timer_set) {
            ngx_add_timer(c->write, ngx_http_faas_client_left(client));
        }

        c->ssl->handler = ngx_http_faas_client_ssl_handshaked;

        /* ours, not OpenSSL's handler: it would not see c->close */
        c->read->handler = ngx_http_faas_client_ssl_handler;
        c->write->handler = ngx_http_faas_client_ssl_handler;
        return;
    }

    ngx_http_faas_client_ssl_handshaked(c);
}


static void
ngx_http_faas_client_ssl_handler(ngx_event_t *ev)
{
    ngx_connection_t        *c;
    ngx_http_faas_client_t  *client;

    c = ev->data;
    client = c->data;

    if (ngx_http_faas_client_closing(client, c) == NGX_OK) {
        return;
    }

    if (!ev->timedout && ngx_ssl_handshake(c) == NGX_AGAIN) {
        c->read->handler = ngx_http_faas_client_ssl_handler;
        c->write->handler = ngx_http_faas_client_ssl_handler;
        return;
    }

    ngx_http_faas_client_ssl_handshaked(c);
}


static void
ngx_http_faas_client_ssl_handshaked(ngx_connection_t *c)
{
    long                     rc;
    ngx_http_faas_client_t  *client;

    client = c->data;

    if (c->write->timer_set) {
        ngx_del_timer(c->write);
    }

    if (c->read->timedout || c->write->timedout) {
        ngx_http_faas_client_finish(client, NGX_HTTP_FAAS_CLIENT_TIMEOUT,
                                    "TLS handshake with %V timed out",
                                    client->peer.name);
        return;
    }

    if (!c->ssl->handshaked) {
        ngx_http_faas_client_finish(client, NGX_HTTP_FAAS_CLIENT_TLS,
                                    "TLS handshake with %V failed",
                                    client->peer.name);
        return;
    }

    if (client->verify) {
        rc = SSL_get_verify_result(c->ssl->connection);

        if (rc != X509_V_OK) {
            ngx_http_faas_client_finish(client, NGX_HTTP_FAAS_CLIENT_TLS,
                                        "certificate of %V not trusted: "
                                        "(%l: %s)", client->peer.name, rc,
                                        X509_verify_cert_error_string(rc));
            return;
        }

        if (ngx_ssl_check_host(c, &client->endpoint->sni) != NGX_OK) {
            ngx_http_faas_client_finish(client, NGX_HTTP_FAAS_CLIENT_TLS,
                                        "certificate of %V does not match "
                                        "\"%V\"", client->peer.name,
                                        &client->endpoint->sni);
            return;
        }
    }

    c->write->handler = ngx_http_faas_client_write_handler;
    c->read->handler = ngx_http_faas_client_read_handler;

    client->log->action = "sending the request";

    ngx_http_faas_client_write_handler(c->write);
}


static void
ngx_http_faas_client_write_handler(ngx_event_t *wev)
{
    ssize_t                  n;
    ngx_connection_t        *c;
    ngx_http_faas_client_t  *client;

    c = wev->data;
    client = c->data;

    if (ngx_http_faas_client_closing(client, c) == NGX_OK) {
        return;
    }

    if (wev->timedout) {
        ngx_http_faas_client_finish(client, NGX_HTTP_FAAS_CLIENT_TIMEOUT,
                                    "timed out sending to %V",
                                    client->peer.name);
        return;
    }

    while (client->sent < client->request.len) {
        n = c->send(c, client->request.data + client->sent,
                    client->request.len - client->sent);

        if (n == NGX_AGAIN) {
            if (!wev->timer_set) {
                ngx_add_timer(wev, ngx_http_faas_client_left(client));
            }

            if (ngx_handle_write_event(wev, 0) != NGX_OK) {
                ngx_http_faas_client_finish(client,
                                            NGX_HTTP_FAAS_CLIENT_INTERNAL,
                                            "cannot wait for %V",
                                            client->peer.name);
            }

            return;
        }

        if (n == NGX_ERROR || n == 0) {
            ngx_http_faas_client_finish(client, NGX_HTTP_FAAS_CLIENT_CONNECT,
                                        "sending to %V failed",
                                        client->peer.name);
            return;
        }

        client->sent += n;
    }

    if (wev->timer_set) {
        ngx_del_timer(wev);
    }

    wev->handler = ngx_http_faas_client_dummy_handler;

    client->log->action = "reading the answer";

    ngx_http_faas_client_read_handler(c->read);
}


static void
ngx_http_faas_client_read_handler(ngx_event_t *rev)
{
    ssize_t                  n;
    ngx_int_t                rc;
    ngx_buf_t               *b;
    ngx_connection_t        *c;
    ngx_http_faas_client_t  *client;

    c = rev->data;
    client = c->data;
    b = client->buffer;

    if (ngx_http_faas_client_closing(client, c) == NGX_OK) {
        return;
    }

    if (rev->timedout) {
        ngx_http_faas_client_finish(client, NGX_HTTP_FAAS_CLIENT_TIMEOUT,
                                    "timed out reading from %V",
                                    client->peer.name);
        return;
    }

    for ( ;; ) {

        if (b->last == b->end) {
            ngx_http_faas_client_finish(client,
                                        NGX_HTTP_FAAS_CLIENT_BAD_RESPONSE,
                                        "answer of %V is larger than %uz "
                                        "bytes", client->peer.name,
                                        (size_t) (b->end - b->start));
            return;
        }

        n = c->recv(c, b->last, b->end - b->last);

        if (n == NGX_AGAIN) {
            if (!rev->timer_set) {
                ngx_add_timer(rev, ngx_http_faas_client_left(client));
            }

            if (ngx_handle_read_event(rev, 0) != NGX_OK) {
                ngx_http_faas_client_finish(client,
                                            NGX_HTTP_FAAS_CLIENT_INTERNAL,
                                            "cannot wait for %V",
                                            client->peer.name);
            }

            return;
        }

        if (n == NGX_ERROR) {
            ngx_http_faas_client_finish(client, NGX_HTTP_FAAS_CLIENT_CONNECT,
                                        "reading from %V failed",
                                        client->peer.name);
            return;
        }

        if (n > 0) {
            b->last += n;
        }

        rc = ngx_http_faas_client_response_parse(b->pos, b->last - b->pos,
                                                 n == 0, &client->response);

        if (rc == NGX_OK) {
            ngx_http_faas_client_finish(client, NGX_HTTP_FAAS_CLIENT_OK,
                                        "");
            return;
        }

        if (rc == NGX_ERROR) {
            ngx_http_faas_client_finish(client,
                                        NGX_HTTP_FAAS_CLIENT_BAD_RESPONSE,
                                        "%V sent an invalid HTTP answer",
                                        client->peer.name);
            return;
        }

        if (n == 0) {
            ngx_http_faas_client_finish(client,
                                        NGX_HTTP_FAAS_CLIENT_BAD_RESPONSE,
                                        "%V closed the connection before "
                                        "the answer was complete",
                                        client->peer.name);
            return;
        }
    }
}


static void
ngx_http_faas_client_dummy_handler(ngx_event_t *ev)
{
    ngx_log_debug0(NGX_LOG_DEBUG_EVENT, ev->log, 0, "faas client dummy");
}


/*
 * worker_shutdown_timeout has come: nginx sets c->close on every
 * connection and calls its read handler; the fetch ends now
 */

static ngx_int_t
ngx_http_faas_client_closing(ngx_http_faas_client_t *client,
    ngx_connection_t *c)
{
    if (!c->close) {
        return NGX_DECLINED;
    }

    ngx_http_faas_client_finish(client, NGX_HTTP_FAAS_CLIENT_CLOSED,
                                "the worker is shutting down");

    return NGX_OK;
}


static void
ngx_http_faas_client_finish(ngx_http_faas_client_t *client,
    ngx_http_faas_client_error_e error, const char *fmt, ...)
{
    u_char   *p;
    va_list   args;

    va_start(args, fmt);
    p = ngx_vslprintf(client->error_buf,
                      client->error_buf + sizeof(client->error_buf) - 1,
                      fmt, args);
    va_end(args);

    *p = '\0';

    client->error = error;
    client->error_text = (const char *) client->error_buf;
    client->log->action = NULL;

    ngx_http_faas_client_close_connection(client);

    client->handler(client);
}


static void
ngx_http_faas_client_close_connection(ngx_http_faas_client_t *client)
{
    ngx_connection_t  *c;

    c = client->peer.connection;

    if (c == NULL) {
        return;
    }

    client->peer.connection = NULL;

    if (c->ssl) {
        c->ssl->no_wait_shutdown = 1;
        c->ssl->no_send_shutdown = 1;
        (void) ngx_ssl_shutdown(c);
    }

    ngx_close_connection(c);
}


void
ngx_http_faas_client_close(ngx_http_faas_client_t *client)
{
    if (client->resolving) {
        ngx_resolve_name_done(client->resolving);
        client->resolving = NULL;
    }

    ngx_http_faas_client_close_connection(client);
    ngx_destroy_pool(client->pool);
}


static ngx_msec_t
ngx_http_faas_client_left(ngx_http_faas_client_t *client)
{
    ngx_msec_int_t  left;

    left = (ngx_msec_int_t) (client->deadline - ngx_current_msec);

    return (left > 0) ? (ngx_msec_t) left : 1;
}


static u_char *
ngx_http_faas_client_log_error(ngx_log_t *log, u_char *buf, size_t len)
{
    u_char                  *p;
    ngx_http_faas_client_t  *client;

    client = log->data;
    p = buf;

    if (log->action) {
        p = ngx_snprintf(p, len, " while %s", log->action);
        len -= p - buf;
        buf = p;
    }

    p = ngx_snprintf(p, len, ", faas: %V, url: \"%V\"", &client->what,
                     &client->endpoint->url);

    return p;
}
