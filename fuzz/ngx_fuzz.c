
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * Fuzz-only replacements for the few nginx core pieces the pure parsing
 * functions need, linked instead of src/core/ngx_palloc.c and
 * src/os/unix/ngx_alloc.c.
 *
 * The pool gives every allocation its own malloc() of exactly the asked
 * size, so that AddressSanitizer sees an overrun of any pool allocation
 * (nginx's own pools hand out slices of big blocks, where a few bytes too
 * many go unnoticed).  ngx_destroy_pool() frees them all, so that
 * LeakSanitizer sees what is not pool memory.
 */


#include <ngx_config.h>
#include <ngx_core.h>


volatile ngx_cycle_t  *ngx_cycle;
ngx_uint_t             ngx_pagesize = 4096;
ngx_uint_t             ngx_pagesize_shift = 12;
ngx_uint_t             ngx_cacheline_size = NGX_CPU_CACHE_LINE;


ngx_pool_t *
ngx_create_pool(size_t size, ngx_log_t *log)
{
    ngx_pool_t  *p;

    p = calloc(1, sizeof(ngx_pool_t));
    if (p == NULL) {
        return NULL;
    }

    /* d.last == d.end == NULL: ngx_array_push() never grows in place */
    p->max = NGX_MAX_ALLOC_FROM_POOL;
    p->current = p;
    p->log = log;

    return p;
}


void
ngx_destroy_pool(ngx_pool_t *pool)
{
    ngx_pool_large_t    *l, *next;
    ngx_pool_cleanup_t  *c;

    for (c = pool->cleanup; c; c = c->next) {
        if (c->handler) {
            c->handler(c->data);
        }
    }

    for (l = pool->large; l; l = next) {
        next = l->next;
        free(l->alloc);
        free(l);
    }

    free(pool);
}


void
ngx_reset_pool(ngx_pool_t *pool)
{
    ngx_pool_large_t  *l, *next;

    for (l = pool->large; l; l = next) {
        next = l->next;
        free(l->alloc);
        free(l);
    }

    pool->large = NULL;
}


static void *
ngx_fuzz_alloc(ngx_pool_t *pool, size_t size, size_t alignment)
{
    void              *p;
    ngx_pool_large_t  *l;

    l = malloc(sizeof(ngx_pool_large_t));
    if (l == NULL) {
        return NULL;
    }

    if (alignment > 16) {
        if (posix_memalign(&p, alignment, size) != 0) {
            p = NULL;
        }

    } else {
        p = malloc(size);
    }

    if (p == NULL) {
        free(l);
        return NULL;
    }

    l->alloc = p;
    l->next = pool->large;
    pool->large = l;

    return p;
}


void *
ngx_palloc(ngx_pool_t *pool, size_t size)
{
    return ngx_fuzz_alloc(pool, size, NGX_ALIGNMENT);
}


void *
ngx_pnalloc(ngx_pool_t *pool, size_t size)
{
    return ngx_fuzz_alloc(pool, size, 1);
}


void *
ngx_pcalloc(ngx_pool_t *pool, size_t size)
{
    void  *p;

    p = ngx_fuzz_alloc(pool, size, NGX_ALIGNMENT);
    if (p) {
        ngx_memzero(p, size);
    }

    return p;
}


void *
ngx_pmemalign(ngx_pool_t *pool, size_t size, size_t alignment)
{
    return ngx_fuzz_alloc(pool, size, alignment);
}


ngx_int_t
ngx_pfree(ngx_pool_t *pool, void *p)
{
    ngx_pool_large_t  *l, **prev;

    for (prev = &pool->large, l = pool->large; l; prev = &l->next, l = l->next)
    {
        if (l->alloc == p) {
            *prev = l->next;
            free(l->alloc);
            free(l);
            return NGX_OK;
        }
    }

    return NGX_DECLINED;
}


ngx_pool_cleanup_t *
ngx_pool_cleanup_add(ngx_pool_t *p, size_t size)
{
    ngx_pool_cleanup_t  *c;

    c = ngx_palloc(p, sizeof(ngx_pool_cleanup_t));
    if (c == NULL) {
        return NULL;
    }

    c->data = NULL;

    if (size) {
        c->data = ngx_palloc(p, size);
        if (c->data == NULL) {
            return NULL;
        }
    }

    c->handler = NULL;
    c->next = p->cleanup;
    p->cleanup = c;

    return c;
}


void *
ngx_alloc(size_t size, ngx_log_t *log)
{
    return malloc(size);
}


void *
ngx_calloc(size_t size, ngx_log_t *log)
{
    return calloc(1, size);
}


void ngx_cdecl
ngx_log_error_core(ngx_uint_t level, ngx_log_t *log, ngx_err_t err,
    const char *fmt, ...)
{
    /* the pure functions log nothing; the rest is never called */
}
