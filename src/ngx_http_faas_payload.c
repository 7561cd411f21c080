
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * What a function is told about the client's request: the "payload" of
 * faas_payload request, and the "headers" list of the invoke body.
 */


#include "ngx_http_faas.h"
#include "ngx_http_faas_payload.h"
#include "ngx_http_faas_escape.h"


typedef struct {
    ngx_pool_t  *pool;
    u_char      *start;
    u_char      *pos;
    u_char      *end;
} ngx_http_faas_jbuf_t;


typedef struct {
    ngx_str_t    key;
    ngx_str_t    value;
} ngx_http_faas_pair_t;


/* the next pair of the same name, and at the first one how many */
typedef struct {
    ngx_uint_t   next;      /* the number of pairs: none */
    ngx_uint_t   count;     /* 0: not the first of its name */
} ngx_http_faas_pair_link_t;


static ngx_int_t ngx_http_faas_jbuf_reserve(ngx_http_faas_jbuf_t *jb,
    size_t n);
static ngx_int_t ngx_http_faas_jbuf_raw(ngx_http_faas_jbuf_t *jb,
    const char *s, size_t n);
static ngx_int_t ngx_http_faas_jbuf_string(ngx_http_faas_jbuf_t *jb,
    u_char *s, size_t n);
static ngx_int_t ngx_http_faas_jbuf_object(ngx_http_faas_jbuf_t *jb,
    ngx_array_t *pairs, const char *sep);
static ngx_http_faas_pair_link_t *ngx_http_faas_pairs_link(ngx_pool_t *pool,
    ngx_array_t *pairs);
static int ngx_libc_cdecl ngx_http_faas_pair_cmp(const void *one,
    const void *two);
static ngx_int_t ngx_http_faas_payload_args(ngx_http_request_t *r,
    ngx_array_t *pairs);
static ngx_int_t ngx_http_faas_payload_header_pairs(ngx_http_request_t *r,
    ngx_http_faas_loc_conf_t *flcf, ngx_array_t *pairs);
static ngx_int_t ngx_http_faas_payload_passed(ngx_http_request_t *r,
    ngx_http_faas_loc_conf_t *flcf, ngx_array_t *out);


#define ngx_http_faas_jbuf_literal(jb, s)                                    \
    ngx_http_faas_jbuf_raw(jb, s, sizeof(s) - 1)


static ngx_str_t  ngx_http_faas_secret_headers[] = {
    ngx_string("authorization"),
    ngx_string("proxy-authorization"),
    ngx_string("cookie"),
    ngx_null_string
};


/* a client's credentials go to a function only when the operator says so */

ngx_uint_t
ngx_http_faas_payload_header_passed(ngx_http_faas_loc_conf_t *flcf,
    ngx_table_elt_t *h)
{
    ngx_str_t   *name;
    ngx_uint_t   i;

    for (name = ngx_http_faas_secret_headers; name->len; name++) {
        if (h->key.len == name->len
            && ngx_strncasecmp(h->key.data, name->data, name->len) == 0)
        {
            break;
        }
    }

    if (name->len == 0) {
        return 1;
    }

    if (flcf->pass_request_header == NULL) {
        return 0;
    }

    name = flcf->pass_request_header->elts;

    for (i = 0; i < flcf->pass_request_header->nelts; i++) {
        if (h->key.len == name[i].len
            && ngx_strncasecmp(h->key.data, name[i].data, name[i].len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


/* the request headers a function may see, in their order */

static ngx_int_t
ngx_http_faas_payload_passed(ngx_http_request_t *r,
    ngx_http_faas_loc_conf_t *flcf, ngx_array_t *out)
{
    ngx_uint_t         i;
    ngx_list_part_t   *part;
    ngx_table_elt_t   *h, **hp;

    if (ngx_array_init(out, r->pool, 16, sizeof(ngx_table_elt_t *))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].hash == 0
            || !ngx_http_faas_payload_header_passed(flcf, &h[i]))
        {
            continue;
        }

        hp = ngx_array_push(out);
        if (hp == NULL) {
            return NGX_ERROR;
        }

        *hp = &h[i];
    }

    return NGX_OK;
}


/* [{"key": "Name", "value": "..."}, ...]: every header, in order */

ngx_int_t
ngx_http_faas_payload_headers(ngx_http_request_t *r,
    ngx_http_faas_loc_conf_t *flcf, ngx_str_t *out)
{
    ngx_uint_t             i;
    ngx_array_t            passed;
    ngx_table_elt_t      **h;
    ngx_http_faas_jbuf_t   jb;

    if (ngx_http_faas_payload_passed(r, flcf, &passed) != NGX_OK) {
        return NGX_ERROR;
    }

    jb.pool = r->pool;
    jb.start = NULL;
    jb.pos = NULL;
    jb.end = NULL;

    if (ngx_http_faas_jbuf_reserve(&jb, 1024) != NGX_OK
        || ngx_http_faas_jbuf_literal(&jb, "[") != NGX_OK)
    {
        return NGX_ERROR;
    }

    h = passed.elts;

    for (i = 0; i < passed.nelts; i++) {

        if ((i && ngx_http_faas_jbuf_literal(&jb, ",") != NGX_OK)
            || ngx_http_faas_jbuf_literal(&jb, "{\"key\":") != NGX_OK
            || ngx_http_faas_jbuf_string(&jb, h[i]->key.data, h[i]->key.len)
               != NGX_OK
            || ngx_http_faas_jbuf_literal(&jb, ",\"value\":") != NGX_OK
            || ngx_http_faas_jbuf_string(&jb, h[i]->value.data,
                                         h[i]->value.len)
               != NGX_OK
            || ngx_http_faas_jbuf_literal(&jb, "}") != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    if (ngx_http_faas_jbuf_literal(&jb, "]") != NGX_OK) {
        return NGX_ERROR;
    }

    out->data = jb.start;
    out->len = jb.pos - jb.start;

    return NGX_OK;
}


/*
 * faas_payload request: {"method", "path", "query", "args", "headers",
 * "body", "isBase64Encoded", "remoteAddr"}, so that any request, a form
 * post or a binary upload too, can reach a function; in a subrequest
 * (auth_request) also "original": the client's method and URI, which the
 * subrequest's own GET and path do not tell.  The body's string is
 * written by ngx_http_faas_body.c between the head, up to "body":, and
 * the tail.
 */

ngx_int_t
ngx_http_faas_payload_request_head(ngx_http_request_t *r,
    ngx_http_faas_loc_conf_t *flcf, ngx_str_t *out)
{
    ngx_array_t            args, headers;
    ngx_http_faas_jbuf_t   jb;

    if (ngx_array_init(&args, r->pool, 8, sizeof(ngx_http_faas_pair_t))
        != NGX_OK
        || ngx_array_init(&headers, r->pool, 16,
                          sizeof(ngx_http_faas_pair_t))
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (ngx_http_faas_payload_args(r, &args) != NGX_OK
        || ngx_http_faas_payload_header_pairs(r, flcf, &headers) != NGX_OK)
    {
        return NGX_ERROR;
    }

    jb.pool = r->pool;
    jb.start = NULL;
    jb.pos = NULL;
    jb.end = NULL;

    if (ngx_http_faas_jbuf_reserve(&jb, 1024) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_http_faas_jbuf_literal(&jb, "{\"method\":") != NGX_OK
        || ngx_http_faas_jbuf_string(&jb, r->method_name.data,
                                     r->method_name.len)
           != NGX_OK
        || ngx_http_faas_jbuf_literal(&jb, ",\"path\":") != NGX_OK
        || ngx_http_faas_jbuf_string(&jb, r->uri.data, r->uri.len) != NGX_OK
        || ngx_http_faas_jbuf_literal(&jb, ",\"query\":") != NGX_OK
        || ngx_http_faas_jbuf_string(&jb, r->args.data, r->args.len)
           != NGX_OK
        || ngx_http_faas_jbuf_literal(&jb, ",\"args\":") != NGX_OK
        || ngx_http_faas_jbuf_object(&jb, &args, NULL) != NGX_OK
        || ngx_http_faas_jbuf_literal(&jb, ",\"headers\":") != NGX_OK
        || ngx_http_faas_jbuf_object(&jb, &headers, ", ") != NGX_OK
        || ngx_http_faas_jbuf_literal(&jb, ",\"body\":") != NGX_OK)
    {
        return NGX_ERROR;
    }

    out->data = jb.start;
    out->len = jb.pos - jb.start;

    return NGX_OK;
}


ngx_int_t
ngx_http_faas_payload_request_tail(ngx_http_request_t *r,
    ngx_http_faas_loc_conf_t *flcf, ngx_uint_t textual, ngx_str_t *out)
{
    ngx_http_faas_jbuf_t  jb;

    jb.pool = r->pool;
    jb.start = NULL;
    jb.pos = NULL;
    jb.end = NULL;

    if (ngx_http_faas_jbuf_reserve(&jb, 256) != NGX_OK) {
        return NGX_ERROR;
    }

    if ((textual
         ? ngx_http_faas_jbuf_literal(&jb, ",\"isBase64Encoded\":false")
         : ngx_http_faas_jbuf_literal(&jb, ",\"isBase64Encoded\":true"))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (ngx_http_faas_jbuf_literal(&jb, ",\"remoteAddr\":") != NGX_OK
        || ngx_http_faas_jbuf_string(&jb, r->connection->addr_text.data,
                                     r->connection->addr_text.len)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    /* the URI as the client sent it, with its query */
    if (r != r->main
        && (ngx_http_faas_jbuf_literal(&jb, ",\"original\":{\"method\":")
            != NGX_OK
            || ngx_http_faas_jbuf_string(&jb, r->main->method_name.data,
                                         r->main->method_name.len)
               != NGX_OK
            || ngx_http_faas_jbuf_literal(&jb, ",\"uri\":") != NGX_OK
            || ngx_http_faas_jbuf_string(&jb, r->main->unparsed_uri.data,
                                         r->main->unparsed_uri.len)
               != NGX_OK
            || ngx_http_faas_jbuf_literal(&jb, "}") != NGX_OK))
    {
        return NGX_ERROR;
    }

    if (ngx_http_faas_jbuf_literal(&jb, "}") != NGX_OK) {
        return NGX_ERROR;
    }

    out->data = jb.start;
    out->len = jb.pos - jb.start;

    return NGX_OK;
}


/* decoded query arguments: "+" is a space, %XX a byte */

static ngx_int_t
ngx_http_faas_payload_args(ngx_http_request_t *r, ngx_array_t *pairs)
{
    u_char                *p, *last, *amp, *eq, *dst, *src;
    ngx_str_t             *s, raw[2];
    ngx_uint_t             k;
    ngx_http_faas_pair_t  *pair;

    p = r->args.data;
    last = p + r->args.len;

    while (p < last) {
        amp = ngx_strlchr(p, last, '&');
        if (amp == NULL) {
            amp = last;
        }

        if (amp == p) {
            p++;
            continue;
        }

        eq = ngx_strlchr(p, amp, '=');

        raw[0].data = p;
        raw[0].len = (eq ? eq : amp) - p;
        raw[1].data = eq ? eq + 1 : amp;
        raw[1].len = eq ? (size_t) (amp - eq - 1) : 0;

        pair = ngx_array_push(pairs);
        if (pair == NULL) {
            return NGX_ERROR;
        }

        for (k = 0; k < 2; k++) {
            s = k ? &pair->value : &pair->key;

            s->data = ngx_pnalloc(r->pool, raw[k].len + 1);
            if (s->data == NULL) {
                return NGX_ERROR;
            }

            ngx_memcpy(s->data, raw[k].data, raw[k].len);

            for (dst = s->data; dst < s->data + raw[k].len; dst++) {
                if (*dst == '+') {
                    *dst = ' ';
                }
            }

            src = s->data;
            dst = s->data;
            ngx_unescape_uri(&dst, &src, raw[k].len, 0);
            s->len = dst - s->data;
        }

        p = amp + 1;
    }

    return NGX_OK;
}


/* lower-case names; headers that come more than once are joined */

static ngx_int_t
ngx_http_faas_payload_header_pairs(ngx_http_request_t *r,
    ngx_http_faas_loc_conf_t *flcf, ngx_array_t *pairs)
{
    ngx_uint_t             i;
    ngx_array_t            passed;
    ngx_table_elt_t      **h;
    ngx_http_faas_pair_t  *pair;

    if (ngx_http_faas_payload_passed(r, flcf, &passed) != NGX_OK) {
        return NGX_ERROR;
    }

    h = passed.elts;

    for (i = 0; i < passed.nelts; i++) {
        pair = ngx_array_push(pairs);
        if (pair == NULL) {
            return NGX_ERROR;
        }

        pair->key.len = h[i]->key.len;
        pair->key.data = ngx_pnalloc(r->pool, h[i]->key.len);
        if (pair->key.data == NULL) {
            return NGX_ERROR;
        }

        ngx_strlow(pair->key.data, h[i]->key.data, h[i]->key.len);

        pair->value = h[i]->value;
    }

    return NGX_OK;
}


/*
 * {"name": "value", ...} in the order of first appearance; a name that
 * comes again gets an array of its values, or, with "sep", its values
 * joined ("; " for cookies)
 */

static ngx_int_t
ngx_http_faas_jbuf_object(ngx_http_faas_jbuf_t *jb, ngx_array_t *pairs,
    const char *sep)
{
    size_t                      len;
    ngx_uint_t                  i, j, n, count;
    const char                 *join;
    ngx_http_faas_pair_t       *p;
    ngx_http_faas_pair_link_t  *link;

    p = pairs->elts;
    n = 0;

    link = ngx_http_faas_pairs_link(jb->pool, pairs);
    if (link == NULL && pairs->nelts) {
        return NGX_ERROR;
    }

    if (ngx_http_faas_jbuf_literal(jb, "{") != NGX_OK) {
        return NGX_ERROR;
    }

    for (i = 0; i < pairs->nelts; i++) {

        /* the name came before */
        if (link[i].count == 0) {
            continue;
        }

        if ((n++ && ngx_http_faas_jbuf_literal(jb, ",") != NGX_OK)
            || ngx_http_faas_jbuf_string(jb, p[i].key.data, p[i].key.len)
               != NGX_OK
            || ngx_http_faas_jbuf_literal(jb, ":") != NGX_OK)
        {
            return NGX_ERROR;
        }

        if (link[i].count == 1) {
            if (ngx_http_faas_jbuf_string(jb, p[i].value.data,
                                          p[i].value.len)
                != NGX_OK)
            {
                return NGX_ERROR;
            }

            continue;
        }

        join = sep;

        if (sep != NULL && p[i].key.len == 6
            && ngx_strncmp(p[i].key.data, "cookie", 6) == 0)
        {
            join = "; ";
        }

        if (ngx_http_faas_jbuf_raw(jb, join ? "\"" : "[", 1) != NGX_OK) {
            return NGX_ERROR;
        }

        count = 0;

        for (j = i; j < pairs->nelts; j = link[j].next) {

            if (count++
                && ngx_http_faas_jbuf_raw(jb, join ? join : ",",
                                          join ? ngx_strlen(join) : 1)
                   != NGX_OK)
            {
                return NGX_ERROR;
            }

            if (join == NULL) {
                if (ngx_http_faas_jbuf_string(jb, p[j].value.data,
                                              p[j].value.len)
                    != NGX_OK)
                {
                    return NGX_ERROR;
                }

                continue;
            }

            /* a piece of one string: escaped, without quotes */
            len = ngx_http_faas_json_escape(NULL, p[j].value.data,
                                            p[j].value.len);

            if (ngx_http_faas_jbuf_reserve(jb, len) != NGX_OK) {
                return NGX_ERROR;
            }

            jb->pos += ngx_http_faas_json_escape(jb->pos, p[j].value.data,
                                                 p[j].value.len);
        }

        if (ngx_http_faas_jbuf_raw(jb, join ? "\"" : "]", 1) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    return ngx_http_faas_jbuf_literal(jb, "}");
}


/*
 * The pairs of each name linked in their order, and counted at the first
 * one: sorted by name first, so that a request with n pairs costs
 * n log n comparisons, whatever its names, rather than n * n
 */

static ngx_http_faas_pair_link_t *
ngx_http_faas_pairs_link(ngx_pool_t *pool, ngx_array_t *pairs)
{
    ngx_uint_t                  i, k, n, prev, first;
    ngx_http_faas_pair_t       *p, **sorted;
    ngx_http_faas_pair_link_t  *link;

    n = pairs->nelts;
    p = pairs->elts;

    if (n == 0) {
        return NULL;
    }

    sorted = ngx_palloc(pool, n * sizeof(ngx_http_faas_pair_t *));
    link = ngx_palloc(pool, n * sizeof(ngx_http_faas_pair_link_t));

    if (sorted == NULL || link == NULL) {
        return NULL;
    }

    for (i = 0; i < n; i++) {
        sorted[i] = &p[i];
    }

    ngx_qsort(sorted, n, sizeof(ngx_http_faas_pair_t *),
              ngx_http_faas_pair_cmp);

    /* each run of one name is in the order of the request */

    first = sorted[0] - p;
    link[first].count = 1;

    for (k = 1; k < n; k++) {
        prev = sorted[k - 1] - p;
        i = sorted[k] - p;

        if (p[i].key.len == p[prev].key.len
            && ngx_memcmp(p[i].key.data, p[prev].key.data, p[i].key.len)
               == 0)
        {
            link[prev].next = i;
            link[i].count = 0;
            link[first].count++;

        } else {
            link[prev].next = n;
            first = i;
            link[first].count = 1;
        }
    }

    link[sorted[n - 1] - p].next = n;

    return link;
}


/* by name, then by place in the request */

static int ngx_libc_cdecl
ngx_http_faas_pair_cmp(const void *one, const void *two)
{
    int                    rc;
    ngx_http_faas_pair_t  *a, *b;

    a = *(ngx_http_faas_pair_t **) one;
    b = *(ngx_http_faas_pair_t **) two;

    if (a->key.len != b->key.len) {
        return (a->key.len < b->key.len) ? -1 : 1;
    }

    rc = ngx_memcmp(a->key.data, b->key.data, a->key.len);

    if (rc != 0) {
        return rc;
    }

    return (a < b) ? -1 : (a > b);
}


/* a body of these types is sent as text when it is UTF-8 */

ngx_uint_t
ngx_http_faas_payload_textual(ngx_http_request_t *r)
{
    u_char  *p, *last, *semi;
    size_t   len;

    if (r->headers_in.content_type == NULL) {
        return 0;
    }

    p = r->headers_in.content_type->value.data;
    last = p + r->headers_in.content_type->value.len;

    semi = ngx_strlchr(p, last, ';');
    if (semi) {
        last = semi;
    }

    while (last > p && (last[-1] == ' ' || last[-1] == '\t')) {
        last--;
    }

    len = last - p;

    if (len >= 5 && ngx_strncasecmp(p, (u_char *) "text/", 5) == 0) {
        return 1;
    }

    if (len >= 5 && (ngx_strncasecmp(last - 5, (u_char *) "+json", 5) == 0
                     || ngx_strncasecmp(last - 4, (u_char *) "+xml", 4)
                        == 0))
    {
        return 1;
    }

    return (len == 16
            && ngx_strncasecmp(p, (u_char *) "application/json", 16) == 0)
           || (len == 15
               && ngx_strncasecmp(p, (u_char *) "application/xml", 15)
                  == 0)
           || (len == 33
               && ngx_strncasecmp(p, (u_char *)
                                  "application/x-www-form-urlencoded", 33)
                  == 0);
}


static ngx_int_t
ngx_http_faas_jbuf_reserve(ngx_http_faas_jbuf_t *jb, size_t n)
{
    size_t   size;
    u_char  *p;

    if ((size_t) (jb->end - jb->pos) >= n) {
        return NGX_OK;
    }

    size = ngx_max(2 * (size_t) (jb->end - jb->start),
                   (size_t) (jb->pos - jb->start) + n);

    p = ngx_pnalloc(jb->pool, size);
    if (p == NULL) {
        return NGX_ERROR;
    }

    if (jb->start) {
        ngx_memcpy(p, jb->start, jb->pos - jb->start);
    }

    jb->pos = p + (jb->pos - jb->start);
    jb->start = p;
    jb->end = p + size;

    return NGX_OK;
}


static ngx_int_t
ngx_http_faas_jbuf_raw(ngx_http_faas_jbuf_t *jb, const char *s, size_t n)
{
    if (ngx_http_faas_jbuf_reserve(jb, n) != NGX_OK) {
        return NGX_ERROR;
    }

    jb->pos = ngx_cpymem(jb->pos, s, n);

    return NGX_OK;
}


static ngx_int_t
ngx_http_faas_jbuf_string(ngx_http_faas_jbuf_t *jb, u_char *s, size_t n)
{
    size_t  len;

    len = ngx_http_faas_json_escape(NULL, s, n);

    if (ngx_http_faas_jbuf_reserve(jb, len + 2) != NGX_OK) {
        return NGX_ERROR;
    }

    *jb->pos++ = '"';
    jb->pos += ngx_http_faas_json_escape(jb->pos, s, n);
    *jb->pos++ = '"';

    return NGX_OK;
}
