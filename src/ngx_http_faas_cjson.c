
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * cJSON as the parsers use it: copies of its strings (cJSON frees its
 * own), and the library's version for the log.
 */


#include "ngx_http_faas.h"

#include "ngx_http_faas_cjson.h"


/* a copy of a cJSON string, null-terminated, in the pool */

ngx_int_t
ngx_http_faas_cjson_string(ngx_pool_t *pool, cJSON *item, ngx_str_t *value)
{
    value->len = ngx_strlen(item->valuestring);
    value->data = ngx_pnalloc(pool, value->len + 1);

    if (value->data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(value->data, item->valuestring, value->len + 1);

    return NGX_OK;
}


/* the version of the cJSON library loaded, for the log */

const char *
ngx_http_faas_json_library(void)
{
    return cJSON_Version();
}
