
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * Variables for log_format: $faas_lambda, $faas_credentials,
 * $faas_error, $faas_token_wait, $faas_gateway_status, $faas_tries and
 * $faas_body_digest; and nginx's $request_id as the module makes it for
 * X-Request-ID.
 */


#include "ngx_http_faas.h"
#include "ngx_http_faas_variables.h"
#include "ngx_http_faas_cache.h"
#include "ngx_http_faas_stats.h"
#include "ngx_http_faas_error_table.h"


#define NGX_HTTP_FAAS_VAR_LAMBDA          0
#define NGX_HTTP_FAAS_VAR_CREDENTIALS     1
#define NGX_HTTP_FAAS_VAR_ERROR           2
#define NGX_HTTP_FAAS_VAR_TOKEN_WAIT      3
#define NGX_HTTP_FAAS_VAR_GATEWAY_STATUS  4
#define NGX_HTTP_FAAS_VAR_TRIES           5

/* request ids drawn from OpenSSL at a time */
#define NGX_HTTP_FAAS_ID_BATCH            64
#define NGX_HTTP_FAAS_ID_LEN              16


static ngx_int_t ngx_http_faas_variable_str(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_faas_variable_number(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_faas_variable_digest(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


static ngx_http_variable_t  ngx_http_faas_variables[] = {

    { ngx_string("faas_lambda"), NULL, ngx_http_faas_variable_str,
      NGX_HTTP_FAAS_VAR_LAMBDA, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("faas_credentials"), NULL, ngx_http_faas_variable_str,
      NGX_HTTP_FAAS_VAR_CREDENTIALS, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("faas_error"), NULL, ngx_http_faas_variable_str,
      NGX_HTTP_FAAS_VAR_ERROR, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("faas_token_wait"), NULL, ngx_http_faas_variable_number,
      NGX_HTTP_FAAS_VAR_TOKEN_WAIT, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("faas_gateway_status"), NULL, ngx_http_faas_variable_number,
      NGX_HTTP_FAAS_VAR_GATEWAY_STATUS, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("faas_tries"), NULL, ngx_http_faas_variable_number,
      NGX_HTTP_FAAS_VAR_TRIES, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("faas_body_digest"), NULL, ngx_http_faas_variable_digest,
      0, 0, 0 },

      ngx_http_null_variable
};


ngx_int_t
ngx_http_faas_variables_add(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_faas_variables; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_faas_variable_str(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t            *s;
    ngx_http_faas_ctx_t  *ctx;

    ctx = ngx_http_faas_stats_ctx(r);

    if (ctx == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    switch (data) {

    case NGX_HTTP_FAAS_VAR_LAMBDA:
        s = &ctx->lambda;
        break;

    case NGX_HTTP_FAAS_VAR_CREDENTIALS:
        if (ctx->cred == NULL) {
            v->not_found = 1;
            return NGX_OK;
        }

        s = &ctx->cred->name;
        break;

    default: /* NGX_HTTP_FAAS_VAR_ERROR */
        s = ngx_http_faas_error_code(ctx->answered_code);
        break;
    }

    v->len = s->len;
    v->data = s->data;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


/*
 * $faas_token_wait: ms, a request still waiting (its client left) counts
 * until now; $faas_gateway_status: the gateway's own status, 901 included,
 * not found before it answered
 */

static ngx_int_t
ngx_http_faas_variable_number(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                     *p;
    ngx_uint_t                  n, i;
    ngx_http_faas_ctx_t        *ctx;
    ngx_http_upstream_state_t  *state;

    ctx = ngx_http_faas_stats_ctx(r);

    if (ctx == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    if (data == NGX_HTTP_FAAS_VAR_TOKEN_WAIT) {
        if (ctx->cred == NULL) {
            v->not_found = 1;
            return NGX_OK;
        }

        n = ctx->token_wait;

        if (ctx->token_waiting) {
            n += ngx_current_msec - ctx->wait_start;
        }

    } else if (data == NGX_HTTP_FAAS_VAR_TRIES) {
        /* what went to the gateway: replays, retries, other addresses */
        n = 0;

        if (r->upstream_states) {
            state = r->upstream_states->elts;

            for (i = 0; i < r->upstream_states->nelts; i++) {
                n += (state[i].peer != NULL);
            }
        }

    } else { /* NGX_HTTP_FAAS_VAR_GATEWAY_STATUS */
        n = ctx->gateway_status;

        if (n == 0) {
            v->not_found = 1;
            return NGX_OK;
        }
    }

    p = ngx_pnalloc(r->pool, NGX_INT_T_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    v->len = ngx_sprintf(p, "%ui", n) - p;
    v->data = p;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


/*
 * nginx's $request_id, made as nginx makes it (16 random bytes from
 * OpenSSL's generator, in hex), but from a batch of such bytes: each
 * RAND_bytes() call asks the kernel for the pid (fork detection), a system
 * call per request that cost about a microsecond on a virtual machine of
 * 2026-12-02.  A batch belongs to the process that drew it, so that no
 * two workers give out the same bytes, and each id's bytes are cleared
 * once given out.  An id already made for the request (by nginx, for a
 * variable used earlier) is kept.
 */

ngx_http_variable_value_t *
ngx_http_faas_request_id(ngx_http_request_t *r, ngx_uint_t index)
{
    u_char                     *id;
    ngx_http_variable_value_t  *v;

    static size_t               left;
    static ngx_pid_t            owner;
    static u_char               batch[NGX_HTTP_FAAS_ID_BATCH
                                      * NGX_HTTP_FAAS_ID_LEN];

    v = &r->variables[index];

    if (v->valid || v->not_found) {
        return v;
    }

    if (left == 0 || owner != ngx_pid) {
        if (RAND_bytes(batch, sizeof(batch)) != 1) {
            ngx_ssl_error(NGX_LOG_ERR, r->connection->log, 0,
                          "faas: RAND_bytes() failed");
            return NULL;
        }

        left = sizeof(batch);
        owner = ngx_pid;
    }

    id = ngx_pnalloc(r->pool, 2 * NGX_HTTP_FAAS_ID_LEN);
    if (id == NULL) {
        return NULL;
    }

    left -= NGX_HTTP_FAAS_ID_LEN;

    ngx_hex_dump(id, batch + left, NGX_HTTP_FAAS_ID_LEN);
    ngx_memzero(batch + left, NGX_HTTP_FAAS_ID_LEN);

    v->len = 2 * NGX_HTTP_FAAS_ID_LEN;
    v->data = id;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    return v;
}


/*
 * $faas_body_digest: the SHA-256 of the client's body, hex; not found
 * before the body is read
 */

static ngx_int_t
ngx_http_faas_variable_digest(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t  digest;

    if (r->request_body == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    if (ngx_http_faas_cache_digest(r, ngx_http_faas_stats_ctx(r), &digest)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    v->len = digest.len;
    v->data = digest.data;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    return NGX_OK;
}
