
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * faas_cache: answers of functions kept in nginx's own cache, as
 * proxy_cache keeps a backend's (nginx's upstream looks them up, locks,
 * serves stale, updates in the background).  What is stored is the
 * answer as the client gets it: the gateway's status and body, or the
 * response a function decides with faas_response http, so that a hit
 * costs what a hit of proxy_cache does and answers as the miss did.
 */


#include "ngx_http_faas.h"
#include "ngx_http_faas_cache.h"

#include <openssl/evp.h>


#if (NGX_HTTP_CACHE)

static ngx_int_t ngx_http_faas_cache_key_add(ngx_http_request_t *r,
    ngx_str_t *part);


/*
 * The key: faas_cache_key, or what selects the answer: the function (or
 * event), the method, the URI with its query and, for a request with a
 * body, the body's SHA-256.  Neither the token nor the client's
 * Authorization is part of it.
 */

ngx_int_t
ngx_http_faas_cache_create_key(ngx_http_request_t *r)
{
    ngx_str_t                  part;
    ngx_http_faas_ctx_t       *ctx;
    ngx_http_faas_loc_conf_t  *flcf;

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_faas_module);
    ctx = ngx_http_get_module_ctx(r, ngx_http_faas_module);

    if (flcf->cache_key.value.data) {
        if (ngx_http_complex_value(r, &flcf->cache_key, &part) != NGX_OK) {
            return NGX_ERROR;
        }

        return ngx_http_faas_cache_key_add(r, &part);
    }

    if (ctx->event) {
        ngx_str_set(&part, "faas:event:");

    } else {
        ngx_str_set(&part, "faas:lambda:");
    }

    if (ngx_http_faas_cache_key_add(r, &part) != NGX_OK
        || ngx_http_faas_cache_key_add(r, &ctx->lambda) != NGX_OK
        || ngx_http_faas_cache_key_add(r, &r->method_name) != NGX_OK
        || ngx_http_faas_cache_key_add(r, &r->unparsed_uri) != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (r->request_body == NULL || r->request_body->bufs == NULL) {
        return NGX_OK;
    }

    if (ngx_http_faas_cache_digest(r, ctx, &part) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_faas_cache_key_add(r, &part);
}


static ngx_int_t
ngx_http_faas_cache_key_add(ngx_http_request_t *r, ngx_str_t *part)
{
    ngx_str_t  *key;

    key = ngx_array_push(&r->cache->keys);
    if (key == NULL) {
        return NGX_ERROR;
    }

    *key = *part;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "faas: cache key part: \"%V\"", part);

    return NGX_OK;
}


/*
 * A cacheable answer, read whole: the head a hit parses again and the
 * body nginx stores after it, in the upstream's buffer, where the event
 * pipe takes them from (the head is the cache file's header, the body
 * its content)
 */

ngx_int_t
ngx_http_faas_cache_answer(ngx_http_request_t *r, ngx_str_t *body)
{
    u_char               *p;
    size_t                len;
    ngx_uint_t            i;
    ngx_list_part_t      *part;
    ngx_table_elt_t      *h;
    ngx_http_upstream_t  *u;

    u = r->upstream;

    len = sizeof("HTTP/1.1 " CRLF) - 1 + NGX_INT_T_LEN
          + sizeof("Content-Length: " CRLF) - 1 + NGX_SIZE_T_LEN
          + sizeof(CRLF) - 1 + body->len;

    if (u->headers_in.headers.part.nelts == 0) {
        len += sizeof("Content-Type: application/json" CRLF) - 1;
    }

    part = &u->headers_in.headers.part;
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

        len += h[i].key.len + sizeof(": " CRLF) - 1 + h[i].value.len;
    }

    /* room for the cache file's own header first, as nginx leaves it */
    p = ngx_pnalloc(r->pool, r->cache->header_start + len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    u->buffer.start = p;
    u->buffer.end = p + r->cache->header_start + len;

    p += r->cache->header_start;

    p = ngx_sprintf(p, "HTTP/1.1 %ui" CRLF, u->headers_in.status_n);

    if (u->headers_in.headers.part.nelts == 0) {
        p = ngx_cpymem(p, "Content-Type: application/json" CRLF,
                       sizeof("Content-Type: application/json" CRLF) - 1);
    }

    part = &u->headers_in.headers.part;
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

        p = ngx_sprintf(p, "%V: %V" CRLF, &h[i].key, &h[i].value);
    }

    p = ngx_sprintf(p, "Content-Length: %uz" CRLF CRLF, body->len);

    u->buffer.pos = p;
    u->buffer.last = ngx_cpymem(p, body->data, body->len);

    u->headers_in.content_length_n = body->len;

    return NGX_OK;
}


#endif


/*
 * $faas_body_digest, and the default key's last part: the SHA-256 of the
 * client's body, in hex, read from nginx's buffers and file in pieces
 */

ngx_int_t
ngx_http_faas_cache_digest(ngx_http_request_t *r, ngx_http_faas_ctx_t *ctx,
    ngx_str_t *out)
{
    off_t          offset;
    ssize_t        n;
    ngx_buf_t     *b;
    ngx_int_t      rc;
    EVP_MD_CTX    *md;
    ngx_chain_t   *cl;
    unsigned int   len;
    u_char         digest[EVP_MAX_MD_SIZE], buf[16384];

    if (ctx != NULL && ctx->body_digest.len) {
        *out = ctx->body_digest;
        return NGX_OK;
    }

    md = EVP_MD_CTX_new();
    if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(md);
        return NGX_ERROR;
    }

    rc = NGX_ERROR;

    for (cl = r->request_body ? r->request_body->bufs : NULL;
         cl;
         cl = cl->next)
    {
        b = cl->buf;

        if (!b->in_file) {
            if (ngx_buf_in_memory(b)
                && EVP_DigestUpdate(md, b->pos, b->last - b->pos) != 1)
            {
                goto done;
            }

            continue;
        }

        for (offset = b->file_pos; offset < b->file_last; offset += n) {
            n = ngx_read_file(b->file, buf,
                              (size_t) ngx_min(b->file_last - offset,
                                               (off_t) sizeof(buf)),
                              offset);
            if (n <= 0 || EVP_DigestUpdate(md, buf, n) != 1) {
                goto done;
            }
        }
    }

    if (EVP_DigestFinal_ex(md, digest, &len) != 1) {
        goto done;
    }

    out->data = ngx_pnalloc(r->pool, 2 * len);
    if (out->data == NULL) {
        goto done;
    }

    out->len = ngx_hex_dump(out->data, digest, len) - out->data;

    if (ctx != NULL) {
        ctx->body_digest = *out;
    }

    rc = NGX_OK;

done:

    EVP_MD_CTX_free(md);

    return rc;
}
