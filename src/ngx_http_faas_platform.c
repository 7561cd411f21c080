
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * LivePerson runs two generations of Functions.  V1 gateways take the
 * event source and the user as query arguments (v=1); V2 gateways take
 * the event source as the LP-EventSource header.  Which one a gateway is
 * follows LivePerson's own client: its host name says it.
 */


#include "ngx_http_faas.h"
#include "ngx_http_faas_platform.h"


static size_t ngx_http_faas_platform_arg_len(ngx_str_t *value);
static u_char *ngx_http_faas_platform_arg(u_char *p, char *name,
    size_t len, ngx_str_t *value);
static ngx_int_t ngx_http_faas_platform_event_source(ngx_http_request_t *r,
    ngx_str_t *source, ngx_str_t *headers);


/* V2 when the host holds "fninvocations" or "functions" (auto) */

ngx_uint_t
ngx_http_faas_platform_v2(ngx_uint_t platform, ngx_str_t *host)
{
    u_char  *last;

    if (platform != NGX_HTTP_FAAS_PLATFORM_AUTO) {
        return platform == NGX_HTTP_FAAS_PLATFORM_V2;
    }

    if (host->len < sizeof("functions") - 1) {
        return 0;
    }

    last = host->data + host->len;

    /* "fninvocations" does not hold "functions": both are looked for */
    return ngx_strlcasestrn(host->data, last, (u_char *) "functions",
                            sizeof("functions") - 2)
           != NULL
           || ngx_strlcasestrn(host->data, last, (u_char *) "fninvocations",
                               sizeof("fninvocations") - 2)
              != NULL;
}


/* an event id goes into the path: a safe charset, a sane length */

ngx_uint_t
ngx_http_faas_event_valid(ngx_str_t *id)
{
    u_char  c, *p, *last;

    if (id->len == 0 || id->len > NGX_HTTP_FAAS_EVENT_MAX) {
        return 0;
    }

    last = id->data + id->len;

    for (p = id->data; p < last; p++) {
        c = *p;

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':'
            || c == '-')
        {
            continue;
        }

        return 0;
    }

    return 1;
}


/*
 * The request target (path and query) of an invoke, and the header lines
 * the platform wants besides the usual ones
 */

ngx_int_t
ngx_http_faas_platform_target(ngx_http_request_t *r, ngx_http_faas_ctx_t *ctx,
    ngx_str_t *target, ngx_str_t *headers)
{
    u_char                    *p;
    size_t                     len;
    ngx_str_t                  source, user, skill, kind;
    ngx_http_faas_cred_t      *cred;
    ngx_http_faas_loc_conf_t  *flcf;

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_faas_module);
    cred = ctx->cred;

    if (ngx_http_complex_value(r, flcf->event_source, &source) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_str_null(&skill);

    if (flcf->skill_id != NULL
        && ngx_http_complex_value(r, flcf->skill_id, &skill) != NGX_OK)
    {
        return NGX_ERROR;
    }

    ngx_str_null(&user);

    if (!ctx->v2
        && ngx_http_complex_value(r, flcf->user_id, &user) != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (ctx->event) {
        ngx_str_set(&kind, "events/");

    } else {
        ngx_str_set(&kind, "lambdas/");
    }

    len = cred->invoke_prefix.len + kind.len + ctx->lambda.len
          + sizeof("/invoke") - 1
          + sizeof("?skillId=") - 1 + ngx_http_faas_platform_arg_len(&skill);

    if (!ctx->v2) {
        len += sizeof("?v=1&externalSystem=&userId=") - 1
               + ngx_http_faas_platform_arg_len(&source)
               + ngx_http_faas_platform_arg_len(&user);
    }

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    target->data = p;

    p = ngx_cpymem(p, cred->invoke_prefix.data, cred->invoke_prefix.len);
    p = ngx_cpymem(p, kind.data, kind.len);
    p = ngx_cpymem(p, ctx->lambda.data, ctx->lambda.len);
    p = ngx_cpymem(p, "/invoke", sizeof("/invoke") - 1);

    if (!ctx->v2) {
        p = ngx_cpymem(p, "?v=1", sizeof("?v=1") - 1);
        p = ngx_http_faas_platform_arg(p, "&externalSystem=",
                                       sizeof("&externalSystem=") - 1,
                                       &source);
        p = ngx_http_faas_platform_arg(p, "&userId=", sizeof("&userId=") - 1,
                                       &user);
    }

    /* an empty skill id is no skill id */
    if (skill.len) {
        if (ctx->v2) {
            p = ngx_http_faas_platform_arg(p, "?skillId=",
                                           sizeof("?skillId=") - 1, &skill);

        } else {
            p = ngx_http_faas_platform_arg(p, "&skillId=",
                                           sizeof("&skillId=") - 1, &skill);
        }
    }

    target->len = p - target->data;

    if (!ctx->v2) {
        ngx_str_null(headers);
        return NGX_OK;
    }

    return ngx_http_faas_platform_event_source(r, &source, headers);
}


/* V2: the event source as the LP-EventSource header line */

static ngx_int_t
ngx_http_faas_platform_event_source(ngx_http_request_t *r,
    ngx_str_t *source, ngx_str_t *headers)
{
    u_char  *p, *q, *last;

    p = ngx_pnalloc(r->pool, sizeof("LP-EventSource: " CRLF) - 1
                             + source->len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    headers->data = p;

    p = ngx_cpymem(p, "LP-EventSource: ", sizeof("LP-EventSource: ") - 1);

    /* no header splitting: line breaks and control characters are dropped */
    last = source->data + source->len;

    for (q = source->data; q < last; q++) {
        if ((*q < 0x20 && *q != '\t') || *q == 0x7f) {
            continue;
        }

        *p++ = *q;
    }

    *p++ = CR;
    *p++ = LF;

    headers->len = p - headers->data;

    return NGX_OK;
}


static size_t
ngx_http_faas_platform_arg_len(ngx_str_t *value)
{
    return value->len
           + 2 * ngx_escape_uri(NULL, value->data, value->len,
                                NGX_ESCAPE_ARGS);
}


static u_char *
ngx_http_faas_platform_arg(u_char *p, char *name, size_t len,
    ngx_str_t *value)
{
    p = ngx_cpymem(p, name, len);

    return (u_char *) ngx_escape_uri(p, value->data, value->len,
                                     NGX_ESCAPE_ARGS);
}
