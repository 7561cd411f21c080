
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * Every error a faas location answers, whether this module or nginx made
 * it, carries a JSON body: {"error":"<code>","message":"<text>"}.
 */


#include "ngx_http_faas.h"
#include "ngx_http_faas_error.h"
#include "ngx_http_faas_stats.h"
#include "ngx_http_faas_platform.h"
#include "ngx_http_faas_json_error.h"
#include "ngx_http_faas_error_table.h"


static ngx_int_t ngx_http_faas_error_header_filter(ngx_http_request_t *r);
static ngx_int_t ngx_http_faas_error_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);
static ngx_http_faas_ctx_t *ngx_http_faas_error_ctx(ngx_http_request_t *r,
    ngx_http_faas_loc_conf_t *flcf);
static ngx_uint_t ngx_http_faas_error_page(ngx_http_request_t *r,
    ngx_int_t status);


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;
static ngx_http_output_body_filter_pt    ngx_http_next_body_filter;
static ngx_http_log_handler_pt           ngx_http_faas_log_next;


ngx_int_t
ngx_http_faas_error_filter_init(ngx_conf_t *cf)
{
    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_faas_error_header_filter;

    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_faas_error_body_filter;

    return NGX_OK;
}


/*
 * Record the error for the filter: the caller finalizes with the status
 * this returns, the code's in the table of errors.  Without a message
 * (fmt NULL, or it says nothing), the table's goes out.
 */

ngx_int_t
ngx_http_faas_error(ngx_http_request_t *r, ngx_uint_t err,
    const char *fmt, ...)
{
    u_char                 *p, buf[NGX_HTTP_FAAS_ERROR_LEN * 2];
    va_list                 args;
    ngx_http_faas_ctx_t    *ctx;
    ngx_http_faas_error_t  *e;

    e = ngx_http_faas_error_get(err);
    ctx = ngx_http_get_module_ctx(r, ngx_http_faas_module);

    if (ctx == NULL) {
        return e->status;
    }

    p = buf;

    if (fmt != NULL) {
        va_start(args, fmt);
        p = ngx_vslprintf(buf, buf + sizeof(buf), fmt, args);
        va_end(args);
    }

    if (p == buf) {
        p = ngx_cpymem(buf, e->message.data,
                       ngx_min(e->message.len, sizeof(buf)));
    }

    ctx->error_code = err;
    ctx->answered_code = err;

    ctx->error_message.len = p - buf;
    ctx->error_message.data = ngx_pnalloc(r->pool, p - buf);

    if (ctx->error_message.data == NULL) {
        ctx->error_message.len = 0;

    } else {
        ngx_memcpy(ctx->error_message.data, buf, p - buf);
    }

    return e->status;
}


/* Retry-After: seconds, for an error whose code carries one */

void
ngx_http_faas_error_retry(ngx_http_request_t *r, time_t retry)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "Retry-After");
    h->value.data = ngx_pnalloc(r->pool, NGX_TIME_T_LEN);

    if (h->value.data == NULL) {
        h->hash = 0;
        return;
    }

    h->value.len = ngx_snprintf(h->value.data, NGX_TIME_T_LEN, "%T", retry)
                   - h->value.data;
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

    if (ctx == NULL || ctx->error_code == NGX_HTTP_FAAS_ERR_NONE
        || r->header_sent
        || ngx_http_faas_error_page(r, status))
    {
        return status;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->pos = ngx_http_faas_json_error(r->pool,
                                      ngx_http_faas_error_code(ctx->error_code),
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
    ngx_str_t                 *message;
    ngx_buf_t                 *b;
    ngx_uint_t                 err;
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

    if (ctx->error_code != NGX_HTTP_FAAS_ERR_NONE) {
        err = ctx->error_code;
        message = &ctx->error_message;

    } else {
        err = ngx_http_faas_error_of_status(r->err_status);
        message = &ngx_http_faas_error_get(err)->message;
    }

    ctx->answered_code = err;

    body = ngx_http_faas_json_error(r->pool, ngx_http_faas_error_code(err),
                                    message, NULL, NULL, &len);
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
