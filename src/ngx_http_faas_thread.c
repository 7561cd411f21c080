
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * faas_validate_json threads: the JSON check of a large body runs in one
 * of nginx's thread pools, so that the worker goes on serving its other
 * connections meanwhile (a 1 MB body takes about a millisecond of CPU).
 * The request is held as nginx holds it for "aio threads": blocked while
 * the task runs, so that it cannot be freed under the thread; once the
 * task is done, its write event handler goes on, or finalizes the request
 * if it was terminated in between.
 */


#include "ngx_http_faas.h"


#if (NGX_THREADS)

typedef struct {
    u_char      *data;
    size_t       len;
    ngx_int_t    rc;
    const char  *error;
} ngx_http_faas_thread_ctx_t;


static void ngx_http_faas_thread_handler(void *data, ngx_log_t *log);
static void ngx_http_faas_thread_event_handler(ngx_event_t *ev);


/*
 * NGX_AGAIN: the check runs, r->write_event_handler is called when it is
 * done; NGX_DECLINED: the task could not be posted (the pool's queue is
 * full, logged by nginx), the caller checks in the worker
 */

ngx_int_t
ngx_http_faas_thread_validate(ngx_http_request_t *r, ngx_http_faas_ctx_t *ctx,
    ngx_thread_pool_t *tp)
{
    ngx_buf_t                   *b;
    ngx_thread_task_t           *task;
    ngx_http_faas_thread_ctx_t  *tctx;

    task = ngx_thread_task_alloc(r->pool, sizeof(ngx_http_faas_thread_ctx_t));
    if (task == NULL) {
        return NGX_ERROR;
    }

    task->handler = ngx_http_faas_thread_handler;
    task->event.handler = ngx_http_faas_thread_event_handler;
    task->event.data = r;

    ctx->validate_task = task;

    b = ctx->body->buf;

    tctx = task->ctx;
    tctx->data = b->pos;
    tctx->len = b->last - b->pos;
    tctx->rc = NGX_ERROR;
    tctx->error = NULL;

    if (ngx_thread_task_post(tp, task) != NGX_OK) {
        return NGX_DECLINED;
    }

    r->main->blocked++;
    r->aio = 1;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "faas: JSON check of %uz bytes in a thread", tctx->len);

    return NGX_AGAIN;
}


/* after the task: NGX_OK, or NGX_ERROR with what is wrong in *error */

ngx_int_t
ngx_http_faas_thread_result(ngx_http_faas_ctx_t *ctx, const char **error)
{
    ngx_http_faas_thread_ctx_t  *tctx;

    tctx = ctx->validate_task->ctx;

    *error = tctx->error;

    return tctx->rc;
}


/* in a thread of the pool: no pool, no log, only the body's bytes */

static void
ngx_http_faas_thread_handler(void *data, ngx_log_t *log)
{
    ngx_http_faas_thread_ctx_t  *tctx = data;

    tctx->rc = ngx_http_faas_json_validate(tctx->data, tctx->len,
                                           &tctx->error);
}


/* back in the worker */

static void
ngx_http_faas_thread_event_handler(ngx_event_t *ev)
{
    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    r = ev->data;
    c = r->connection;

    ngx_http_set_log_request(c->log, r);

    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, c->log, 0,
                   "faas: JSON check done");

    r->main->blocked--;
    r->aio = 0;

    r->write_event_handler(r);
    ngx_http_run_posted_requests(c);
}

#endif
