
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * The authorization server's answer to a token request, and the "exp" of
 * a JWT: bytes in, the token and its expiry out, no request or event, so
 * that tests and fuzzers can call them.
 */


#include "ngx_http_faas.h"
#include "ngx_http_faas_token_answer.h"

#include "ngx_http_faas_cjson.h"


static ngx_uint_t ngx_http_faas_token_answer_b64token(u_char *p);
static ngx_int_t ngx_http_faas_token_answer_seconds(cJSON *item,
    time_t *value);


/*
 * {"access_token": "...", "expires_in": 3600 | "3600" | absent}: the token
 * expires at the earlier of "expires_in" and the JWT's "exp".
 */

ngx_int_t
ngx_http_faas_json_token(ngx_pool_t *pool, u_char *data, size_t len,
    time_t now, ngx_http_faas_token_answer_t *answer)
{
    time_t      expires_in, exp;
    cJSON      *root, *item;
    ngx_int_t   rc;

    answer->token.len = 0;
    answer->token.data = NULL;
    answer->expires = 0;
    answer->error = NULL;

    if (len == 0) {
        answer->error = "empty body";
        return NGX_ERROR;
    }

    root = cJSON_ParseWithLength((const char *) data, len);

    if (root == NULL || !cJSON_IsObject(root)) {
        answer->error = "not a JSON object";
        rc = NGX_ERROR;
        goto done;
    }

    rc = NGX_ERROR;

    item = cJSON_GetObjectItemCaseSensitive(root, "access_token");

    if (!cJSON_IsString(item) || item->valuestring[0] == '\0') {
        answer->error = "no \"access_token\"";
        goto done;
    }

    if (ngx_strlen(item->valuestring) > NGX_HTTP_FAAS_TOKEN_MAX) {
        answer->error = "\"access_token\" is too large";
        goto done;
    }

    /* it goes into a header line: RFC 6750 b64token characters only */
    if (!ngx_http_faas_token_answer_b64token((u_char *) item->valuestring)) {
        answer->error = "\"access_token\" holds characters a bearer "
                        "token may not hold";
        goto done;
    }

    if (ngx_http_faas_cjson_string(pool, item, &answer->token) != NGX_OK) {
        answer->error = "out of memory";
        goto done;
    }

    answer->expires = 0;

    item = cJSON_GetObjectItemCaseSensitive(root, "expires_in");

    if (item != NULL && !cJSON_IsNull(item)) {
        if (ngx_http_faas_token_answer_seconds(item, &expires_in) != NGX_OK) {
            answer->error = "invalid \"expires_in\"";
            goto done;
        }

        answer->expires = now + expires_in;
    }

    if (ngx_http_faas_jwt_exp(answer->token.data, answer->token.len, &exp)
        == NGX_OK)
    {
        if (answer->expires == 0 || exp < answer->expires) {
            answer->expires = exp;
        }
    }

    if (answer->expires == 0) {
        answer->error = "neither \"expires_in\" nor a JWT \"exp\"";
        goto done;
    }

    rc = NGX_OK;

done:

    if (root) {
        cJSON_Delete(root);
    }

    return rc;
}


/* 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */

static ngx_uint_t
ngx_http_faas_token_answer_b64token(u_char *p)
{
    u_char  *start;

    for (start = p; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
            || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'
            || *p == '_' || *p == '~' || *p == '+' || *p == '/')
        {
            continue;
        }

        break;
    }

    if (p == start) {
        return 0;
    }

    while (*p == '=') {
        p++;
    }

    return (*p == '\0');
}


/* "exp" of a JWT's payload, unverified: only to know when to refresh */

ngx_int_t
ngx_http_faas_jwt_exp(u_char *token, size_t len, time_t *exp)
{
    u_char     *dot1, *dot2, *last;
    cJSON      *root, *item;
    ngx_int_t   rc;
    ngx_str_t   src, dst;
    u_char      buf[NGX_HTTP_FAAS_TOKEN_MAX];

    last = token + len;

    dot1 = ngx_strlchr(token, last, '.');
    if (dot1 == NULL) {
        return NGX_DECLINED;
    }

    dot2 = ngx_strlchr(dot1 + 1, last, '.');
    if (dot2 == NULL) {
        return NGX_DECLINED;
    }

    src.data = dot1 + 1;
    src.len = dot2 - src.data;

    if (ngx_base64_decoded_length(src.len) > sizeof(buf)) {
        return NGX_DECLINED;
    }

    dst.data = buf;

    if (ngx_decode_base64url(&dst, &src) != NGX_OK) {
        return NGX_DECLINED;
    }

    root = cJSON_ParseWithLength((const char *) dst.data, dst.len);
    if (root == NULL) {
        return NGX_DECLINED;
    }

    rc = NGX_DECLINED;

    item = cJSON_GetObjectItemCaseSensitive(root, "exp");

    if (item != NULL
        && ngx_http_faas_token_answer_seconds(item, exp) == NGX_OK)
    {
        rc = NGX_OK;
    }

    cJSON_Delete(root);

    return rc;
}


/* seconds or a time: a JSON number, or a string of digits */

static ngx_int_t
ngx_http_faas_token_answer_seconds(cJSON *item, time_t *value)
{
    ngx_int_t  n;

    if (cJSON_IsNumber(item)) {
        if (item->valuedouble < 0 || item->valuedouble > 4102444800.0) {
            return NGX_ERROR;
        }

        *value = (time_t) item->valuedouble;
        return NGX_OK;
    }

    if (cJSON_IsString(item)) {
        n = ngx_atoi((u_char *) item->valuestring,
                     ngx_strlen(item->valuestring));
        if (n == NGX_ERROR || n > 4102444800LL) {
            return NGX_ERROR;
        }

        *value = (time_t) n;
        return NGX_OK;
    }

    return NGX_ERROR;
}
