
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * The client's body on its way into the invoke request, in memory that
 * does not grow with its size: checked as nginx reads it (a request body
 * filter), sent as nginx holds it (memory and file buffers, neither
 * copied nor joined), or, with faas_payload request, encoded into a JSON
 * string in pieces of bounded size, a slice per turn of the event loop.
 */


#include "ngx_http_faas.h"
#include "ngx_http_faas_body.h"
#include "ngx_http_faas_validate.h"
#include "ngx_http_faas_payload.h"
#include "ngx_http_faas_escape.h"


/* input read at a time, and input encoded before others get a turn */
#define NGX_HTTP_FAAS_BODY_PIECE  (16 * 1024)
#define NGX_HTTP_FAAS_BODY_SLICE  (16 * NGX_HTTP_FAAS_BODY_PIECE)

/*
 * The output: room for the most one piece can become (six bytes for a
 * control character) and the closing quote; a body whose encoding fits
 * in the buffer once that room is kept free stays in memory
 */
#define NGX_HTTP_FAAS_BODY_WORST  (6 * NGX_HTTP_FAAS_BODY_PIECE + 8)
#define NGX_HTTP_FAAS_BODY_OUT    (2 * NGX_HTTP_FAAS_BODY_WORST)


struct ngx_http_faas_body_s {
    ngx_http_faas_json_check_t      check;
    off_t                           fed;        /* bytes checked */
    ngx_chain_t                    *payload;    /* what is sent, as is */
    off_t                           length;

    /* faas_payload request: the encoding under way */
    ngx_http_faas_body_pt           done;
    ngx_chain_t                    *next;       /* input left */
    off_t                           offset;     /* into next->buf */
    ngx_buf_t                      *in;
    ngx_buf_t                      *out;
    ngx_temp_file_t                *temp;
    ngx_str_t                       head;
    ngx_event_t                     slice;

    unsigned                        checking:1;
    unsigned                        checked:1;
    unsigned                        failed:1;
    unsigned                        textual:1;
    unsigned                        spilled:1;
};


static ngx_int_t ngx_http_faas_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);
static ngx_int_t ngx_http_faas_body_feed(ngx_http_faas_body_t *body,
    ngx_buf_t *b, ngx_log_t *log);
static ngx_int_t ngx_http_faas_body_add(ngx_http_request_t *r,
    ngx_chain_t ***ll, u_char *data, size_t len);
static void ngx_http_faas_body_slice(ngx_event_t *ev);
static ngx_int_t ngx_http_faas_body_encode_slice(ngx_http_request_t *r,
    ngx_http_faas_body_t *body);
static ngx_int_t ngx_http_faas_body_read(ngx_http_request_t *r,
    ngx_http_faas_body_t *body);
static ngx_int_t ngx_http_faas_body_flush(ngx_http_request_t *r,
    ngx_http_faas_body_t *body);
static ngx_int_t ngx_http_faas_body_encoded(ngx_http_request_t *r,
    ngx_http_faas_body_t *body);
static void ngx_http_faas_body_restart(ngx_http_faas_body_t *body,
    ngx_http_request_t *r);
static void ngx_http_faas_body_cleanup(void *data);


static ngx_http_request_body_filter_pt  ngx_http_next_request_body_filter;

static u_char  ngx_http_faas_body_empty[] = "{}";


ngx_int_t
ngx_http_faas_body_filter_init(ngx_conf_t *cf)
{
    ngx_http_next_request_body_filter = ngx_http_top_request_body_filter;
    ngx_http_top_request_body_filter = ngx_http_faas_body_filter;

    return NGX_OK;
}


/*
 * Before the body is read: its state, and with "check" the JSON check
 * that the request body filter feeds as the body arrives
 */

ngx_http_faas_body_t *
ngx_http_faas_body_create(ngx_http_request_t *r, ngx_uint_t check)
{
    ngx_pool_cleanup_t    *cln;
    ngx_http_faas_body_t  *body;

    body = ngx_pcalloc(r->pool, sizeof(ngx_http_faas_body_t));
    if (body == NULL) {
        return NULL;
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    cln->handler = ngx_http_faas_body_cleanup;
    cln->data = body;

    if (check) {
        ngx_http_faas_json_check_init(&body->check);
        body->checking = 1;
    }

    return body;
}


static ngx_int_t
ngx_http_faas_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    ngx_chain_t           *cl;
    ngx_http_faas_ctx_t   *ctx;
    ngx_http_faas_body_t  *body;

    ctx = ngx_http_get_module_ctx(r, ngx_http_faas_module);

    if (ctx == NULL || ctx->body == NULL || !ctx->body->checking
        || ctx->body->checked)
    {
        return ngx_http_next_request_body_filter(r, in);
    }

    body = ctx->body;

    for (cl = in; cl; cl = cl->next) {

        if (!body->failed && ngx_buf_in_memory(cl->buf)
            && ngx_http_faas_body_feed(body, cl->buf, r->connection->log)
               != NGX_OK)
        {
            body->failed = 1;
        }

        if (cl->buf->last_buf) {
            body->checked = 1;
        }
    }

    return ngx_http_next_request_body_filter(r, in);
}


static ngx_int_t
ngx_http_faas_body_feed(ngx_http_faas_body_t *body, ngx_buf_t *b,
    ngx_log_t *log)
{
    if (b->last == b->pos) {
        return NGX_OK;
    }

    body->fed += b->last - b->pos;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, log, 0, "faas: JSON check of %uz bytes",
                   (size_t) (b->last - b->pos));

    if (ngx_http_faas_json_check_feed(&body->check, b->pos, b->last - b->pos)
        == NGX_ERROR)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * The body is in: the check's verdict.  A body the filter did not see
 * (read before the location's handler, a subrequest's) is checked here,
 * from nginx's buffers and file, a piece at a time.  NGX_OK: one JSON
 * value; NGX_DECLINED: not, *error says where; NGX_ERROR: the file
 * could not be read.
 */

ngx_int_t
ngx_http_faas_body_verdict(ngx_http_request_t *r, ngx_http_faas_body_t *body,
    ngx_str_t *error)
{
    off_t         offset;
    ssize_t       n;
    ngx_buf_t    *b, piece;
    ngx_chain_t  *cl;
    u_char        buf[NGX_HTTP_FAAS_BODY_PIECE];

    if (!body->checked && !body->failed) {

        cl = r->request_body ? r->request_body->bufs : NULL;

        for ( /* void */ ; cl && !body->failed; cl = cl->next) {
            b = cl->buf;

            if (!b->in_file) {
                if (ngx_buf_in_memory(b)
                    && ngx_http_faas_body_feed(body, b, r->connection->log)
                       != NGX_OK)
                {
                    body->failed = 1;
                }

                continue;
            }

            for (offset = b->file_pos; offset < b->file_last; offset += n) {
                n = ngx_read_file(b->file, buf,
                                  (size_t) ngx_min(b->file_last - offset,
                                                   (off_t) sizeof(buf)),
                                  offset);
                if (n <= 0) {
                    return NGX_ERROR;
                }

                piece.pos = buf;
                piece.last = buf + n;

                if (ngx_http_faas_body_feed(body, &piece, r->connection->log)
                    != NGX_OK)
                {
                    body->failed = 1;
                    break;
                }
            }
        }

        body->checked = 1;
    }

    /* no body at all is sent as {} */
    if (body->fed == 0
        || (!body->failed
            && ngx_http_faas_json_check_end(&body->check) == NGX_OK))
    {
        return NGX_OK;
    }

    error->data = ngx_pnalloc(r->pool, NGX_HTTP_FAAS_ERROR_LEN);
    if (error->data == NULL) {
        return NGX_ERROR;
    }

    error->len = ngx_snprintf(error->data, NGX_HTTP_FAAS_ERROR_LEN,
                              "at byte %O: %s", body->check.offset,
                              body->check.error)
                 - error->data;

    return NGX_DECLINED;
}


/*
 * faas_payload body: the client's body as nginx holds it, "{}" for none;
 * the buffers are sent by nginx's upstream as they are, file ones read in
 * pieces of client_body_buffer_size
 */

ngx_int_t
ngx_http_faas_body_as_is(ngx_http_request_t *r, ngx_http_faas_body_t *body)
{
    ngx_chain_t  *cl, **ll;

    body->length = 0;
    body->payload = NULL;
    ll = &body->payload;

    for (cl = r->request_body ? r->request_body->bufs : NULL;
         cl;
         cl = cl->next)
    {
        if (ngx_buf_special(cl->buf)) {
            continue;
        }

        *ll = ngx_alloc_chain_link(r->pool);
        if (*ll == NULL) {
            return NGX_ERROR;
        }

        (*ll)->buf = cl->buf;
        ll = &(*ll)->next;

        body->length += ngx_buf_size(cl->buf);
    }

    *ll = NULL;

    if (body->length == 0) {
        body->payload = NULL;
        body->length = sizeof(ngx_http_faas_body_empty) - 1;
        ll = &body->payload;

        return ngx_http_faas_body_add(r, &ll, ngx_http_faas_body_empty,
                                      body->length);
    }

    return NGX_OK;
}


off_t
ngx_http_faas_body_length(ngx_http_faas_body_t *body)
{
    return body->length;
}


/*
 * The payload's buffers for one invoke request: buffers of their own
 * each time, so that nginx's upstream consumes them and a request sent
 * again (a 401 replay, a retry) starts anew from the same data
 */

ngx_int_t
ngx_http_faas_body_chain(ngx_http_request_t *r, ngx_http_faas_body_t *body,
    ngx_chain_t ***ll)
{
    ngx_buf_t    *b;
    ngx_chain_t  *cl, *ln;

    for (cl = body->payload; cl; cl = cl->next) {

        b = ngx_calloc_buf(r->pool);
        ln = ngx_alloc_chain_link(r->pool);

        if (b == NULL || ln == NULL) {
            return NGX_ERROR;
        }

        if (cl->buf->in_file) {
            b->in_file = 1;
            b->file = cl->buf->file;
            b->file_pos = cl->buf->file_pos;
            b->file_last = cl->buf->file_last;

        } else {
            /* a retry of nginx's rewinds to start */
            b->start = cl->buf->pos;
            b->pos = cl->buf->pos;
            b->last = cl->buf->last;
            b->end = cl->buf->last;
            b->memory = 1;
        }

        ln->buf = b;
        ln->next = NULL;

        **ll = ln;
        *ll = &ln->next;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_faas_body_add(ngx_http_request_t *r, ngx_chain_t ***ll,
    u_char *data, size_t len)
{
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    b = ngx_calloc_buf(r->pool);
    cl = ngx_alloc_chain_link(r->pool);

    if (b == NULL || cl == NULL) {
        return NGX_ERROR;
    }

    b->start = data;
    b->pos = data;
    b->last = data + len;
    b->end = b->last;
    b->memory = 1;

    cl->buf = b;
    cl->next = NULL;

    **ll = cl;
    *ll = &cl->next;

    return NGX_OK;
}


/*
 * faas_payload request: {"method", ..., "body": "<the body as a JSON
 * string or base64>", ...}.  The body is encoded a piece at a time from
 * nginx's buffers and file into one output buffer, and, once it does not
 * fit there, into a temporary file; a slice of the body per turn of the
 * event loop.  NGX_OK: done; NGX_AGAIN: done() is called when it is.
 */

ngx_int_t
ngx_http_faas_body_encode(ngx_http_request_t *r, ngx_http_faas_body_t *body,
    ngx_http_faas_body_pt done)
{
    ngx_http_faas_loc_conf_t  *flcf;

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_faas_module);

    if (ngx_http_faas_payload_request_head(r, flcf, &body->head) != NGX_OK) {
        return NGX_ERROR;
    }

    body->in = ngx_create_temp_buf(r->pool, NGX_HTTP_FAAS_BODY_PIECE);
    body->out = ngx_create_temp_buf(r->pool, NGX_HTTP_FAAS_BODY_OUT);

    if (body->in == NULL || body->out == NULL) {
        return NGX_ERROR;
    }

    body->done = done;

    /* no body is the empty string */
    body->textual = ngx_http_faas_payload_textual(r)
                    || r->request_body == NULL
                    || r->request_body->bufs == NULL;

    ngx_http_faas_body_restart(body, r);

    body->slice.handler = ngx_http_faas_body_slice;
    body->slice.data = r;
    body->slice.log = r->connection->log;

    return ngx_http_faas_body_encode_slice(r, body);
}


/* from the body's start: as text, or as base64 once it is not UTF-8 */

static void
ngx_http_faas_body_restart(ngx_http_faas_body_t *body, ngx_http_request_t *r)
{
    body->next = r->request_body ? r->request_body->bufs : NULL;
    body->offset = 0;
    body->in->pos = body->in->start;
    body->in->last = body->in->start;
    body->out->pos = body->out->start;
    body->out->last = body->out->start;
    body->temp = NULL;
    body->spilled = 0;

    *body->out->last++ = '"';
}


static void
ngx_http_faas_body_slice(ngx_event_t *ev)
{
    ngx_int_t              rc;
    ngx_connection_t      *c;
    ngx_http_request_t    *r;
    ngx_http_faas_ctx_t   *ctx;

    r = ev->data;
    c = r->connection;
    ctx = ngx_http_get_module_ctx(r, ngx_http_faas_module);

    rc = ngx_http_faas_body_encode_slice(r, ctx->body);

    if (rc != NGX_AGAIN) {
        ctx->body->done(r, rc);
    }

    ngx_http_run_posted_requests(c);
}


static ngx_int_t
ngx_http_faas_body_encode_slice(ngx_http_request_t *r,
    ngx_http_faas_body_t *body)
{
    size_t      left, used, done;
    ngx_int_t   rc;
    ngx_buf_t  *in, *out;

    in = body->in;
    out = body->out;
    done = 0;

    for ( ;; ) {

        rc = ngx_http_faas_body_read(r, body);

        if (rc == NGX_ERROR) {
            return NGX_ERROR;
        }

        /* NGX_DONE: the input is all in "in" */

        if ((size_t) (out->end - out->last) < NGX_HTTP_FAAS_BODY_WORST
            && ngx_http_faas_body_flush(r, body) != NGX_OK)
        {
            return NGX_ERROR;
        }

        left = in->last - in->pos;

        if (body->textual) {
            if (ngx_http_faas_json_escape_text(&out->last, in->pos, left,
                                               &used)
                != NGX_OK)
            {
                /* not UTF-8: base64 after all, from the start */
                body->textual = 0;
                ngx_http_faas_body_restart(body, r);
                continue;
            }

        } else {
            out->last = ngx_http_faas_base64_piece(out->last, in->pos, left,
                                                   rc == NGX_DONE, &used);
        }

        in->pos += used;
        done += used;

        if (rc == NGX_DONE) {
            if (in->pos != in->last) {
                /* a UTF-8 sequence cut short by the body's end */
                body->textual = 0;
                ngx_http_faas_body_restart(body, r);
                continue;
            }

            return ngx_http_faas_body_encoded(r, body);
        }

        /* what is left of a piece (a cut sequence) starts the next one */
        left = in->last - in->pos;
        ngx_memmove(in->start, in->pos, left);
        in->pos = in->start;
        in->last = in->start + left;

        if (done >= NGX_HTTP_FAAS_BODY_SLICE) {
            ngx_post_event(&body->slice, &ngx_posted_next_events);
            return NGX_AGAIN;
        }
    }
}


/* the next bytes of the body into "in"; NGX_DONE: they were the last */

static ngx_int_t
ngx_http_faas_body_read(ngx_http_request_t *r, ngx_http_faas_body_t *body)
{
    size_t      size;
    ssize_t     n;
    ngx_buf_t  *b, *in;

    in = body->in;

    while (body->next && in->last < in->end) {
        b = body->next->buf;

        if (b->in_file) {
            size = (size_t) ngx_min(b->file_last - b->file_pos - body->offset,
                                    (off_t) (in->end - in->last));

            n = ngx_read_file(b->file, in->last, size,
                              b->file_pos + body->offset);

            if (n != (ssize_t) size) {
                return NGX_ERROR;
            }

        } else {
            size = ngx_min((size_t) (b->last - b->pos - body->offset),
                           (size_t) (in->end - in->last));

            ngx_memcpy(in->last, b->pos + body->offset, size);
        }

        in->last += size;
        body->offset += size;

        if (body->offset == ngx_buf_size(b)) {
            body->next = body->next->next;
            body->offset = 0;
        }
    }

    return body->next ? NGX_OK : NGX_DONE;
}


/* the output buffer into the temporary file, where a large body goes */

static ngx_int_t
ngx_http_faas_body_flush(ngx_http_request_t *r, ngx_http_faas_body_t *body)
{
    ssize_t                    n;
    ngx_chain_t                cl;
    ngx_temp_file_t           *tf;
    ngx_http_core_loc_conf_t  *clcf;

    if (body->temp == NULL) {
        tf = ngx_pcalloc(r->pool, sizeof(ngx_temp_file_t));
        if (tf == NULL) {
            return NGX_ERROR;
        }

        clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

        tf->file.fd = NGX_INVALID_FILE;
        tf->file.log = r->connection->log;
        tf->path = clcf->client_body_temp_path;
        tf->pool = r->pool;
        tf->warn = "the payload of faas_payload request is buffered "
                   "to a temporary file";
        tf->log_level = NGX_LOG_INFO;
        tf->clean = 1;

        body->temp = tf;
    }

    cl.buf = body->out;
    cl.next = NULL;

    n = ngx_write_chain_to_temp_file(body->temp, &cl);

    if (n != body->out->last - body->out->pos) {
        return NGX_ERROR;
    }

    /* where the next piece goes */
    body->temp->offset += n;

    body->spilled = 1;
    body->out->pos = body->out->start;
    body->out->last = body->out->start;

    return NGX_OK;
}


/* the payload: head, the encoded body (in memory or a file), tail */

static ngx_int_t
ngx_http_faas_body_encoded(ngx_http_request_t *r, ngx_http_faas_body_t *body)
{
    ngx_str_t                  tail;
    ngx_buf_t                 *b;
    ngx_chain_t              **ll;
    ngx_http_faas_loc_conf_t  *flcf;

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_faas_module);

    *body->out->last++ = '"';

    if (body->spilled && ngx_http_faas_body_flush(r, body) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_http_faas_payload_request_tail(r, flcf, body->textual, &tail)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    body->payload = NULL;
    ll = &body->payload;

    if (ngx_http_faas_body_add(r, &ll, body->head.data, body->head.len)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    body->length = body->head.len + tail.len;

    if (body->spilled) {
        b = ngx_calloc_buf(r->pool);
        if (b == NULL) {
            return NGX_ERROR;
        }

        b->in_file = 1;
        b->file = &body->temp->file;
        b->file_pos = 0;
        b->file_last = body->temp->offset;

        *ll = ngx_alloc_chain_link(r->pool);
        if (*ll == NULL) {
            return NGX_ERROR;
        }

        (*ll)->buf = b;
        (*ll)->next = NULL;
        ll = &(*ll)->next;

        body->length += b->file_last;

    } else {
        if (ngx_http_faas_body_add(r, &ll, body->out->pos,
                                   body->out->last - body->out->pos)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        body->length += body->out->last - body->out->pos;
    }

    /* the input buffer is not needed any more; the output may be */

    return ngx_http_faas_body_add(r, &ll, tail.data, tail.len);
}


static void
ngx_http_faas_body_cleanup(void *data)
{
    ngx_http_faas_body_t  *body = data;

    if (body->slice.posted) {
        ngx_delete_posted_event(&body->slice);
    }
}
