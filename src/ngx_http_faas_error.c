
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * Every error a faas location answers, whether this module or nginx made
 * it, carries a JSON body: {"error":"<code>","message":"<text>"}.
 */


#include "ngx_http_faas.h"


typedef struct {
    ngx_uint_t   status;
    ngx_str_t    code;
    ngx_str_t    message;
} ngx_http_faas_error_default_t;


static ngx_int_t ngx_http_faas_error_header_filter(ngx_http_request_t *r);
static ngx_int_t ngx_http_faas_error_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);
static void ngx_http_faas_error_default(ngx_uint_t status, ngx_str_t *code,
    ngx_str_t *message);
static ngx_http_faas_ctx_t *ngx_http_faas_error_ctx(ngx_http_request_t *r,
    ngx_http_faas_loc_conf_t *flcf);
static ngx_uint_t ngx_http_faas_error_page(ngx_http_request_t *r,
    ngx_int_t status);


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;
static ngx_http_output_body_filter_pt    ngx_http_next_body_filter;
static ngx_http_log_handler_pt           ngx_http_faas_log_next;


static ngx_http_faas_error_default_t  ngx_http_faas_error_defaults[] = {
    { NGX_HTTP_BAD_REQUEST, ngx_string("bad_request"),
      ngx_string("the request is not valid") },
    { NGX_HTTP_NOT_FOUND, ngx_string("not_found"),
      ngx_string("not found") },
    { NGX_HTTP_NOT_ALLOWED, ngx_string("method_not_allowed"),
      ngx_string("the method is not allowed here") },
    { NGX_HTTP_REQUEST_TIME_OUT, ngx_string("request_timeout"),
      ngx_string("the client was too slow to send the request") },
    { NGX_HTTP_REQUEST_ENTITY_TOO_LARGE, ngx_string("body_too_large"),
      ngx_string("the request body is larger than client_max_body_size") },
    { NGX_HTTP_INTERNAL_SERVER_ERROR, ngx_string("internal_error"),
      ngx_string("internal error, see the error log") },
    { NGX_HTTP_BAD_GATEWAY, ngx_string("gateway_error"),
      ngx_string("the function gateway could not be reached or sent an "
                 "invalid answer") },
    { NGX_HTTP_SERVICE_UNAVAILABLE, ngx_string("unavailable"),
      ngx_string("the service is unavailable") },
    { NGX_HTTP_GATEWAY_TIME_OUT, ngx_string("gateway_timeout"),
      ngx_string("the function gateway did not answer in time") },
    { 0, ngx_null_string, ngx_null_string }
};


ngx_int_t
ngx_http_faas_error_filter_init(ngx_conf_t *cf)
{
    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_faas_error_header_filter;

    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_faas_error_body_filter;

    return NGX_OK;
}


/* record the error for the filter: the caller finalizes with the status */

ngx_int_t
ngx_http_faas_error(ngx_http_request_t *r, ngx_int_t status,
    const char *code, const char *fmt, ...)
{
    u_char               *p, buf[NGX_HTTP_FAAS_ERROR_LEN * 2];
    va_list               args;
    ngx_http_faas_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_faas_module);

    if (ctx == NULL) {
        return status;
    }

    va_start(args, fmt);
    p = ngx_vslprintf(buf, buf + sizeof(buf), fmt, args);
    va_end(args);

    ctx->error_code.data = (u_char *) code;
    ctx->error_code.len = ngx_strlen(code);
    ctx->answered_code = ctx->error_code;

    ctx->error_message.len = p - buf;
    ctx->error_message.data = ngx_pnalloc(r->pool, p - buf);

    if (ctx->error_message.data == NULL) {
        ctx->error_message.len = 0;

    } else {
        ngx_memcpy(ctx->error_message.data, buf, p - buf);
    }

    return status;
}


/*
 * The error recorded with ngx_http_faas_error(), sent by the module: so
 * that a 400 of the module keeps the client's connection open, where
 * nginx's own 400 page closes it.  An error_page of the location for the
 * status takes it over as for nginx's errors.  The caller finalizes the
 * request with what this returns.
 */

ngx_int_t
ngx_http_faas_error_send(ngx_http_request_t *r, ngx_int_t status)
{
    size_t                len;
    ngx_int_t             rc;
    ngx_buf_t            *b;
    ngx_chain_t           out;
    ngx_http_faas_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_faas_module);

    if (ctx == NULL || ctx->error_code.len == 0 || r->header_sent
        || ngx_http_faas_error_page(r, status))
    {
        return status;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->pos = ngx_http_faas_json_error(r->pool, &ctx->error_code,
                                      &ctx->error_message, NULL, NULL, &len);
    if (b->pos == NULL) {
        return NGX_ERROR;
    }

    b->last = b->pos + len;
    b->memory = 1;
    b->last_buf = (r == r->main);
    b->last_in_chain = 1;

    r->headers_out.status = status;
    r->headers_out.content_length_n = len;
    ngx_str_set(&r->headers_out.content_type, "application/json");
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/* as nginx decides whether an error_page of the location takes a status */

static ngx_uint_t
ngx_http_faas_error_page(ngx_http_request_t *r, ngx_int_t status)
{
    ngx_uint_t                 i;
    ngx_http_err_page_t       *err_page;
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    if (r->error_page || clcf->error_pages == NULL || r->uri_changes == 0) {
        return 0;
    }

    err_page = clcf->error_pages->elts;

    for (i = 0; i < clcf->error_pages->nelts; i++) {
        if (err_page[i].status == status) {
            return 1;
        }
    }

    return 0;
}


static ngx_int_t
ngx_http_faas_error_header_filter(ngx_http_request_t *r)
{
    size_t                     len;
    u_char                    *body;
    ngx_str_t                  code, message;
    ngx_buf_t                 *b;
    ngx_http_faas_ctx_t       *ctx;
    ngx_http_faas_loc_conf_t  *flcf;

    /* only the error pages nginx makes itself, in faas locations */
    if (r != r->main || r->err_status < NGX_HTTP_BAD_REQUEST) {
        return ngx_http_next_header_filter(r);
    }

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_faas_module);

    if (flcf->lambda == NULL) {
        return ngx_http_next_header_filter(r);
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_faas_module);

    if (ctx == NULL) {
        ctx = ngx_http_faas_error_ctx(r, flcf);
        if (ctx == NULL) {
            return NGX_ERROR;
        }
    }

    ngx_http_faas_error_default(r->err_status, &code, &message);

    if (ctx->error_code.len) {
        code = ctx->error_code;
        message = ctx->error_message;
    }

    ctx->answered_code = code;

    body = ngx_http_faas_json_error(r->pool, &code, &message, NULL, NULL,
                                    &len);
    if (body == NULL) {
        return NGX_ERROR;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->pos = body;
    b->last = body + len;
    b->memory = 1;
    b->last_buf = 1;
    b->last_in_chain = 1;

    ctx->error_body = b;
    ctx->json_error = 1;

    ngx_str_set(&r->headers_out.content_type, "application/json");
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;
    r->headers_out.charset.len = 0;

    r->headers_out.content_length_n = len;

    if (r->headers_out.content_length) {
        r->headers_out.content_length->hash = 0;
        r->headers_out.content_length = NULL;
    }

    return ngx_http_next_header_filter(r);
}


static ngx_int_t
ngx_http_faas_error_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    ngx_chain_t           *cl, out;
    ngx_http_faas_ctx_t   *ctx;

    if (r != r->main) {
        return ngx_http_next_body_filter(r, in);
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_faas_module);

    if (ctx == NULL || !ctx->json_error) {
        return ngx_http_next_body_filter(r, in);
    }

    /* nginx's HTML page is replaced by the JSON body */
    for (cl = in; cl; cl = cl->next) {
        cl->buf->pos = cl->buf->last;
        cl->buf->file_pos = cl->buf->file_last;
    }

    if (ctx->error_body == NULL) {
        return ngx_http_next_body_filter(r, NULL);
    }

    out.buf = ctx->error_body;
    out.next = NULL;

    ctx->error_body = NULL;

    return ngx_http_next_body_filter(r, &out);
}


/*
 * nginx answered before the location's content handler ran (a 413 for a
 * Content-Length over client_max_body_size, a deny, a limit): the
 * credentials and the function are known from the configuration, and
 * the request is counted for them.  One that error_page sent here after
 * its own faas_invoke keeps its function and is counted once, for it.
 */

static ngx_http_faas_ctx_t *
ngx_http_faas_error_ctx(ngx_http_request_t *r, ngx_http_faas_loc_conf_t *flcf)
{
    ngx_uint_t            valid;
    ngx_http_faas_ctx_t  *ctx, *prev;

    prev = ngx_http_faas_stats_ctx(r);

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_faas_ctx_t));
    if (ctx == NULL) {
        return NULL;
    }

    ngx_http_set_ctx(r, ctx, ngx_http_faas_module);

    if (prev != NULL) {
        ctx->cred = prev->cred;
        ctx->lambda = prev->lambda;
        ctx->event = prev->event;

        return ctx;
    }

    ctx->cred = flcf->cred;
    ctx->event = flcf->by_event;

    /* variables (regex captures) as the handler would have seen them */
    if (ngx_http_complex_value(r, flcf->lambda, &ctx->lambda) != NGX_OK) {
        valid = 0;

    } else if (ctx->event) {
        valid = ngx_http_faas_event_valid(&ctx->lambda);

    } else {
        valid = ngx_http_faas_uuid_valid(&ctx->lambda);
    }

    if (!valid) {
        ngx_str_null(&ctx->lambda);
    }

    if (ngx_http_faas_stats_request(r, ctx) != NGX_OK) {
        return NULL;
    }

    ngx_http_faas_log_wrap(r);

    return ctx;
}


static void
ngx_http_faas_error_default(ngx_uint_t status, ngx_str_t *code,
    ngx_str_t *message)
{
    ngx_http_faas_error_default_t  *d;

    for (d = ngx_http_faas_error_defaults; d->status; d++) {
        if (d->status == status) {
            *code = d->code;
            *message = d->message;
            return;
        }
    }

    if (status >= NGX_HTTP_INTERNAL_SERVER_ERROR) {
        ngx_str_set(code, "server_error");
        ngx_str_set(message, "the server could not answer the request");

    } else {
        ngx_str_set(code, "client_error");
        ngx_str_set(message, "the request could not be answered");
    }
}


/* error log lines of a faas request name its credentials and lambda */

void
ngx_http_faas_log_wrap(ngx_http_request_t *r)
{
    if (r->log_handler == ngx_http_faas_log_error) {
        return;
    }

    ngx_http_faas_log_next = r->log_handler;
    r->log_handler = ngx_http_faas_log_error;
}


u_char *
ngx_http_faas_log_error(ngx_http_request_t *r, ngx_http_request_t *sr,
    u_char *buf, size_t len)
{
    u_char               *p;
    ngx_http_faas_ctx_t  *ctx;

    p = ngx_http_faas_log_next(r, sr, buf, len);
    len -= p - buf;

    ctx = ngx_http_get_module_ctx(r, ngx_http_faas_module);

    if (ctx != NULL && ctx->cred != NULL) {
        p = ngx_snprintf(p, len, ", faas credentials: \"%V\", %s: \"%V\"",
                         &ctx->cred->name, ctx->event ? "event" : "lambda",
                         &ctx->lambda);
    }

    return p;
}
