
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * TLS client contexts, one for each distinct trust setting and set of
 * faas_ssl_conf_command.
 */


#include "ngx_http_faas.h"
#include "ngx_http_faas_ssl.h"


static ngx_uint_t ngx_http_faas_ssl_same_commands(ngx_array_t *a,
    ngx_array_t *b);
static ngx_int_t ngx_http_faas_ssl_create(ngx_conf_t *cf,
    ngx_http_faas_ssl_t *fssl);


ngx_ssl_t *
ngx_http_faas_ssl_get(ngx_conf_t *cf, ngx_str_t *trusted, ngx_flag_t verify,
    ngx_array_t *commands)
{
    ngx_uint_t                  i;
    ngx_http_faas_ssl_t        *fssl;
    ngx_http_faas_main_conf_t  *fmcf;

    fmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_faas_module);

    fssl = fmcf->ssl.elts;

    for (i = 0; i < fmcf->ssl.nelts; i++) {
        if (fssl[i].verify == verify
            && fssl[i].trusted.len == trusted->len
            && ngx_strncmp(fssl[i].trusted.data, trusted->data,
                           trusted->len) == 0
            && ngx_http_faas_ssl_same_commands(fssl[i].commands, commands))
        {
            return fssl[i].ssl;
        }
    }

    fssl = ngx_array_push(&fmcf->ssl);
    if (fssl == NULL) {
        return NULL;
    }

    fssl->trusted = *trusted;
    fssl->verify = verify;
    fssl->commands = commands;

    if (ngx_http_faas_ssl_create(cf, fssl) != NGX_OK) {
        return NULL;
    }

    return fssl->ssl;
}


/* faas_ssl_conf_command NAME VALUE, as proxy_ssl_conf_command */

char *
ngx_http_faas_ssl_conf_command_check(ngx_conf_t *cf, void *post, void *data)
{
#ifndef SSL_CONF_FLAG_FILE
    return "is not supported on this platform";
#else
    return NGX_CONF_OK;
#endif
}


static ngx_uint_t
ngx_http_faas_ssl_same_commands(ngx_array_t *a, ngx_array_t *b)
{
    ngx_uint_t     i;
    ngx_keyval_t  *ka, *kb;

    if (a == b) {
        return 1;
    }

    if (a == NULL || b == NULL || a->nelts != b->nelts) {
        return 0;
    }

    ka = a->elts;
    kb = b->elts;

    for (i = 0; i < a->nelts; i++) {
        if (ka[i].key.len != kb[i].key.len
            || ka[i].value.len != kb[i].value.len
            || ngx_strncmp(ka[i].key.data, kb[i].key.data, ka[i].key.len)
               != 0
            || ngx_strncmp(ka[i].value.data, kb[i].value.data,
                           ka[i].value.len)
               != 0)
        {
            return 0;
        }
    }

    return 1;
}


static ngx_int_t
ngx_http_faas_ssl_create(ngx_conf_t *cf, ngx_http_faas_ssl_t *fssl)
{
    ngx_str_t            file;
    ngx_pool_cleanup_t  *cln;

    fssl->ssl = ngx_pcalloc(cf->pool, sizeof(ngx_ssl_t));
    if (fssl->ssl == NULL) {
        return NGX_ERROR;
    }

    fssl->ssl->log = cf->log;

    if (ngx_ssl_create(fssl->ssl, NGX_SSL_TLSv1_2|NGX_SSL_TLSv1_3, NULL)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        ngx_ssl_cleanup_ctx(fssl->ssl);
        return NGX_ERROR;
    }

    cln->handler = ngx_ssl_cleanup_ctx;
    cln->data = fssl->ssl;

    if (SSL_CTX_set_cipher_list(fssl->ssl->ctx, "HIGH:!aNULL:!MD5") == 0) {
        ngx_ssl_error(NGX_LOG_EMERG, cf->log, 0,
                      "faas: SSL_CTX_set_cipher_list() failed");
        return NGX_ERROR;
    }

    /* sessions to the gateway are kept and resumed (save_session) */
    if (ngx_ssl_client_session_cache(cf, fssl->ssl, 1) != NGX_OK) {
        return NGX_ERROR;
    }

    if (!fssl->verify) {
        goto commands;
    }

    /* a copy: ngx_ssl_trusted_certificate() rewrites it to a full path */
    file = fssl->trusted;

    if (ngx_ssl_trusted_certificate(cf, fssl->ssl, &file, 10) != NGX_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"faas_ssl_trusted_certificate\": cannot load "
                           "\"%V\"", &fssl->trusted);
        return NGX_ERROR;
    }

    if (file.len == 0
        && SSL_CTX_set_default_verify_paths(fssl->ssl->ctx) != 1)
    {
        ngx_ssl_error(NGX_LOG_EMERG, cf->log, 0,
                      "faas: cannot load the system CA certificates");
        return NGX_ERROR;
    }

commands:

    /* last, as nginx does: they may change any setting above */
    if (ngx_ssl_conf_commands(cf, fssl->ssl, fssl->commands) != NGX_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"faas_ssl_conf_command\": not accepted");
        return NGX_ERROR;
    }

    return NGX_OK;
}
