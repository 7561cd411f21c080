
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * token_answer: the authorization server's answer, a JWT's "exp"
 * (ngx_http_faas_token_answer.c).
 */


#ifndef _NGX_HTTP_FAAS_TOKEN_ANSWER_H_INCLUDED_
#define _NGX_HTTP_FAAS_TOKEN_ANSWER_H_INCLUDED_


#include "ngx_http_faas.h"


/* results of parsing what the authorization server said */
typedef struct {
    ngx_str_t                       token;
    time_t                          expires;
    const char                     *error;
} ngx_http_faas_token_answer_t;


/* token_answer: the authorization server's answer, a JWT's "exp" */
ngx_int_t ngx_http_faas_json_token(ngx_pool_t *pool, u_char *data,
    size_t len, time_t now, ngx_http_faas_token_answer_t *answer);
ngx_int_t ngx_http_faas_jwt_exp(u_char *token, size_t len, time_t *exp);


#endif /* _NGX_HTTP_FAAS_TOKEN_ANSWER_H_INCLUDED_ */
