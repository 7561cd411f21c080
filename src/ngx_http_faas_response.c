
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * faas_response http: the function decides the status, the headers and
 * the body.  Its whole answer is read before anything goes to the client
 * (ngx_http_faas_invoke.c), then parsed here; its headers become the
 * upstream's headers, so that nginx treats them as a backend's.
 */


#include "ngx_http_faas.h"
#include "ngx_http_faas_response.h"

#include "ngx_http_faas_cjson.h"


static ngx_int_t ngx_http_faas_response_object(ngx_pool_t *pool,
    cJSON *root, ngx_http_faas_http_answer_t *a, const char **error);
static ngx_int_t ngx_http_faas_response_header_object(ngx_pool_t *pool,
    ngx_http_faas_http_answer_t *a, cJSON *item, const char **error);
static ngx_int_t ngx_http_faas_response_body(ngx_pool_t *pool,
    ngx_http_faas_http_answer_t *a, cJSON *item, ngx_uint_t base64,
    const char **error);
static ngx_int_t ngx_http_faas_response_header(ngx_pool_t *pool,
    ngx_http_faas_http_answer_t *a, cJSON *name, cJSON *value,
    const char **error);
static ngx_uint_t ngx_http_faas_response_token(u_char *p, size_t len);


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


/*
 * {"statusCode": N, "headers": {"Name": "v" | ["v1", "v2"]}, "body": "..",
 * "isBase64Encoded": bool} -> status, headers and body
 */

ngx_int_t
ngx_http_faas_function_response_parse(ngx_pool_t *pool, u_char *data,
    size_t len, ngx_http_faas_http_answer_t *a, const char **error)
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
ngx_http_faas_function_response_parse_event(ngx_pool_t *pool, u_char *data,
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
    cJSON       *item;
    ngx_int_t    rc;
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

    if (ngx_http_faas_response_header_object(pool, a, item, error)
        != NGX_OK)
    {
        goto done;
    }

    item = cJSON_GetObjectItemCaseSensitive(root, "body");

    if (ngx_http_faas_response_body(pool, a, item, base64, error) != NGX_OK) {
        goto done;
    }

    rc = NGX_OK;

done:

    return rc;
}


/* "headers": each name with a value or an array of values */

static ngx_int_t
ngx_http_faas_response_header_object(ngx_pool_t *pool,
    ngx_http_faas_http_answer_t *a, cJSON *item, const char **error)
{
    cJSON  *h, *v;

    if (item == NULL || cJSON_IsNull(item)) {
        return NGX_OK;
    }

    if (!cJSON_IsObject(item)) {
        *error = "\"headers\" is not an object";
        return NGX_ERROR;
    }

    cJSON_ArrayForEach(h, item) {

        if (!cJSON_IsArray(h)) {
            if (ngx_http_faas_response_header(pool, a, h, h, error)
                != NGX_OK)
            {
                return NGX_ERROR;
            }

            continue;
        }

        cJSON_ArrayForEach(v, h) {
            if (ngx_http_faas_response_header(pool, a, h, v, error)
                != NGX_OK)
            {
                return NGX_ERROR;
            }
        }
    }

    return NGX_OK;
}


/* "body": a string, as is or in base64 */

static ngx_int_t
ngx_http_faas_response_body(ngx_pool_t *pool, ngx_http_faas_http_answer_t *a,
    cJSON *item, ngx_uint_t base64, const char **error)
{
    ngx_str_t  src;

    if (item != NULL && !cJSON_IsNull(item) && !cJSON_IsString(item)) {
        *error = "\"body\" is not a string";
        return NGX_ERROR;
    }

    if (!cJSON_IsString(item)) {
        return NGX_OK;
    }

    src.data = (u_char *) item->valuestring;
    src.len = ngx_strlen(item->valuestring);

    if (base64) {
        a->body.data = ngx_pnalloc(pool,
                                   ngx_base64_decoded_length(src.len) + 1);
        if (a->body.data == NULL) {
            *error = "out of memory";
            return NGX_ERROR;
        }

        if (ngx_decode_base64(&a->body, &src) != NGX_OK) {
            *error = "\"body\" is not valid base64";
            return NGX_ERROR;
        }

    } else if (ngx_http_faas_cjson_string(pool, item, &a->body) != NGX_OK) {
        *error = "out of memory";
        return NGX_ERROR;
    }

    return NGX_OK;
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
        last = ngx_snprintf(buf, sizeof(buf), "%L",
                            (int64_t) value->valuedouble);

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


/*
 * The function's headers as the gateway's own: nginx's upstream handlers
 * see them (Content-Type, Set-Cookie, Cache-Control, Location ...), the
 * location's hidden headers are left out, and $upstream_http_* work.
 */

ngx_int_t
ngx_http_faas_response_headers(ngx_http_request_t *r,
    ngx_http_faas_http_answer_t *a)
{
    ngx_uint_t     i;
    ngx_keyval_t  *kv;

    kv = a->headers.elts;

    for (i = 0; i < a->headers.nelts; i++) {
        if (ngx_http_faas_response_header_in(r, &kv[i].key, &kv[i].value)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/* one header of an answer, as the upstream's own: for a hit of the cache */

ngx_int_t
ngx_http_faas_response_header_in(ngx_http_request_t *r, ngx_str_t *key,
    ngx_str_t *value)
{
    ngx_table_elt_t                *h;
    ngx_http_upstream_t            *u;
    ngx_http_upstream_header_t     *hh;
    ngx_http_upstream_main_conf_t  *umcf;

    u = r->upstream;
    umcf = ngx_http_get_module_main_conf(r, ngx_http_upstream_module);

    h = ngx_list_push(&u->headers_in.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    /*
     * nginx's own header handlers read a value up to its NUL (the
     * Content-Type's charset, for one), as its parser leaves them
     */
    h->key.len = key->len;
    h->key.data = ngx_pnalloc(r->pool, key->len + 1 + value->len + 1
                                       + key->len + 1);
    if (h->key.data == NULL) {
        return NGX_ERROR;
    }

    h->value.len = value->len;
    h->value.data = h->key.data + key->len + 1;
    h->lowcase_key = h->value.data + value->len + 1;

    ngx_memcpy(h->key.data, key->data, key->len);
    h->key.data[key->len] = '\0';
    ngx_memcpy(h->value.data, value->data, value->len);
    h->value.data[value->len] = '\0';
    h->lowcase_key[key->len] = '\0';

    h->hash = ngx_hash_strlow(h->lowcase_key, h->key.data, h->key.len);

#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    hh = ngx_hash_find(&umcf->headers_in_hash, h->hash, h->lowcase_key,
                       h->key.len);

    if (hh != NULL && hh->handler(r, h, hh->offset) != NGX_OK) {
        return NGX_ERROR;
    }

    return NGX_OK;
}
