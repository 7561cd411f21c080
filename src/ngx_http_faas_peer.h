
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * peer: the gateway's peers, kept connections, TLS sessions
 * (ngx_http_faas_peer.c).
 */


#ifndef _NGX_HTTP_FAAS_PEER_H_INCLUDED_
#define _NGX_HTTP_FAAS_PEER_H_INCLUDED_


#include "ngx_http_faas.h"


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
struct ngx_http_faas_gateway_state_s {
    ngx_pool_t                     *pool;        /* of the resolved addrs */
    ngx_str_t                       resolved;    /* the host they are of */
    ngx_addr_t                     *current;
    ngx_uint_t                      ncurrent;
    time_t                          valid;
    ngx_uint_t                      next;
    ngx_http_faas_conns_t           conns;
    ngx_ssl_session_t              *session;
};


/*
 * Why the gateway's peer gave a request no connection: peer.c returns the
 * status and says why in the slot; its caller sends the error.
 */
#define NGX_HTTP_FAAS_PEER_OK             0
#define NGX_HTTP_FAAS_PEER_NO_RESOLVER    1
#define NGX_HTTP_FAAS_PEER_UNRESOLVED     2
#define NGX_HTTP_FAAS_PEER_QUEUE_FULL     3
#define NGX_HTTP_FAAS_PEER_QUEUE_TIMEOUT  4


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


#endif /* _NGX_HTTP_FAAS_PEER_H_INCLUDED_ */
