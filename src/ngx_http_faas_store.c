
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * The shared zone: one token entry for each credentials identity, seen by
 * every worker and kept across reloads, freed at a reload once no running
 * configuration uses it.  The store is its sole owner: the token and the
 * hosts of the Domain API are slots of an entry, each with one claim,
 * deadline and backoff for all workers, and the requests of a worker
 * that wait for a slot are woken here by whoever ended the fetch.
 */


#include "ngx_http_faas.h"
#include "ngx_http_faas_store.h"
#include "ngx_http_faas_stats.h"
#include "ngx_http_faas_error_table.h"

#include <openssl/evp.h>


/*
 * One fetch at a time for all workers, and the backoff after failures:
 * the same for the token and for each host the Domain API gives.
 */
typedef struct {
    ngx_pid_t                       fetcher;
    ngx_msec_t                      claim_expires;  /* monotonic */
    ngx_msec_t                      next_attempt;   /* monotonic */
    ngx_uint_t                      failures;       /* in a row */
} ngx_http_faas_claim_t;


/* what the Domain API said of a service */
typedef struct {
    /* host[:port], as the Domain API's baseURI gave it */
    u_char                          host[NGX_HTTP_FAAS_HOST_MAX + 1];
    size_t                          host_len;
    time_t                          expires;
    time_t                          fetched;
    ngx_http_faas_claim_t           claim;
    ngx_uint_t                      lookups;
    ngx_uint_t                      failed;         /* lookups, in all */
    u_char                          error[NGX_HTTP_FAAS_ERROR_LEN];
} ngx_http_faas_domain_entry_t;


/*
 * A credentials set's entry: its token and hosts, read and written here
 * only, and the counters the stats part and the peer count into
 */
struct ngx_http_faas_token_node_s {
    ngx_queue_t                     queue;
    u_char                          key[NGX_HTTP_FAAS_KEY_LEN];
    ngx_uint_t                      conf_generation;  /* last used by */
    ngx_uint_t                      conf_created;     /* allocated by */
    ngx_atomic_t                    generation;
    ngx_atomic_t                    fail_generation;
    time_t                          expires;
    time_t                          fetched;
    time_t                          dropped;
    ngx_http_faas_claim_t           claim;
    ngx_uint_t                      fetches;
    time_t                          last_failure;
    ngx_uint_t                      error_code;   /* the last failure's */
    u_char                          error[NGX_HTTP_FAAS_ERROR_LEN];
    size_t                          token_len;
    u_char                         *token;
    u_char                          fingerprint[NGX_HTTP_FAAS_FINGERPRINT_LEN];

    ngx_http_faas_domain_entry_t    services[2];
    ngx_atomic_t                    domain_generation;

    ngx_http_faas_cred_stats_t      stats;
    ngx_http_faas_gw_stats_t        gateway;
};


/* a worker process and the configuration it runs */
typedef struct {
    ngx_pid_t                       pid;
    ngx_uint_t                      generation;
} ngx_http_faas_worker_t;


typedef struct {
    ngx_queue_t                     nodes;
    ngx_http_faas_fn_table_t       *functions;    /* the stats part's */
    ngx_uint_t                      generation;   /* of configurations */
    ngx_http_faas_worker_t         *workers;      /* NGX_MAX_PROCESSES */
} ngx_http_faas_shctx_t;


static ngx_int_t ngx_http_faas_zone_init(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_int_t ngx_http_faas_zone_create(ngx_shm_zone_t *shm_zone,
    ngx_slab_pool_t *shpool);
static ngx_int_t ngx_http_faas_zone_functions(ngx_shm_zone_t *shm_zone,
    ngx_slab_pool_t *shpool, ngx_http_faas_main_conf_t *fmcf);
static void ngx_http_faas_zone_full(ngx_shm_zone_t *shm_zone,
    ngx_http_faas_main_conf_t *fmcf, ngx_http_faas_cred_t *cred);
static ngx_int_t ngx_http_faas_store_attach(ngx_slab_pool_t *shpool,
    ngx_http_faas_shctx_t *sh, ngx_http_faas_main_conf_t *fmcf,
    ngx_uint_t running, ngx_http_faas_cred_t **failed, ngx_uint_t *freed);
static ngx_http_faas_token_node_t *ngx_http_faas_store_find(
    ngx_http_faas_shctx_t *sh, u_char *key);
static ngx_uint_t ngx_http_faas_store_oldest(ngx_http_faas_shctx_t *sh,
    ngx_uint_t running);
static ngx_uint_t ngx_http_faas_store_sweep(ngx_slab_pool_t *shpool,
    ngx_http_faas_shctx_t *sh, ngx_uint_t oldest, ngx_uint_t created);
static ngx_http_faas_claim_t *ngx_http_faas_store_slot(
    ngx_http_faas_cred_t *cred, ngx_uint_t slot);
static ngx_msec_t ngx_http_faas_backoff(ngx_uint_t failures);
static void ngx_http_faas_claim_end(ngx_http_faas_claim_t *c,
    ngx_uint_t failed, ngx_msec_t retry_at);
static void ngx_http_faas_store_wait_timeout(ngx_event_t *ev);


static ngx_str_t  ngx_http_faas_zone_name = ngx_string("ngx_http_faas");


ngx_int_t
ngx_http_faas_zone_add(ngx_conf_t *cf, ngx_http_faas_main_conf_t *fmcf)
{
    size_t  size, fixed;

    if (fmcf->max_functions == NGX_CONF_UNSET_UINT) {
        fmcf->max_functions = NGX_HTTP_FAAS_MAX_FUNCTIONS;
    }

    if (fmcf->zone_size == NGX_CONF_UNSET_SIZE) {
        fmcf->zone_size = NGX_HTTP_FAAS_ZONE_SIZE;
    }

    /*
     * faas_zone_size is for the tokens; the function table and the list
     * of workers come on top, with the slab's page descriptors for them
     */
    fixed = ngx_align(ngx_http_faas_stats_size(fmcf->max_functions),
                      ngx_pagesize)
            + ngx_align(NGX_MAX_PROCESSES * sizeof(ngx_http_faas_worker_t),
                        ngx_pagesize);
    size = fmcf->zone_size + fixed + fixed / 64 + 2 * ngx_pagesize;

    fmcf->shm_zone = ngx_shared_memory_add(cf, &ngx_http_faas_zone_name,
                                           size, &ngx_http_faas_module);
    if (fmcf->shm_zone == NULL) {
        return NGX_ERROR;
    }

    fmcf->shm_zone->init = ngx_http_faas_zone_init;
    fmcf->shm_zone->data = fmcf;

    return NGX_OK;
}


/*
 * Each configuration that uses the zone is a generation.  A node is
 * marked with the last generation that uses it; at a reload, nodes that
 * neither the running configuration nor a live worker of an older one
 * uses any more are freed: workers of older configurations may still be
 * finishing their requests, and the running one stays if the new one
 * fails to load.
 */

static ngx_int_t
ngx_http_faas_zone_init(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_int_t                   rc;
    ngx_uint_t                  running, freed;
    ngx_slab_pool_t            *shpool;
    ngx_http_faas_cred_t       *failed;
    ngx_http_faas_shctx_t      *sh;
    ngx_http_faas_main_conf_t  *fmcf, *ofmcf;

    fmcf = shm_zone->data;
    ofmcf = data;
    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    /* a reload or an existing zone: tokens stay */
    if (ofmcf == NULL && !shm_zone->shm.exists) {
        if (ngx_http_faas_zone_create(shm_zone, shpool) != NGX_OK) {
            ngx_http_faas_zone_full(shm_zone, fmcf, NULL);
            return NGX_ERROR;
        }
    }

    sh = shpool->data;
    fmcf->shpool = shpool;

    if (ngx_http_faas_zone_functions(shm_zone, shpool, fmcf) != NGX_OK) {
        ngx_http_faas_zone_full(shm_zone, fmcf, NULL);
        return NGX_ERROR;
    }

    /* nothing is freed but at a reload (0: no generation is older) */
    running = (ofmcf != NULL) ? ofmcf->generation : 0;
    failed = NULL;
    freed = 0;

    ngx_shmtx_lock(&shpool->mutex);

    fmcf->generation = ++sh->generation;

    rc = ngx_http_faas_store_attach(shpool, sh, fmcf, running, &failed,
                                    &freed);

    ngx_shmtx_unlock(&shpool->mutex);

    if (freed) {
        ngx_log_error(NGX_LOG_INFO, shm_zone->shm.log, 0,
                      "faas: zone \"%V\": token entries that no running "
                      "configuration uses, freed: %ui",
                      &shm_zone->shm.name, freed);
    }

    if (rc != NGX_OK) {
        ngx_http_faas_zone_full(shm_zone, fmcf, failed);
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_faas_zone_create(ngx_shm_zone_t *shm_zone, ngx_slab_pool_t *shpool)
{
    size_t                  len;
    ngx_http_faas_shctx_t  *sh;

    sh = ngx_slab_calloc(shpool, sizeof(ngx_http_faas_shctx_t));
    if (sh == NULL) {
        return NGX_ERROR;
    }

    ngx_queue_init(&sh->nodes);
    shpool->data = sh;

    sh->workers = ngx_slab_calloc(shpool, NGX_MAX_PROCESSES
                                          * sizeof(ngx_http_faas_worker_t));
    if (sh->workers == NULL) {
        return NGX_ERROR;
    }

    len = sizeof(" in faas zone \"\"") + shm_zone->shm.name.len;

    shpool->log_ctx = ngx_slab_alloc(shpool, len);
    if (shpool->log_ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_snprintf(shpool->log_ctx, len, " in faas zone \"%V\"%Z",
                 &shm_zone->shm.name);

    /* nginx's own "no memory" lines stay: a full zone is news */

    return NGX_OK;
}


/*
 * The stats part's table of functions: the room is made here, once for
 * the zone; the table is laid out and read by the stats part, which
 * takes the zone's lock only to enter a new UUID
 */

static ngx_int_t
ngx_http_faas_zone_functions(ngx_shm_zone_t *shm_zone,
    ngx_slab_pool_t *shpool, ngx_http_faas_main_conf_t *fmcf)
{
    ngx_uint_t              fresh;
    ngx_http_faas_shctx_t  *sh;

    sh = shpool->data;
    fresh = 0;

    if (sh->functions == NULL) {
        sh->functions = ngx_slab_calloc(shpool,
                            ngx_http_faas_stats_size(fmcf->max_functions));
        if (sh->functions == NULL) {
            return NGX_ERROR;
        }

        fresh = 1;
    }

    ngx_http_faas_stats_init_zone(shm_zone, sh->functions, fresh,
                                  &shpool->mutex, fmcf);

    return NGX_OK;
}


/* the configuration does not fit: nginx -t, the start or the reload fail */

static void
ngx_http_faas_zone_full(ngx_shm_zone_t *shm_zone,
    ngx_http_faas_main_conf_t *fmcf, ngx_http_faas_cred_t *cred)
{
    if (cred != NULL) {
        ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                      "faas: the shared zone \"%V\" of %uz bytes has no "
                      "room for the token of \"faas_credentials\" \"%V\" "
                      "(%ui sets): \"faas_zone_size\" sets its size "
                      "(now %uz bytes, besides the table of "
                      "\"faas_status_max_functions\")",
                      &shm_zone->shm.name, shm_zone->shm.size, &cred->name,
                      fmcf->creds.nelts, fmcf->zone_size);
        return;
    }

    ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                  "faas: the shared zone \"%V\" of %uz bytes is too small "
                  "for its table of %ui functions: \"faas_zone_size\" sets "
                  "its size (now %uz bytes), \"faas_status_max_functions\" "
                  "the table's", &shm_zone->shm.name, shm_zone->shm.size,
                  fmcf->max_functions, fmcf->zone_size);
}


/*
 * Under the lock: the nodes this configuration keeps are marked first,
 * then the unused ones go, so that their room serves the new ones; if
 * one cannot be had, the new ones go again and the configuration fails.
 */

static ngx_int_t
ngx_http_faas_store_attach(ngx_slab_pool_t *shpool, ngx_http_faas_shctx_t *sh,
    ngx_http_faas_main_conf_t *fmcf, ngx_uint_t running,
    ngx_http_faas_cred_t **failed, ngx_uint_t *freed)
{
    ngx_uint_t                   i;
    ngx_http_faas_cred_t       **creds;
    ngx_http_faas_token_node_t  *node;

    creds = fmcf->creds.elts;

    for (i = 0; i < fmcf->creds.nelts; i++) {
        creds[i]->shpool = shpool;
        creds[i]->node = ngx_http_faas_store_find(sh, creds[i]->key);

        if (creds[i]->node != NULL) {
            creds[i]->node->conf_generation = fmcf->generation;
        }
    }

    *freed = ngx_http_faas_store_sweep(shpool, sh,
                                       ngx_http_faas_store_oldest(sh, running),
                                       0);

    for (i = 0; i < fmcf->creds.nelts; i++) {
        if (creds[i]->node != NULL) {
            continue;
        }

        /* another set of this configuration may have the same key */
        node = ngx_http_faas_store_find(sh, creds[i]->key);

        if (node == NULL) {
            node = ngx_slab_calloc_locked(shpool,
                                          sizeof(ngx_http_faas_token_node_t));
            if (node == NULL) {
                (void) ngx_http_faas_store_sweep(shpool, sh, 0,
                                                 fmcf->generation);
                *failed = creds[i];
                return NGX_ERROR;
            }

            ngx_memcpy(node->key, creds[i]->key, NGX_HTTP_FAAS_KEY_LEN);
            node->conf_created = fmcf->generation;
            ngx_queue_insert_tail(&sh->nodes, &node->queue);
        }

        node->conf_generation = fmcf->generation;
        creds[i]->node = node;
    }

    for (i = 0; i < fmcf->creds.nelts; i++) {
        creds[i]->stats = &creds[i]->node->stats;
        creds[i]->gw.stats = &creds[i]->node->gateway;
    }

    return NGX_OK;
}


static ngx_http_faas_token_node_t *
ngx_http_faas_store_find(ngx_http_faas_shctx_t *sh, u_char *key)
{
    ngx_queue_t                 *q;
    ngx_http_faas_token_node_t  *node;

    for (q = ngx_queue_head(&sh->nodes);
         q != ngx_queue_sentinel(&sh->nodes);
         q = ngx_queue_next(q))
    {
        node = ngx_queue_data(q, ngx_http_faas_token_node_t, queue);

        if (ngx_memcmp(node->key, key, NGX_HTTP_FAAS_KEY_LEN) == 0) {
            return node;
        }
    }

    return NULL;
}


/*
 * The oldest generation still in use: the running configuration's, or
 * that of a live worker of an older one.  A worker that died without
 * saying so (a crash) is found gone here.  In a single process nginx,
 * this very process takes the new configuration.
 */

static ngx_uint_t
ngx_http_faas_store_oldest(ngx_http_faas_shctx_t *sh, ngx_uint_t running)
{
    ngx_uint_t               i, oldest;
    ngx_http_faas_worker_t  *w;

    oldest = running;

    for (i = 0; i < NGX_MAX_PROCESSES; i++) {
        w = &sh->workers[i];

        if (w->pid == 0 || w->pid == ngx_pid) {
            continue;
        }

        if (kill(w->pid, 0) == -1 && ngx_errno == NGX_ESRCH) {
            w->pid = 0;
            continue;
        }

        if (w->generation < oldest) {
            oldest = w->generation;
        }
    }

    return oldest;
}


/* frees the nodes last used before "oldest", or made by "created" */

static ngx_uint_t
ngx_http_faas_store_sweep(ngx_slab_pool_t *shpool, ngx_http_faas_shctx_t *sh,
    ngx_uint_t oldest, ngx_uint_t created)
{
    ngx_uint_t                   n;
    ngx_queue_t                 *q, *next;
    ngx_http_faas_token_node_t  *node;

    n = 0;

    for (q = ngx_queue_head(&sh->nodes);
         q != ngx_queue_sentinel(&sh->nodes);
         q = next)
    {
        next = ngx_queue_next(q);
        node = ngx_queue_data(q, ngx_http_faas_token_node_t, queue);

        if (node->conf_generation >= oldest
            && (created == 0 || node->conf_created != created))
        {
            /* in use, or not made by the configuration that failed */
            continue;
        }

        ngx_queue_remove(q);

        if (node->token != NULL) {
            ngx_slab_free_locked(shpool, node->token);
        }

        ngx_slab_free_locked(shpool, node);
        n++;
    }

    return n;
}


/* a worker says which configuration it runs, for as long as it runs */

void
ngx_http_faas_store_init_process(ngx_http_faas_main_conf_t *fmcf)
{
    ngx_http_faas_shctx_t  *sh;

    if (ngx_process == NGX_PROCESS_HELPER
        || ngx_process_slot < 0 || ngx_process_slot >= NGX_MAX_PROCESSES)
    {
        return;
    }

    sh = fmcf->shpool->data;

    ngx_shmtx_lock(&fmcf->shpool->mutex);

    sh->workers[ngx_process_slot].pid = ngx_pid;
    sh->workers[ngx_process_slot].generation = fmcf->generation;

    ngx_shmtx_unlock(&fmcf->shpool->mutex);
}


void
ngx_http_faas_store_exit_process(ngx_http_faas_main_conf_t *fmcf)
{
    ngx_http_faas_shctx_t  *sh;

    if (ngx_process_slot < 0 || ngx_process_slot >= NGX_MAX_PROCESSES) {
        return;
    }

    sh = fmcf->shpool->data;

    ngx_shmtx_lock(&fmcf->shpool->mutex);

    if (sh->workers[ngx_process_slot].pid == ngx_pid) {
        sh->workers[ngx_process_slot].pid = 0;
    }

    ngx_shmtx_unlock(&fmcf->shpool->mutex);
}


/*
 * A copy of the token, with its expiry, when it was fetched and the
 * generation it is of: the caller keeps what it needs for itself.
 */

ngx_int_t
ngx_http_faas_store_get(ngx_http_faas_cred_t *cred, ngx_str_t *token,
    time_t *expires, time_t *fetched, ngx_uint_t *generation)
{
    ngx_int_t                    rc;
    ngx_http_faas_token_node_t  *node;

    node = cred->node;

    ngx_shmtx_lock(&cred->shpool->mutex);

    *generation = node->generation;
    *fetched = node->fetched;

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
 * A new generation each time the token is stored or dropped, and each
 * time a lookup of a host ends: read without the lock, as one atomic
 * word, so that a request sees at no cost whether its copy is current
 */

ngx_atomic_uint_t
ngx_http_faas_store_generation(ngx_http_faas_cred_t *cred)
{
    return cred->node->generation;
}


ngx_atomic_uint_t
ngx_http_faas_store_hosts_generation(ngx_http_faas_cred_t *cred)
{
    return cred->node->domain_generation;
}


static ngx_http_faas_claim_t *
ngx_http_faas_store_slot(ngx_http_faas_cred_t *cred, ngx_uint_t slot)
{
    if (slot == NGX_HTTP_FAAS_TOKEN) {
        return &cred->node->claim;
    }

    return &cred->node->services[slot].claim;
}


/*
 * One fetch at a time for all workers, of the token or of a host: the
 * claim has a deadline, so that a worker that dies while fetching does
 * not stop the others for long.  For the token, the caller claims for
 * the generation it saw last; if another worker has stored or dropped
 * one since (NGX_DONE), there is nothing to fetch until the caller has
 * looked again: looking and claiming are two holds of the lock, and a
 * fetch can end between them.  A host's claim takes no generation.
 */

ngx_int_t
ngx_http_faas_store_claim(ngx_http_faas_cred_t *cred, ngx_uint_t slot,
    ngx_uint_t generation)
{
    ngx_int_t               rc;
    ngx_msec_t              now;
    ngx_http_faas_claim_t  *c;

    c = ngx_http_faas_store_slot(cred, slot);
    now = ngx_current_msec;

    ngx_shmtx_lock(&cred->shpool->mutex);

    if (slot == NGX_HTTP_FAAS_TOKEN && cred->node->generation != generation) {
        rc = NGX_DONE;

    } else if (c->fetcher != 0
               && (ngx_msec_int_t) (c->claim_expires - now) > 0)
    {
        rc = NGX_BUSY;

    } else if (c->next_attempt
               && (ngx_msec_int_t) (c->next_attempt - now) > 0)
    {
        rc = NGX_DECLINED;

    } else {
        c->fetcher = ngx_pid;
        c->claim_expires = now + cred->token_timeout + 1000;
        rc = NGX_OK;
    }

    ngx_shmtx_unlock(&cred->shpool->mutex);

    return rc;
}


/* the fetch cannot start yet, or went with the worker: another may go */

void
ngx_http_faas_store_release(ngx_http_faas_cred_t *cred, ngx_uint_t slot)
{
    ngx_http_faas_claim_t  *c;

    c = ngx_http_faas_store_slot(cred, slot);

    ngx_shmtx_lock(&cred->shpool->mutex);

    if (c->fetcher == ngx_pid) {
        c->fetcher = 0;
    }

    ngx_shmtx_unlock(&cred->shpool->mutex);
}


/*
 * When the next fetch of a slot may go after failures (0: now), read
 * without the lock: one word, for a timer that looks again anyway
 */

ngx_msec_t
ngx_http_faas_store_next_attempt(ngx_http_faas_cred_t *cred,
    ngx_uint_t slot)
{
    return ngx_http_faas_store_slot(cred, slot)->next_attempt;
}


/*
 * When to try again after the n-th failure in a row (token fetches and
 * Domain API lookups): 1, 2, 4 ... s, at most a minute, each with up to
 * half off at random; never 0, which means "now".
 */

static ngx_msec_t
ngx_http_faas_backoff(ngx_uint_t failures)
{
    ngx_msec_t  backoff, next;

    backoff = (failures > 7) ? 60000 : (1000 << (failures - 1));
    backoff = ngx_min(backoff, 60000);
    backoff = backoff / 2 + (ngx_msec_t) ngx_random() % (backoff / 2 + 1);

    next = ngx_current_msec + backoff;

    return (next == 0) ? 1 : next;
}


/*
 * Under the lock: the fetch of a slot ended, and the claim with it; a
 * failure backs off, until "retry_at" if that is later than now
 */

static void
ngx_http_faas_claim_end(ngx_http_faas_claim_t *c, ngx_uint_t failed,
    ngx_msec_t retry_at)
{
    if (c->fetcher == ngx_pid) {
        c->fetcher = 0;
    }

    if (!failed) {
        c->failures = 0;
        c->next_attempt = 0;
        return;
    }

    c->failures++;

    if (retry_at && (ngx_msec_int_t) (retry_at - ngx_current_msec) > 0) {
        c->next_attempt = retry_at;

    } else {
        c->next_attempt = ngx_http_faas_backoff(c->failures);
    }
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

        /*
         * a revocation is news a backoff after failures did not know of:
         * one fetch may go now, still one for all; if it fails, the
         * backoff goes on from where it was
         */
        node->claim.next_attempt = 0;

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

    ngx_http_faas_fingerprint(token, fp);

    ngx_shmtx_lock(&cred->shpool->mutex);

    if (node->claim.fetcher == ngx_pid) {
        node->claim.fetcher = 0;
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
    ngx_http_faas_claim_end(&node->claim, 0, 0);
    node->generation++;

    ngx_shmtx_unlock(&cred->shpool->mutex);

    return NGX_OK;
}


void
ngx_http_faas_store_fail(ngx_http_faas_cred_t *cred, ngx_uint_t err,
    ngx_str_t *error, ngx_msec_t retry_at)
{
    ngx_http_faas_token_node_t  *node;

    node = cred->node;

    ngx_shmtx_lock(&cred->shpool->mutex);

    /*
     * "retry_at": what failed was a lookup the fetch depends on, which
     * backs off itself: the next fetch goes when that lookup may go
     * again, a backoff of its own on top would only delay the recovery
     */
    ngx_http_faas_claim_end(&node->claim, 1, retry_at);

    node->last_failure = ngx_time();
    node->error_code = err;

    ngx_cpystrn(node->error, error->data,
                ngx_min(error->len + 1, NGX_HTTP_FAAS_ERROR_LEN));

    node->fail_generation++;

    ngx_shmtx_unlock(&cred->shpool->mutex);
}


/* the last failure's code (ngx_http_faas_err_e), its text, Retry-After */

ngx_uint_t
ngx_http_faas_store_error(ngx_http_faas_cred_t *cred, ngx_pool_t *pool,
    ngx_str_t *error, time_t *retry)
{
    ngx_uint_t                   err;
    ngx_http_faas_token_node_t  *node;

    node = cred->node;

    ngx_shmtx_lock(&cred->shpool->mutex);

    err = node->error_code ? node->error_code
                           : NGX_HTTP_FAAS_ERR_UNAVAILABLE;

    error->len = ngx_strlen(node->error);
    *retry = ngx_http_faas_error_retry_after(node->claim.next_attempt);

    error->data = ngx_pnalloc(pool, error->len + 1);

    if (error->data) {
        ngx_memcpy(error->data, node->error, error->len);

    } else {
        error->len = 0;
    }

    ngx_shmtx_unlock(&cred->shpool->mutex);

    return err;
}


/* a copy of the host a service was last said to be at, and its expiry */

ngx_int_t
ngx_http_faas_store_host_get(ngx_http_faas_cred_t *cred, ngx_uint_t svc,
    ngx_pool_t *pool, ngx_str_t *base, time_t *expires)
{
    ngx_http_faas_domain_entry_t  *e;

    e = &cred->node->services[svc];

    ngx_shmtx_lock(&cred->shpool->mutex);

    *expires = e->expires;
    base->len = e->host_len;
    base->data = NULL;

    if (base->len) {
        base->data = ngx_pnalloc(pool, base->len);
        if (base->data != NULL) {
            ngx_memcpy(base->data, e->host, base->len);
        }
    }

    ngx_shmtx_unlock(&cred->shpool->mutex);

    if (base->len && base->data == NULL) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* a lookup ever gave the host of a service: read without the lock */

ngx_uint_t
ngx_http_faas_store_host_known(ngx_http_faas_cred_t *cred, ngx_uint_t svc)
{
    return (cred->node->services[svc].host_len != 0);
}


/* why the last lookup failed, and when the next one may go (0: now) */

ngx_msec_t
ngx_http_faas_store_host_error(ngx_http_faas_cred_t *cred, ngx_uint_t svc,
    ngx_pool_t *pool, ngx_str_t *error)
{
    ngx_msec_t                     next;
    ngx_http_faas_domain_entry_t  *e;

    e = &cred->node->services[svc];

    ngx_shmtx_lock(&cred->shpool->mutex);

    error->len = ngx_strlen(e->error);
    error->data = ngx_pnalloc(pool, error->len);

    if (error->data == NULL) {
        error->len = 0;

    } else {
        ngx_memcpy(error->data, e->error, error->len);
    }

    next = e->claim.next_attempt;

    ngx_shmtx_unlock(&cred->shpool->mutex);

    return next;
}


/* a lookup ended: with the host ("base"), or with "error" */

void
ngx_http_faas_store_host_save(ngx_http_faas_cred_t *cred, ngx_uint_t svc,
    ngx_str_t *base, u_char *error)
{
    ngx_http_faas_domain_entry_t  *e;

    e = &cred->node->services[svc];

    ngx_shmtx_lock(&cred->shpool->mutex);

    e->lookups++;

    ngx_http_faas_claim_end(&e->claim, base == NULL, 0);

    if (base != NULL) {
        /* ngx_http_faas_baseuri_parse() allows NGX_HTTP_FAAS_HOST_MAX */
        e->host_len = ngx_min(base->len, sizeof(e->host));
        ngx_memcpy(e->host, base->data, e->host_len);
        e->fetched = ngx_time();
        e->expires = e->fetched + cred->domain_ttl;
        e->error[0] = '\0';

    } else {
        /* the last good answer, if any, stays in use */
        e->failed++;

        ngx_cpystrn(e->error, error, sizeof(e->error));
    }

    cred->node->domain_generation++;

    ngx_shmtx_unlock(&cred->shpool->mutex);
}


/*
 * The requests of this worker that wait for a credentials set's token or
 * hosts: whoever ends a fetch or a lookup wakes them, and they look
 * again.  The waiter's handler is the caller's own.
 */

void
ngx_http_faas_store_wait(ngx_http_faas_waiter_t *w)
{
    ngx_http_faas_cred_t        *cred;
    ngx_http_faas_cred_state_t  *st;

    cred = w->cred;
    st = cred->state;

    w->fail_generation = cred->node->fail_generation;
    w->waiting = 1;

    ngx_queue_insert_tail(&st->waiters, &w->queue);

    /* long enough for a fetching worker to die and another to fetch */
    w->deadline.handler = ngx_http_faas_store_wait_timeout;
    w->deadline.data = w;
    ngx_add_timer(&w->deadline, 2 * cred->token_timeout + 2000);
}


void
ngx_http_faas_store_unwait(ngx_http_faas_waiter_t *w)
{
    if (!w->waiting) {
        return;
    }

    w->waiting = 0;
    ngx_queue_remove(&w->queue);

    if (w->deadline.timer_set) {
        ngx_del_timer(&w->deadline);
    }
}


void
ngx_http_faas_store_wake(ngx_http_faas_cred_t *cred, ngx_int_t rc)
{
    ngx_queue_t                 *q, list;
    ngx_http_faas_waiter_t      *w;
    ngx_http_faas_cred_state_t  *st;

    st = cred->state;

    if (ngx_queue_empty(&st->waiters)) {
        return;
    }

    /* handlers may wait again: work on a list of our own */
    list = st->waiters;
    list.next->prev = &list;
    list.prev->next = &list;
    ngx_queue_init(&st->waiters);

    while (!ngx_queue_empty(&list)) {
        q = ngx_queue_head(&list);
        w = ngx_queue_data(q, ngx_http_faas_waiter_t, queue);

        ngx_queue_remove(q);
        w->waiting = 0;

        if (w->deadline.timer_set) {
            ngx_del_timer(&w->deadline);
        }

        w->handler(w, rc);
    }
}


/* a fetch in another worker failed after these requests began to wait */

ngx_uint_t
ngx_http_faas_store_wake_failed(ngx_http_faas_cred_t *cred)
{
    ngx_uint_t                   n;
    ngx_queue_t                 *q, *next;
    ngx_http_faas_waiter_t      *w;
    ngx_http_faas_cred_state_t  *st;

    st = cred->state;
    n = 0;

    for (q = ngx_queue_head(&st->waiters);
         q != ngx_queue_sentinel(&st->waiters);
         q = next)
    {
        next = ngx_queue_next(q);
        w = ngx_queue_data(q, ngx_http_faas_waiter_t, queue);

        if (w->fail_generation == cred->node->fail_generation) {
            continue;
        }

        ngx_http_faas_store_unwait(w);
        w->handler(w, NGX_ERROR);
        n++;

        /* the handler may have changed the queue */
        next = ngx_queue_head(&st->waiters);
    }

    return n;
}


static void
ngx_http_faas_store_wait_timeout(ngx_event_t *ev)
{
    ngx_http_faas_waiter_t  *w;

    w = ev->data;

    w->waiting = 0;
    ngx_queue_remove(&w->queue);

    w->handler(w, NGX_ABORT);
}


/*
 * What the status endpoint shows of a credentials set's token and hosts,
 * taken under the lock at once; never the token itself
 */

void
ngx_http_faas_store_snapshot(ngx_http_faas_cred_t *cred,
    ngx_http_faas_store_snapshot_t *snapshot)
{
    ngx_uint_t                     i;
    ngx_msec_t                     now;
    ngx_http_faas_claim_t         *c;
    ngx_http_faas_store_host_t    *h;
    ngx_http_faas_token_node_t    *node;
    ngx_http_faas_domain_entry_t  *e;

    node = cred->node;
    c = &node->claim;
    now = ngx_current_msec;

    ngx_shmtx_lock(&cred->shpool->mutex);

    snapshot->has_token = (node->token_len != 0);
    snapshot->fetching = (c->fetcher != 0
                          && (ngx_msec_int_t) (c->claim_expires - now) > 0);
    snapshot->expires = node->expires;
    snapshot->fetched = node->fetched;
    snapshot->last_failure = node->last_failure;
    snapshot->fetches = node->fetches;

    if (c->next_attempt && (ngx_msec_int_t) (c->next_attempt - now) > 0) {
        snapshot->backoff = c->next_attempt - now;

    } else {
        snapshot->backoff = 0;
    }

    ngx_memcpy(snapshot->fingerprint, node->fingerprint,
               NGX_HTTP_FAAS_FINGERPRINT_LEN);

    for (i = 0; i < 2; i++) {
        e = &node->services[i];
        h = &snapshot->hosts[i];

        h->host_len = ngx_min(e->host_len, sizeof(h->host));
        ngx_memcpy(h->host, e->host, h->host_len);
        h->fetched = e->fetched;
        h->lookups = e->lookups;
        h->failed = e->failed;
    }

    ngx_shmtx_unlock(&cred->shpool->mutex);
}


/* the zone's size, and its free pages in bytes; NGX_DECLINED: no zone */

ngx_int_t
ngx_http_faas_store_zone(ngx_http_faas_main_conf_t *fmcf, size_t *size,
    size_t *free_bytes)
{
    if (fmcf->shpool == NULL) {
        return NGX_DECLINED;
    }

    *size = fmcf->shm_zone->shm.size;

    ngx_shmtx_lock(&fmcf->shpool->mutex);
    *free_bytes = fmcf->shpool->pfree * ngx_pagesize;
    ngx_shmtx_unlock(&fmcf->shpool->mutex);

    return NGX_OK;
}


/* what the status and the log show of a token: never the token itself */

void
ngx_http_faas_fingerprint(ngx_str_t *token, u_char *out)
{
    u_char        md[EVP_MAX_MD_SIZE];
    unsigned int  len;

    if (EVP_Digest(token->data, token->len, md, &len, EVP_sha256(), NULL)
        != 1)
    {
        ngx_memset(out, '-', NGX_HTTP_FAAS_FINGERPRINT_LEN);
        return;
    }

    ngx_hex_dump(out, md, NGX_HTTP_FAAS_FINGERPRINT_LEN / 2);
}
