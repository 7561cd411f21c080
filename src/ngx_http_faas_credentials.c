
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * The faas_credentials block: an account and its OAuth client.
 */


#include "ngx_http_faas.h"
#include "ngx_http_faas_credentials.h"
#include "ngx_http_faas_domain.h"
#include "ngx_http_faas_client.h"
#include "ngx_http_faas_peer.h"
#include "ngx_http_faas_platform.h"
#include "ngx_http_faas_escape.h"

#include <openssl/evp.h>


#define NGX_HTTP_FAAS_SECRET_MAX  4096


/*
 * The post of a number or time key: its lowest value, and what the
 * message of a bad value says the key takes (nginx's setters say only
 * "invalid value").
 */
typedef struct {
    ngx_conf_post_handler_pt    post_handler;
    ngx_int_t                   low;
    char                       *must;
} ngx_http_faas_cred_bounds_t;


static char *ngx_http_faas_cred_directive(ngx_conf_t *cf, ngx_command_t *dummy,
    void *conf);
static char *ngx_http_faas_cred_set_account(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_faas_cred_set_secret(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_faas_cred_set_region(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_faas_cred_set_enum(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_faas_cred_enum(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf, ngx_uint_t caseless);
static char *ngx_http_faas_cred_set_deprecated_msec(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_faas_cred_check_str(ngx_conf_t *cf, void *post,
    void *data);
static char *ngx_http_faas_cred_check_num(ngx_conf_t *cf, void *post,
    void *data);
static char *ngx_http_faas_cred_check_msec(ngx_conf_t *cf, void *post,
    void *data);
static char *ngx_http_faas_cred_check_sec(ngx_conf_t *cf, void *post,
    void *data);
static char *ngx_http_faas_cred_invalid(ngx_conf_t *cf, const char *must);
static ngx_int_t ngx_http_faas_cred_domain(ngx_conf_t *cf,
    ngx_http_faas_cred_t *cred);
static ngx_int_t ngx_http_faas_cred_read_secret(ngx_conf_t *cf,
    ngx_http_faas_cred_t *cred, ngx_str_t *path);
static char *ngx_http_faas_cred_finish(ngx_conf_t *cf,
    ngx_http_faas_cred_t *cred);
static void ngx_http_faas_cred_defaults(ngx_http_faas_cred_t *cred);
static ngx_int_t ngx_http_faas_cred_token_endpoint(ngx_conf_t *cf,
    ngx_http_faas_cred_t *cred);
static char *ngx_http_faas_cred_finish_gateway(ngx_conf_t *cf,
    ngx_http_faas_cred_t *cred);
static char *ngx_http_faas_cred_gateway(ngx_conf_t *cf,
    ngx_http_faas_cred_t *cred);
static ngx_int_t ngx_http_faas_cred_token_request(ngx_conf_t *cf,
    ngx_http_faas_cred_t *cred);
static ngx_int_t ngx_http_faas_cred_key(ngx_http_faas_cred_t *cred);
static ngx_int_t ngx_http_faas_cred_resolve(ngx_conf_t *cf,
    ngx_http_faas_cred_t *cred, ngx_http_core_loc_conf_t *clcf,
    ngx_http_upstream_main_conf_t *umcf);
static ngx_int_t ngx_http_faas_cred_region_resolve(ngx_conf_t *cf,
    ngx_http_faas_cred_t *cred, const char *role, const char *directive,
    ngx_str_t *host, in_port_t port, ngx_addr_t **addrs,
    ngx_uint_t *naddrs);


static ngx_conf_enum_t  ngx_http_faas_client_auths[] = {
    { ngx_string("body"), NGX_HTTP_FAAS_AUTH_BODY },
    { ngx_string("basic"), NGX_HTTP_FAAS_AUTH_BASIC },
    { ngx_null_string, 0 }
};


static ngx_conf_enum_t  ngx_http_faas_platforms[] = {
    { ngx_string("auto"), NGX_HTTP_FAAS_PLATFORM_AUTO },
    { ngx_string("v1"), NGX_HTTP_FAAS_PLATFORM_V1 },
    { ngx_string("v2"), NGX_HTTP_FAAS_PLATFORM_V2 },
    { ngx_null_string, 0 }
};


/* in the order of NGX_HTTP_FAAS_REGION_*, as the host prefixes below */
static ngx_conf_enum_t  ngx_http_faas_regions[] = {
    { ngx_string("us"), NGX_HTTP_FAAS_REGION_US },
    { ngx_string("emea"), NGX_HTTP_FAAS_REGION_EMEA },
    { ngx_string("apac"), NGX_HTTP_FAAS_REGION_APAC },
    { ngx_null_string, 0 }
};

static char  *ngx_http_faas_region_hosts[] = { "va", "lo", "sy" };


static ngx_conf_post_t  ngx_http_faas_cred_not_empty =
    { ngx_http_faas_cred_check_str };

static ngx_http_faas_cred_bounds_t  ngx_http_faas_cred_number =
    { ngx_http_faas_cred_check_num, 0, "it must be a number" };

static ngx_http_faas_cred_bounds_t  ngx_http_faas_cred_timeout =
    { ngx_http_faas_cred_check_msec, 1, "it must be a time over 0, "
                                        "e.g. \"10s\"" };

static ngx_http_faas_cred_bounds_t  ngx_http_faas_cred_ttl =
    { ngx_http_faas_cred_check_sec, 1, "it must be a time of at least 1s, "
                                       "e.g. \"10m\"" };

static ngx_http_faas_cred_bounds_t  ngx_http_faas_cred_seconds =
    { ngx_http_faas_cred_check_sec, 0, "it must be a time in seconds, "
                                       "e.g. \"60s\"" };


/*
 * The keys of a faas_credentials block.  Each takes one value; the
 * "conf" field is unused: the block's own ngx_http_faas_cred_t is the
 * conf of every key.
 */
static ngx_command_t  ngx_http_faas_cred_commands[] = {

    { ngx_string("account"),
      NGX_CONF_TAKE1,
      ngx_http_faas_cred_set_account,
      0,
      offsetof(ngx_http_faas_cred_t, account),
      &ngx_http_faas_cred_not_empty },

    { ngx_string("client_id"),
      NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      0,
      offsetof(ngx_http_faas_cred_t, client_id),
      &ngx_http_faas_cred_not_empty },

    { ngx_string("client_secret"),
      NGX_CONF_TAKE1,
      ngx_http_faas_cred_set_secret,
      0,
      0,
      NULL },

    { ngx_string("region"),
      NGX_CONF_TAKE1,
      ngx_http_faas_cred_set_region,
      0,
      offsetof(ngx_http_faas_cred_t, region),
      ngx_http_faas_regions },

    { ngx_string("token_url"),
      NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      0,
      offsetof(ngx_http_faas_cred_t, token_url),
      &ngx_http_faas_cred_not_empty },

    { ngx_string("gateway"),
      NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      0,
      offsetof(ngx_http_faas_cred_t, gateway),
      &ngx_http_faas_cred_not_empty },

    { ngx_string("scope"),
      NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      0,
      offsetof(ngx_http_faas_cred_t, scope),
      &ngx_http_faas_cred_not_empty },

    { ngx_string("token_timeout"),
      NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      0,
      offsetof(ngx_http_faas_cred_t, token_timeout),
      &ngx_http_faas_cred_timeout },

    /* the old name of token_timeout */
    { ngx_string("faas_token_timeout"),
      NGX_CONF_TAKE1,
      ngx_http_faas_cred_set_deprecated_msec,
      0,
      offsetof(ngx_http_faas_cred_t, token_timeout),
      &ngx_http_faas_cred_timeout },

    { ngx_string("refresh_before"),
      NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      0,
      offsetof(ngx_http_faas_cred_t, refresh_before),
      &ngx_http_faas_cred_seconds },

    { ngx_string("client_auth"),
      NGX_CONF_TAKE1,
      ngx_http_faas_cred_set_enum,
      0,
      offsetof(ngx_http_faas_cred_t, client_auth),
      ngx_http_faas_client_auths },

    { ngx_string("domain_api"),
      NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      0,
      offsetof(ngx_http_faas_cred_t, domain_api),
      &ngx_http_faas_cred_not_empty },

    { ngx_string("domain_ttl"),
      NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      0,
      offsetof(ngx_http_faas_cred_t, domain_ttl),
      &ngx_http_faas_cred_ttl },

    { ngx_string("keepalive"),
      NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      0,
      offsetof(ngx_http_faas_cred_t, gw.keepalive),
      &ngx_http_faas_cred_number },

    { ngx_string("keepalive_requests"),
      NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      0,
      offsetof(ngx_http_faas_cred_t, gw.keepalive_requests),
      &ngx_http_faas_cred_number },

    { ngx_string("keepalive_timeout"),
      NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      0,
      offsetof(ngx_http_faas_cred_t, gw.keepalive_timeout),
      &ngx_http_faas_cred_timeout },

    { ngx_string("queue"),
      NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      0,
      offsetof(ngx_http_faas_cred_t, gw.queue),
      &ngx_http_faas_cred_number },

    { ngx_string("queue_timeout"),
      NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      0,
      offsetof(ngx_http_faas_cred_t, gw.queue_timeout),
      &ngx_http_faas_cred_timeout },

    { ngx_string("platform"),
      NGX_CONF_TAKE1,
      ngx_http_faas_cred_set_enum,
      0,
      offsetof(ngx_http_faas_cred_t, platform),
      ngx_http_faas_platforms },

      ngx_null_command
};


char *
ngx_http_faas_cred_block(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_faas_main_conf_t *fmcf = conf;

    char                   *rv;
    ngx_str_t              *value;
    ngx_conf_t              save;
    ngx_http_faas_cred_t   *cred, **credp;

    value = cf->args->elts;

    if (ngx_http_faas_cred_find(fmcf, &value[1]) != NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"faas_credentials\" \"%V\" is duplicate",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    cred = ngx_pcalloc(cf->pool, sizeof(ngx_http_faas_cred_t));
    if (cred == NULL) {
        return NGX_CONF_ERROR;
    }

    cred->name = value[1];
    cred->region = NGX_CONF_UNSET_UINT;
    cred->token_timeout = NGX_CONF_UNSET_MSEC;
    cred->refresh_before = NGX_CONF_UNSET;
    cred->client_auth = NGX_CONF_UNSET_UINT;
    cred->domain_ttl = NGX_CONF_UNSET;
    cred->gw.keepalive = NGX_CONF_UNSET_UINT;
    cred->gw.keepalive_requests = NGX_CONF_UNSET_UINT;
    cred->gw.keepalive_timeout = NGX_CONF_UNSET_MSEC;
    cred->gw.queue = NGX_CONF_UNSET_UINT;
    cred->gw.queue_timeout = NGX_CONF_UNSET_MSEC;
    cred->platform = NGX_CONF_UNSET_UINT;
    cred->conf_file = cf->conf_file->file.name.data;
    cred->conf_line = cf->conf_file->line;

    save = *cf;
    cf->handler = ngx_http_faas_cred_directive;
    cf->handler_conf = (char *) cred;

    rv = ngx_conf_parse(cf, NULL);

    *cf = save;

    if (rv != NGX_CONF_OK) {
        return rv;
    }

    rv = ngx_http_faas_cred_finish(cf, cred);
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    credp = ngx_array_push(&fmcf->creds);
    if (credp == NULL) {
        return NGX_CONF_ERROR;
    }

    *credp = cred;

    return NGX_CONF_OK;
}


/*
 * One line of the block: the key's setter, and its answer told with the
 * key and the set's name, as ngx_conf_handler() tells a directive's.
 */

static char *
ngx_http_faas_cred_directive(ngx_conf_t *cf, ngx_command_t *dummy, void *conf)
{
    ngx_http_faas_cred_t *cred = conf;

    char                         *rv;
    ngx_str_t                    *value;
    ngx_command_t                *cmd;
    ngx_http_faas_cred_bounds_t  *bounds;

    value = cf->args->elts;

    for (cmd = ngx_http_faas_cred_commands; cmd->name.len; cmd++) {

        if (cmd->name.len != value[0].len
            || ngx_strncmp(cmd->name.data, value[0].data, value[0].len) != 0)
        {
            continue;
        }

        /* every key is NGX_CONF_TAKE1 */
        if (cf->args->nelts != 2) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid number of arguments in \"%V\" "
                               "of \"faas_credentials\" \"%V\"",
                               &value[0], &cred->name);
            return NGX_CONF_ERROR;
        }

        rv = cmd->set(cf, cmd, cred);

        if (rv == NGX_CONF_OK || rv == NGX_CONF_ERROR) {
            return rv;
        }

        /*
         * nginx's number and time setters answer "invalid number" or
         * "invalid value"; the post of their keys is the bounds, which
         * say what the key takes
         */
        if (ngx_strncmp(rv, "invalid ", sizeof("invalid ") - 1) == 0) {
            bounds = cmd->post;
            return ngx_http_faas_cred_invalid(cf, bounds->must);
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" of \"faas_credentials\" \"%V\" %s",
                           &value[0], &cred->name, rv);

        return NGX_CONF_ERROR;
    }

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "unknown directive \"%V\" in \"faas_credentials\"",
                       &value[0]);

    return NGX_CONF_ERROR;
}


static char *
ngx_http_faas_cred_set_account(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    u_char     *p;
    ngx_str_t  *value;

    value = cf->args->elts;

    /* the account goes into URL paths */
    for (p = value[1].data; p < value[1].data + value[1].len; p++) {
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z')
              || (*p >= 'A' && *p <= 'Z') || *p == '-' || *p == '_'))
        {
            return ngx_http_faas_cred_invalid(cf, "it may hold only letters, "
                                              "digits, \"-\" and \"_\"");
        }
    }

    return ngx_conf_set_str_slot(cf, cmd, conf);
}


/* the secret itself, "file:PATH" or "env:VAR" */

static char *
ngx_http_faas_cred_set_secret(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_faas_cred_t *cred = conf;

    u_char     *env;
    ngx_str_t   path, *value;

    value = cf->args->elts;

    if (cred->client_secret.data != NULL) {
        return "is duplicate";
    }

    if (value[1].len > 5 && ngx_strncmp(value[1].data, "file:", 5) == 0) {
        path.len = value[1].len - 5;
        path.data = value[1].data + 5;

        if (ngx_http_faas_cred_read_secret(cf, cred, &path) != NGX_OK) {
            return NGX_CONF_ERROR;
        }

    } else if (value[1].len > 4
               && ngx_strncmp(value[1].data, "env:", 4) == 0)
    {
        env = (u_char *) getenv((char *) value[1].data + 4);

        if (env == NULL || *env == '\0') {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"client_secret\" of \"faas_credentials\" "
                               "\"%V\": environment variable \"%s\" is "
                               "not set or empty", &cred->name,
                               value[1].data + 4);
            return NGX_CONF_ERROR;
        }

        cred->client_secret.len = ngx_strlen(env);
        cred->client_secret.data = ngx_pnalloc(cf->pool,
                                               cred->client_secret.len);
        if (cred->client_secret.data == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memcpy(cred->client_secret.data, env, cred->client_secret.len);

    } else if (value[1].len == 0) {
        return "must not be empty";

    } else {
        cred->client_secret = value[1];
    }

    return NGX_CONF_OK;
}

static ngx_int_t
ngx_http_faas_cred_read_secret(ngx_conf_t *cf, ngx_http_faas_cred_t *cred,
    ngx_str_t *path)
{
    u_char           *p, *last;
    ssize_t           n;
    ngx_fd_t          fd;
    ngx_str_t         name;
    ngx_file_info_t   fi;

    name = *path;

    if (ngx_conf_full_name(cf->cycle, &name, 1) != NGX_OK) {
        return NGX_ERROR;
    }

    fd = ngx_open_file(name.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "\"client_secret\" of \"faas_credentials\" "
                           "\"%V\": cannot open secret file \"%s\"",
                           &cred->name, name.data);
        return NGX_ERROR;
    }

    p = NULL;
    n = NGX_ERROR;

    if (ngx_fd_info(fd, &fi) != NGX_FILE_ERROR
        && ngx_file_size(&fi) <= NGX_HTTP_FAAS_SECRET_MAX)
    {
        p = ngx_pnalloc(cf->pool, NGX_HTTP_FAAS_SECRET_MAX);
        if (p != NULL) {
            n = ngx_read_fd(fd, p, NGX_HTTP_FAAS_SECRET_MAX);
        }

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"client_secret\" of \"faas_credentials\" "
                           "\"%V\": secret file \"%s\" is not a regular "
                           "file of at most %d bytes", &cred->name,
                           name.data, NGX_HTTP_FAAS_SECRET_MAX);
        (void) ngx_close_file(fd);
        return NGX_ERROR;
    }

    (void) ngx_close_file(fd);

    if (n == NGX_ERROR || p == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "\"client_secret\" of \"faas_credentials\" "
                           "\"%V\": cannot read secret file \"%s\"",
                           &cred->name, name.data);
        return NGX_ERROR;
    }

    last = p + n;

    while (p < last && (*p == ' ' || *p == '\t' || *p == CR || *p == LF)) {
        p++;
    }

    while (last > p && (last[-1] == ' ' || last[-1] == '\t'
                        || last[-1] == CR || last[-1] == LF))
    {
        last--;
    }

    if (p == last) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"client_secret\" of \"faas_credentials\" "
                           "\"%V\": secret file \"%s\" is empty",
                           &cred->name, name.data);
        return NGX_ERROR;
    }

    cred->client_secret.data = p;
    cred->client_secret.len = last - p;

    return NGX_OK;
}




/* region names take any case: "US" is "us" */

static char *
ngx_http_faas_cred_set_region(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    return ngx_http_faas_cred_enum(cf, cmd, conf, 1);
}


static char *
ngx_http_faas_cred_set_enum(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    return ngx_http_faas_cred_enum(cf, cmd, conf, 0);
}


/*
 * ngx_conf_set_enum_slot() for a name of cmd->post; any other value is
 * told with the names the key takes, which nginx's setter does not say
 */

static char *
ngx_http_faas_cred_enum(ngx_conf_t *cf, ngx_command_t *cmd, void *conf,
    ngx_uint_t caseless)
{
    u_char           *last, buf[NGX_HTTP_FAAS_ENUM_NAMES_LEN];
    ngx_str_t        *value;
    ngx_uint_t       *field;
    ngx_conf_enum_t  *e;

    value = cf->args->elts;

    for (e = cmd->post; e->name.len; e++) {
        if (e->name.len == value[1].len
            && (caseless
                ? ngx_strncasecmp(e->name.data, value[1].data, value[1].len)
                : ngx_strncmp(e->name.data, value[1].data, value[1].len))
               == 0)
        {
            return ngx_conf_set_enum_slot(cf, cmd, conf);
        }
    }

    field = (ngx_uint_t *) ((u_char *) conf + cmd->offset);

    if (*field != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    last = ngx_http_faas_conf_enum_names(buf, buf + sizeof(buf) - 1,
                                         cmd->post);
    *last = '\0';

    return ngx_http_faas_cred_invalid(cf, (char *) buf);
}


/* a key's old name, "faas_" and its name: it still works, and warns */

static char *
ngx_http_faas_cred_set_deprecated_msec(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_faas_cred_t *cred = conf;

    ngx_str_t  *value, name;

    value = cf->args->elts;

    name.len = cmd->name.len - (sizeof("faas_") - 1);
    name.data = cmd->name.data + sizeof("faas_") - 1;

    ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                       "\"%V\" of \"faas_credentials\" \"%V\" is deprecated, "
                       "use \"%V\" instead", &value[0], &cred->name, &name);

    return ngx_conf_set_msec_slot(cf, cmd, conf);
}


static char *
ngx_http_faas_cred_check_str(ngx_conf_t *cf, void *post, void *data)
{
    ngx_str_t  *field = data;

    if (field->len == 0) {
        return "must not be empty";
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_faas_cred_check_num(ngx_conf_t *cf, void *post, void *data)
{
    ngx_http_faas_cred_bounds_t  *bounds = post;
    ngx_int_t                    *np = data;

    if (*np < bounds->low) {
        return ngx_http_faas_cred_invalid(cf, bounds->must);
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_faas_cred_check_msec(ngx_conf_t *cf, void *post, void *data)
{
    ngx_http_faas_cred_bounds_t  *bounds = post;
    ngx_msec_t                   *msp = data;

    if (*msp < (ngx_msec_t) bounds->low) {
        return ngx_http_faas_cred_invalid(cf, bounds->must);
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_faas_cred_check_sec(ngx_conf_t *cf, void *post, void *data)
{
    ngx_http_faas_cred_bounds_t  *bounds = post;
    time_t                       *sp = data;

    if (*sp < (time_t) bounds->low) {
        return ngx_http_faas_cred_invalid(cf, bounds->must);
    }

    return NGX_CONF_OK;
}


/*
 * "it must be "a", "b" or "c"": the names of an enum, for the messages
 * of this block and of the module's directives
 */

u_char *
ngx_http_faas_conf_enum_names(u_char *buf, u_char *last, ngx_conf_enum_t *e)
{
    u_char           *p;
    ngx_conf_enum_t  *first;

    p = ngx_slprintf(buf, last, "it must be ");

    for (first = e; e->name.len; e++) {
        if (e != first) {
            p = ngx_slprintf(p, last, e[1].name.len ? ", " : " or ");
        }

        p = ngx_slprintf(p, last, "\"%V\"", &e->name);
    }

    return p;
}


/* nginx's form: invalid value "x" in "key" of "faas_credentials" "name" */


/*
 * nginx's form: invalid value "x" in "key" of "faas_credentials" "name";
 * the set is the conf of the block being parsed, the key and the value
 * are the line's
 */

static char *
ngx_http_faas_cred_invalid(ngx_conf_t *cf, const char *must)
{
    ngx_str_t             *value;
    ngx_http_faas_cred_t  *cred;

    value = cf->args->elts;
    cred = (ngx_http_faas_cred_t *) cf->handler_conf;

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid value \"%V\" in \"%V\" of "
                       "\"faas_credentials\" \"%V\", %s",
                       &value[1], &value[0], &cred->name, must);

    return NGX_CONF_ERROR;
}


static char *
ngx_http_faas_cred_finish(ngx_conf_t *cf, ngx_http_faas_cred_t *cred)
{
    const char  *missing;

    missing = NULL;

    if (cred->account.len == 0) {
        missing = "account";

    } else if (cred->client_id.len == 0) {
        missing = "client_id";

    } else if (cred->client_secret.len == 0) {
        missing = "client_secret";
    }

    if (missing) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"faas_credentials\" \"%V\" has no \"%s\"",
                           &cred->name, missing);
        return NGX_CONF_ERROR;
    }

    ngx_http_faas_cred_defaults(cred);

    if (cred->domain_api.len) {
        if (ngx_http_faas_cred_domain(cf, cred) != NGX_OK) {
            return NGX_CONF_ERROR;
        }

        if (cred->dynamic[NGX_HTTP_FAAS_SENTINEL]) {
            return ngx_http_faas_cred_finish_gateway(cf, cred);
        }
    }

    if (ngx_http_faas_cred_token_endpoint(cf, cred) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return ngx_http_faas_cred_finish_gateway(cf, cred);
}


static void
ngx_http_faas_cred_defaults(ngx_http_faas_cred_t *cred)
{
    if (cred->region == NGX_CONF_UNSET_UINT) {
        cred->region = NGX_HTTP_FAAS_REGION_US;
        cred->region_default = 1;
    }

    if (cred->token_timeout == NGX_CONF_UNSET_MSEC) {
        cred->token_timeout = 10000;
    }

    if (cred->client_auth == NGX_CONF_UNSET_UINT) {
        cred->client_auth = NGX_HTTP_FAAS_AUTH_BODY;
    }

    if (cred->domain_ttl == NGX_CONF_UNSET) {
        cred->domain_ttl = 600;
    }

    if (cred->platform == NGX_CONF_UNSET_UINT) {
        cred->platform = NGX_HTTP_FAAS_PLATFORM_AUTO;
    }
}


/* token_url, or the region's Sentinel: known at configuration */

static ngx_int_t
ngx_http_faas_cred_token_endpoint(ngx_conf_t *cf, ngx_http_faas_cred_t *cred)
{
    u_char  *p;

    if (cred->token_url.len == 0) {
        cred->region_token = 1;

        p = ngx_pnalloc(cf->pool, sizeof("https://xx.sentinel.liveperson.net"
                                         "/sentinel/api/account/"
                                         "/app/token?v=2.0")
                                  + cred->account.len);
        if (p == NULL) {
            return NGX_ERROR;
        }

        cred->token_url.data = p;
        cred->token_url.len = ngx_sprintf(p, "https://%s.sentinel.liveperson"
                                          ".net/sentinel/api/account/%V"
                                          "/app/token?v=2.0",
                                          ngx_http_faas_region_hosts[
                                              cred->region],
                                          &cred->account)
                              - p;
    }

    return ngx_http_faas_endpoint_parse(cf, &cred->token_url, &cred->token,
                                        "token_url", &cred->name);
}


/* the gateway: from the Domain API at run time, gateway, or the region's */

static char *
ngx_http_faas_cred_finish_gateway(ngx_conf_t *cf, ngx_http_faas_cred_t *cred)
{
    u_char  *p;

    if (cred->dynamic[NGX_HTTP_FAAS_FAASGW]) {
        /* the gateway host comes from the Domain API at run time */
        p = ngx_pnalloc(cf->pool, sizeof("/api/account//") - 1
                                  + cred->account.len);
        if (p == NULL) {
            return NGX_CONF_ERROR;
        }

        cred->invoke_prefix.data = p;
        cred->invoke_prefix.len = ngx_sprintf(p, "/api/account/%V/",
                                              &cred->account)
                                  - p;
        return NGX_CONF_OK;
    }

    if (cred->gateway.len == 0) {
        cred->region_gateway = 1;

        p = ngx_pnalloc(cf->pool, sizeof("https://xx.faasgw.liveperson.net"));
        if (p == NULL) {
            return NGX_CONF_ERROR;
        }

        cred->gateway.data = p;
        cred->gateway.len = ngx_sprintf(p, "https://%s.faasgw.liveperson.net",
                                        ngx_http_faas_region_hosts[
                                            cred->region])
                            - p;
    }

    return ngx_http_faas_cred_gateway(cf, cred);
}


static char *
ngx_http_faas_cred_gateway(ngx_conf_t *cf, ngx_http_faas_cred_t *cred)
{
    u_char     *p;
    size_t      add;
    ngx_url_t   u;

    if (cred->gateway.len <= 8
        || ngx_strncasecmp(cred->gateway.data, (u_char *) "https://", 8)
           != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"gateway\" of \"faas_credentials\" \"%V\": "
                           "invalid URL \"%V\", expected https://HOST[:PORT]",
                           &cred->name, &cred->gateway);
        return NGX_CONF_ERROR;
    }

    add = 8;

    ngx_memzero(&u, sizeof(ngx_url_t));

    u.url.len = cred->gateway.len - add;
    u.url.data = cred->gateway.data + add;
    u.default_port = 443;
    u.uri_part = 1;
    u.no_resolve = 1;

    if (ngx_parse_url(cf->pool, &u) != NGX_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"gateway\" of \"faas_credentials\" \"%V\": "
                           "%s in \"%V\"", &cred->name,
                           u.err ? u.err : "invalid URL", &cred->gateway);
        return NGX_CONF_ERROR;
    }

    /* the host, or the upstream{} name, is the TLS server name */
    if (u.host.len > NGX_HTTP_FAAS_HOST_MAX) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"gateway\" of \"faas_credentials\" \"%V\": "
                           "the host of \"%V\" has %uz characters, more "
                           "than a TLS server name can hold (%d)",
                           &cred->name, &cred->gateway, u.host.len,
                           NGX_HTTP_FAAS_HOST_MAX);
        return NGX_CONF_ERROR;
    }

    if (u.uri.len > 1 || (u.uri.len == 1 && u.uri.data[0] != '/')) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"gateway\" of \"faas_credentials\" \"%V\": "
                           "a path is not allowed in \"%V\"", &cred->name,
                           &cred->gateway);
        return NGX_CONF_ERROR;
    }

    /*
     * an upstream{} block of that name, or else the module's own peers:
     * chosen when the resolver is known (ngx_http_faas_peer_conf())
     */
    cred->gw.name = u.host;
    cred->gw.port = u.port;
    cred->gw.no_port = u.no_port;
    cred->gw.addrs = u.addrs;
    cred->gw.naddrs = u.naddrs;

    if (u.no_port || u.port == 443) {
        cred->gateway_host = u.host;

    } else {
        p = ngx_pnalloc(cf->pool, u.host.len + sizeof(":65535") - 1);
        if (p == NULL) {
            return NGX_CONF_ERROR;
        }

        cred->gateway_host.data = p;
        cred->gateway_host.len = ngx_sprintf(p, "%V:%d", &u.host, u.port) - p;
    }

    p = ngx_pnalloc(cf->pool, sizeof("/api/account//") - 1
                              + cred->account.len);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    cred->invoke_prefix.data = p;
    cred->invoke_prefix.len = ngx_sprintf(p, "/api/account/%V/",
                                          &cred->account)
                              - p;

    /* a static host: its platform is known now */
    cred->gateway_v2 = ngx_http_faas_platform_v2(cred->platform, &u.host);

    return NGX_CONF_OK;
}


/* domain_api: the hosts not given come from lookups at run time */

static ngx_int_t
ngx_http_faas_cred_domain(ngx_conf_t *cf, ngx_http_faas_cred_t *cred)
{
    u_char      *p;
    ngx_uint_t   i;
    ngx_str_t   *svc;

    if (ngx_http_faas_endpoint_parse(cf, &cred->domain_api, &cred->domain,
                                     "domain_api", &cred->name)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (cred->domain.uri.len > 1) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"domain_api\" of \"faas_credentials\" \"%V\": "
                           "a path is not allowed in \"%V\"", &cred->name,
                           &cred->domain_api);
        return NGX_ERROR;
    }

    cred->dynamic[NGX_HTTP_FAAS_SENTINEL] = (cred->token_url.len == 0);
    cred->dynamic[NGX_HTTP_FAAS_FAASGW] = (cred->gateway.len == 0);

    for (i = 0; i < 2; i++) {
        svc = ngx_http_faas_domain_service(i);

        p = ngx_pnalloc(cf->pool, sizeof("GET /api/account//service/"
                                         "/baseURI.json?version=1.0 "
                                         "HTTP/1.0" CRLF "Host: " CRLF
                                         "Accept: application/json" CRLF
                                         CRLF)
                                  + cred->account.len + svc->len
                                  + cred->domain.host.len);
        if (p == NULL) {
            return NGX_ERROR;
        }

        cred->domain_request[i].data = p;
        cred->domain_request[i].len =
            ngx_sprintf(p, "GET /api/account/%V/service/%V/baseURI.json"
                        "?version=1.0 HTTP/1.0" CRLF "Host: %V" CRLF
                        "Accept: application/json" CRLF CRLF,
                        &cred->account, svc, &cred->domain.host)
            - p;
    }

    if (cred->dynamic[NGX_HTTP_FAAS_SENTINEL]) {
        p = ngx_pnalloc(cf->pool, sizeof("/sentinel/api/account/"
                                         "/app/token?v=2.0")
                                  + cred->account.len);
        if (p == NULL) {
            return NGX_ERROR;
        }

        cred->token.uri.data = p;
        cred->token.uri.len = ngx_sprintf(p, "/sentinel/api/account/%V"
                                          "/app/token?v=2.0", &cred->account)
                              - p;
        cred->token.url = cred->domain_api;
    }

    return NGX_OK;
}


ngx_http_faas_cred_t *
ngx_http_faas_cred_find(ngx_http_faas_main_conf_t *fmcf, ngx_str_t *name)
{
    ngx_uint_t              i;
    ngx_http_faas_cred_t  **creds;

    creds = fmcf->creds.elts;

    for (i = 0; i < fmcf->creds.nelts; i++) {
        if (creds[i]->name.len == name->len
            && ngx_strncmp(creds[i]->name.data, name->data, name->len) == 0)
        {
            return creds[i];
        }
    }

    return NULL;
}


ngx_int_t
ngx_http_faas_cred_init(ngx_conf_t *cf, ngx_http_faas_main_conf_t *fmcf)
{
    ngx_uint_t                      i;
    ngx_http_faas_cred_t          **creds, *cred;
    ngx_http_core_loc_conf_t       *clcf;
    ngx_http_upstream_main_conf_t  *umcf;

    creds = fmcf->creds.elts;

    /* the resolver of the http{} level resolves hosts the lookups give */
    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    umcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_upstream_module);

    for (i = 0; i < fmcf->creds.nelts; i++) {
        cred = creds[i];

        if (ngx_http_faas_cred_resolve(cf, cred, clcf, umcf) != NGX_OK) {
            return NGX_ERROR;
        }

        if (ngx_http_faas_peer_conf(cf, cred) != NGX_OK) {
            return NGX_ERROR;
        }

        if (ngx_http_faas_cred_token_request(cf, cred) != NGX_OK) {
            return NGX_ERROR;
        }

        if (ngx_http_faas_cred_key(cred) != NGX_OK) {
            return NGX_ERROR;
        }

        cred->ssl = fmcf->token_ssl;
        cred->ssl_verify = fmcf->token_ssl_verify;
    }

    return NGX_OK;
}


/* a set's resolver, and the hosts resolved at configuration */

static ngx_int_t
ngx_http_faas_cred_resolve(ngx_conf_t *cf, ngx_http_faas_cred_t *cred,
    ngx_http_core_loc_conf_t *clcf, ngx_http_upstream_main_conf_t *umcf)
{
    if (clcf->resolver != NULL && clcf->resolver->connections.nelts) {
        cred->resolver = clcf->resolver;
        cred->resolver_timeout =
            (clcf->resolver_timeout == NGX_CONF_UNSET_MSEC)
            ? 30000 : clcf->resolver_timeout;

    } else if (cred->dynamic[NGX_HTTP_FAAS_SENTINEL]
               || cred->dynamic[NGX_HTTP_FAAS_FAASGW])
    {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "\"domain_api\" of \"faas_credentials\" \"%V\" "
                      "needs a \"resolver\" in the http block: the hosts "
                      "it finds are resolved at run time (%s:%ui)",
                      &cred->name, cred->conf_file, cred->conf_line);
        return NGX_ERROR;
    }

    /*
     * hosts the region implies, without a resolver: resolved here, so
     * that a failure names the region rather than a directive the
     * operator did not write
     */
    if (cred->resolver == NULL && cred->region_token
        && cred->token.naddrs == 0
        && ngx_http_faas_cred_region_resolve(cf, cred,
                                             "authorization server",
                                             "token_url",
                                             &cred->token.sni,
                                             cred->token.port,
                                             &cred->token.addrs,
                                             &cred->token.naddrs)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (cred->resolver == NULL && cred->region_gateway
        && cred->gw.naddrs == 0
        && ngx_http_faas_upstream_block(umcf, &cred->gw.name) == NULL
        && ngx_http_faas_cred_region_resolve(cf, cred, "gateway",
                                             "gateway", &cred->gw.name,
                                             cred->gw.port,
                                             &cred->gw.addrs,
                                             &cred->gw.naddrs)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (!cred->dynamic[NGX_HTTP_FAAS_SENTINEL]
        && ngx_http_faas_endpoint_resolve(cf, &cred->token,
                                          cred->resolver, "token_url",
                                          &cred->name)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (cred->domain_api.len
        && ngx_http_faas_endpoint_resolve(cf, &cred->domain,
                                          cred->resolver, "domain_api",
                                          &cred->name)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_faas_cred_region_resolve(ngx_conf_t *cf, ngx_http_faas_cred_t *cred,
    const char *role, const char *directive, ngx_str_t *host, in_port_t port,
    ngx_addr_t **addrs, ngx_uint_t *naddrs)
{
    ngx_url_t  u;

    ngx_memzero(&u, sizeof(ngx_url_t));

    u.host = *host;
    u.port = port;

    if (ngx_inet_resolve_host(cf->pool, &u) != NGX_OK) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "\"region\" \"%V\"%s of \"faas_credentials\" \"%V\" "
                      "means the %s \"%V\", which cannot be resolved now "
                      "(%s): a \"resolver\" in the http block, or an "
                      "address in \"%s\", avoids resolving it when the "
                      "configuration loads (%s:%ui)",
                      &ngx_http_faas_regions[cred->region].name,
                      cred->region_default ? " (the default)" : "",
                      &cred->name, role, host,
                      u.err ? u.err : "cannot resolve", directive,
                      cred->conf_file, cred->conf_line);
        return NGX_ERROR;
    }

    *addrs = u.addrs;
    *naddrs = u.naddrs;

    return NGX_OK;
}


static ngx_int_t
ngx_http_faas_cred_token_request(ngx_conf_t *cf, ngx_http_faas_cred_t *cred)
{
    u_char     *p, *body;
    size_t      len, body_len;
    ngx_str_t   basic, encoded;

    len = 3 * (cred->client_id.len + cred->client_secret.len
               + cred->scope.len);

    body = ngx_pnalloc(cf->pool, sizeof("grant_type=client_credentials"
                                        "&client_id=&client_secret="
                                        "&scope=") - 1 + len);
    if (body == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(body, "grant_type=client_credentials",
                   sizeof("grant_type=client_credentials") - 1);

    ngx_str_null(&encoded);

    if (cred->client_auth == NGX_HTTP_FAAS_AUTH_BODY) {
        p = ngx_cpymem(p, "&client_id=", sizeof("&client_id=") - 1);
        p += ngx_http_faas_form_escape(p, &cred->client_id);
        p = ngx_cpymem(p, "&client_secret=", sizeof("&client_secret=") - 1);
        p += ngx_http_faas_form_escape(p, &cred->client_secret);

    } else {
        /* RFC 6749 2.3.1: both form-encoded, joined by ":", in base64 */
        basic.data = ngx_pnalloc(cf->pool, len + 1);
        if (basic.data == NULL) {
            return NGX_ERROR;
        }

        basic.len = ngx_http_faas_form_escape(basic.data, &cred->client_id);
        basic.data[basic.len++] = ':';
        basic.len += ngx_http_faas_form_escape(basic.data + basic.len,
                                               &cred->client_secret);

        encoded.data = ngx_pnalloc(cf->pool, ngx_base64_encoded_length(
                                                 basic.len));
        if (encoded.data == NULL) {
            return NGX_ERROR;
        }

        ngx_encode_base64(&encoded, &basic);
    }

    if (cred->scope.len) {
        p = ngx_cpymem(p, "&scope=", sizeof("&scope=") - 1);
        p += ngx_http_faas_form_escape(p, &cred->scope);
    }

    body_len = p - body;

    len = sizeof("POST  HTTP/1.0" CRLF) - 1 + cred->token.uri.len
          + sizeof("Host: " CRLF) - 1 + cred->token.host.len
          + sizeof("Authorization: Basic " CRLF) - 1 + encoded.len
          + sizeof("Content-Type: application/x-www-form-urlencoded" CRLF)
          - 1
          + sizeof("Accept: application/json" CRLF) - 1
          + sizeof("Content-Length: " CRLF) - 1 + NGX_SIZE_T_LEN
          + sizeof(CRLF) - 1
          + body_len;

    p = ngx_pnalloc(cf->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    cred->token_request.data = p;

    p = ngx_sprintf(p, "POST %V HTTP/1.0" CRLF, &cred->token.uri);

    cred->token_head.data = cred->token_request.data;
    cred->token_head.len = p - cred->token_head.data;

    /* with a host from the Domain API, the Host line is made per fetch */
    if (!cred->dynamic[NGX_HTTP_FAAS_SENTINEL]) {
        p = ngx_sprintf(p, "Host: %V" CRLF, &cred->token.host);
    }

    cred->token_tail.data = p;

    if (encoded.len) {
        p = ngx_sprintf(p, "Authorization: Basic %V" CRLF, &encoded);
    }

    p = ngx_sprintf(p, "Content-Type: application/x-www-form-urlencoded"
                    CRLF "Accept: application/json" CRLF
                    "Content-Length: %uz" CRLF CRLF, body_len);

    p = ngx_cpymem(p, body, body_len);

    cred->token_tail.len = p - cred->token_tail.data;
    cred->token_request.len = p - cred->token_request.data;

    return NGX_OK;
}


/* everything that defines a token: a change means a new token */
static ngx_int_t
ngx_http_faas_cred_key(ngx_http_faas_cred_t *cred)
{
    ngx_int_t    rc;
    ngx_uint_t   i;
    ngx_str_t   *parts[5];
    EVP_MD_CTX  *md;

    parts[0] = cred->dynamic[NGX_HTTP_FAAS_SENTINEL] ? &cred->domain_api
                                                    : &cred->token_url;
    parts[1] = &cred->account;
    parts[2] = &cred->client_id;
    parts[3] = &cred->client_secret;
    parts[4] = &cred->scope;

    md = EVP_MD_CTX_new();
    if (md == NULL) {
        return NGX_ERROR;
    }

    rc = NGX_ERROR;

    if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        goto done;
    }

    for (i = 0; i < 5; i++) {
        if (EVP_DigestUpdate(md, parts[i]->data, parts[i]->len) != 1
            || EVP_DigestUpdate(md, "", 1) != 1)
        {
            goto done;
        }
    }

    /* the client authentication method */
    if (EVP_DigestUpdate(md, cred->client_auth == NGX_HTTP_FAAS_AUTH_BODY
                             ? "body" : "basic", 5) != 1
        || EVP_DigestFinal_ex(md, cred->key, NULL) != 1)
    {
        goto done;
    }

    rc = NGX_OK;

done:

    EVP_MD_CTX_free(md);

    return rc;
}
