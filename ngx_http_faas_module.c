
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * Directives and module wiring only: the work is done in src/.
 */


#include "src/ngx_http_faas.h"
#include "src/ngx_http_faas_credentials.h"
#include "src/ngx_http_faas_invoke.h"
#include "src/ngx_http_faas_body.h"
#include "src/ngx_http_faas_status.h"
#include "src/ngx_http_faas_variables.h"
#include "src/ngx_http_faas_error.h"
#include "src/ngx_http_faas_token.h"
#include "src/ngx_http_faas_store.h"
#include "src/ngx_http_faas_peer.h"
#include "src/ngx_http_faas_ssl.h"
#include "src/ngx_http_faas_stats.h"
#include "src/ngx_http_faas_cjson.h"


static void *ngx_http_faas_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_faas_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_faas_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_faas_merge_upstream(ngx_conf_t *cf,
    ngx_http_faas_loc_conf_t *prev, ngx_http_faas_loc_conf_t *conf);
static ngx_int_t ngx_http_faas_preconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_faas_init(ngx_conf_t *cf);
static ngx_int_t ngx_http_faas_init_process(ngx_cycle_t *cycle);
static void ngx_http_faas_exit_process(ngx_cycle_t *cycle);
static char *ngx_http_faas_invoke(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_faas_validate_json(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_faas_status(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
#if (NGX_HTTP_CACHE)
static char *ngx_http_faas_cache(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_faas_cache_key(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_faas_merge_cache(ngx_conf_t *cf,
    ngx_http_faas_loc_conf_t *prev, ngx_http_faas_loc_conf_t *conf);
static char *ngx_http_faas_merge_cache_buffers(ngx_conf_t *cf,
    ngx_http_faas_loc_conf_t *prev, ngx_http_faas_loc_conf_t *conf);
#endif
static char *ngx_http_faas_set_enum(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_faas_max_functions(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_faas_zone_size(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_faas_resolve_invokes(ngx_conf_t *cf,
    ngx_http_faas_main_conf_t *fmcf);
static ngx_int_t ngx_http_faas_token_ssl(ngx_conf_t *cf,
    ngx_http_faas_main_conf_t *fmcf);
static ngx_int_t ngx_http_faas_default_value(ngx_conf_t *cf,
    ngx_http_complex_value_t **cv, ngx_str_t *value);


static ngx_conf_enum_t  ngx_http_faas_payloads[] = {
    { ngx_string("body"), NGX_HTTP_FAAS_PAYLOAD_BODY },
    { ngx_string("request"), NGX_HTTP_FAAS_PAYLOAD_REQUEST },
    { ngx_null_string, 0 }
};


static ngx_conf_enum_t  ngx_http_faas_responses[] = {
    { ngx_string("body"), NGX_HTTP_FAAS_RESPONSE_BODY },
    { ngx_string("http"), NGX_HTTP_FAAS_RESPONSE_HTTP },
    { ngx_null_string, 0 }
};


/*
 * faas_next_upstream and faas_cache_use_stale: nginx's names, of what a
 * gateway or a function can do
 */
static ngx_conf_bitmask_t  ngx_http_faas_next_upstream_masks[] = {
    { ngx_string("error"), NGX_HTTP_UPSTREAM_FT_ERROR },
    { ngx_string("timeout"), NGX_HTTP_UPSTREAM_FT_TIMEOUT },
    { ngx_string("invalid_header"), NGX_HTTP_UPSTREAM_FT_INVALID_HEADER },
    { ngx_string("non_idempotent"), NGX_HTTP_UPSTREAM_FT_NON_IDEMPOTENT },
    { ngx_string("http_429"), NGX_HTTP_UPSTREAM_FT_HTTP_429 },
    { ngx_string("http_500"), NGX_HTTP_UPSTREAM_FT_HTTP_500 },
    { ngx_string("http_502"), NGX_HTTP_UPSTREAM_FT_HTTP_502 },
    { ngx_string("http_503"), NGX_HTTP_UPSTREAM_FT_HTTP_503 },
    { ngx_string("http_504"), NGX_HTTP_UPSTREAM_FT_HTTP_504 },
    { ngx_string("updating"), NGX_HTTP_UPSTREAM_FT_UPDATING },
    { ngx_string("off"), NGX_HTTP_UPSTREAM_FT_OFF },
    { ngx_null_string, 0 }
};


/* a function (faas_response http) cannot order nginx about with these */
static ngx_str_t  ngx_http_faas_hide_headers[] = {
    ngx_string("X-Accel-Expires"),
    ngx_string("X-Accel-Redirect"),
    ngx_string("X-Accel-Limit-Rate"),
    ngx_string("X-Accel-Buffering"),
    ngx_string("X-Accel-Charset"),
    ngx_null_string
};


#define NGX_HTTP_FAAS_IGNORE_HEADERS                                        \
    (NGX_HTTP_UPSTREAM_IGN_XA_REDIRECT|NGX_HTTP_UPSTREAM_IGN_XA_EXPIRES      \
     |NGX_HTTP_UPSTREAM_IGN_XA_LIMIT_RATE|NGX_HTTP_UPSTREAM_IGN_XA_BUFFERING \
     |NGX_HTTP_UPSTREAM_IGN_XA_CHARSET)


static ngx_conf_post_t  ngx_http_faas_ssl_conf_command_post =
    { ngx_http_faas_ssl_conf_command_check };


/* about 400 bytes each in the shared zone */
#define NGX_HTTP_FAAS_MAX_FUNCTIONS_LIMIT  1000000


static ngx_command_t  ngx_http_faas_commands[] = {

    { ngx_string("faas_credentials"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_BLOCK|NGX_CONF_TAKE1,
      ngx_http_faas_cred_block,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("faas_invoke"),
      NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_faas_invoke,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("faas_user_id"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_set_complex_value_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_faas_loc_conf_t, user_id),
      NULL },

    { ngx_string("faas_event_source"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_set_complex_value_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_faas_loc_conf_t, event_source),
      NULL },

    { ngx_string("faas_skill_id"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_set_complex_value_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_faas_loc_conf_t, skill_id),
      NULL },

    { ngx_string("faas_ssl_trusted_certificate"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_faas_loc_conf_t, ssl_trusted_certificate),
      NULL },

    { ngx_string("faas_ssl_verify"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_faas_loc_conf_t, ssl_verify),
      NULL },

    { ngx_string("faas_ssl_conf_command"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE2,
      ngx_conf_set_keyval_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_faas_loc_conf_t, ssl_conf_commands),
      &ngx_http_faas_ssl_conf_command_post },

    { ngx_string("faas_connect_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_faas_loc_conf_t, upstream.connect_timeout),
      NULL },

    { ngx_string("faas_send_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_faas_loc_conf_t, upstream.send_timeout),
      NULL },

    { ngx_string("faas_read_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_faas_loc_conf_t, upstream.read_timeout),
      NULL },

    { ngx_string("faas_buffer_size"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_faas_loc_conf_t, upstream.buffer_size),
      NULL },

    { ngx_string("faas_payload"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_faas_set_enum,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_faas_loc_conf_t, payload),
      &ngx_http_faas_payloads },

    { ngx_string("faas_response"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_faas_set_enum,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_faas_loc_conf_t, response),
      &ngx_http_faas_responses },

    { ngx_string("faas_pass_request_headers"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_faas_loc_conf_t, pass_request_headers),
      NULL },

    { ngx_string("faas_validate_json"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_faas_validate_json,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("faas_pass_request_header"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_array_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_faas_loc_conf_t, pass_request_header),
      NULL },

    { ngx_string("faas_intercept_errors"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_faas_loc_conf_t, upstream.intercept_errors),
      NULL },

    { ngx_string("faas_max_response_size"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_faas_loc_conf_t, max_response_size),
      NULL },

    { ngx_string("faas_status"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_faas_status,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("faas_status_max_functions"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_faas_max_functions,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("faas_zone_size"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_faas_zone_size,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("faas_next_upstream"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_conf_set_bitmask_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_faas_loc_conf_t, next_upstream),
      &ngx_http_faas_next_upstream_masks },

    { ngx_string("faas_next_upstream_tries"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_faas_loc_conf_t, upstream.next_upstream_tries),
      NULL },

    { ngx_string("faas_next_upstream_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_faas_loc_conf_t, upstream.next_upstream_timeout),
      NULL },

    { ngx_string("faas_retry_max_delay"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_faas_loc_conf_t, retry_max_delay),
      NULL },

#if (NGX_HTTP_CACHE)

    { ngx_string("faas_cache_path"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_2MORE,
      ngx_http_file_cache_set_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_faas_main_conf_t, caches),
      &ngx_http_faas_module },

    { ngx_string("faas_cache"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_faas_cache,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("faas_cache_key"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_faas_cache_key,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("faas_cache_methods"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_conf_set_bitmask_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_faas_loc_conf_t, upstream.cache_methods),
      &ngx_http_upstream_cache_method_mask },

    { ngx_string("faas_cache_valid"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_file_cache_valid_set_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_faas_loc_conf_t, upstream.cache_valid),
      NULL },

    { ngx_string("faas_cache_min_uses"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_faas_loc_conf_t, upstream.cache_min_uses),
      NULL },

    { ngx_string("faas_cache_bypass"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_set_predicate_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_faas_loc_conf_t, upstream.cache_bypass),
      NULL },

    { ngx_string("faas_no_cache"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_set_predicate_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_faas_loc_conf_t, upstream.no_cache),
      NULL },

    { ngx_string("faas_cache_use_stale"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_conf_set_bitmask_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_faas_loc_conf_t, upstream.cache_use_stale),
      &ngx_http_faas_next_upstream_masks },

    { ngx_string("faas_cache_lock"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_faas_loc_conf_t, upstream.cache_lock),
      NULL },

    { ngx_string("faas_cache_lock_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_faas_loc_conf_t, upstream.cache_lock_timeout),
      NULL },

    { ngx_string("faas_cache_lock_age"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_faas_loc_conf_t, upstream.cache_lock_age),
      NULL },

    { ngx_string("faas_cache_revalidate"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_faas_loc_conf_t, upstream.cache_revalidate),
      NULL },

    { ngx_string("faas_cache_background_update"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_faas_loc_conf_t, upstream.cache_background_update),
      NULL },

#endif

      ngx_null_command
};


static ngx_http_module_t  ngx_http_faas_module_ctx = {
    ngx_http_faas_preconfiguration,        /* preconfiguration */
    ngx_http_faas_init,                    /* postconfiguration */

    ngx_http_faas_create_main_conf,        /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_faas_create_loc_conf,         /* create location configuration */
    ngx_http_faas_merge_loc_conf           /* merge location configuration */
};


ngx_module_t  ngx_http_faas_module = {
    NGX_MODULE_V1,
    &ngx_http_faas_module_ctx,             /* module context */
    ngx_http_faas_commands,                /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_faas_init_process,            /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_faas_exit_process,            /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static void *
ngx_http_faas_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_faas_main_conf_t  *fmcf;

    fmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_faas_main_conf_t));
    if (fmcf == NULL) {
        return NULL;
    }

    if (ngx_array_init(&fmcf->creds, cf->pool, 2,
                       sizeof(ngx_http_faas_cred_t *))
        != NGX_OK)
    {
        return NULL;
    }

    if (ngx_array_init(&fmcf->invokes, cf->pool, 4,
                       sizeof(ngx_http_faas_loc_conf_t *))
        != NGX_OK)
    {
        return NULL;
    }

    if (ngx_array_init(&fmcf->ssl, cf->pool, 2, sizeof(ngx_http_faas_ssl_t))
        != NGX_OK)
    {
        return NULL;
    }

    fmcf->request_id_index = NGX_ERROR;
    fmcf->max_functions = NGX_CONF_UNSET_UINT;
    fmcf->zone_size = NGX_CONF_UNSET_SIZE;

#if (NGX_HTTP_CACHE)
    if (ngx_array_init(&fmcf->caches, cf->pool, 4,
                       sizeof(ngx_http_file_cache_t *))
        != NGX_OK)
    {
        return NULL;
    }
#endif

    return fmcf;
}


static void *
ngx_http_faas_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_faas_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_faas_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->lambda = NULL;
     *     conf->cred = NULL;
     *     conf->ssl_trusted_certificate = { 0, NULL };
     *     conf->upstream.bufs.num = 0;
     *     conf->upstream.next_upstream = 0;
     */

    conf->user_id = NGX_CONF_UNSET_PTR;
    conf->event_source = NGX_CONF_UNSET_PTR;
    conf->skill_id = NGX_CONF_UNSET_PTR;
    conf->ssl_verify = NGX_CONF_UNSET;
    conf->ssl_conf_commands = NGX_CONF_UNSET_PTR;
    conf->payload = NGX_CONF_UNSET_UINT;
    conf->response = NGX_CONF_UNSET_UINT;
    conf->pass_request_headers = NGX_CONF_UNSET;
    conf->validate_json = NGX_CONF_UNSET_UINT;
    conf->pass_request_header = NGX_CONF_UNSET_PTR;
    conf->max_response_size = NGX_CONF_UNSET_SIZE;
    conf->ssl_trusted_certificate.data = NULL;

    conf->upstream.local = NGX_CONF_UNSET_PTR;
    conf->upstream.socket_keepalive = NGX_CONF_UNSET;
    conf->upstream.next_upstream_tries = NGX_CONF_UNSET_UINT;
    conf->upstream.connect_timeout = NGX_CONF_UNSET_MSEC;
    conf->upstream.send_timeout = NGX_CONF_UNSET_MSEC;
    conf->upstream.read_timeout = NGX_CONF_UNSET_MSEC;
    conf->upstream.next_upstream_timeout = NGX_CONF_UNSET_MSEC;
    conf->upstream.buffer_size = NGX_CONF_UNSET_SIZE;

    /* the gateway's answer streams to the client as it comes */
    conf->upstream.buffering = 0;
    conf->upstream.ignore_client_abort = 0;
    conf->upstream.intercept_errors = NGX_CONF_UNSET;
    conf->upstream.hide_headers = NGX_CONF_UNSET_PTR;
    conf->upstream.pass_headers = NGX_CONF_UNSET_PTR;

    conf->retry_max_delay = NGX_CONF_UNSET_MSEC;

#if (NGX_HTTP_CACHE)
    conf->upstream.cache = NGX_CONF_UNSET;
    conf->upstream.cache_min_uses = NGX_CONF_UNSET_UINT;
    conf->upstream.cache_bypass = NGX_CONF_UNSET_PTR;
    conf->upstream.no_cache = NGX_CONF_UNSET_PTR;
    conf->upstream.cache_valid = NGX_CONF_UNSET_PTR;
    conf->upstream.cache_lock = NGX_CONF_UNSET;
    conf->upstream.cache_lock_timeout = NGX_CONF_UNSET_MSEC;
    conf->upstream.cache_lock_age = NGX_CONF_UNSET_MSEC;
    conf->upstream.cache_revalidate = NGX_CONF_UNSET;
    conf->upstream.cache_background_update = NGX_CONF_UNSET;
    conf->upstream.max_temp_file_size_conf = NGX_CONF_UNSET_SIZE;
    conf->upstream.temp_file_write_size_conf = NGX_CONF_UNSET_SIZE;
#endif
    conf->upstream.pass_request_headers = 0;
    conf->upstream.pass_request_body = 0;

    return conf;
}


static char *
ngx_http_faas_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_faas_loc_conf_t *prev = parent;
    ngx_http_faas_loc_conf_t *conf = child;

    static ngx_str_t  default_user = ngx_string("nginx");
    static ngx_str_t  default_source = ngx_string("nginx");

    ngx_conf_merge_ptr_value(conf->user_id, prev->user_id, NULL);

    if (ngx_http_faas_default_value(cf, &conf->user_id, &default_user)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    ngx_conf_merge_ptr_value(conf->event_source, prev->event_source, NULL);

    if (ngx_http_faas_default_value(cf, &conf->event_source,
                                    &default_source)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    ngx_conf_merge_ptr_value(conf->skill_id, prev->skill_id, NULL);

    ngx_conf_merge_uint_value(conf->payload, prev->payload,
                              NGX_HTTP_FAAS_PAYLOAD_BODY);
    ngx_conf_merge_uint_value(conf->response, prev->response,
                              NGX_HTTP_FAAS_RESPONSE_BODY);
    ngx_conf_merge_value(conf->pass_request_headers,
                         prev->pass_request_headers, 0);
    ngx_conf_merge_uint_value(conf->validate_json, prev->validate_json,
                              NGX_HTTP_FAAS_VALIDATE_ON);
    ngx_conf_merge_ptr_value(conf->pass_request_header,
                             prev->pass_request_header, NULL);
    ngx_conf_merge_size_value(conf->max_response_size,
                              prev->max_response_size, 1024 * 1024);

    ngx_conf_merge_str_value(conf->ssl_trusted_certificate,
                             prev->ssl_trusted_certificate, "");
    ngx_conf_merge_value(conf->ssl_verify, prev->ssl_verify, 1);
    ngx_conf_merge_ptr_value(conf->ssl_conf_commands,
                             prev->ssl_conf_commands, NULL);

    if (ngx_http_faas_merge_upstream(cf, prev, conf) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

#if (NGX_HTTP_CACHE)
    if (ngx_http_faas_merge_cache(cf, prev, conf) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }
#endif

    if (conf->lambda == NULL) {
        return NGX_CONF_OK;
    }

    conf->upstream.ssl_verify = conf->ssl_verify;
    conf->upstream.ssl_server_name = 1;
    conf->upstream.ssl_session_reuse = 1;
    conf->upstream.ssl = ngx_http_faas_ssl_get(cf,
                                               &conf->ssl_trusted_certificate,
                                               conf->ssl_verify,
                                               conf->ssl_conf_commands);
    if (conf->upstream.ssl == NULL) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* the upstream's timeouts, hidden headers and when to try the next address */

static char *
ngx_http_faas_merge_upstream(ngx_conf_t *cf, ngx_http_faas_loc_conf_t *prev,
    ngx_http_faas_loc_conf_t *conf)
{
    ngx_hash_init_t  hash;

    ngx_conf_merge_ptr_value(conf->upstream.local, prev->upstream.local,
                             NULL);
    ngx_conf_merge_value(conf->upstream.socket_keepalive,
                         prev->upstream.socket_keepalive, 0);
    ngx_conf_merge_uint_value(conf->upstream.next_upstream_tries,
                              prev->upstream.next_upstream_tries, 0);
    ngx_conf_merge_msec_value(conf->upstream.connect_timeout,
                              prev->upstream.connect_timeout, 5000);
    ngx_conf_merge_msec_value(conf->upstream.send_timeout,
                              prev->upstream.send_timeout, 30000);

    /* functions time out after 30 s on the platform */
    ngx_conf_merge_msec_value(conf->upstream.read_timeout,
                              prev->upstream.read_timeout, 35000);
    ngx_conf_merge_msec_value(conf->upstream.next_upstream_timeout,
                              prev->upstream.next_upstream_timeout, 0);
    ngx_conf_merge_size_value(conf->upstream.buffer_size,
                              prev->upstream.buffer_size,
                              (size_t) ngx_pagesize);

    ngx_conf_merge_value(conf->upstream.intercept_errors,
                         prev->upstream.intercept_errors, 0);

    /* a function's X-Accel-* headers are no orders to nginx */
    conf->upstream.ignore_headers = NGX_HTTP_FAAS_IGNORE_HEADERS;

    hash.max_size = 512;
    hash.bucket_size = ngx_align(64, ngx_cacheline_size);
    hash.name = "faas_headers_hash";

    if (ngx_http_upstream_hide_headers_hash(cf, &conf->upstream,
                                            &prev->upstream,
                                            ngx_http_faas_hide_headers,
                                            &hash)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    ngx_conf_merge_bitmask_value(conf->next_upstream, prev->next_upstream,
                                 0);
    ngx_conf_merge_msec_value(conf->retry_max_delay, prev->retry_max_delay,
                              2000);

    if (conf->next_upstream == 0) {
        /*
         * the default: another address after a connect error or timeout,
         * never once the invoke went out (the function may have run): the
         * peers say so when a try fails (ngx_http_faas_peer.c)
         */
        conf->upstream.next_upstream = NGX_CONF_BITMASK_SET
                                       |NGX_HTTP_UPSTREAM_FT_ERROR
                                       |NGX_HTTP_UPSTREAM_FT_TIMEOUT;

    } else if (conf->next_upstream & NGX_HTTP_UPSTREAM_FT_OFF) {
        conf->upstream.next_upstream = NGX_CONF_BITMASK_SET
                                       |NGX_HTTP_UPSTREAM_FT_OFF;

    } else {
        /* a 429 is tried again by the module, after its Retry-After */
        conf->upstream.next_upstream = conf->next_upstream
                                       & ~NGX_HTTP_UPSTREAM_FT_HTTP_429;
    }

    return NGX_CONF_OK;
}


/* a complex value not configured at any level gets its default */

static ngx_int_t
ngx_http_faas_default_value(ngx_conf_t *cf, ngx_http_complex_value_t **cv,
    ngx_str_t *value)
{
    ngx_http_compile_complex_value_t  ccv;

    if (*cv != NULL) {
        return NGX_OK;
    }

    *cv = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
    if (*cv == NULL) {
        return NGX_ERROR;
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = value;
    ccv.complex_value = *cv;

    return ngx_http_compile_complex_value(&ccv);
}


static char *
ngx_http_faas_invoke(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_faas_loc_conf_t *flcf = conf;

    ngx_str_t                         *value, id;
    ngx_http_core_loc_conf_t          *clcf;
    ngx_http_faas_loc_conf_t         **invoke;
    ngx_http_faas_main_conf_t         *fmcf;
    ngx_http_compile_complex_value_t   ccv;

    if (flcf->lambda != NULL) {
        return "is duplicate";
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (clcf->handler == ngx_http_faas_status_handler) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"faas_status\" and \"faas_invoke\" cannot be "
                           "in the same location");
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;
    id = value[1];

    /* event=ID: invoke by event instead of by lambda UUID */
    if (id.len >= 6 && ngx_strncmp(id.data, "event=", 6) == 0) {
        flcf->by_event = 1;
        id.len -= 6;
        id.data += 6;
    }

    if (id.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"faas_invoke\" needs a lambda UUID "
                           "or \"event=ID\"");
        return NGX_CONF_ERROR;
    }

    flcf->lambda = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
    if (flcf->lambda == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &id;
    ccv.complex_value = flcf->lambda;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (cf->args->nelts == 3) {
        if (ngx_strncmp(value[2].data, "credentials=", 12) != 0
            || value[2].len == 12)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"faas_invoke\": invalid parameter \"%V\", "
                               "expected \"credentials=NAME\"", &value[2]);
            return NGX_CONF_ERROR;
        }

        flcf->cred_name.len = value[2].len - 12;
        flcf->cred_name.data = value[2].data + 12;
    }

    /* credentials may be defined later in the file: resolved at the end */
    flcf->conf_file = cf->conf_file->file.name.data;
    flcf->conf_line = cf->conf_file->line;

    fmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_faas_module);

    invoke = ngx_array_push(&fmcf->invokes);
    if (invoke == NULL) {
        return NGX_CONF_ERROR;
    }

    *invoke = flcf;

    clcf->handler = ngx_http_faas_invoke_handler;

    if (clcf->name.len && clcf->name.data[clcf->name.len - 1] == '/') {
        clcf->auto_redirect = 1;
    }

    return NGX_CONF_OK;
}


/*
 * faas_validate_json on | off | threads[=POOL]: "threads" is what "on"
 * is since the body is checked as it is read, a buffer at a time
 */

static char *
ngx_http_faas_validate_json(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_faas_loc_conf_t *flcf = conf;

    ngx_str_t  *value;

    if (flcf->validate_json != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "on") == 0) {
        flcf->validate_json = NGX_HTTP_FAAS_VALIDATE_ON;
        return NGX_CONF_OK;
    }

    if (ngx_strcmp(value[1].data, "off") == 0) {
        flcf->validate_json = NGX_HTTP_FAAS_VALIDATE_OFF;
        return NGX_CONF_OK;
    }

    if (ngx_strncmp(value[1].data, "threads", 7) != 0
        || (value[1].len > 7 && value[1].data[7] != '=')
        || value[1].len == 8)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\" in \"%V\" directive, "
                           "it must be \"on\", \"off\" or "
                           "\"threads[=POOL]\"", &value[1], &cmd->name);
        return NGX_CONF_ERROR;
    }

    ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                       "\"%V %V\" is deprecated, the body is checked as it "
                       "is read: \"%V on\" is used", &cmd->name, &value[1],
                       &cmd->name);

    flcf->validate_json = NGX_HTTP_FAAS_VALIDATE_ON;

    return NGX_CONF_OK;
}


static char *
ngx_http_faas_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_faas_loc_conf_t *flcf = conf;

    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (flcf->lambda != NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"faas_status\" and \"faas_invoke\" cannot be "
                           "in the same location");
        return NGX_CONF_ERROR;
    }

    clcf->handler = ngx_http_faas_status_handler;

    return NGX_CONF_OK;
}


/* as ngx_conf_set_enum_slot(), with a message that names the directive */

static char *
ngx_http_faas_set_enum(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    u_char           *last, names[NGX_HTTP_FAAS_ENUM_NAMES_LEN];
    ngx_str_t        *value;
    ngx_uint_t       *np;
    ngx_conf_enum_t  *e;

    np = (ngx_uint_t *) (p + cmd->offset);

    if (*np != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    for (e = cmd->post; e->name.len; e++) {
        if (e->name.len == value[1].len
            && ngx_strcasecmp(e->name.data, value[1].data) == 0)
        {
            *np = e->value;
            return NGX_CONF_OK;
        }
    }

    last = ngx_http_faas_conf_enum_names(names, names + sizeof(names),
                                         cmd->post);

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid value \"%V\" in \"%V\" directive, %*s",
                       &value[1], &cmd->name, (size_t) (last - names),
                       names);

    return NGX_CONF_ERROR;
}


static char *
ngx_http_faas_max_functions(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_faas_main_conf_t *fmcf = conf;

    ngx_int_t   n;
    ngx_str_t  *value;

    if (fmcf->max_functions != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    n = ngx_atoi(value[1].data, value[1].len);

    if (n == NGX_ERROR || n > NGX_HTTP_FAAS_MAX_FUNCTIONS_LIMIT) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\" in \"%V\" directive, "
                           "it must be a number from 0 to %d", &value[1],
                           &cmd->name, NGX_HTTP_FAAS_MAX_FUNCTIONS_LIMIT);
        return NGX_CONF_ERROR;
    }

    fmcf->max_functions = n;

    return NGX_CONF_OK;
}


/* the slab allocator needs a few pages of its own, as limit_req's zones */

static char *
ngx_http_faas_zone_size(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_faas_main_conf_t *fmcf = conf;

    ssize_t     size;
    ngx_str_t  *value;

    if (fmcf->zone_size != NGX_CONF_UNSET_SIZE) {
        return "is duplicate";
    }

    value = cf->args->elts;

    size = ngx_parse_size(&value[1]);

    if (size == NGX_ERROR || size < (ssize_t) (8 * ngx_pagesize)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\" in \"%V\" directive, "
                           "it must be a size of at least %uzk", &value[1],
                           &cmd->name, (size_t) (8 * ngx_pagesize / 1024));
        return NGX_CONF_ERROR;
    }

    fmcf->zone_size = size;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_faas_preconfiguration(ngx_conf_t *cf)
{
    return ngx_http_faas_variables_add(cf);
}


static ngx_int_t
ngx_http_faas_init(ngx_conf_t *cf)
{
    ngx_str_t                   name = ngx_string("request_id");
    ngx_http_faas_main_conf_t  *fmcf;

    /* below the module's other filters: counts what goes out */
    if (ngx_http_faas_stats_filter_init(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_http_faas_error_filter_init(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_http_faas_body_filter_init(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    fmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_faas_module);

    if (fmcf->creds.nelts == 0 && fmcf->invokes.nelts == 0) {
        return NGX_OK;
    }

    ngx_log_error(NGX_LOG_NOTICE, cf->log, 0,
                  "faas: ngx_http_faas_module " NGX_HTTP_FAAS_VERSION
                  " (built for nginx " NGINX_VERSION ", cJSON %s)",
                  ngx_http_faas_json_library());

    if (ngx_http_faas_token_ssl(cf, fmcf) != NGX_OK) {
        return NGX_ERROR;
    }

    /* knows the resolver, chooses the gateway's upstream */
    if (ngx_http_faas_cred_init(cf, fmcf) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_http_faas_resolve_invokes(cf, fmcf) != NGX_OK) {
        return NGX_ERROR;
    }

    fmcf->request_id_index = ngx_http_get_variable_index(cf, &name);
    if (fmcf->request_id_index == NGX_ERROR) {
        return NGX_ERROR;
    }

    return ngx_http_faas_zone_add(cf, fmcf);
}


static ngx_int_t
ngx_http_faas_resolve_invokes(ngx_conf_t *cf,
    ngx_http_faas_main_conf_t *fmcf)
{
    ngx_uint_t                  i;
    ngx_http_faas_cred_t      **creds;
    ngx_http_faas_loc_conf_t  **invokes, *flcf;

    invokes = fmcf->invokes.elts;
    creds = fmcf->creds.elts;

    for (i = 0; i < fmcf->invokes.nelts; i++) {
        flcf = invokes[i];

        if (flcf->cred_name.len) {
            flcf->cred = ngx_http_faas_cred_find(fmcf, &flcf->cred_name);

            if (flcf->cred == NULL) {
                ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                              "\"faas_invoke\" names unknown credentials "
                              "\"%V\" in %s:%ui", &flcf->cred_name,
                              flcf->conf_file, flcf->conf_line);
                return NGX_ERROR;
            }

        } else if (fmcf->creds.nelts == 1) {
            flcf->cred = creds[0];

        } else if (fmcf->creds.nelts == 0) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "\"faas_invoke\" needs a \"faas_credentials\" "
                          "block in %s:%ui", flcf->conf_file,
                          flcf->conf_line);
            return NGX_ERROR;

        } else {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "\"faas_invoke\" needs \"credentials=NAME\" "
                          "when %ui \"faas_credentials\" sets are defined "
                          "in %s:%ui", fmcf->creds.nelts,
                          flcf->conf_file, flcf->conf_line);
            return NGX_ERROR;
        }

        flcf->upstream.upstream = flcf->cred->upstream;

        /*
         * The module's own errors go to the location's error_page when
         * it has one for them, whatever faas_intercept_errors says, and
         * are never a reason to try another server.
         */
        flcf->upstream_errors = flcf->upstream;
        flcf->upstream_errors.intercept_errors = 1;
        flcf->upstream_errors.next_upstream &= ~NGX_HTTP_UPSTREAM_FT_STATUS;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_faas_token_ssl(ngx_conf_t *cf, ngx_http_faas_main_conf_t *fmcf)
{
    ngx_str_t                  trusted;
    ngx_flag_t                 verify;
    ngx_array_t               *commands;
    ngx_http_faas_loc_conf_t  *flcf;

    if (fmcf->creds.nelts == 0) {
        return NGX_OK;
    }

    /* the token is fetched with the http{} level TLS settings */
    flcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_faas_module);

    trusted = flcf->ssl_trusted_certificate;
    if (trusted.data == NULL) {
        ngx_str_set(&trusted, "");
    }

    verify = (flcf->ssl_verify == NGX_CONF_UNSET) ? 1 : flcf->ssl_verify;
    commands = (flcf->ssl_conf_commands == NGX_CONF_UNSET_PTR)
               ? NULL : flcf->ssl_conf_commands;

    fmcf->token_ssl = ngx_http_faas_ssl_get(cf, &trusted, verify, commands);
    if (fmcf->token_ssl == NULL) {
        return NGX_ERROR;
    }

    fmcf->token_ssl_verify = verify;

    return NGX_OK;
}


static ngx_int_t
ngx_http_faas_init_process(ngx_cycle_t *cycle)
{
    ngx_uint_t                  i;
    ngx_http_faas_cred_t      **creds;
    ngx_http_faas_main_conf_t  *fmcf;

    fmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_faas_module);

    if (fmcf == NULL || fmcf->creds.nelts == 0) {
        return NGX_OK;
    }

    ngx_http_faas_store_init_process(fmcf);

    creds = fmcf->creds.elts;

    for (i = 0; i < fmcf->creds.nelts; i++) {
        if (ngx_http_faas_peer_init_process(cycle, creds[i]) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    return ngx_http_faas_token_init_process(cycle, fmcf);
}


static void
ngx_http_faas_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_faas_main_conf_t  *fmcf;

    fmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_faas_module);

    if (fmcf == NULL || fmcf->creds.nelts == 0) {
        return;
    }

    ngx_http_faas_token_exit_process(fmcf);
    ngx_http_faas_store_exit_process(fmcf);
}


#if (NGX_HTTP_CACHE)

/* faas_cache ZONE | off; ZONE may hold variables, as with proxy_cache */

static char *
ngx_http_faas_cache(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_faas_loc_conf_t *flcf = conf;

    ngx_str_t                         *value;
    ngx_http_complex_value_t           cv;
    ngx_http_compile_complex_value_t   ccv;

    value = cf->args->elts;

    if (flcf->upstream.cache != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    if (ngx_strcmp(value[1].data, "off") == 0) {
        flcf->upstream.cache = 0;
        return NGX_CONF_OK;
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[1];
    ccv.complex_value = &cv;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    flcf->upstream.cache = 1;

    if (cv.lengths != NULL) {
        flcf->upstream.cache_value = ngx_palloc(cf->pool,
                                             sizeof(ngx_http_complex_value_t));
        if (flcf->upstream.cache_value == NULL) {
            return NGX_CONF_ERROR;
        }

        *flcf->upstream.cache_value = cv;

        return NGX_CONF_OK;
    }

    flcf->upstream.cache_zone = ngx_shared_memory_add(cf, &value[1], 0,
                                                      &ngx_http_faas_module);
    if (flcf->upstream.cache_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_faas_cache_key(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_faas_loc_conf_t *flcf = conf;

    ngx_str_t                         *value;
    ngx_http_compile_complex_value_t   ccv;

    value = cf->args->elts;

    if (flcf->cache_key.value.data) {
        return "is duplicate";
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[1];
    ccv.complex_value = &flcf->cache_key;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/*
 * As nginx merges proxy_cache_*; a location with a cache reads the
 * gateway's answers through nginx's buffers (the event pipe), which is
 * how nginx's upstream stores them
 */

static char *
ngx_http_faas_merge_cache(ngx_conf_t *cf, ngx_http_faas_loc_conf_t *prev,
    ngx_http_faas_loc_conf_t *conf)
{
    ngx_shm_zone_t  *shm_zone;

    if (conf->upstream.cache == NGX_CONF_UNSET) {
        ngx_conf_merge_value(conf->upstream.cache, prev->upstream.cache, 0);

        conf->upstream.cache_zone = prev->upstream.cache_zone;
        conf->upstream.cache_value = prev->upstream.cache_value;
    }

    if (conf->upstream.cache_zone && conf->upstream.cache_zone->data == NULL)
    {
        shm_zone = conf->upstream.cache_zone;

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"faas_cache\" zone \"%V\" is unknown, "
                           "\"faas_cache_path\" defines it",
                           &shm_zone->shm.name);

        return NGX_CONF_ERROR;
    }

    ngx_conf_merge_uint_value(conf->upstream.cache_min_uses,
                              prev->upstream.cache_min_uses, 1);

    ngx_conf_merge_bitmask_value(conf->upstream.cache_use_stale,
                                 prev->upstream.cache_use_stale,
                                 (NGX_CONF_BITMASK_SET
                                  |NGX_HTTP_UPSTREAM_FT_OFF));

    if (conf->upstream.cache_use_stale & NGX_HTTP_UPSTREAM_FT_OFF) {
        conf->upstream.cache_use_stale = NGX_CONF_BITMASK_SET
                                         |NGX_HTTP_UPSTREAM_FT_OFF;
    }

    if (conf->upstream.cache_use_stale & NGX_HTTP_UPSTREAM_FT_ERROR) {
        conf->upstream.cache_use_stale |= NGX_HTTP_UPSTREAM_FT_NOLIVE;
    }

    if (conf->upstream.cache_methods == 0) {
        conf->upstream.cache_methods = prev->upstream.cache_methods;
    }

    conf->upstream.cache_methods |= NGX_HTTP_GET|NGX_HTTP_HEAD;

    ngx_conf_merge_ptr_value(conf->upstream.cache_bypass,
                             prev->upstream.cache_bypass, NULL);
    ngx_conf_merge_ptr_value(conf->upstream.no_cache,
                             prev->upstream.no_cache, NULL);
    ngx_conf_merge_ptr_value(conf->upstream.cache_valid,
                             prev->upstream.cache_valid, NULL);

    if (conf->cache_key.value.data == NULL) {
        conf->cache_key = prev->cache_key;
    }

    ngx_conf_merge_value(conf->upstream.cache_lock,
                         prev->upstream.cache_lock, 0);
    ngx_conf_merge_msec_value(conf->upstream.cache_lock_timeout,
                              prev->upstream.cache_lock_timeout, 5000);
    ngx_conf_merge_msec_value(conf->upstream.cache_lock_age,
                              prev->upstream.cache_lock_age, 5000);
    ngx_conf_merge_value(conf->upstream.cache_revalidate,
                         prev->upstream.cache_revalidate, 0);
    ngx_conf_merge_value(conf->upstream.cache_background_update,
                         prev->upstream.cache_background_update, 0);

    /* a HEAD is answered from what a GET would get */
    conf->upstream.cache_convert_head = 1;

    if (!conf->upstream.cache) {
        return NGX_CONF_OK;
    }

    return ngx_http_faas_merge_cache_buffers(cf, prev, conf);
}


/* what the event pipe needs to write an answer into the cache */

static char *
ngx_http_faas_merge_cache_buffers(ngx_conf_t *cf,
    ngx_http_faas_loc_conf_t *prev, ngx_http_faas_loc_conf_t *conf)
{
    size_t  size;

    static ngx_path_init_t  temp_path = {
        ngx_string("faas_temp"), { 1, 2, 0 }
    };

    conf->upstream.buffering = 1;
    conf->upstream.bufs.num = 8;
    conf->upstream.bufs.size = ngx_pagesize;

    size = ngx_max(conf->upstream.buffer_size, conf->upstream.bufs.size);

    conf->upstream.busy_buffers_size = 2 * size;
    conf->upstream.temp_file_write_size = 2 * size;

    ngx_conf_merge_size_value(conf->upstream.max_temp_file_size_conf,
                              prev->upstream.max_temp_file_size_conf,
                              NGX_CONF_UNSET_SIZE);

    conf->upstream.max_temp_file_size = 1024 * 1024 * 1024;

    if (ngx_conf_merge_path_value(cf, &conf->upstream.temp_path,
                                  prev->upstream.temp_path, &temp_path)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}

#endif
