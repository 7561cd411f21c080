
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * The shared zone: one token entry for each credentials identity, seen by
 * every worker and kept across reloads.
 */


#include "ngx_http_faas.h"


static ngx_int_t ngx_http_faas_zone_init(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_http_faas_token_node_t *ngx_http_faas_store_attach(
    ngx_slab_pool_t *shpool, ngx_http_faas_shctx_t *sh, u_char *key);


static ngx_str_t  ngx_http_faas_zone_name = ngx_string("ngx_http_faas");


ngx_int_t
ngx_http_faas_zone_add(ngx_conf_t *cf, ngx_http_faas_main_conf_t *fmcf)
{
    size_t  size, table;

    if (fmcf->max_functions == NGX_CONF_UNSET_UINT) {
        fmcf->max_functions = NGX_HTTP_FAAS_MAX_FUNCTIONS;
    }

    /* the function table, and the slab's page descriptors for it */
    table = ngx_align(ngx_http_faas_stats_size(fmcf->max_functions),
                      ngx_pagesize);
    size = NGX_HTTP_FAAS_ZONE_SIZE + table + table / 64 + 2 * ngx_pagesize;

    fmcf->shm_zone = ngx_shared_memory_add(cf, &ngx_http_faas_zone_name,
                                           size, &ngx_http_faas_module);
    if (fmcf->shm_zone == NULL) {
        return NGX_ERROR;
    }

    fmcf->shm_zone->init = ngx_http_faas_zone_init;
    fmcf->shm_zone->data = fmcf;

    return NGX_OK;
}


static ngx_int_t
ngx_http_faas_zone_init(ngx_shm_zone_t *shm_zone, void *data)
{
    size_t                      len;
    ngx_uint_t                  i;
    ngx_slab_pool_t            *shpool;
    ngx_http_faas_cred_t      **creds;
    ngx_http_faas_shctx_t      *sh;
    ngx_http_faas_main_conf_t  *fmcf;

    fmcf = shm_zone->data;
    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (data != NULL || shm_zone->shm.exists) {
        /* a reload or an existing zone: tokens stay */
        sh = shpool->data;

    } else {
        sh = ngx_slab_alloc(shpool, sizeof(ngx_http_faas_shctx_t));
        if (sh == NULL) {
            return NGX_ERROR;
        }

        ngx_queue_init(&sh->nodes);
        ngx_queue_init(&sh->gateways);
        sh->functions = NULL;
        shpool->data = sh;

        len = sizeof(" in faas zone \"\"") + shm_zone->shm.name.len;

        shpool->log_ctx = ngx_slab_alloc(shpool, len);
        if (shpool->log_ctx == NULL) {
            return NGX_ERROR;
        }

        ngx_sprintf(shpool->log_ctx, " in faas zone \"%V\"%Z",
                    &shm_zone->shm.name);

        shpool->log_nomem = 0;
    }

    if (ngx_http_faas_stats_init_zone(shm_zone, shpool, sh, fmcf) != NGX_OK) {
        return NGX_ERROR;
    }

    creds = fmcf->creds.elts;

    for (i = 0; i < fmcf->creds.nelts; i++) {
        creds[i]->shpool = shpool;
        creds[i]->node = ngx_http_faas_store_attach(shpool, sh,
                                                    creds[i]->key);
        if (creds[i]->node == NULL) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


static ngx_http_faas_token_node_t *
ngx_http_faas_store_attach(ngx_slab_pool_t *shpool, ngx_http_faas_shctx_t *sh,
    u_char *key)
{
    ngx_queue_t                 *q;
    ngx_http_faas_token_node_t  *node;

    ngx_shmtx_lock(&shpool->mutex);

    for (q = ngx_queue_head(&sh->nodes);
         q != ngx_queue_sentinel(&sh->nodes);
         q = ngx_queue_next(q))
    {
        node = ngx_queue_data(q, ngx_http_faas_token_node_t, queue);

        if (ngx_memcmp(node->key, key, NGX_HTTP_FAAS_KEY_LEN) == 0) {
            ngx_shmtx_unlock(&shpool->mutex);
            return node;
        }
    }

    node = ngx_slab_calloc_locked(shpool, sizeof(ngx_http_faas_token_node_t));

    if (node != NULL) {
        ngx_memcpy(node->key, key, NGX_HTTP_FAAS_KEY_LEN);
        ngx_queue_insert_tail(&sh->nodes, &node->queue);
    }

    ngx_shmtx_unlock(&shpool->mutex);

    return node;
}


ngx_int_t
ngx_http_faas_store_get(ngx_http_faas_cred_t *cred, ngx_str_t *token,
    time_t *expires)
{
    ngx_int_t                    rc;
    ngx_http_faas_token_node_t  *node;

    node = cred->node;

    ngx_shmtx_lock(&cred->shpool->mutex);

    cred->cached_generation = node->generation;

    if (node->token_len == 0 || node->token_len > NGX_HTTP_FAAS_TOKEN_MAX) {
        rc = NGX_DECLINED;

    } else {
        token->len = node->token_len;
        ngx_memcpy(token->data, node->token, node->token_len);
        *expires = node->expires;
        rc = NGX_OK;
    }

    ngx_shmtx_unlock(&cred->shpool->mutex);

    return rc;
}


/*
 * One fetch at a time for all workers: the claim has a deadline, so that
 * a worker that dies while fetching does not stop the others for long.
 * The caller claims for the token of the generation it saw last; if
 * another worker has stored or dropped one since (NGX_DONE), there is
 * nothing to fetch until the caller has looked again: looking and
 * claiming are two holds of the lock, and a fetch can end between them.
 */

ngx_int_t
ngx_http_faas_store_claim(ngx_http_faas_cred_t *cred, ngx_uint_t generation)
{
    ngx_int_t                    rc;
    ngx_msec_t                   now;
    ngx_http_faas_token_node_t  *node;

    node = cred->node;
    now = ngx_current_msec;

    ngx_shmtx_lock(&cred->shpool->mutex);

    if (node->generation != generation) {
        rc = NGX_DONE;

    } else if (node->fetcher != 0
               && (ngx_msec_int_t) (node->claim_expires - now) > 0)
    {
        rc = NGX_BUSY;

    } else if (node->next_attempt
               && (ngx_msec_int_t) (node->next_attempt - now) > 0)
    {
        rc = NGX_DECLINED;

    } else {
        node->fetcher = ngx_pid;
        node->claim_expires = now + cred->token_timeout + 1000;
        rc = NGX_OK;
    }

    ngx_shmtx_unlock(&cred->shpool->mutex);

    return rc;
}


/* the fetch cannot start yet: another worker may claim it */

void
ngx_http_faas_store_release(ngx_http_faas_cred_t *cred)
{
    ngx_shmtx_lock(&cred->shpool->mutex);

    if (cred->node->fetcher == ngx_pid) {
        cred->node->fetcher = 0;
    }

    ngx_shmtx_unlock(&cred->shpool->mutex);
}


/*
 * The gateway refused the token of this generation: drop it, once for all
 * requests that saw the refusal, and at most every few seconds, so that
 * a client the gateway always refuses cannot flood the authorization
 * server.
 */

ngx_int_t
ngx_http_faas_store_drop(ngx_http_faas_cred_t *cred, ngx_uint_t generation)
{
    time_t                       now;
    ngx_int_t                    rc;
    ngx_http_faas_token_node_t  *node;

    node = cred->node;
    now = ngx_time();

    ngx_shmtx_lock(&cred->shpool->mutex);

    if (node->generation != generation || node->token_len == 0) {
        /* dropped already, or replaced: the caller just fetches again */
        rc = NGX_DONE;

    } else if (node->dropped && now - node->dropped < 2) {
        rc = NGX_DECLINED;

    } else {
        node->token_len = 0;
        node->expires = 0;
        node->dropped = now;
        node->generation++;
        rc = NGX_OK;
    }

    ngx_shmtx_unlock(&cred->shpool->mutex);

    return rc;
}


ngx_int_t
ngx_http_faas_store_save(ngx_http_faas_cred_t *cred, ngx_str_t *token,
    time_t expires)
{
    u_char                      *p;
    ngx_http_faas_token_node_t  *node;
    u_char                       fp[NGX_HTTP_FAAS_FINGERPRINT_LEN];

    node = cred->node;

    ngx_http_faas_token_fingerprint(token, fp);

    ngx_shmtx_lock(&cred->shpool->mutex);

    if (node->fetcher == ngx_pid) {
        node->fetcher = 0;
    }

    p = ngx_slab_alloc_locked(cred->shpool, token->len);

    if (p == NULL) {
        ngx_shmtx_unlock(&cred->shpool->mutex);
        return NGX_ERROR;
    }

    if (node->token != NULL) {
        ngx_slab_free_locked(cred->shpool, node->token);
    }

    ngx_memcpy(p, token->data, token->len);

    node->token = p;
    node->token_len = token->len;
    ngx_memcpy(node->fingerprint, fp, NGX_HTTP_FAAS_FINGERPRINT_LEN);
    node->expires = expires;
    node->fetched = ngx_time();
    node->fetches++;
    node->failures = 0;
    node->next_attempt = 0;
    node->generation++;

    ngx_shmtx_unlock(&cred->shpool->mutex);

    return NGX_OK;
}


/*
 * When to try again after the n-th failure in a row (token fetches and
 * Domain API lookups): 1, 2, 4 ... s, at most a minute, each with up to
 * half off at random; never 0, which means "now".
 */

ngx_msec_t
ngx_http_faas_backoff(ngx_uint_t failures)
{
    ngx_msec_t  backoff, next;

    backoff = (failures > 7) ? 60000 : (1000 << (failures - 1));
    backoff = ngx_min(backoff, 60000);
    backoff = backoff / 2 + (ngx_msec_t) ngx_random() % (backoff / 2 + 1);

    next = ngx_current_msec + backoff;

    return (next == 0) ? 1 : next;
}


void
ngx_http_faas_store_fail(ngx_http_faas_cred_t *cred, ngx_uint_t status,
    const char *code, ngx_str_t *error, ngx_msec_t retry_at)
{
    ngx_http_faas_token_node_t  *node;

    node = cred->node;

    ngx_shmtx_lock(&cred->shpool->mutex);

    if (node->fetcher == ngx_pid) {
        node->fetcher = 0;
    }

    node->failures++;
    node->last_failure = ngx_time();

    if (retry_at && (ngx_msec_int_t) (retry_at - ngx_current_msec) > 0) {
        /*
         * what failed was a lookup the fetch depends on, which backs off
         * itself: the next fetch goes when that lookup may go again, a
         * backoff of its own on top would only delay the recovery
         */
        node->next_attempt = retry_at;

    } else {
        node->next_attempt = ngx_http_faas_backoff(node->failures);
    }

    node->error_status = status;

    ngx_cpystrn(node->error_code, (u_char *) code, sizeof(node->error_code));

    ngx_cpystrn(node->error, error->data,
                ngx_min(error->len + 1, NGX_HTTP_FAAS_ERROR_LEN));

    node->fail_generation++;

    ngx_shmtx_unlock(&cred->shpool->mutex);
}


ngx_int_t
ngx_http_faas_store_error(ngx_http_faas_cred_t *cred, ngx_pool_t *pool,
    ngx_str_t *code, ngx_str_t *error, time_t *retry)
{
    ngx_int_t                    status;
    ngx_http_faas_token_node_t  *node;

    node = cred->node;

    ngx_shmtx_lock(&cred->shpool->mutex);

    status = node->error_status ? node->error_status
                                : NGX_HTTP_SERVICE_UNAVAILABLE;

    code->len = ngx_strlen(node->error_code);
    error->len = ngx_strlen(node->error);
    *retry = ((ngx_msec_int_t) (node->next_attempt - ngx_current_msec)
              + 999) / 1000;

    code->data = ngx_pnalloc(pool, code->len + 1);
    error->data = ngx_pnalloc(pool, error->len + 1);

    if (code->data && error->data) {
        /* the code is used as a C string */
        ngx_cpystrn(code->data, node->error_code, code->len + 1);
        ngx_memcpy(error->data, node->error, error->len);

    } else {
        code->len = 0;
        error->len = 0;
    }

    ngx_shmtx_unlock(&cred->shpool->mutex);

    if (*retry < 1) {
        *retry = 1;
    }

    return status;
}
