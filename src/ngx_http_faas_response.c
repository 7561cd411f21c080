
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * faas_response http: the function decides the status, the headers and
 * the body.  Its whole answer is read first (the header is held back by a
 * filter), then turned into the response.
 */


#include "ngx_http_faas.h"

#include <cjson/cJSON.h>


static ngx_int_t ngx_http_faas_response_header_filter(ngx_http_request_t *r);
static ngx_int_t ngx_http_faas_response_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);
static ngx_int_t ngx_http_faas_response_keep(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, ngx_chain_t *in, size_t max);
static ngx_int_t ngx_http_faas_response_send(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx);
static ngx_int_t ngx_http_faas_response_error(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, ngx_uint_t status, ngx_str_t *code,
    ngx_str_t *message);
static ngx_int_t ngx_http_faas_response_out(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, ngx_buf_t *b);
static ngx_int_t ngx_http_faas_response_object(ngx_pool_t *pool,
    cJSON *root, ngx_http_faas_http_answer_t *a, const char **error);
static ngx_int_t ngx_http_faas_response_header(ngx_pool_t *pool,
    ngx_http_faas_http_answer_t *a, cJSON *name, cJSON *value,
    const char **error);
static ngx_uint_t ngx_http_faas_response_token(u_char *p, size_t len);


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;
static ngx_http_output_body_filter_pt    ngx_http_next_body_filter;


/* nginx owns these: they are never taken from a function */
static ngx_str_t  ngx_http_faas_response_skip[] = {
    ngx_string("content-length"),
    ngx_string("transfer-encoding"),
    ngx_string("connection"),
    ngx_string("keep-alive"),
    ngx_string("upgrade"),
    ngx_string("proxy-connection"),
    ngx_null_string
};


ngx_int_t
ngx_http_faas_response_filter_init(ngx_conf_t *cf)
{
    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_faas_response_header_filter;

    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_faas_response_body_filter;

    return NGX_OK;
}


/*
 * {"statusCode": N, "headers": {"Name": "v" | ["v1", "v2"]}, "body": "..",
 * "isBase64Encoded": bool} -> status, headers and body
 */

ngx_int_t
ngx_http_faas_response_parse(ngx_pool_t *pool, u_char *data, size_t len,
    ngx_http_faas_http_answer_t *a, const char **error)
{
    cJSON      *root;
    ngx_int_t   rc;

    root = cJSON_ParseWithLength((const char *) data, len);

    if (root == NULL || !cJSON_IsObject(root)) {
        *error = "the answer is not a JSON object";
        rc = NGX_ERROR;

    } else {
        rc = ngx_http_faas_response_object(pool, root, a, error);
    }

    if (root) {
        cJSON_Delete(root);
    }

    return rc;
}


/*
 * An invocation by event answers [{"uuid": "..", "timestamp": N,
 * "result": <answer>}, ...], one element per function of the event: it
 * is an HTTP response when it holds exactly one element whose "result"
 * is one.
 */

ngx_int_t
ngx_http_faas_response_parse_event(ngx_pool_t *pool, u_char *data,
    size_t len, ngx_http_faas_http_answer_t *a, const char **error)
{
    cJSON      *root, *item, *result;
    ngx_int_t   rc;

    rc = NGX_ERROR;

    root = cJSON_ParseWithLength((const char *) data, len);

    if (root == NULL || !cJSON_IsArray(root)) {
        *error = "the event's answer is not a JSON array";
        goto done;
    }

    if (cJSON_GetArraySize(root) != 1) {
        *error = "the event's answer does not hold exactly one result";
        goto done;
    }

    item = cJSON_GetArrayItem(root, 0);
    result = cJSON_GetObjectItemCaseSensitive(item, "result");

    if (!cJSON_IsObject(item) || !cJSON_IsObject(result)) {
        *error = "the event's result is not a JSON object";
        goto done;
    }

    rc = ngx_http_faas_response_object(pool, result, a, error);

done:

    if (root) {
        cJSON_Delete(root);
    }

    return rc;
}


static ngx_int_t
ngx_http_faas_response_object(ngx_pool_t *pool, cJSON *root,
    ngx_http_faas_http_answer_t *a, const char **error)
{
    cJSON       *item, *h, *v;
    ngx_int_t    rc;
    ngx_str_t    src;
    ngx_uint_t   base64;

    ngx_memzero(a, sizeof(ngx_http_faas_http_answer_t));

    if (ngx_array_init(&a->headers, pool, 4, sizeof(ngx_keyval_t))
        != NGX_OK)
    {
        *error = "out of memory";
        return NGX_ERROR;
    }

    rc = NGX_ERROR;

    item = cJSON_GetObjectItemCaseSensitive(root, "statusCode");

    if (!cJSON_IsNumber(item) || item->valuedouble < 200
        || item->valuedouble > 599
        || item->valuedouble != (double) (int) item->valuedouble)
    {
        *error = "\"statusCode\" is not a number from 200 to 599";
        goto done;
    }

    a->status = (ngx_uint_t) item->valueint;

    item = cJSON_GetObjectItemCaseSensitive(root, "isBase64Encoded");

    if (item != NULL && !cJSON_IsBool(item) && !cJSON_IsNull(item)) {
        *error = "\"isBase64Encoded\" is not a boolean";
        goto done;
    }

    base64 = cJSON_IsTrue(item);

    item = cJSON_GetObjectItemCaseSensitive(root, "headers");

    if (item != NULL && !cJSON_IsNull(item)) {
        if (!cJSON_IsObject(item)) {
            *error = "\"headers\" is not an object";
            goto done;
        }

        cJSON_ArrayForEach(h, item) {

            if (!cJSON_IsArray(h)) {
                if (ngx_http_faas_response_header(pool, a, h, h, error)
                    != NGX_OK)
                {
                    goto done;
                }

                continue;
            }

            cJSON_ArrayForEach(v, h) {
                if (ngx_http_faas_response_header(pool, a, h, v, error)
                    != NGX_OK)
                {
                    goto done;
                }
            }
        }
    }

    item = cJSON_GetObjectItemCaseSensitive(root, "body");

    if (item != NULL && !cJSON_IsNull(item) && !cJSON_IsString(item)) {
        *error = "\"body\" is not a string";
        goto done;
    }

    if (cJSON_IsString(item)) {
        src.data = (u_char *) item->valuestring;
        src.len = ngx_strlen(item->valuestring);

        if (base64) {
            a->body.data = ngx_pnalloc(pool,
                                       ngx_base64_decoded_length(src.len)
                                       + 1);
            if (a->body.data == NULL) {
                *error = "out of memory";
                goto done;
            }

            if (ngx_decode_base64(&a->body, &src) != NGX_OK) {
                *error = "\"body\" is not valid base64";
                goto done;
            }

        } else {
            a->body.data = ngx_pnalloc(pool, src.len + 1);
            if (a->body.data == NULL) {
                *error = "out of memory";
                goto done;
            }

            a->body.len = src.len;
            ngx_memcpy(a->body.data, src.data, src.len);
        }
    }

    rc = NGX_OK;

done:

    return rc;
}


static ngx_int_t
ngx_http_faas_response_header(ngx_pool_t *pool,
    ngx_http_faas_http_answer_t *a, cJSON *name, cJSON *value,
    const char **error)
{
    u_char        *p, *q, *last;
    size_t         len;
    ngx_str_t     *skip;
    ngx_keyval_t  *kv;
    u_char         buf[NGX_INT64_LEN + 2];

    len = ngx_strlen(name->string);

    if (!ngx_http_faas_response_token((u_char *) name->string, len)) {
        *error = "a header name is not valid";
        return NGX_ERROR;
    }

    for (skip = ngx_http_faas_response_skip; skip->len; skip++) {
        if (len == skip->len
            && ngx_strncasecmp((u_char *) name->string, skip->data, len)
               == 0)
        {
            return NGX_OK;
        }
    }

    kv = ngx_array_push(&a->headers);
    if (kv == NULL) {
        *error = "out of memory";
        return NGX_ERROR;
    }

    kv->key.len = len;
    kv->key.data = (u_char *) name->string;

    if (cJSON_IsString(value)) {
        p = (u_char *) value->valuestring;
        last = p + ngx_strlen(value->valuestring);

    } else if (cJSON_IsNumber(value)) {
        /* whole numbers only, and only where a double holds them exactly */
        if (value->valuedouble != value->valuedouble
            || value->valuedouble > 9007199254740992.0
            || value->valuedouble < -9007199254740992.0
            || value->valuedouble != (double) (int64_t) value->valuedouble)
        {
            *error = "a header value is a number that is not a whole "
                     "number within 2^53";
            return NGX_ERROR;
        }

        p = buf;
        last = ngx_sprintf(buf, "%L", (int64_t) value->valuedouble);

    } else if (cJSON_IsBool(value)) {
        p = (u_char *) (cJSON_IsTrue(value) ? "true" : "false");
        last = p + ngx_strlen(p);

    } else {
        *error = "a header value is not a string, number or boolean";
        return NGX_ERROR;
    }

    /* no header splitting, no control characters (RFC 9110 5.5) */
    for (q = p; q < last; q++) {
        if (*q == CR || *q == LF || *q == '\0') {
            *error = "a header value holds a line break";
            return NGX_ERROR;
        }

        if ((*q < 0x20 && *q != '\t') || *q == 0x7f) {
            *error = "a header value holds a control character";
            return NGX_ERROR;
        }
    }

    /* cJSON frees its strings: keep copies */
    kv->key.data = ngx_pstrdup(pool, &kv->key);
    kv->value.len = last - p;
    kv->value.data = ngx_pnalloc(pool, kv->value.len + 1);

    if (kv->key.data == NULL || kv->value.data == NULL) {
        *error = "out of memory";
        return NGX_ERROR;
    }

    ngx_memcpy(kv->value.data, p, kv->value.len);

    return NGX_OK;
}


/* RFC 9110 token characters */

static ngx_uint_t
ngx_http_faas_response_token(u_char *p, size_t len)
{
    u_char  c, *last;

    if (len == 0) {
        return 0;
    }

    for (last = p + len; p < last; p++) {
        c = *p;

        if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
            || (c >= 'A' && c <= 'Z'))
        {
            continue;
        }

        if (ngx_strlchr((u_char *) "!#$%&'*+-.^_`|~",
                        (u_char *) "!#$%&'*+-.^_`|~" + 15, c)
            == NULL)
        {
            return 0;
        }
    }

    return 1;
}


static ngx_int_t
ngx_http_faas_response_header_filter(ngx_http_request_t *r)
{
    ngx_http_faas_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_faas_module);

    if (ctx == NULL || !ctx->http_answer) {
        return ngx_http_next_header_filter(r);
    }

    /* held until the function's whole answer is in */
    ctx->http_held = 1;

    return NGX_OK;
}


static ngx_int_t
ngx_http_faas_response_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    ngx_int_t                  rc;
    ngx_http_faas_ctx_t       *ctx;
    ngx_http_faas_loc_conf_t  *flcf;

    ctx = ngx_http_get_module_ctx(r, ngx_http_faas_module);

    if (ctx == NULL || !ctx->http_held) {
        return ngx_http_next_body_filter(r, in);
    }

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_faas_module);

    rc = ngx_http_faas_response_keep(r, ctx, in, flcf->max_response_size);

    if (rc == NGX_ERROR) {
        return NGX_ERROR;
    }

    if (rc == NGX_AGAIN && !ctx->http_too_large) {
        return NGX_OK;
    }

    ctx->http_held = 0;
    ctx->http_answer = 0;

    rc = ngx_http_faas_response_send(r, ctx);

    /* an answer over the limit: the client has its error, stop reading */
    if (ctx->http_too_large && rc != NGX_ERROR) {
        return NGX_ERROR;
    }

    return rc;
}


/*
 * The gateway failed while the function's answer was held back: nothing
 * went to the client yet, so it can still get a JSON error.
 */

void
ngx_http_faas_response_abort(ngx_http_request_t *r, ngx_http_faas_ctx_t *ctx,
    ngx_int_t rc)
{
    ngx_str_t  code, message;

    if (ctx == NULL || !ctx->http_held || rc == 0 || rc == NGX_DONE) {
        return;
    }

    ctx->http_held = 0;
    ctx->http_answer = 0;

    if (rc == NGX_HTTP_GATEWAY_TIME_OUT) {
        ngx_str_set(&code, "gateway_timeout");
        ngx_str_set(&message, "the function gateway did not answer in time");

    } else {
        ngx_str_set(&code, "gateway_error");
        ngx_str_set(&message, "the function gateway broke off its answer");
        rc = NGX_HTTP_BAD_GATEWAY;
    }

    (void) ngx_http_faas_response_error(r, ctx, rc, &code, &message);
}


/* NGX_OK when the last buffer came, NGX_AGAIN before */

static ngx_int_t
ngx_http_faas_response_keep(ngx_http_request_t *r, ngx_http_faas_ctx_t *ctx,
    ngx_chain_t *in, size_t max)
{
    size_t        size, len;
    u_char       *p;
    ngx_buf_t    *b;
    ngx_uint_t    last;
    ngx_chain_t  *cl;

    last = 0;

    for (cl = in; cl; cl = cl->next) {
        b = cl->buf;
        size = b->last - b->pos;

        /* a subrequest's last buffer is last_in_chain */
        if (b->last_buf || b->last_in_chain) {
            last = 1;
        }

        if (size == 0 || ctx->http_too_large) {
            b->pos = b->last;
            continue;
        }

        if (ctx->http_body == NULL) {
            ctx->http_body = ngx_create_temp_buf(r->pool,
                                                 ngx_min(max, 16384));
            if (ctx->http_body == NULL) {
                return NGX_ERROR;
            }
        }

        len = ctx->http_body->last - ctx->http_body->pos;

        if (len + size > max) {
            ctx->http_too_large = 1;
            b->pos = b->last;
            continue;
        }

        if ((size_t) (ctx->http_body->end - ctx->http_body->last) < size) {
            p = ngx_pnalloc(r->pool, ngx_min(max, 2 * (len + size)));
            if (p == NULL) {
                return NGX_ERROR;
            }

            ngx_memcpy(p, ctx->http_body->pos, len);

            ctx->http_body->start = p;
            ctx->http_body->pos = p;
            ctx->http_body->last = p + len;
            ctx->http_body->end = p + ngx_min(max, 2 * (len + size));
        }

        ctx->http_body->last = ngx_cpymem(ctx->http_body->last, b->pos, size);
        b->pos = b->last;
    }

    return last ? NGX_OK : NGX_AGAIN;
}


static ngx_int_t
ngx_http_faas_response_send(ngx_http_request_t *r, ngx_http_faas_ctx_t *ctx)
{
    u_char                       *data;
    size_t                        len;
    ngx_int_t                     rc;
    ngx_str_t                     code, message;
    ngx_buf_t                    *b;
    ngx_uint_t                    i;
    const char                   *error;
    ngx_keyval_t                 *kv;
    ngx_table_elt_t              *h;
    ngx_http_faas_http_answer_t   a;

    data = ctx->http_body ? ctx->http_body->pos : (u_char *) "";
    len = ctx->http_body ? (size_t) (ctx->http_body->last - data) : 0;

    if (ctx->http_too_large) {
        error = "the answer is larger than faas_max_response_size";
        rc = NGX_ERROR;

    } else if (ctx->event) {
        rc = ngx_http_faas_response_parse_event(r->pool, data, len, &a,
                                                &error);

    } else {
        rc = ngx_http_faas_response_parse(r->pool, data, len, &a, &error);
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    if (rc != NGX_OK) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "faas: the function's answer is not an HTTP response: "
                      "%s", error);

        ngx_str_set(&code, "bad_function_response");
        message.data = (u_char *) error;
        message.len = ngx_strlen(error);

        return ngx_http_faas_response_error(r, ctx, NGX_HTTP_BAD_GATEWAY,
                                            &code, &message);
    }

    r->headers_out.status = a.status;
    r->headers_out.content_type.len = 0;
    r->headers_out.content_type_len = 0;
    r->headers_out.content_type_lowcase = NULL;

    kv = a.headers.elts;

    for (i = 0; i < a.headers.nelts; i++) {

        if (kv[i].key.len == 12
            && ngx_strncasecmp(kv[i].key.data,
                               (u_char *) "content-type", 12)
               == 0)
        {
            r->headers_out.content_type = kv[i].value;
            r->headers_out.content_type_len = kv[i].value.len;
            continue;
        }

        h = ngx_list_push(&r->headers_out.headers);
        if (h == NULL) {
            return NGX_ERROR;
        }

        h->hash = 1;
        h->key = kv[i].key;
        h->value = kv[i].value;
        h->lowcase_key = NULL;

        /* so that nginx does not add its own as well */
        if (h->key.len == 6
            && ngx_strncasecmp(h->key.data, (u_char *) "server", 6) == 0)
        {
            r->headers_out.server = h;

        } else if (h->key.len == 4
                   && ngx_strncasecmp(h->key.data, (u_char *) "date", 4)
                      == 0)
        {
            r->headers_out.date = h;
        }
    }

    b->pos = a.body.data;
    b->last = a.body.data + a.body.len;

    return ngx_http_faas_response_out(r, ctx, b);
}


/* a JSON error instead of the function's answer */

static ngx_int_t
ngx_http_faas_response_error(ngx_http_request_t *r, ngx_http_faas_ctx_t *ctx,
    ngx_uint_t status, ngx_str_t *code, ngx_str_t *message)
{
    size_t      len;
    ngx_buf_t  *b;

    ctx->answered_code = *code;

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->pos = ngx_http_faas_json_error(r->pool, code, message, NULL, NULL,
                                      &len);
    if (b->pos == NULL) {
        return NGX_ERROR;
    }

    b->last = b->pos + len;

    r->headers_out.status = status;
    ngx_str_set(&r->headers_out.content_type, "application/json");
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;

    return ngx_http_faas_response_out(r, ctx, b);
}


/* the held header, now decided, and the body after it */

static ngx_int_t
ngx_http_faas_response_out(ngx_http_request_t *r, ngx_http_faas_ctx_t *ctx,
    ngx_buf_t *b)
{
    ngx_int_t    rc;
    ngx_chain_t  out;

    r->headers_out.status_line.len = 0;
    r->headers_out.content_length_n = b->last - b->pos;

    if (r->headers_out.content_length) {
        r->headers_out.content_length->hash = 0;
        r->headers_out.content_length = NULL;
    }

    if (ctx->header_only) {
        r->header_only = 1;
    }

    rc = ngx_http_next_header_filter(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b->memory = (b->pos != b->last);
    b->last_buf = (r == r->main);
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_next_body_filter(r, &out);
}
