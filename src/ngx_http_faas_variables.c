
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * Variables for log_format: $faas_lambda, $faas_credentials,
 * $faas_error, $faas_token_wait and $faas_gateway_status.
 */


#include "ngx_http_faas.h"


#define NGX_HTTP_FAAS_VAR_LAMBDA          0
#define NGX_HTTP_FAAS_VAR_CREDENTIALS     1
#define NGX_HTTP_FAAS_VAR_ERROR           2


static ngx_int_t ngx_http_faas_variable_str(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_faas_variable_token_wait(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_faas_variable_gateway_status(
    ngx_http_request_t *r, ngx_http_variable_value_t *v, uintptr_t data);


static ngx_http_variable_t  ngx_http_faas_variables[] = {

    { ngx_string("faas_lambda"), NULL, ngx_http_faas_variable_str,
      NGX_HTTP_FAAS_VAR_LAMBDA, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("faas_credentials"), NULL, ngx_http_faas_variable_str,
      NGX_HTTP_FAAS_VAR_CREDENTIALS, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("faas_error"), NULL, ngx_http_faas_variable_str,
      NGX_HTTP_FAAS_VAR_ERROR, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("faas_token_wait"), NULL,
      ngx_http_faas_variable_token_wait, 0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("faas_gateway_status"), NULL,
      ngx_http_faas_variable_gateway_status, 0, NGX_HTTP_VAR_NOCACHEABLE,
      0 },

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
        s = &ctx->answered_code;
        break;
    }

    v->len = s->len;
    v->data = s->data;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


/* ms; a request still waiting (its client left) counts until now */

static ngx_int_t
ngx_http_faas_variable_token_wait(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char               *p;
    ngx_msec_t            ms;
    ngx_http_faas_ctx_t  *ctx;

    ctx = ngx_http_faas_stats_ctx(r);

    if (ctx == NULL || ctx->cred == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    ms = ctx->token_wait;

    if (ctx->token_waiting) {
        ms += ngx_current_msec - ctx->wait_start;
    }

    p = ngx_pnalloc(r->pool, NGX_INT_T_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    v->len = ngx_sprintf(p, "%M", ms) - p;
    v->data = p;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


/* the gateway's own status, 901 included; empty before it answered */

static ngx_int_t
ngx_http_faas_variable_gateway_status(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char               *p;
    ngx_http_faas_ctx_t  *ctx;

    ctx = ngx_http_faas_stats_ctx(r);

    if (ctx == NULL || ctx->gateway_status == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, NGX_INT_T_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    v->len = ngx_sprintf(p, "%ui", ctx->gateway_status) - p;
    v->data = p;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}
