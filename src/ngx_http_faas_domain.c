
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * The LivePerson Domain API: the hosts of the authorization server
 * ("sentinel") and of the gateway ("faasGW"), looked up once per TTL for
 * all workers, kept in the store's slots of the credentials set, the last
 * good answer kept when a lookup fails.
 */


#include "ngx_http_faas.h"
#include "ngx_http_faas_domain.h"
#include "ngx_http_faas_store.h"
#include "ngx_http_faas_client.h"
#include "ngx_http_faas_error_table.h"

#include <cjson/cJSON.h>


static ngx_int_t ngx_http_faas_domain_start(ngx_http_faas_cred_t *cred,
    ngx_uint_t svc);
static void ngx_http_faas_domain_fetched(ngx_http_faas_client_t *client);
static ngx_int_t ngx_http_faas_domain_check(ngx_http_faas_client_t *client,
    ngx_str_t *base, u_char *error);


static ngx_str_t  ngx_http_faas_services[] = {
    ngx_string("sentinel"),
    ngx_string("faasGW")
};


ngx_str_t *
ngx_http_faas_domain_service(ngx_uint_t svc)
{
    return &ngx_http_faas_services[svc];
}


/*
 * "host" or "host:port", nothing else: a scheme, a path, user info or
 * any other character in an answer is refused
 */

ngx_int_t
ngx_http_faas_baseuri_parse(u_char *data, size_t len, ngx_str_t *host,
    in_port_t *port)
{
    u_char      *p, *last, *colon;
    ngx_int_t    n;

    if (len == 0 || len > NGX_HTTP_FAAS_HOST_MAX) {
        return NGX_ERROR;
    }

    last = data + len;
    colon = NULL;

    for (p = data; p < last; p++) {
        if (*p == ':') {
            if (colon != NULL) {
                return NGX_ERROR;
            }

            colon = p;
            continue;
        }

        if (colon != NULL) {
            if (*p < '0' || *p > '9') {
                return NGX_ERROR;
            }

            continue;
        }

        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
              || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
        {
            return NGX_ERROR;
        }
    }

    host->data = data;
    host->len = (colon ? colon : last) - data;

    if (host->len == 0 || host->data[0] == '.' || host->data[0] == '-') {
        return NGX_ERROR;
    }

    *port = 443;

    if (colon != NULL) {
        n = ngx_atoi(colon + 1, last - colon - 1);
        if (n < 1 || n > 65535) {
            return NGX_ERROR;
        }

        *port = (in_port_t) n;
    }

    return NGX_OK;
}


/*
 * NGX_OK: the service's base URI (host[:port]) is in "base", maybe stale
 * (a lookup then refreshes it in the background); NGX_AGAIN: a lookup is
 * under way; NGX_DECLINED: no answer was ever had and lookups back off.
 */

ngx_int_t
ngx_http_faas_domain_get(ngx_http_faas_cred_t *cred, ngx_uint_t svc,
    ngx_pool_t *pool, ngx_str_t *base)
{
    time_t                       expires;
    ngx_int_t                    rc;
    ngx_http_faas_cred_state_t  *st;

    st = cred->state;

    if (ngx_http_faas_store_host_get(cred, svc, pool, base, &expires)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (base->len) {
        /* a stale answer: looked up again in the background */
        if (ngx_time() >= expires && st->domain_fetch[svc] == NULL
            && !ngx_exiting
            && ngx_http_faas_store_claim(cred, svc, 0) == NGX_OK)
        {
            (void) ngx_http_faas_domain_start(cred, svc);
        }

        return NGX_OK;
    }

    if (st->domain_fetch[svc] != NULL) {
        return NGX_AGAIN;
    }

    rc = ngx_http_faas_store_claim(cred, svc, 0);

    if (rc == NGX_BUSY) {
        return NGX_AGAIN;
    }

    if (rc == NGX_DECLINED) {
        return NGX_DECLINED;
    }

    return ngx_http_faas_domain_start(cred, svc);
}


/* why the last lookup failed, and when the next one may go (0: now) */

ngx_msec_t
ngx_http_faas_domain_error(ngx_http_faas_cred_t *cred, ngx_uint_t svc,
    ngx_pool_t *pool, ngx_str_t *error)
{
    return ngx_http_faas_store_host_error(cred, svc, pool, error);
}


/* the worker exits: a lookup under way goes with it, and its claim */

void
ngx_http_faas_domain_exit_process(ngx_http_faas_cred_t *cred)
{
    ngx_uint_t                   svc;
    ngx_http_faas_cred_state_t  *st;

    st = cred->state;

    for (svc = 0; svc < 2; svc++) {
        if (st->domain_fetch[svc] != NULL) {
            ngx_http_faas_client_close(st->domain_fetch[svc]);
            st->domain_fetch[svc] = NULL;
            ngx_http_faas_store_release(cred, svc);
        }
    }
}


/* the lookup is claimed: start it; NGX_AGAIN while it runs */

static ngx_int_t
ngx_http_faas_domain_start(ngx_http_faas_cred_t *cred, ngx_uint_t svc)
{
    u_char                       buf[NGX_HTTP_FAAS_ERROR_LEN];
    ngx_http_faas_client_t      *client;
    ngx_http_faas_cred_state_t  *st;

    st = cred->state;
    client = ngx_http_faas_client_create(ngx_cycle->log, &cred->domain);

    if (client == NULL) {
        ngx_cpystrn(buf, (u_char *) "out of memory", sizeof(buf));
        ngx_http_faas_store_host_save(cred, svc, NULL, buf);
        return NGX_DECLINED;
    }

    client->ssl = cred->ssl;
    client->verify = cred->ssl_verify;
    client->resolver = cred->resolver;
    client->resolver_timeout = cred->resolver_timeout;
    client->request = cred->domain_request[svc];
    client->timeout = cred->token_timeout;
    client->handler = ngx_http_faas_domain_fetched;
    client->data = cred;
    client->service = svc;
    ngx_http_faas_client_describe(client,
                                  "lookup of \"%V\" of credentials \"%V\"",
                                  &ngx_http_faas_services[svc], &cred->name);

    st->domain_fetch[svc] = client;

    ngx_http_faas_client_start(client);

    if (st->domain_fetch[svc] != NULL) {
        return NGX_AGAIN;
    }

    return ngx_http_faas_store_host_known(cred, svc) ? NGX_AGAIN
                                                     : NGX_DECLINED;
}


static void
ngx_http_faas_domain_fetched(ngx_http_faas_client_t *client)
{
    ngx_str_t                    base;
    ngx_uint_t                   svc, level;
    ngx_http_faas_cred_t        *cred;
    u_char                       error[NGX_HTTP_FAAS_ERROR_LEN];
    ngx_http_faas_cred_state_t  *st;

    cred = client->data;
    st = cred->state;
    svc = client->service;
    st->domain_fetch[svc] = NULL;

    if (client->error == NGX_HTTP_FAAS_CLIENT_CLOSED) {
        /* no failure of the Domain API: no backoff */
        ngx_log_error(NGX_LOG_INFO, client->log, 0,
                      "faas: credentials \"%V\": lookup of service \"%V\" "
                      "ended: %s", &cred->name, &ngx_http_faas_services[svc],
                      client->error_text);

        ngx_http_faas_store_release(cred, svc);
        ngx_http_faas_client_close(client);
        ngx_http_faas_store_wake(cred, NGX_ABORT);
        return;
    }

    error[0] = '\0';

    if (ngx_http_faas_domain_check(client, &base, error) == NGX_OK) {
        ngx_log_error(NGX_LOG_INFO, client->log, 0,
                      "faas: credentials \"%V\": service \"%V\" is at "
                      "\"%V\"", &cred->name, &ngx_http_faas_services[svc],
                      &base);

        ngx_http_faas_store_host_save(cred, svc, &base, NULL);

    } else {
        if (!client->logged
            || client->error != NGX_HTTP_FAAS_CLIENT_CONNECT)
        {
            level = ngx_http_faas_error_level(
                        NGX_HTTP_FAAS_ERR_DOMAIN_LOOKUP_FAILED);

            ngx_log_error(level, client->log, 0,
                          "faas: credentials \"%V\": lookup of service "
                          "\"%V\" failed: %s", &cred->name,
                          &ngx_http_faas_services[svc], error);
        }

        ngx_http_faas_store_host_save(cred, svc, NULL, error);
    }

    ngx_http_faas_client_close(client);

    /* waiting requests look again: at the answer, or at the failure */
    ngx_http_faas_store_wake(cred, NGX_OK);
}


static ngx_int_t
ngx_http_faas_domain_check(ngx_http_faas_client_t *client, ngx_str_t *base,
    u_char *error)
{
    cJSON      *root, *item;
    u_char     *last;
    ngx_int_t   rc;
    ngx_str_t   host;
    in_port_t   port;

    last = error + NGX_HTTP_FAAS_ERROR_LEN - 1;

    if (client->error != NGX_HTTP_FAAS_CLIENT_OK) {
        *ngx_slprintf(error, last, "%s", client->error_text) = '\0';
        return NGX_ERROR;
    }

    if (client->response.status != NGX_HTTP_OK) {
        *ngx_slprintf(error, last, "the Domain API answered status %ui",
                      client->response.status)
            = '\0';
        return NGX_ERROR;
    }

    root = cJSON_ParseWithLength((const char *) client->response.body.data,
                                 client->response.body.len);

    rc = NGX_ERROR;

    if (root == NULL || !cJSON_IsObject(root)) {
        *ngx_slprintf(error, last, "the answer is not a JSON object") = '\0';
        goto done;
    }

    item = cJSON_GetObjectItemCaseSensitive(root, "baseURI");

    if (!cJSON_IsString(item)) {
        *ngx_slprintf(error, last, "the answer has no \"baseURI\"") = '\0';
        goto done;
    }

    base->len = ngx_strlen(item->valuestring);
    base->data = ngx_pnalloc(client->pool, base->len + 1);

    if (base->data == NULL) {
        *ngx_slprintf(error, last, "out of memory") = '\0';
        goto done;
    }

    ngx_memcpy(base->data, item->valuestring, base->len);

    if (ngx_http_faas_baseuri_parse(base->data, base->len, &host, &port)
        != NGX_OK)
    {
        /* no scheme, path or credentials smuggled in */
        *ngx_slprintf(error, last, "\"baseURI\" is not a host[:port]: "
                      "\"%*s\"", ngx_min(base->len, (size_t) 64), base->data)
            = '\0';
        goto done;
    }

    rc = NGX_OK;

done:

    if (root) {
        cJSON_Delete(root);
    }

    return rc;
}

