
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * The answer a server gives the module's own client (ngx_http_faas_client.c:
 * the authorization server, the Domain API): bytes in, status and body
 * out, no request or event, so that tests and fuzzers can call it.
 */


#include "ngx_http_faas.h"
#include "ngx_http_faas_client_response.h"


static ngx_int_t ngx_http_faas_client_response_status_line(u_char **pp,
    u_char *last, ngx_http_faas_response_t *res);
static ngx_int_t ngx_http_faas_client_response_header_line(u_char *line,
    u_char *end, ngx_http_faas_response_t *res);


/*
 * An HTTP/1.x answer: status line, headers, and a body ended by
 * Content-Length or by the close of the connection ("eof").
 */

ngx_int_t
ngx_http_faas_client_response_parse(u_char *data, size_t len, ngx_uint_t eof,
    ngx_http_faas_response_t *res)
{
    u_char     *p, *last, *line, *end;
    ngx_int_t   rc;

    p = data;
    last = data + len;

    res->status = 0;
    res->content_length = -1;
    res->chunked = 0;

    rc = ngx_http_faas_client_response_status_line(&p, last, res);
    if (rc != NGX_OK) {
        return rc;
    }

    /* the headers */

    for ( ;; ) {
        end = ngx_strlchr(p, last, LF);
        if (end == NULL) {
            return (len > 65536) ? NGX_ERROR : NGX_AGAIN;
        }

        line = p;
        p = end + 1;

        if (end > line && end[-1] == CR) {
            end--;
        }

        if (end == line) {
            break;
        }

        if (ngx_http_faas_client_response_header_line(line, end, res)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    res->body.data = p;

    if (res->content_length >= 0) {
        if (last - p < res->content_length) {
            return eof ? NGX_ERROR : NGX_AGAIN;
        }

        res->body.len = (size_t) res->content_length;
        return NGX_OK;
    }

    if (!eof) {
        return NGX_AGAIN;
    }

    res->body.len = last - p;

    return NGX_OK;
}


/* the status line: "*pp" moves past it */

static ngx_int_t
ngx_http_faas_client_response_status_line(u_char **pp, u_char *last,
    ngx_http_faas_response_t *res)
{
    u_char  *p, *end;

    p = *pp;

    end = ngx_strlchr(p, last, LF);
    if (end == NULL) {
        return (last - p > 8192) ? NGX_ERROR : NGX_AGAIN;
    }

    if (end - p < 12 || ngx_strncmp(p, "HTTP/1.", 7) != 0
        || (p[7] != '0' && p[7] != '1') || p[8] != ' ')
    {
        return NGX_ERROR;
    }

    if (p[9] < '1' || p[9] > '9' || p[10] < '0' || p[10] > '9'
        || p[11] < '0' || p[11] > '9')
    {
        return NGX_ERROR;
    }

    res->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');

    *pp = end + 1;

    return NGX_OK;
}


/* one header line, without its line break: those the client acts on */

static ngx_int_t
ngx_http_faas_client_response_header_line(u_char *line, u_char *end,
    ngx_http_faas_response_t *res)
{
    u_char  *colon, *v;
    size_t   n;
    off_t    cl;

    colon = ngx_strlchr(line, end, ':');
    if (colon == NULL || colon == line) {
        return NGX_ERROR;
    }

    v = colon + 1;
    while (v < end && (*v == ' ' || *v == '\t')) {
        v++;
    }

    n = colon - line;

    if (n == sizeof("Content-Length") - 1
        && ngx_strncasecmp(line, (u_char *) "Content-Length", n) == 0)
    {
        while (end > v && (end[-1] == ' ' || end[-1] == '\t')) {
            end--;
        }

        cl = ngx_atoof(v, end - v);
        if (cl == NGX_ERROR || res->content_length != -1) {
            return NGX_ERROR;
        }

        res->content_length = cl;

    } else if (n == sizeof("Transfer-Encoding") - 1
               && ngx_strncasecmp(line, (u_char *) "Transfer-Encoding", n)
                  == 0)
    {
        /* an HTTP/1.0 request must not get one */
        res->chunked = 1;
        return NGX_ERROR;
    }

    return NGX_OK;
}
